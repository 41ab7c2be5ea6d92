"""The default verifier runtime: ONNX fp32 where onnxruntime is installed (torch's scores), loaded once per process."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.judges import NLIJudge
from veracity.verifier.loading import ClassifierBackend, load_nli_model
from veracity.verifier.onnx_backend import OnnxClassifierBackend, onnxruntime_available


@pytest.mark.skipif(not onnxruntime_available(), reason="onnxruntime not installed")
def test_default_judge_runs_onnx_fp32_with_torchs_scores(judge, nli_pairs) -> None:
    assert isinstance(judge.loaded, OnnxClassifierBackend) and judge.loaded.precision == "fp32"
    torch_judge = NLIJudge(runtime="torch")
    assert isinstance(torch_judge.loaded, ClassifierBackend)
    premises = [p["premise"] for p in nli_pairs[:16]]
    hypotheses = [p["hypothesis"] for p in nli_pairs[:16]]
    default = np.array([[s.entailment, s.contradiction] for s in judge.predict(premises, hypotheses)])
    exact = np.array([[s.entailment, s.contradiction] for s in torch_judge.predict(premises, hypotheses)])
    assert np.abs(default - exact).max() < 1e-3


def test_models_are_loaded_once_per_process(judge) -> None:
    assert NLIJudge().loaded is judge.loaded
    assert load_nli_model("default", "auto") is load_nli_model("default", "auto")
