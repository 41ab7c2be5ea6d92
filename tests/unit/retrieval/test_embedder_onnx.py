"""The embedder on ONNX Runtime: sentence-transformers' vectors, without torch once the export is cached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.model

TEXTS = [
    "Interleukin-33 is a member of the IL-1 family.",
    "x",
    "PIF1 helicases unwind G-quadruplex DNA " * 60,  # longer than the model's 256 tokens: truncated
    "The MYC oncogene disrupts the circadian clock.",
    "",
]
CODE = """
import json, sys
import numpy as np
from veracity.retrieval.search import embedder
vectors = embedder.encode(json.loads(sys.argv[1]))
np.save(sys.argv[2], vectors)
print(json.dumps({"runtime": embedder.runtime(), "heavy": [m for m in ("torch", "sentence_transformers") if m in sys.modules]}))
"""


def _encode_in_fresh_process(cache: Path, out: Path, runtime: str = "auto") -> dict:
    env = dict(os.environ, VERACITY_CACHE_DIR=str(cache), VERACITY_EMBEDDER_RUNTIME=runtime, HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-c", CODE, json.dumps(TEXTS), str(out)], capture_output=True, text=True, timeout=600, env=env, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_onnx_vectors_match_torch_and_need_no_torch_once_exported(tmp_path: Path) -> None:
    first = _encode_in_fresh_process(tmp_path / "cache", tmp_path / "first.npy")  # exports (with torch)
    assert first["runtime"] == "onnx"
    assert len(list((tmp_path / "cache" / "onnx").glob("embedder-*/model.fp32.onnx"))) == 1
    second = _encode_in_fresh_process(tmp_path / "cache", tmp_path / "second.npy")
    assert second == {"runtime": "onnx", "heavy": []}
    torch_run = _encode_in_fresh_process(tmp_path / "cache", tmp_path / "torch.npy", runtime="torch")
    assert torch_run["runtime"] == "torch" and "sentence_transformers" in torch_run["heavy"]
    onnx, reference = np.load(tmp_path / "second.npy"), np.load(tmp_path / "torch.npy")
    assert onnx.shape == reference.shape == (len(TEXTS), 384) and onnx.dtype == np.float32
    assert np.abs(onnx - reference).max() < 1e-4
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(np.load(tmp_path / "first.npy"), onnx)
