"""The verifier moved from `veracity.judges` to `veracity.verifier`; the old paths stay, as warning aliases."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MOVED = {
    "veracity.judges.verifier_model": "veracity.verifier.model",
    "veracity.judges.nli_models": "veracity.verifier.loading",
    "veracity.judges.onnx_backend": "veracity.verifier.onnx_backend",
    "veracity.judges.windows": "veracity.verifier.windows",
    "veracity.judges.quotes": "veracity.verifier.quotes",
    "veracity.judges.calibration": "veracity.verifier.calibration",
    "veracity.judges.calibration_base": "veracity.verifier.calibration_base",
    "veracity.judges.calibration_isotonic": "veracity.verifier.calibration_isotonic",
    "veracity.judges.calibration_parametric": "veracity.verifier.calibration_parametric",
    "veracity.judges.calibrate_verifier": "veracity.verifier.calibrate",
    "veracity.judges.training": "veracity.verifier.training",
    "veracity.judges.training_data": "veracity.verifier.training_data",
    "veracity.judges.training_contrast": "veracity.verifier.training_contrast",
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_is_the_new_module(old: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=MOVED[old]):
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])


def test_old_training_command_still_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "veracity.judges.training", "--help"], capture_output=True, text=True, timeout=120, check=True
    )
    assert "--data" in out.stdout and "veracity.verifier.training" in out.stderr


def test_the_verifier_package_imports_nothing_heavy() -> None:
    code = "import sys, veracity.verifier, veracity.verifier.base; print(','.join(m for m in ('torch', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""
