"""How should the verifier turn its window scores into one P(supported)? Rules compared leave-one-set-out.

Run from the repository root::

    python benchmarks/verifier_aggregation.py --limit 150 --windows out/windows.json

Every window the verifier can read packed (`NLIJudge(windows="packed", max_windows=None)`: the packed windows and each sentence) of
every pair of the dev sets' evaluation half, and of nine other views, is scored once; `--windows` keeps those
scores as JSON so that a rerun only replays the rules. Each rule maps a pair's windows to one score:

* `shipped`: the strongest supporting window, unless a window sharing >= 30% of the claim's content words
  contradicts more strongly (then that window's entailment): what `NLIJudge` does today;
* `max_entailment`: the strongest supporting window, contradiction ignored;
* `top2_entailment`: the mean of the two strongest;
* `entailment_minus_contradiction`: the largest (entailment - contradiction) of a window, rescaled to [0, 1];
* `related_entailment`: the strongest supporting window among those sharing >= 30% of the claim's words;
* `entailment_x_coverage`: the strongest entailment times the largest share of the claim's content words
  found in one window (parameter-free);
* `window_entailment_x_coverage`: the largest entailment x coverage of one window.

The check sets of `benchmarks/verifier_checks.py` (counterfactual, deletion, document pairs, identity,
quotation, paraphrase, known failures) are scored the same way, at the threshold of the map fitted on all dev sets.

Per rule: mean and worst per-set ROC-AUC, and leave-one-set-out (LOSO) balanced accuracy and ECE after the
shipped calibration recipe (`veracity.evaluation.loso`: map and threshold fitted on the other sets; AVeriTeC
never fitted on), on the sets and on the views (each view scored with the map fitted without its set). No rule
has a fitted parameter, and the LOSO rule choice (best mean AUC on the other sets) is printed too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.verifier import subsample  # noqa: E402  (the same seeded samples as benchmarks/verifier.py)

from veracity.evaluation.checks import build_checks  # noqa: E402
from veracity.evaluation.devsets import NON_COMMERCIAL, load_all  # noqa: E402
from veracity.evaluation.loso import SetScores, fit_map_and_threshold, leave_one_set_out  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy, expected_calibration_error, roc_auc  # noqa: E402
from veracity.evaluation.splits import select_half  # noqa: E402
from veracity.evaluation.views import load_view  # noqa: E402
from veracity.text.words import lexical_overlap  # noqa: E402

DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
VIEWS = (
    "scifact.rationale", "scifact.sentence", "scifact.deletion", "wice.oracle", "wice.deletion",
    "climate_fever.claim", "healthver.decisive", "fever_symmetric.edited", "attributionbench.question",
)
RELATED = 0.3  # `veracity.judges.nli.MIN_REFUTING_OVERLAP`
Windows = np.ndarray  # (n_windows, 3): entailment, contradiction, coverage (share of the claim's content words)


def _shipped(w: Windows) -> float:
    support = int(np.argmax(w[:, 0]))
    related = np.flatnonzero(w[:, 2] >= RELATED)
    contra = int(related[np.argmax(w[related, 1])]) if related.size else support
    return float(w[support, 0] if w[support, 0] >= w[contra, 1] else w[contra, 0])


RULES: dict[str, Callable[[Windows], float]] = {
    "shipped": _shipped,
    "max_entailment": lambda w: float(w[:, 0].max()),
    "top2_entailment": lambda w: float(np.sort(w[:, 0])[-2:].mean()),
    "entailment_minus_contradiction": lambda w: float(((w[:, 0] - w[:, 1]).max() + 1) / 2),
    "related_entailment": lambda w: float(max(w[w[:, 2] >= RELATED, 0], default=0.0)),
    "entailment_x_coverage": lambda w: float(w[:, 0].max() * w[:, 2].max()),
    "window_entailment_x_coverage": lambda w: float((w[:, 0] * w[:, 2]).max()),
}


def score_windows(data: Path, limit: int) -> dict[str, list[dict]]:
    """Every window of every sampled pair, scored: {set or view: [{"label", "windows": [[e, c, cov], ...]}]}."""
    from veracity.judges import NLIJudge

    judge = NLIJudge("default", windows="packed", max_windows=None)
    checks = {f"check:{name}": pairs for name, pairs in build_checks(data / "nli_train").items() if pairs}
    names = list(load_all(data)) + list(VIEWS) + list(checks)
    out: dict[str, list[dict]] = {}
    for name in names:
        if name in checks:
            pairs = checks[name]
        else:
            pairs = load_view(name, data) if "." in name else load_all(data, [name])[name]
            pairs = subsample(select_half(pairs, "evaluation"), limit, f"20240917-bench-{name}")
        windows = [judge._windows(p.premise, p.hypothesis) for p in pairs]  # noqa: SLF001 (the judge's own windows)
        scores = judge._score([w.text for ws in windows for w in ws], [p.hypothesis for p, ws in zip(pairs, windows) for _ in ws])  # noqa: SLF001
        rows, i = [], 0
        for pair, ws in zip(pairs, windows):
            part = scores[i : i + len(ws)]
            i += len(ws)
            table = [[s.entailment, s.contradiction, lexical_overlap(w.text, pair.hypothesis)] for s, w in zip(part, ws)]
            rows.append({"label": pair.label, "windows": table})
        out[name] = rows
        print(f"scored {name}: {len(rows)} pairs, {i} windows", file=sys.stderr, flush=True)
    return out


def evaluate(scored: dict[str, list[dict]]) -> None:
    checks = [n for n in scored if n.startswith("check:")]
    sets = [n for n in scored if "." not in n and n not in checks]
    views = [n for n in scored if "." in n and n not in checks]
    aucs: dict[tuple[str, str], float] = {}
    print(f"{'rule':31} | {'AUC':>5} {'worst':>5} {'LOSO b':>6} {'worst':>5} {'ECE':>5} | views: {'AUC':>5} {'LOSO b':>6} {'ECE':>5}")
    for rule, fn in RULES.items():
        per = {n: SetScores([min(max(fn(np.array(r["windows"])), 0.0), 1.0) for r in rows], [r["label"] for r in rows]) for n, rows in scored.items()}
        for n, s in per.items():
            aucs[rule, n] = roc_auc(list(s.labels), list(s.scores))
        loso = leave_one_set_out({n: per[n] for n in sets}, never_fit=NON_COMMERCIAL)
        view_b, view_e = [], []
        for v in views:
            fitted = loso[v.split(".", 1)[0]][0]
            probs = fitted.probabilities(per[v].scores)
            view_b.append(balanced_accuracy(list(per[v].labels), [int(p >= fitted.threshold) for p in probs]))
            view_e.append(expected_calibration_error(list(per[v].labels), probs))
        set_auc = [aucs[rule, n] for n in sets]
        b = [loso[n][1].bacc for n in sets]
        print(
            f"{rule:31} | {np.mean(set_auc):5.3f} {min(set_auc):5.3f} {np.mean(b):6.3f} {min(b):5.3f} {np.mean([loso[n][1].ece for n in sets]):5.3f}"
            f" |        {np.mean([aucs[rule, v] for v in views]):5.3f} {np.mean(view_b):6.3f} {np.mean(view_e):5.3f}"
        )
    print()
    print("per-set AUC: " + " ".join(f"{n[:10]:>10}" for n in sets))
    for rule in RULES:
        print(f"{rule[:11]:11} " + " ".join(f"{aucs[rule, n]:10.3f}" for n in sets))
    if checks:
        print(f"\ncheck sets (benchmarks/verifier_checks.py's pairs): balanced accuracy at the threshold of the map fitted on all dev sets")
        print(f"{'rule':11} " + " ".join(f"{n[6:16]:>10}" for n in checks))
        for rule, fn in RULES.items():
            per = {n: SetScores([min(max(fn(np.array(r["windows"])), 0.0), 1.0) for r in rows], [r["label"] for r in rows]) for n, rows in scored.items()}
            fitted = fit_map_and_threshold({n: per[n] for n in sets if n not in NON_COMMERCIAL})
            cells = []
            for n in checks:
                probs = fitted.probabilities(per[n].scores)
                cells.append(f"{balanced_accuracy(list(per[n].labels), [int(p >= fitted.threshold) for p in probs]):10.3f}")
            print(f"{rule[:11]:11} " + " ".join(cells))
    chosen = [max(RULES, key=lambda r: np.mean([aucs[r, o] for o in sets if o != n])) for n in sets]
    print(f"\nLOSO rule choice (best mean AUC on the other sets): {', '.join(sorted(set(chosen)))}; "
          f"mean AUC of the chosen rule on the left-out set {np.mean([aucs[r, n] for r, n in zip(chosen, sets)]):.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--limit", type=int, default=150)
    ap.add_argument("--windows", type=Path, help="JSON of the window scores: read if it exists, else written")
    args = ap.parse_args(argv)
    if args.windows is not None and args.windows.is_file():
        scored = json.loads(args.windows.read_text(encoding="utf-8"))
    else:
        scored = score_windows(args.data, args.limit)
        if args.windows is not None:
            args.windows.write_text(json.dumps(scored), encoding="utf-8")
    evaluate(scored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
