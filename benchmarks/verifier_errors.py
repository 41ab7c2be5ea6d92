"""Print a seeded sample of the verifier's errors on dev sets, for reading by hand.

    HF_HUB_OFFLINE=1 python benchmarks/verifier_errors.py --sets climate_fever,covidfact,wice --per-set 40

Samples `--per-set` pairs of each set's evaluation half (seed 1), scores them with `--model`, and prints
every pair whose verdict at the model's threshold disagrees with the gold label, with the calibrated
P(supported), P(contradiction), the claim and the start of the evidence.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.devsets import load_all  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=(REPO_ROOT / ".." / "shared" / "data").resolve())
    ap.add_argument("--model", default="default")
    ap.add_argument("--sets", default="climate_fever,covidfact,wice")
    ap.add_argument("--per-set", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    from veracity.judges import NLIJudge

    judge = NLIJudge(args.model)
    for name, pairs in load_all(args.data, [s.strip() for s in args.sets.split(",") if s.strip()]).items():
        pairs = select_half(pairs, "evaluation")
        sample = random.Random(args.seed).sample(pairs, min(args.per_set, len(pairs)))
        scores = judge.predict([p.premise for p in sample], [p.hypothesis for p in sample])
        probs = judge.p_supported([p.premise for p in sample], [p.hypothesis for p in sample])
        errors = [(p, s, q) for p, s, q in zip(sample, scores, probs) if (q >= judge.threshold) != bool(p.label)]
        print(f"== {name}: {len(errors)} errors of {len(sample)}")
        for pair, score, prob in errors:
            print(f"gold={pair.label} P={prob:.2f} c={score.contradiction:.2f} | CLAIM: {pair.hypothesis[:200]} | EVIDENCE: {pair.premise[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
