"""What can be fitted on top of the verifier's raw scores, judged leave-one-set-out (docs/verifier.md).

Run from the repository root, on the JSON that `benchmarks/verifier.py --json` writes (it keeps every
pair's raw P(supported), lexical overlap and label)::

    python benchmarks/verifier.py --limit 150 --views all --json out/bench.json
    python benchmarks/verifier_posthoc.py out/bench.json

Printed, each fitted on every dev set but one and scored on the one left out (AVeriTeC never fitted on;
views scored with the fit made without their set):

* calibration maps: step Venn-Abers, interpolated Venn-Abers, isotonic — LOSO ECE (mean, worst), LOSO
  balanced accuracy at the threshold fitted with the map, ECE on the views, distinct probabilities per set;
* stacking with lexical overlap: a logistic map of (logit P(entailment), overlap) against the same map of
  the logit alone, sets weighted equally, threshold chosen on the fitting sets — mean AUC, LOSO bacc, ECE;
* the ceiling of any threshold rule: balanced accuracy at each set's own best threshold (an oracle, not a
  figure a user gets).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from veracity.evaluation.devsets import NON_COMMERCIAL  # noqa: E402
from veracity.evaluation.loso import best_threshold  # noqa: E402
from veracity.evaluation.metrics import balanced_accuracy, expected_calibration_error, roc_auc  # noqa: E402
from veracity.verifier.calibration import fit_calibrator  # noqa: E402

MAPS = ("venn_abers", "venn_abers_interpolated", "isotonic")


def _arrays(row: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.array(row["model"]["probabilities"]), np.array(row["lexical"]["probabilities"]), np.array(row["model"]["labels"])


def _bacc(labels: np.ndarray, probs: np.ndarray, threshold: float) -> float:
    return balanced_accuracy(labels.tolist(), (probs >= threshold).astype(int).tolist())


def compare_maps(rows: list[dict], views: list[dict]) -> None:
    print(f"{'map':25} {'LOSO ECE':>8} {'worst':>6} {'LOSO b':>7} {'views ECE':>9} {'distinct/set':>12}")
    for method in MAPS:
        ece, bacc, distinct, view_ece = [], [], [], []
        for held in rows:
            fit = [r for r in rows if r["dataset"] != held["dataset"] and r["dataset"] not in NON_COMMERCIAL]
            scores = np.concatenate([_arrays(r)[0] for r in fit])
            labels = np.concatenate([_arrays(r)[2] for r in fit])
            groups = [r["dataset"] for r in fit for _ in r["model"]["labels"]]
            cal = fit_calibrator(method, scores, labels)
            threshold = best_threshold(np.asarray(cal.predict(scores)), labels, groups)
            s, _, y = _arrays(held)
            p = np.asarray(cal.predict(s))
            ece.append(expected_calibration_error(y.tolist(), p.tolist()))
            bacc.append(_bacc(y, p, threshold))
            distinct.append(len(set(np.round(p, 6))))
            for view in views:
                if view["dataset"].split(".", 1)[0] == held["dataset"]:
                    vs, _, vy = _arrays(view)
                    view_ece.append(expected_calibration_error(vy.tolist(), np.asarray(cal.predict(vs)).tolist()))
        print(f"{method:25} {np.mean(ece):8.3f} {max(ece):6.3f} {np.mean(bacc):7.3f} {np.mean(view_ece) if view_ece else float('nan'):9.3f} {np.mean(distinct):12.0f}")


def _features(row: dict, with_overlap: bool) -> tuple[np.ndarray, np.ndarray]:
    s, lex, y = _arrays(row)
    s = np.clip(s, 1e-4, 1 - 1e-4)
    logit = np.log(s / (1 - s))
    return (np.stack([logit, lex], 1) if with_overlap else logit[:, None]), y


def _fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, steps: int = 2000) -> np.ndarray:
    """Weighted logistic regression by Newton steps (no extra dependency); returns [bias, coefficients...]."""
    X = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(X.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-X @ beta))
        grad = X.T @ (w * (p - y)) + 1e-3 * beta
        hess = (X * (w * p * (1 - p))[:, None]).T @ X + 1e-3 * np.eye(X.shape[1])
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def _predict(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))


def compare_stacking(rows: list[dict], views: list[dict]) -> None:
    print(f"\n{'stacking':26} {'AUC':>5} {'LOSO b':>7} {'ECE':>6} | views: {'AUC':>5} {'LOSO b':>7} {'ECE':>6}")
    for with_overlap in (False, True):
        auc, bacc, ece, v_auc, v_bacc, v_ece = [], [], [], [], [], []
        for held in rows:
            fit = [r for r in rows if r["dataset"] != held["dataset"] and r["dataset"] not in NON_COMMERCIAL]
            parts = [_features(r, with_overlap) for r in fit]
            x = np.concatenate([p[0] for p in parts])
            y = np.concatenate([p[1] for p in parts])
            w = np.concatenate([np.full(len(p[1]), len(y) / len(p[1]) / len(parts)) for p in parts])
            beta = _fit_logistic(x, y, w)
            grid = np.linspace(0.1, 0.8, 71)
            threshold = max(grid, key=lambda t: np.mean([_bacc(py, _predict(beta, px), t) for px, py in parts]))
            for target, a, b, e in ((held, auc, bacc, ece), *((v, v_auc, v_bacc, v_ece) for v in views if v["dataset"].split(".", 1)[0] == held["dataset"])):
                tx, ty = _features(target, with_overlap)
                p = _predict(beta, tx)
                a.append(roc_auc(ty.tolist(), p.tolist()))
                b.append(_bacc(ty, p, threshold))
                e.append(expected_calibration_error(ty.tolist(), p.tolist()))
        name = "logit + lexical overlap" if with_overlap else "logit alone"
        view_part = f"{np.mean(v_auc):5.3f} {np.mean(v_bacc):7.3f} {np.mean(v_ece):6.3f}" if v_auc else "-"
        print(f"{name:26} {np.mean(auc):5.3f} {np.mean(bacc):7.3f} {np.mean(ece):6.3f} |        {view_part}")


def oracle_thresholds(rows: list[dict]) -> None:
    best = [max(_bacc(_arrays(r)[2], _arrays(r)[0], t) for t in np.linspace(0.01, 0.99, 99)) for r in rows]
    print(f"\nbalanced accuracy at each set's own best raw threshold (oracle ceiling): mean {np.mean(best):.3f}, worst {min(best):.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bench_json", type=Path, help="the --json output of benchmarks/verifier.py")
    args = ap.parse_args(argv)
    try:
        data = json.loads(args.bench_json.read_text(encoding="utf-8"))
        rows, views = data["rows"], data.get("views", {}).get("rows", [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: {args.bench_json} is not a benchmarks/verifier.py --json output ({exc})", file=sys.stderr)
        return 2
    if any(r.get("model") is None for r in rows):
        print("error: the JSON has no model scores (made with --baseline-only?)", file=sys.stderr)
        return 2
    compare_maps(rows, views)
    compare_stacking(rows, views)
    oracle_thresholds(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
