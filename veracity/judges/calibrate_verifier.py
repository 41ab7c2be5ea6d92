"""Calibrate a trained verifier on held-apart data and store the map in its `metadata.json`.

`python -m veracity.judges.calibrate_verifier --model-dir DIR --data ../shared/data/nli_train`

The calibration pairs are the permitted sources of the training pool's `dev` split (held apart
from training, grouped by premise). Each method is fitted on one half and scored on the other;
the one with the lowest held-out ECE is refitted on all pairs and shipped.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from veracity.evaluation.metrics import expected_calibration_error
from veracity.judges.calibration import CALIBRATION_METHODS, calibration_report, fit_calibrator
from veracity.judges.training_data import load_pool
from veracity.judges.verifier_model import DEFAULT_MODEL_DIR


def raw_support(model_dir: Path, premises: list[str], hypotheses: list[str]) -> np.ndarray:
    """Uncalibrated P(entailment) from the verifier in `model_dir`."""
    from veracity.judges.nli import NLIJudge

    judge = NLIJudge(model=str(model_dir), calibrated=False)
    return np.array([s.entailment for s in judge.predict(premises, hypotheses)])


def calibrate(model_dir: Path, data_dir: Path, seed: int = 13) -> dict:
    pairs = load_pool(data_dir, "dev")
    labels = np.array([int(p.label == "entailment") for p in pairs])
    scores = raw_support(model_dir, [p.premise for p in pairs], [p.hypothesis for p in pairs])
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    fit_half, test_half = np.array(order[: len(order) // 2]), np.array(order[len(order) // 2 :])
    held_out = {
        method: expected_calibration_error(
            labels[test_half].tolist(), fit_calibrator(method, scores[fit_half], labels[fit_half]).predict(scores[test_half]).tolist()
        )
        for method in CALIBRATION_METHODS
    }
    best = min(held_out, key=held_out.get)
    calibrator = fit_calibrator(best, scores, labels)
    metadata_path = model_dir / "metadata.json"
    metadata = json.loads(metadata_path.read_text()) if metadata_path.is_file() else {}
    metadata["calibration"] = calibrator.to_dict()
    metadata["calibration_data"] = f"{data_dir.name}/dev*.jsonl, permitted sources, n={len(pairs)}"
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
    parser.add_argument("--data", type=Path, default=Path("../shared/data/nli_train"))
    args = parser.parse_args(argv)
    metadata = calibrate(args.model_dir, args.data)
    print(json.dumps({k: metadata[k] for k in ("calibration_held_out_ece", "calibration_report")}, indent=2))
    print(f"shipped method: {metadata['calibration']['method']}")


if __name__ == "__main__":
    main()
