"""Held-apart behaviour checks for the NLI verifier, beside the lexical-overlap baseline.

Run from the repository root::

    python benchmarks/verifier_checks.py --model default --json out.json

The check sets (`veracity.evaluation.checks`) are made only from the `nli_train` **dev** files, never from
train: counterfactual-swap and sentence-deletion minimal pairs, FactCG's document minimal pairs, identity,
quotation and paraphrase sanity sets (every pair must be supported), and the fixed known-failure cases.
For each set it prints n, the share that must be supported, and the balanced accuracy (binary: supported
vs not) of the model at its shipped threshold (calibrated P(supported)) and at 0.5 (raw P(entailment)),
the model's AUC, and the lexical baseline's balanced accuracy at 0.5 and AUC, all in the same run. A set
with one class has no AUC and its balanced accuracy is the share judged right.

It also prints the calibration map's resolution: the number of distinct calibrated values over 10,001
raw scores in [0, 1], and over the scored pairs of the dev sets' evaluation half (`--dev-limit` per set).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # allow `python benchmarks/verifier_checks.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.verifier import DEFAULT_DATA, lexical_scorer, model_scorer, subsample  # noqa: E402
from veracity.errors import VeracityError  # noqa: E402
from veracity.evaluation.checks import build_checks  # noqa: E402
from veracity.evaluation.devsets import load_all  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy, roc_auc  # noqa: E402
from veracity.evaluation.pairs import ClaimEvidencePair  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402


@dataclass
class CheckRow:
    """One check set's figures."""

    check: str
    n: int
    positives: float
    bacc_shipped: float | None
    bacc_raw: float | None
    auc: float | None
    lex_bacc: float
    lex_auc: float | None


def _bacc(labels: list[int], scores: Sequence[float], threshold: float) -> float:
    return balanced_accuracy(labels, [int(s >= threshold) for s in scores])


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render(rows: Sequence[CheckRow], shipped: float | None) -> str:
    """Fixed-width table of the check sets."""
    at = "-" if shipped is None else f"{shipped:.3f}"
    head = f"{'check':<20}{'n':>5}{'pos%':>6} | {f'b@{at}':>8}{'b@0.5':>7}{'auc':>7} | {'lex@0.5':>8}{'lex auc':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.check:<20}{r.n:>5}{100 * r.positives:>6.1f} | {_fmt(r.bacc_shipped):>8}{_fmt(r.bacc_raw):>7}"
            f"{_fmt(r.auc):>7} | {_fmt(r.lex_bacc):>8}{_fmt(r.lex_auc):>8}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="root of the shared data (default: %(default)s)")
    ap.add_argument("--model", default="default", help="NLIJudge model name or path (default: %(default)s)")
    ap.add_argument("--windows", choices=("packed", "digest"), default="packed", help="how NLIJudge reads long evidence")
    ap.add_argument("--n", type=int, default=200, help="size of each generated check kind (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=2026, help="seed of the check sets (default: %(default)s)")
    ap.add_argument(
        "--dev-limit", type=int, default=50,
        help="dev-set pairs per set (evaluation half) for the resolution count; 0 skips it (default: %(default)s)",
    )
    ap.add_argument("--baseline-only", action="store_true", help="skip the model; report the lexical baseline only")
    ap.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT", help="also write the results as JSON")
    args = ap.parse_args(argv)
    if args.n < 1 or args.dev_limit < 0:
        ap.error("--n must be >= 1 and --dev-limit >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Build the check sets, score them and print the table."""
    args = parse_args(argv)
    try:
        checks = build_checks(args.data / "nli_train", n=args.n, seed=args.seed)
        scorer, calibrate, shipped = (None, None, None) if args.baseline_only else model_scorer(args.model, args.windows)
        rows: list[CheckRow] = []
        for name, pairs in checks.items():
            if not pairs:
                continue
            y = [p.label for p in pairs]
            premises, claims = [p.premise for p in pairs], [p.hypothesis for p in pairs]
            lex = lexical_scorer(premises, claims)
            raw = None if scorer is None else [min(max(s, 0.0), 1.0) for s in scorer(premises, claims)]
            cal = None if raw is None or calibrate is None else calibrate(raw)
            rows.append(
                CheckRow(
                    check=name,
                    n=len(pairs),
                    positives=sum(y) / len(y),
                    bacc_shipped=None if cal is None or shipped is None else _bacc(y, cal, shipped),
                    bacc_raw=None if raw is None else _bacc(y, raw, 0.5),
                    auc=None if raw is None else roc_auc(y, raw),
                    lex_bacc=_bacc(y, lex, 0.5),
                    lex_auc=roc_auc(y, lex),
                )
            )
        resolution: dict[str, int | None] = {"grid": None, "dev_sets": None, "dev_pairs": 0}
        if calibrate is not None:
            resolution["grid"] = len({round(p, 6) for p in calibrate([i / 10000 for i in range(10001)])})
            if args.dev_limit:
                dev: list[ClaimEvidencePair] = []
                for name, pairs in load_all(args.data).items():
                    dev += subsample(select_half(pairs, "evaluation"), args.dev_limit, f"20240917-bench-{name}")
                raw_dev = [min(max(s, 0.0), 1.0) for s in scorer([p.premise for p in dev], [p.hypothesis for p in dev])]
                resolution["dev_sets"] = len({round(p, 6) for p in calibrate(raw_dev)})
                resolution["dev_pairs"] = len(dev)
    except VeracityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(render(rows, shipped))
    if resolution["grid"] is not None:
        dev_part = (
            f", over {resolution['dev_pairs']} dev-set pairs: {resolution['dev_sets']}" if resolution["dev_sets"] is not None else ""
        )
        print(f"distinct calibrated values: over 10,001 raw scores in [0, 1]: {resolution['grid']}{dev_part}")
    if args.json_out is not None:
        payload = {
            "model": None if args.baseline_only else args.model,
            "shipped_threshold": shipped,
            "n": args.n,
            "seed": args.seed,
            "rows": [asdict(r) for r in rows],
            "distinct_calibrated_values": resolution,
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
