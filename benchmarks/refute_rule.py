"""Does "refuted" mean contradicted, and "not enough info" mean the evidence lacks it? (issue 10, item 5)

Run from the repository root::

    python benchmarks/refute_rule.py --limit 150

On every dev set and view whose labels tell refuted from not-enough-info (or that has refuted claims),
each claim is scored once against every window the verifier would read (`NLIJudge`'s windows and
pre-selection), and the verifier's decision is replayed for a grid of the two refutation settings:

* `min_overlap`: the share of the claim's content words a window must contain before it may refute
  (`veracity.judges.nli.MIN_REFUTING_OVERLAP`; shipped 0.3);
* `refute_threshold`: the contradiction probability at or above which it refutes (shipped 0.5).

Supported is decided first, by the judge's calibrated P(supported) (its support rule, at the shipped
overlap) and threshold; the refuting window is then replayed as `NLIJudge` chooses it for one evidence text. Reported per
set: 3-way balanced accuracy (mean recall over the classes present), refuted precision and recall, and
not-enough-info recall, for the shipped setting and for the setting chosen leave-one-set-out (on the
sets other than the scored one and its views: never on the pairs reported), with the mean and worst set.
The scores reuse `NLIJudge`'s private window helpers so that the replay sees exactly the windows the judge
scores.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.devsets import load_devset  # noqa: E402
from veracity.evaluation.pairs import ClaimEvidencePair  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402
from veracity.evaluation.views import load_view  # noqa: E402
from veracity.judges.nli import _most_decisive  # noqa: E402
from veracity.text.words import lexical_overlap  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SETS = ("scifact", "climate_fever", "healthver", "covidfact", "fever_symmetric")
VIEWS = ("scifact.rationale", "scifact.sentence", "climate_fever.claim", "climate_fever.decisive", "healthver.decisive", "fever_symmetric.edited")
OVERLAPS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
REFUTE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SHIPPED = (0.3, 0.5)
CLASSES = ("supported", "refuted", "not_enough_info")


@dataclass(frozen=True)
class ScoredPair:
    """Gold 3-way label, the judge's calibrated P(supported) and every window's (contradiction, entailment, overlap)."""

    gold: str
    p_support: float
    windows: np.ndarray  # shape (n_windows, 3)


def score_pairs(judge, pairs: Sequence[ClaimEvidencePair]) -> list[ScoredPair]:
    """Score every window of every pair in one batched pass."""
    per_pair = [judge._windows(p.premise, p.hypothesis) for p in pairs]  # noqa: SLF001 (the judge's own windows)
    flat_p = [w.text for ws in per_pair for w in ws]
    flat_h = [p.hypothesis for p, ws in zip(pairs, per_pair) for _ in ws]
    scores = judge._score(flat_p, flat_h)  # noqa: SLF001
    out, i = [], 0
    for pair, windows in zip(pairs, per_pair):
        rows = scores[i : i + len(windows)]
        i += len(windows)
        table = np.array([[s.contradiction, s.entailment, lexical_overlap(w.text, pair.hypothesis)] for s, w in zip(rows, windows)])
        raw = _most_decisive(list(zip(rows, windows)), pair.hypothesis, judge.support_rule).support  # the judge's own rule
        out.append(ScoredPair(pair.three_way or "", judge.calibrate_support([raw])[0], table))
    return out


def decide(pair: ScoredPair, threshold: float, min_overlap: float, refute_threshold: float) -> str:
    """`NLIJudge`'s decision for one evidence text, replayed (`_most_decisive`, then `_decide`)."""
    w = pair.windows
    support = int(np.argmax(w[:, 1]))
    related = np.flatnonzero(w[:, 2] >= min_overlap)
    contra = int(related[np.argmax(w[related, 0])]) if related.size else support
    chosen = support if w[support, 1] >= w[contra, 0] else contra
    if pair.p_support >= threshold:
        return "supported"
    if w[chosen, 2] >= min_overlap and w[chosen, 0] >= refute_threshold:
        return "refuted"
    return "not_enough_info"


def metrics(pairs: Sequence[ScoredPair], threshold: float, setting: tuple[float, float]) -> dict[str, float | None]:
    """3-way balanced accuracy, refuted precision/recall and not-enough-info recall."""
    gold = [p.gold for p in pairs]
    pred = [decide(p, threshold, *setting) for p in pairs]
    recalls = {c: float(np.mean([g == q for g, q in zip(gold, pred) if g == c])) for c in CLASSES if c in gold}
    said_refuted = [g for g, q in zip(gold, pred) if q == "refuted"]
    return {
        "bacc3": float(np.mean(list(recalls.values()))),
        "refuted_precision": float(np.mean([g == "refuted" for g in said_refuted])) if said_refuted else None,
        "refuted_recall": recalls.get("refuted"),
        "nei_recall": recalls.get("not_enough_info"),
    }


def choose(scored: dict[str, list[ScoredPair]], threshold: float, leave_out: str) -> tuple[float, float]:
    """The setting with the best mean 3-way balanced accuracy over the sets other than `leave_out` (and its views)."""
    fit = [name for name in scored if name.split(".", 1)[0] != leave_out]

    def mean_bacc(setting: tuple[float, float]) -> float:
        return float(np.mean([metrics(scored[name], threshold, setting)["bacc3"] for name in fit]))

    grid = [(m, r) for m in OVERLAPS for r in REFUTE_THRESHOLDS]
    return max(grid, key=lambda s: (round(mean_bacc(s), 6), s == SHIPPED))


def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=150, help="pairs per set or view (seeded sample of the evaluation half)")
    ap.add_argument("--model", default="default")
    args = ap.parse_args(argv)
    from veracity.judges import NLIJudge

    judge = NLIJudge(args.model)
    scored: dict[str, list[ScoredPair]] = {}
    for name in SETS + VIEWS:
        pairs = load_view(name, args.data) if "." in name else load_devset(name, args.data)
        pairs = [p for p in select_half(pairs, "evaluation") if p.three_way in CLASSES]
        rng = np.random.default_rng(20240917)
        if len(pairs) > args.limit:
            pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), args.limit, replace=False))]
        scored[name] = score_pairs(judge, pairs)
        print(f"scored {name} ({len(pairs)} pairs)", file=sys.stderr, flush=True)
    threshold = judge.threshold
    print(f"supported when calibrated P(supported) >= {threshold}; shipped refutation setting: overlap >= {SHIPPED[0]}, P(contradiction) >= {SHIPPED[1]}")
    print(f"{'set':24} {'n':>4} | shipped: bacc3  ref.P  ref.R  nei.R | LOSO setting   bacc3  ref.P  ref.R  nei.R")
    rows = []
    for name, pairs in scored.items():
        chosen = choose(scored, threshold, name.split(".", 1)[0])
        a, b = metrics(pairs, threshold, SHIPPED), metrics(pairs, threshold, chosen)
        rows.append((a, b))
        print(
            f"{name:24} {len(pairs):4d} | {_fmt(a['bacc3'])} {_fmt(a['refuted_precision'])} {_fmt(a['refuted_recall'])} {_fmt(a['nei_recall'])}"
            f" | ({chosen[0]:.1f}, {chosen[1]:.1f})  {_fmt(b['bacc3'])} {_fmt(b['refuted_precision'])} {_fmt(b['refuted_recall'])} {_fmt(b['nei_recall'])}"
        )
    for label, agg in (("mean", np.mean), ("worst", np.min)):
        a = agg([r[0]["bacc3"] for r in rows])
        b = agg([r[1]["bacc3"] for r in rows])
        print(f"{label:24} {'':4} | {a:6.3f} {'':20} | {'':12} {b:6.3f}")
    everything = choose(scored, threshold, leave_out="")
    print(f"setting chosen on all sets: overlap >= {everything[0]}, P(contradiction) >= {everything[1]}")
    both = [name for name, pairs in scored.items() if {"refuted", "not_enough_info"} <= {p.gold for p in pairs}]
    grids = (
        ("mean 3-way balanced accuracy over all sets and views", list(scored), "bacc3"),
        (f"mean 3-way balanced accuracy over the sets with both refuted and not-enough-info gold ({', '.join(both)})", both, "bacc3"),
        ("mean refuted precision over all sets and views (sets where nothing is called refuted left out)", list(scored), "refuted_precision"),
    )
    for title, names, key in grids:
        print(f"grid, {title} (rows: min_overlap; columns: refute_threshold):")
        print("      " + " ".join(f"{r:6.1f}" for r in REFUTE_THRESHOLDS))
        for m in OVERLAPS:
            cells = []
            for r in REFUTE_THRESHOLDS:
                values = [v for v in (metrics(scored[n], threshold, (m, r))[key] for n in names) if v is not None]
                cells.append(f"{np.mean(values):6.3f}" if values else "   -  ")
            print(f"{m:5.1f} " + " ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
