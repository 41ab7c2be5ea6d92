"""Calibrate a trained verifier on held-apart data and store the map in its `metadata.json`.

    python -m veracity.verifier.calibrate --model-dir DIR --devsets ../shared/data
    python -m veracity.verifier.calibrate --model-dir DIR --data ../shared/data/nli_train

`--devsets` (the shipped model's calibration): the calibration half (`veracity.evaluation.splits`)
of every claim-verification dev set except the non-commercial ones, at most `--per-set` pairs
each so that every set weighs about the same; benchmarks report on the other half. It also
chooses the decision threshold on calibrated P(supported) that maximises the mean balanced
accuracy over those sets, stored as `threshold` (read by `NLIJudge`).
`--data`: the permitted sources of the training pool's `dev` split instead (no threshold).
Each method is fitted on one half of the calibration pairs and scored on the other; the one
with the lowest held-out ECE is refitted on all of them and shipped.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from veracity.metrics_core import expected_calibration_error
from veracity.errors import VeracityError
from veracity.verifier.calibration import CHOSEN_METHODS, MIN_CALIBRATION_POINTS, calibration_report, fit_calibrator
from veracity.verifier.training_data import load_pool
from veracity.verifier.model import DEFAULT_MODEL_DIR


def raw_support(
    model_dir: Path, premises: list[str], hypotheses: list[str], support_rule: str | None = None, windows: str = "packed"
) -> np.ndarray:
    """Uncalibrated P(supported) from the verifier in `model_dir`, under `support_rule` (default: the model's),
    reading long evidence as `windows` (`NLIJudge(windows=...)`)."""
    from veracity.judges.nli import NLIJudge

    judge = NLIJudge(model=str(model_dir), calibrated=False, support_rule=support_rule, windows=windows)
    return np.array(judge.raw_support(premises, hypotheses))


def best_threshold(scores: np.ndarray, labels: np.ndarray, groups: list[str]) -> float:
    """The threshold on `scores` maximising balanced accuracy averaged over `groups` (dev sets)."""
    names = sorted(set(groups))
    members = {g: np.array([i for i, x in enumerate(groups) if x == g]) for g in names}
    candidates = np.unique(np.round(scores, 3))

    def mean_bacc(t: float) -> float:
        accs = []
        for idx in members.values():
            y, pred = labels[idx], scores[idx] >= t
            recalls = [np.mean(pred[y == c] == c) for c in (0, 1) if np.any(y == c)]
            accs.append(float(np.mean(recalls)))
        return float(np.mean(accs))

    return float(max(candidates, key=lambda t: (mean_bacc(t), -abs(t - 0.5))))


def devset_calibration_pairs(data_root: Path, per_set: int, seed: int = 13) -> tuple[list[str], list[str], np.ndarray, list[str]]:
    """Premises, claims, labels and dev-set names of the calibration half (non-commercial sets left out)."""
    from veracity.evaluation.devsets import NON_COMMERCIAL, load_all
    from veracity.evaluation.splits import select_half

    premises, claims, labels, groups = [], [], [], []
    for name, pairs in load_all(data_root).items():
        if name in NON_COMMERCIAL:
            continue
        half = select_half(pairs, "calibration")
        if len(half) > per_set:
            half = [half[i] for i in sorted(random.Random(f"{seed}-{name}").sample(range(len(half)), per_set))]
        for pair in half:
            premises.append(pair.premise)
            claims.append(pair.hypothesis)
            labels.append(pair.label)
            groups.append(name)
    return premises, claims, np.array(labels), groups


def calibrate(
    model_dir: Path,
    data_dir: Path | None = None,
    seed: int = 13,
    *,
    devsets: Path | None = None,
    per_set: int = 150,
    support_rule: str | None = None,
    windows: str = "packed",
) -> dict:
    if devsets is not None:
        premises, claims, labels, groups = devset_calibration_pairs(devsets, per_set, seed)
        scores = raw_support(model_dir, premises, claims, support_rule, windows)
        source = f"calibration half of the dev sets under {devsets.name}/ ({', '.join(sorted(set(groups)))}), <= {per_set} per set"
    else:
        pairs = load_pool(data_dir, "dev")
        labels = np.array([int(p.label == "entailment") for p in pairs])
        scores = raw_support(model_dir, [p.premise for p in pairs], [p.hypothesis for p in pairs], support_rule, windows)
        groups = ["nli_dev"] * len(pairs)
        source = f"{data_dir.name}/dev*.jsonl, permitted sources"
    if len(labels) < 2 * MIN_CALIBRATION_POINTS or len(set(labels.tolist())) < 2:
        raise VeracityError(
            f"not enough labelled pairs to calibrate on ({len(labels)} from {devsets or data_dir}); "
            "check the data path (--devsets ROOT of the shared dev sets, or --data the nli_train folder)"
        )
    order = list(range(len(labels)))
    random.Random(seed).shuffle(order)
    fit_half, test_half = np.array(order[: len(order) // 2]), np.array(order[len(order) // 2 :])
    held_out = {
        method: expected_calibration_error(
            labels[test_half].tolist(), fit_calibrator(method, scores[fit_half], labels[fit_half]).predict(scores[test_half]).tolist()
        )
        for method in CHOSEN_METHODS
    }
    best = min(held_out, key=held_out.get)
    calibrator = fit_calibrator(best, scores, labels)
    metadata_path = model_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.is_file() else {}
    metadata["calibration"] = calibrator.to_dict()
    if support_rule is not None:
        metadata["support_rule"] = support_rule  # the raw scores the map was fitted on (NLIJudge reads it)
    if windows != "packed":
        metadata["calibration_windows"] = windows  # a record: NLIJudge(windows=...) must be asked for explicitly
    else:
        metadata.pop("calibration_windows", None)
    metadata["calibration_data"] = f"{source}, n={len(labels)}"
    if devsets is not None:
        calibrated = np.asarray(calibrator.predict(scores), dtype=float)
        threshold = best_threshold(calibrated, labels, groups)
        grid = np.linspace(0.0, 1.0, 10001)
        above = grid[np.asarray(calibrator.predict(grid), dtype=float) >= threshold]
        metadata["threshold"] = threshold
        metadata["threshold_raw"] = float(above[0]) if above.size else 1.0  # the same cut on uncalibrated P(entailment)
        metadata["threshold_rule"] = "maximises mean balanced accuracy over the calibration sets (calibrated P(supported))"
    else:
        for key in ("threshold", "threshold_raw", "threshold_rule"):
            metadata.pop(key, None)
    metadata["calibration_held_out_ece"] = {m: round(v, 4) for m, v in held_out.items()}
    metadata["calibration_report"] = {
        k: (round(v, 4) if isinstance(v, float) else v)
        for k, v in calibration_report(scores, labels, calibrator).items()
    }
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--devsets", type=Path, help="root of the shared dev sets: calibrate on their calibration half")
    source.add_argument("--data", type=Path, help="the training pool folder (nli_train): calibrate on its dev split")
    parser.add_argument("--per-set", type=int, default=150, help="with --devsets: at most this many pairs per dev set")
    parser.add_argument("--support-rule", choices=("entailment", "entailment_x_coverage"), help="raw support rule to calibrate (stored in the metadata); default: the model's")
    parser.add_argument("--windows", choices=("packed", "digest"), default="packed", help="how long evidence is read for the raw scores (NLIJudge(windows=...))")
    args = parser.parse_args(argv)
    try:
        metadata = calibrate(args.model_dir, args.data, devsets=args.devsets, per_set=args.per_set, support_rule=args.support_rule, windows=args.windows)
    except VeracityError as err:
        raise SystemExit(f"error: {err}") from None
    print(json.dumps({k: metadata[k] for k in ("calibration_data", "calibration_held_out_ece", "calibration_report")}, indent=2))
    print(f"shipped method: {metadata['calibration']['method']}; threshold: {metadata.get('threshold', 'none (0.5)')}")


if __name__ == "__main__":
    main()
