"""Weight averaging of fine-tuned verifiers (a "model soup", WiSE-FT style).

    python -m veracity.verifier.soup --models DIR_A DIR_B [--weights 0.5 0.5] --out DIR

Verifiers fine-tuned from one another (phase 4 from phase 3, ...) lie in one basin of the loss, so
the average of their weights is a model of the same size and speed that often keeps what each of
them learnt: Wortsman et al., "Robust fine-tuning of zero-shot models" (2022) and "Model soups"
(2022). The result is uncalibrated: run `python -m veracity.verifier.calibrate` on it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from veracity.errors import ModelNotAvailableError, VeracityError
from veracity.verifier.model import WEIGHTS_FILE, read_model_metadata

COPIED_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json")


def average_weights(models: list[Path], weights: list[float]) -> dict[str, np.ndarray]:
    """The weighted mean of the models' tensors (computed in float32, stored as float16)."""
    from safetensors.numpy import load_file

    if len(models) < 2 or len(models) != len(weights):
        raise VeracityError("a soup needs at least two models and one weight per model")
    if any(w < 0 for w in weights) or not np.isclose(sum(weights), 1.0):
        raise VeracityError(f"soup weights must be non-negative and sum to 1, got {weights}")
    states = []
    for model in models:
        path = model / WEIGHTS_FILE
        if not path.is_file():
            raise ModelNotAvailableError(f"verifier weights not found at {path}")
        states.append(load_file(str(path)))
    names = set(states[0])
    for model, state in zip(models[1:], states[1:]):
        if set(state) != names or any(state[n].shape != states[0][n].shape for n in names):
            raise VeracityError(f"{model} and {models[0]} are not the same architecture; they cannot be averaged")
    return {
        name: sum(w * state[name].astype(np.float32) for w, state in zip(weights, states)).astype(np.float16)
        for name in sorted(names)
    }


def make_soup(models: list[Path], weights: list[float], out: Path) -> Path:
    """Write the averaged verifier to `out` with a metadata.json saying what it is made of."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    state = average_weights(models, weights)
    with safe_open(str(models[0] / WEIGHTS_FILE), framework="numpy") as handle:
        file_metadata = handle.metadata() or {}
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED_FILES:
        shutil.copyfile(models[0] / name, out / name)
    save_file(state, str(out / WEIGHTS_FILE), metadata=file_metadata)  # keeps the word-embeddings form
    first = read_model_metadata(models[0])
    metadata = {
        "base": first.get("base", ""),
        "labels": first.get("labels", []),
        "max_length": first.get("max_length", 256),
        "soup": [{"model": str(m), "weight": w} for m, w in zip(models, weights)],
        "training_phases": [
            f"soup: python -m veracity.verifier.soup --models {' '.join(map(str, models))} "
            f"--weights {' '.join(str(w) for w in weights)} --out {out}"
        ],
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="verifier folders (same architecture)")
    parser.add_argument("--weights", type=float, nargs="+", default=None, help="one per model, summing to 1 (default: equal)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    weights = args.weights or [1.0 / len(args.models)] * len(args.models)
    try:
        print(make_soup(args.models, weights, args.out))
    except VeracityError as err:  # a clear message, not a traceback
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
