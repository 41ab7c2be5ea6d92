"""Weight averaging of verifiers (`python -m veracity.verifier.soup`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from veracity.errors import ModelNotAvailableError, VeracityError
from veracity.verifier.model import DEFAULT_MODEL_DIR, WEIGHTS_FILE
from veracity.verifier.soup import average_weights, main


def _shifted_copy(tmp_path: Path, shift: float) -> Path:
    """The shipped verifier's folder with every weight moved by `shift` (another model, same architecture)."""
    folder = tmp_path / f"shifted{shift}"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    state = load_file(str(folder / WEIGHTS_FILE))
    save_file({k: (v.astype(np.float32) + shift).astype(np.float16) for k, v in state.items()}, str(folder / WEIGHTS_FILE))
    return folder


def test_soup_is_the_weighted_mean_and_records_its_parts(tmp_path: Path) -> None:
    other = _shifted_copy(tmp_path, 0.25)
    out = tmp_path / "soup"
    main(["--models", str(DEFAULT_MODEL_DIR), str(other), "--weights", "0.75", "0.25", "--out", str(out)])
    base, shifted, soup = (load_file(str(d / WEIGHTS_FILE)) for d in (DEFAULT_MODEL_DIR, other, out))
    name = "classifier.weight"
    expected = 0.75 * base[name].astype(np.float32) + 0.25 * shifted[name].astype(np.float32)
    assert np.allclose(soup[name].astype(np.float32), expected, atol=1e-3)
    assert not np.allclose(soup[name], base[name])
    metadata = json.loads((out / "metadata.json").read_text())
    assert [part["weight"] for part in metadata["soup"]] == [0.75, 0.25]
    assert "threshold" not in metadata  # uncalibrated until veracity.verifier.calibrate runs on it
    assert (out / "tokenizer.json").read_bytes() == (DEFAULT_MODEL_DIR / "tokenizer.json").read_bytes()


def test_soup_of_a_model_with_itself_is_that_model() -> None:
    state = average_weights([DEFAULT_MODEL_DIR, DEFAULT_MODEL_DIR], [0.5, 0.5])
    original = load_file(str(DEFAULT_MODEL_DIR / WEIGHTS_FILE))
    assert set(state) == set(original)
    assert all(np.array_equal(state[k], original[k]) for k in original)


@pytest.mark.parametrize("weights", [[0.5, 0.6], [1.2, -0.2], [1.0]])
def test_bad_weights_are_refused(weights: list[float]) -> None:
    with pytest.raises(VeracityError, match="weight"):
        average_weights([DEFAULT_MODEL_DIR, DEFAULT_MODEL_DIR], weights)


def test_different_architectures_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    save_file({"classifier.weight": np.zeros((2, 2), dtype=np.float16)}, str(other / WEIGHTS_FILE))
    with pytest.raises(VeracityError, match="not the same architecture"):
        average_weights([DEFAULT_MODEL_DIR, other], [0.5, 0.5])


def test_missing_weights_are_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="not found"):
        average_weights([DEFAULT_MODEL_DIR, tmp_path], [0.5, 0.5])
