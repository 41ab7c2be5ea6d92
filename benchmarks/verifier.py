"""Benchmark the NLI verifier and a lexical-overlap baseline on the claim/evidence dev sets.

Run from the repository root::

    python benchmarks/verifier.py --sets scifact,wice --limit 200 --json out.json

For each dev set it prints n, the share of supported pairs, and for the model and the
lexical baseline (measured in the same run): balanced accuracy at ``--threshold``,
ROC-AUC, and for the model its expected calibration error and throughput
(pairs/s = n / wall time of the predict call). The last row averages over sets.
`ece_cal` / `bacc_cal`: after the model's shipped calibration map, at its tuned threshold. Those are
fitted on the calibration half of each set (`veracity.evaluation.splits`), so by default only the
evaluation half is scored (`--half`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if (
    str(REPO_ROOT) not in sys.path
):  # allow `python benchmarks/verifier.py` without install
    sys.path.insert(0, str(REPO_ROOT))

from veracity.errors import VeracityError  # noqa: E402
from veracity.evaluation.baselines import lexical_overlap  # noqa: E402
from veracity.evaluation.devsets import DEVSETS, ClaimEvidencePair, load_all  # noqa: E402
from veracity.evaluation.splits import HALVES, select_half  # noqa: E402
from veracity.evaluation.metrics import (  # noqa: E402
    balanced_accuracy,
    expected_calibration_error,
    roc_auc,
)

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
Scorer = Callable[[list[str], list[str]], list[float]]


@dataclass
class Scored:
    """Metrics of one scorer on one dev set."""

    bacc: float
    auc: float | None
    ece: float
    pairs_per_s: float
    ece_calibrated: float | None = None
    bacc_calibrated: float | None = None
    labels: list[int] = field(default_factory=list, repr=False)
    probabilities: list[float] = field(default_factory=list, repr=False)  # raw, clipped to [0, 1]
    calibrated: list[float] | None = field(default=None, repr=False)


@dataclass
class Row:
    """One results-table row."""

    dataset: str
    n: int
    positives: float
    model: Scored | None
    lexical: Scored
    cosine: Scored | None = None


def model_scorer(model: str) -> tuple[Scorer, Callable[[list[float]], list[float]], float]:
    """Raw P(supported) = entailment probability from :class:`veracity.judges.NLIJudge`, its calibration map
    and the decision threshold the judge applies to calibrated probabilities."""
    try:
        from veracity.judges import NLIJudge
    except ImportError as exc:
        raise VeracityError(
            f"veracity.judges.NLIJudge is unavailable ({exc}); try --baseline-only"
        ) from exc
    judge = NLIJudge(model=model)

    def score(premises: list[str], hypotheses: list[str]) -> list[float]:
        return [float(s.entailment) for s in judge.predict(premises, hypotheses)]

    def calibrate(raw: list[float]) -> list[float]:
        return [float(p) for p in judge.calibrator.predict(raw)] if judge.calibrator is not None else raw

    return score, calibrate, judge.threshold


def cosine_scorer(premises: list[str], hypotheses: list[str]) -> list[float]:
    """Embedding-cosine baseline: cosine of all-MiniLM-L6-v2 embeddings, clipped to [0, 1]."""
    from veracity.retrieval.embedder import encode

    a, b = encode(premises), encode(hypotheses)
    return [float(min(max(x, 0.0), 1.0)) for x in (a * b).sum(axis=1)]


def lexical_scorer(premises: list[str], hypotheses: list[str]) -> list[float]:
    """Lexical-overlap baseline scores."""
    return [lexical_overlap(p, h) for p, h in zip(premises, hypotheses, strict=True)]


def evaluate(
    scorer: Scorer,
    pairs: Sequence[ClaimEvidencePair],
    threshold: float,
    calibrate: Callable[[list[float]], list[float]] | None = None,
    calibrated_threshold: float = 0.5,
) -> Scored:
    """Score ``pairs`` and compute balanced accuracy, AUC, ECE and throughput."""
    premises = [p.premise for p in pairs]
    hypotheses = [p.hypothesis for p in pairs]
    start = time.perf_counter()
    scores = scorer(premises, hypotheses)
    elapsed = time.perf_counter() - start
    y = [p.label for p in pairs]
    clipped = [min(max(s, 0.0), 1.0) for s in scores]
    calibrated = calibrate(clipped) if calibrate is not None else None
    return Scored(
        bacc=balanced_accuracy(y, [int(s >= threshold) for s in scores]),
        auc=roc_auc(y, scores),
        ece=expected_calibration_error(y, clipped),
        pairs_per_s=len(pairs) / elapsed if elapsed > 0 else float("inf"),
        ece_calibrated=None if calibrated is None else expected_calibration_error(y, calibrated),
        bacc_calibrated=None if calibrated is None else balanced_accuracy(y, [int(s >= calibrated_threshold) for s in calibrated]),
        labels=list(y),
        probabilities=clipped,
        calibrated=calibrated,
    )


def pooled_ece(models: Sequence[Scored]) -> tuple[float, float | None, int]:
    """ECE of all sets' pairs together (raw, calibrated): what one global calibration map can fix.

    The per-set ECE also carries each set's own base rate, which no map shared by all sets removes.
    """
    y = [label for m in models for label in m.labels]
    raw = [p for m in models for p in m.probabilities]
    cal = None if any(m.calibrated is None for m in models) else [p for m in models for p in m.calibrated or []]
    return expected_calibration_error(y, raw), None if cal is None else expected_calibration_error(y, cal), len(y)


def subsample(
    pairs: list[ClaimEvidencePair], limit: int | None, seed: str
) -> list[ClaimEvidencePair]:
    """A seeded random subset of at most ``limit`` pairs, in the original order."""
    if limit is None or len(pairs) <= limit:
        return pairs
    keep = sorted(random.Random(seed).sample(range(len(pairs)), limit))
    return [pairs[i] for i in keep]


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def _mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def render(rows: Sequence[Row]) -> str:
    """Fixed-width results table with a final mean row."""
    head = (
        f"{'dataset':<18}{'n':>6}{'pos%':>6} | {'bacc':>6}{'auc':>7}{'ece':>7}{'ece_cal':>8}{'bacc_cal':>9}{'pairs/s':>9}"
        f" | {'lex bacc':>9}{'lex auc':>8} | {'cos bacc':>9}{'cos auc':>8}"
    )
    lines = [head, "-" * len(head)]

    def cells(m: Scored | None) -> str:
        if m is None:
            return f"{'-':>6}{'-':>7}{'-':>7}{'-':>8}{'-':>9}{'-':>9}"
        return (
            f"{_fmt(m.bacc):>6}{_fmt(m.auc):>7}{_fmt(m.ece):>7}{_fmt(m.ece_calibrated):>8}"
            f"{_fmt(m.bacc_calibrated):>9}{_fmt(m.pairs_per_s, '.1f'):>9}"
        )

    for r in rows:
        cos = r.cosine
        lines.append(
            f"{r.dataset:<18}{r.n:>6}{100 * r.positives:>6.1f} | {cells(r.model)} | "
            f"{_fmt(r.lexical.bacc):>9}{_fmt(r.lexical.auc):>8} | "
            f"{_fmt(cos.bacc if cos else None):>9}{_fmt(cos.auc if cos else None):>8}"
        )
    models = [r.model for r in rows if r.model is not None]
    cosines = [r.cosine for r in rows if r.cosine is not None]
    lines.append("-" * len(head))
    lines.append(
        f"{'mean':<18}{sum(r.n for r in rows):>6}{'':>6} | "
        f"{_fmt(_mean([m.bacc for m in models])):>6}{_fmt(_mean([m.auc for m in models])):>7}"
        f"{_fmt(_mean([m.ece for m in models])):>7}{_fmt(_mean([m.ece_calibrated for m in models])):>8}"
        f"{_fmt(_mean([m.bacc_calibrated for m in models])):>9}{'':>9} | "
        f"{_fmt(_mean([r.lexical.bacc for r in rows])):>9}"
        f"{_fmt(_mean([r.lexical.auc for r in rows])):>8} | "
        f"{_fmt(_mean([c.bacc for c in cosines])):>9}{_fmt(_mean([c.auc for c in cosines])):>8}"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="root of the shared dev sets (default: %(default)s)",
    )
    ap.add_argument(
        "--model",
        default="default",
        help="NLIJudge model name or path (default: %(default)s)",
    )
    ap.add_argument(
        "--sets",
        default=None,
        help=f"comma-separated dev sets (default: all of {','.join(DEVSETS)})",
    )
    ap.add_argument(
        "--limit",
        type=int,
        default=None,
        help="max pairs per set, seeded random subset (default: all)",
    )
    ap.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="P(supported) threshold for balanced accuracy",
    )
    ap.add_argument(
        "--half",
        choices=HALVES,
        default="evaluation",
        help="which half of each dev set (veracity.evaluation.splits); the shipped calibration and "
        "threshold are fitted on the calibration half (default: %(default)s)",
    )
    ap.add_argument(
        "--json",
        dest="json_out",
        type=Path,
        default=None,
        metavar="OUT",
        help="also write the table as JSON",
    )
    ap.add_argument(
        "--baseline-only",
        action="store_true",
        help="skip the model; report the lexical baseline only",
    )
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    names = (
        [s.strip() for s in args.sets.split(",") if s.strip()]
        if args.sets
        else list(DEVSETS)
    )
    unknown = [n for n in names if n not in DEVSETS]
    if unknown:
        print(
            f"error: unknown dev set(s) {', '.join(unknown)}; known: {', '.join(DEVSETS)}",
            file=sys.stderr,
        )
        return 2
    try:
        devsets = load_all(args.data, names)
        scorer, calibrate, cal_threshold = (None, None, 0.5) if args.baseline_only else model_scorer(args.model)
        rows: list[Row] = []
        for name, pairs in devsets.items():
            pairs = subsample(select_half(pairs, args.half), args.limit, f"20240917-bench-{name}")
            if not pairs:
                continue
            rows.append(
                Row(
                    dataset=name,
                    n=len(pairs),
                    positives=sum(p.label for p in pairs) / len(pairs),
                    model=None
                    if scorer is None
                    else evaluate(scorer, pairs, args.threshold, calibrate, cal_threshold),
                    lexical=evaluate(lexical_scorer, pairs, args.threshold),
                    cosine=None if args.baseline_only else evaluate(cosine_scorer, pairs, args.threshold),
                )
            )
    except VeracityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not rows:
        print(f"error: no dev sets found under {args.data}", file=sys.stderr)
        return 1
    print(render(rows))
    models = [r.model for r in rows if r.model is not None]
    pooled = pooled_ece(models) if models else None
    if pooled is not None:
        print(f"pooled over all sets (n={pooled[2]}): ECE raw {_fmt(pooled[0])}, calibrated {_fmt(pooled[1])}")
    if args.json_out is not None:
        payload = {
            "model": None if args.baseline_only else args.model,
            "threshold": args.threshold,
            "calibrated_threshold": cal_threshold,
            "half": args.half,
            "limit": args.limit,
            "rows": [asdict(r) for r in rows],
            "mean": {
                "model_bacc": _mean([r.model.bacc for r in rows if r.model]),
                "model_auc": _mean([r.model.auc for r in rows if r.model]),
                "model_ece": _mean([r.model.ece for r in rows if r.model]),
                "model_ece_calibrated": _mean([r.model.ece_calibrated for r in rows if r.model]),
                "model_bacc_calibrated": _mean([r.model.bacc_calibrated for r in rows if r.model]),
                "model_pooled_ece": None if pooled is None else pooled[0],
                "model_pooled_ece_calibrated": None if pooled is None else pooled[1],
                "lexical_bacc": _mean([r.lexical.bacc for r in rows]),
                "lexical_auc": _mean([r.lexical.auc for r in rows]),
            },
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
