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

Generalisation (printed after the table; `veracity.evaluation.loso`): per set, AUC and balanced accuracy
at `--threshold` (raw) and at the shipped threshold (calibrated); the mean and the worst set; and
leave-one-set-out (LOSO) figures for what is fitted on dev data: the calibration map and decision
threshold are refitted with the shipped recipe on the scored pairs of every other set (non-commercial
sets are scored, never fitted on) and applied to the left-out set, whose ECE and balanced accuracy at that
threshold are reported. The lexical baseline gets the same LOSO recipe. `--views` adds other views of
the sets (`veracity.evaluation.views`: rationale sentences, one sentence, whole chunks, deleted evidence,
...), each scored with the LOSO map fitted without its set. `distinct calibrated values`: how many
different probabilities the shipped map gave on the scored pairs (its resolution).
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
from veracity.evaluation.devsets import DEVSETS, NON_COMMERCIAL, ClaimEvidencePair, load_all  # noqa: E402
from veracity.evaluation.loso import Fitted, SetScores, leave_one_set_out  # noqa: E402
from veracity.evaluation.views import VIEWS, load_view, view_names  # noqa: E402
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


def model_scorer(model: str, windows: str = "packed") -> tuple[Scorer, Callable[[list[float]], list[float]], float]:
    """Raw P(supported) from :class:`veracity.judges.NLIJudge` (under the model's support rule), its calibration map
    and the decision threshold the judge applies to calibrated probabilities."""
    try:
        from veracity.judges import NLIJudge
    except ImportError as exc:
        raise VeracityError(
            f"veracity.judges.NLIJudge is unavailable ({exc}); try --baseline-only"
        ) from exc
    judge = NLIJudge(model=model, windows=windows)

    def score(premises: list[str], hypotheses: list[str]) -> list[float]:
        return judge.raw_support(premises, hypotheses)

    def calibrate(raw: list[float]) -> list[float]:
        return judge.calibrate_support(raw)

    return score, calibrate, judge.threshold


def cosine_scorer(premises: list[str], hypotheses: list[str]) -> list[float]:
    """Embedding-cosine baseline: cosine of all-MiniLM-L6-v2 embeddings, clipped to [0, 1]."""
    from veracity.retrieval.search.embedder import encode

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


@dataclass
class Generalisation:
    """How one set (or view) fares: raw and shipped-threshold figures, and leave-one-set-out ones."""

    name: str
    n: int
    auc: float | None
    bacc_raw: float | None  # raw P(entailment) >= --threshold
    bacc_shipped: float | None  # calibrated P >= the shipped threshold
    loso_ece: float | None
    loso_threshold: float | None
    loso_bacc: float | None
    lex_auc: float | None
    lex_bacc_raw: float
    lex_loso_bacc: float | None


def loso_fits(rows: Sequence[Row], which: str) -> dict[str, Fitted]:
    """Set name -> map and threshold fitted on the other sets' scores (`which`: "model" or "lexical")."""
    sets: dict[str, SetScores] = {}
    for r in rows:
        scored = getattr(r, which)
        if scored is not None:
            sets[r.dataset] = SetScores(scored.probabilities, scored.labels)
    if len([name for name in sets if name not in NON_COMMERCIAL]) < 2:
        return {}
    return {name: fitted for name, (fitted, _) in leave_one_set_out(sets, NON_COMMERCIAL).items()}


def _loso(fitted: Fitted | None, scored: Scored | None) -> tuple[float | None, float | None]:
    if fitted is None or scored is None:
        return None, None
    probs = fitted.probabilities(scored.probabilities)
    return (
        expected_calibration_error(scored.labels, probs),
        balanced_accuracy(scored.labels, [int(p >= fitted.threshold) for p in probs]),
    )


def generalisation(
    name: str, dataset: str, model: Scored | None, lexical: Scored, fits: dict[str, Fitted], lex_fits: dict[str, Fitted]
) -> Generalisation:
    """The generalisation row of one set or view; LOSO maps are those fitted without ``dataset``."""
    ece, bacc = _loso(fits.get(dataset), model)
    _, lex_bacc = _loso(lex_fits.get(dataset), lexical)
    fitted = fits.get(dataset)
    return Generalisation(
        name=name,
        n=len(lexical.labels),
        auc=None if model is None else model.auc,
        bacc_raw=None if model is None else model.bacc,
        bacc_shipped=None if model is None else model.bacc_calibrated,
        loso_ece=ece,
        loso_threshold=None if fitted is None else fitted.threshold,
        loso_bacc=bacc,
        lex_auc=lexical.auc,
        lex_bacc_raw=lexical.bacc,
        lex_loso_bacc=lex_bacc,
    )


_GEN_COLUMNS = ("auc", "bacc_raw", "bacc_shipped", "loso_ece", "loso_threshold", "loso_bacc", "lex_auc", "lex_bacc_raw", "lex_loso_bacc")


def summarise(gens: Sequence[Generalisation]) -> dict[str, dict[str, float | str | None]]:
    """Mean and worst (lowest; highest for ECE) of every column, with the worst set's name."""
    out: dict[str, dict[str, float | str | None]] = {"mean": {}, "worst": {}, "worst_set": {}}
    for col in _GEN_COLUMNS:
        vals = [(getattr(g, col), g.name) for g in gens if getattr(g, col) is not None]
        out["mean"][col] = _mean([v for v, _ in vals])
        if not vals or col == "loso_threshold":
            out["worst"][col] = out["worst_set"][col] = None
            continue
        worst = max(vals) if col == "loso_ece" else min(vals)
        out["worst"][col], out["worst_set"][col] = worst
    return out


def render_generalisation(gens: Sequence[Generalisation], title: str, raw_threshold: float, shipped: float) -> str:
    """Fixed-width generalisation table with mean and worst rows."""
    head = (
        f"{'set / view':<27}{'n':>5} | {'auc':>6}{f'b@{raw_threshold:g}':>8}{f'b@{shipped:.3f}':>8} | "
        f"{'loso_ece':>8}{'loso_thr':>9}{'loso_b':>7} | {'lex auc':>7}{f'lex@{raw_threshold:g}':>8}{'lex_loso':>9}"
    )
    rule = "-" * len(head)
    lines = [title, head, rule]

    def line(label: str, n: str, v: dict[str, float | str | None]) -> str:
        f = {k: _fmt(v.get(k) if isinstance(v.get(k), float) else None) for k in _GEN_COLUMNS}
        return (
            f"{label:<27}{n:>5} | {f['auc']:>6}{f['bacc_raw']:>8}{f['bacc_shipped']:>8} | "
            f"{f['loso_ece']:>8}{f['loso_threshold']:>9}{f['loso_bacc']:>7} | "
            f"{f['lex_auc']:>7}{f['lex_bacc_raw']:>8}{f['lex_loso_bacc']:>9}"
        )

    for g in gens:
        lines.append(line(g.name, str(g.n), asdict(g)))
    summary = summarise(gens)
    lines += [rule, line("mean", str(sum(g.n for g in gens)), summary["mean"]), line("worst", "", summary["worst"])]
    names = {"bacc_shipped": f"b@{shipped:.3f}", "auc": "auc", "loso_bacc": "loso_b", "lex_bacc_raw": f"lex@{raw_threshold:g}"}
    worst = ", ".join(f"{label} {summary['worst_set'][col]}" for col, label in names.items() if summary["worst_set"][col])
    lines.append(f"worst set by {worst}")
    return "\n".join(lines)


def distinct_values(models: Sequence[Scored]) -> int | None:
    """How many different calibrated probabilities (to 6 decimals) the shipped map gave."""
    if not models or any(m.calibrated is None for m in models):
        return None
    return len({round(p, 6) for m in models for p in m.calibrated or []})


def _progress(name: str, n: int, started: float) -> None:
    print(f"scored {name} ({n} pairs), {time.perf_counter() - started:.0f} s so far", file=sys.stderr, flush=True)


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
        "--windows",
        choices=("packed", "digest"),
        default="packed",
        help="how NLIJudge reads long evidence (calibrate the model for it first: calibrate --windows)",
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
        "--views",
        default="all",
        help="other views of the sets to score too: 'all' (of the chosen sets), 'none', or a comma-separated "
        f"list of {', '.join(VIEWS)} (default: %(default)s)",
    )
    ap.add_argument(
        "--baseline-only",
        action="store_true",
        help="skip the model; report the lexical baseline only",
    )
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be >= 1")
    if args.views not in ("all", "none"):
        unknown = [v for v in args.views.split(",") if v.strip() and v.strip() not in VIEWS]
        if unknown:
            ap.error(f"unknown view(s) {', '.join(unknown)}; known: {', '.join(VIEWS)}")
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
        scorer, calibrate, cal_threshold = (None, None, 0.5) if args.baseline_only else model_scorer(args.model, args.windows)
        rows: list[Row] = []
        started = time.perf_counter()
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
            _progress(name, len(pairs), started)
        if not rows:
            print(f"error: no dev sets found under {args.data}", file=sys.stderr)
            return 1
        chosen = (
            []
            if args.views == "none"
            else view_names([r.dataset for r in rows])
            if args.views == "all"
            else [v.strip() for v in args.views.split(",") if v.strip()]
        )
        view_rows: list[Row] = []
        for view in chosen:
            pairs = subsample(select_half(load_view(view, args.data), args.half), args.limit, f"20240917-bench-{view}")
            if pairs:
                view_rows.append(
                    Row(
                        dataset=view,
                        n=len(pairs),
                        positives=sum(p.label for p in pairs) / len(pairs),
                        model=None if scorer is None else evaluate(scorer, pairs, args.threshold, calibrate, cal_threshold),
                        lexical=evaluate(lexical_scorer, pairs, args.threshold),
                    )
                )
                _progress(view, len(pairs), started)
        fits, lex_fits = loso_fits(rows, "model"), loso_fits(rows, "lexical")
    except VeracityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(render(rows))
    models = [r.model for r in rows if r.model is not None]
    pooled = pooled_ece(models) if models else None
    if pooled is not None:
        print(f"pooled over all sets (n={pooled[2]}): ECE raw {_fmt(pooled[0])}, calibrated {_fmt(pooled[1])}")
    distinct = distinct_values(models)
    if distinct is not None:
        print(f"distinct calibrated values over the sets' pairs: {distinct} (n={sum(len(m.labels) for m in models)})")
    gens = [generalisation(r.dataset, r.dataset, r.model, r.lexical, fits, lex_fits) for r in rows]
    view_gens = [generalisation(r.dataset, r.dataset.split(".", 1)[0], r.model, r.lexical, fits, lex_fits) for r in view_rows]
    print()
    print(render_generalisation(gens, "generalisation over the dev sets (LOSO: map and threshold fitted on the other sets)", args.threshold, cal_threshold))
    if view_gens:
        print()
        print(render_generalisation(view_gens, "other views (LOSO: map and threshold fitted without the view's set)", args.threshold, cal_threshold))
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
            "distinct_calibrated_values": distinct,
            "generalisation": {"sets": [asdict(g) for g in gens], **summarise(gens)},
            "views": {
                "rows": [asdict(r) for r in view_rows],
                "generalisation": [asdict(g) for g in view_gens],
                **(summarise(view_gens) if view_gens else {}),
            },
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
