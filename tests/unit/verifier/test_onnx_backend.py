"""The ONNX Runtime backend: agreement with torch, the on-disk cache, thread settings and the torch fallback."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from veracity.errors import VeracityError
from veracity.verifier import onnx_backend
from veracity.judges.nli import NLIJudge
from veracity.verifier.loading import ClassifierBackend, load_nli_model
from veracity.verifier.onnx_backend import OnnxClassifierBackend, onnx_or_torch, source_files
from veracity.verifier.model import DEFAULT_MODEL_DIR

# Measured on tests/data/nli_pairs.jsonl (benchmarks/verifier_speed.py), int8 vs torch fp32 with the shipped
# verifier: max |ΔP(entailment)| 0.111, argmax labels agree on 98.75%; the bounds leave room for other CPUs' kernels.
MAX_ABS_DIFF = 0.2
MIN_LABEL_AGREEMENT = 0.95

needs_onnx = pytest.mark.skipif(not onnx_backend.onnxruntime_available(), reason="onnxruntime not installed")


@pytest.fixture(scope="module")
def torch_backend() -> ClassifierBackend:
    backend = load_nli_model("default", "torch")
    assert isinstance(backend, ClassifierBackend)
    return backend


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Laid out as `$VERACITY_CACHE_DIR/onnx`, so a judge pointed at its parent finds the same files."""
    folder = tmp_path_factory.mktemp("veracity-cache") / "onnx"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def int8(torch_backend: ClassifierBackend, cache_dir: Path) -> OnnxClassifierBackend:
    return OnnxClassifierBackend.from_torch(torch_backend, files=source_files(DEFAULT_MODEL_DIR), cache_dir=cache_dir)


def _probabilities(backend, pairs: list[dict]) -> np.ndarray:
    premises, hypotheses = [p["premise"] for p in pairs], [p["hypothesis"] for p in pairs]
    return np.array([row for s in range(0, len(pairs), 32) for row in backend.probabilities(premises[s : s + 32], hypotheses[s : s + 32])])


@needs_onnx
def test_int8_agrees_with_torch(int8, torch_backend, nli_pairs):
    got, want = _probabilities(int8, nli_pairs), _probabilities(torch_backend, nli_pairs)
    assert got.shape == want.shape == (len(nli_pairs), 3)
    assert np.allclose(got.sum(axis=1), 1.0)
    assert (got.argmax(1) == want.argmax(1)).mean() >= MIN_LABEL_AGREEMENT
    assert np.abs(got[:, 0] - want[:, 0]).max() < MAX_ABS_DIFF


@needs_onnx
def test_interface_matches_torch_backend(int8, torch_backend, cache_dir):
    assert int8.name == torch_backend.name
    assert int8.tokenizer is torch_backend.tokenizer
    assert int8.max_length == torch_backend.max_length
    assert int8.metadata == torch_backend.metadata
    assert (int8.entailment, int8.neutral, int8.contradiction) == (0, 1, 2)
    assert int8.path.name == "model.int8.onnx"
    assert int8.path.parent.parent == cache_dir  # <cache>/<sha256 of weights + config>/model.int8.onnx
    assert len(int8.path.parent.name) == 64


@needs_onnx
def test_second_load_reuses_the_cached_file(int8, torch_backend, cache_dir, monkeypatch):
    mtime = int8.path.stat().st_mtime_ns

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the cached file exists")

    monkeypatch.setattr(onnx_backend, "export_fp32", no_export)
    monkeypatch.setattr(onnx_backend, "quantize_int8", no_export)
    again = OnnxClassifierBackend.from_torch(torch_backend, files=source_files(DEFAULT_MODEL_DIR), cache_dir=cache_dir)
    assert again.path == int8.path
    assert again.path.stat().st_mtime_ns == mtime
    assert not [p for p in cache_dir.rglob("*") if p.name.endswith(".tmp.onnx")]


@needs_onnx
def test_cache_location_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(tmp_path))
    assert onnx_backend.cache_root() == tmp_path / "onnx"
    monkeypatch.delenv("VERACITY_CACHE_DIR")
    assert onnx_backend.cache_root() == Path.home() / ".cache" / "veracity" / "onnx"


@needs_onnx
def test_thread_count_is_settable(int8, monkeypatch):
    monkeypatch.setattr(onnx_backend, "_default_threads", None)
    monkeypatch.setattr(int8, "threads", 1)
    assert int8.session.get_session_options().intra_op_num_threads == 1
    monkeypatch.setattr(int8, "threads", None)
    onnx_backend.set_default_threads(2)
    assert int8.session.get_session_options().intra_op_num_threads == 2


def test_falls_back_to_torch_without_onnxruntime(torch_backend, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now raises ImportError
    assert not onnx_backend.onnxruntime_available()
    with caplog.at_level(logging.WARNING, logger=onnx_backend.__name__):
        backend = onnx_or_torch(torch_backend, source_files(DEFAULT_MODEL_DIR))
    assert backend is torch_backend
    assert "onnxruntime is not installed" in caplog.text


@needs_onnx
def test_falls_back_to_torch_when_export_fails(torch_backend, monkeypatch, caplog, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    monkeypatch.setenv("VERACITY_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(onnx_backend, "export_fp32", broken)
    with caplog.at_level(logging.WARNING, logger=onnx_backend.__name__):
        backend = onnx_or_torch(torch_backend, source_files(DEFAULT_MODEL_DIR))
    assert backend is torch_backend
    assert "unsupported operator" in caplog.text


def test_judge_runtime_selection(torch_backend):
    assert NLIJudge(runtime="torch").loaded is torch_backend
    with pytest.raises(VeracityError, match="unknown runtime"):
        NLIJudge(runtime="tensorrt")


@needs_onnx
def test_judge_on_onnx_gives_verdicts(int8, cache_dir, monkeypatch):
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(cache_dir.parent))
    monkeypatch.setattr(onnx_backend, "export_fp32", None)  # the int8 fixture's files are reused: no export
    judge = NLIJudge(runtime="onnx", batch_size=16)
    assert isinstance(judge.loaded, OnnxClassifierBackend)
    assert load_nli_model("default", "auto") is load_nli_model("default", "auto")
    scores = judge.predict(["Paris is the capital of France."], ["The capital of France is Paris."])
    assert len(scores) == 1 and abs(scores[0].entailment + scores[0].neutral + scores[0].contradiction - 1) < 1e-6


@needs_onnx
def test_judge_on_onnx_fp32_matches_torch(int8, torch_backend, cache_dir, monkeypatch, nli_pairs):
    monkeypatch.setenv("VERACITY_CACHE_DIR", str(cache_dir.parent))
    monkeypatch.setattr(onnx_backend, "export_fp32", None)  # the fp32 export made for the int8 fixture is reused
    judge = NLIJudge(runtime="onnx-fp32", batch_size=16)
    assert isinstance(judge.loaded, OnnxClassifierBackend)
    pairs = nli_pairs[:24]
    exact = _probabilities(torch_backend, pairs)
    fp32 = _probabilities(judge.loaded, pairs)
    assert np.abs(exact - fp32).max() < 1e-3
