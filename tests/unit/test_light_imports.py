"""Evaluation code that only wants an LLM judge does not pay for torch (issue "One clear architecture")."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "sentence_transformers")


@pytest.mark.parametrize("module", ["veracity.judges.llm", "veracity.judges", "veracity.judges.reliability", "veracity"])
def test_light_modules_do_not_import_torch(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "", f"`import {module}` loaded {out.stdout.strip()}"


def test_judges_names_resolve_lazily() -> None:
    import veracity.judges as judges

    assert judges.PointwiseJudge.__name__ == "PointwiseJudge"
    with pytest.raises(AttributeError):
        judges.NoSuchJudge  # noqa: B018


def test_judge_confidence_does_not_import_evaluation() -> None:
    code = "import sys, veracity.judges.confidence; print(','.join(m for m in sys.modules if m.startswith('veracity.evaluation')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "", f"`import veracity.judges.confidence` loaded {out.stdout.strip()}"


def test_evaluation_metrics_re_exports_the_runtime_metric() -> None:
    from veracity.evaluation.metrics import expected_calibration_error
    from veracity.metrics_core import expected_calibration_error as runtime

    assert expected_calibration_error is runtime
    assert runtime([0, 1, 1, 0], [0.1, 0.9, 0.6, 0.4]) == pytest.approx(0.25)
