"""ONNX Runtime inference for sequence-classification verifiers (int8 by default), with a torch fallback.

A torch `ClassifierBackend` is exported to ONNX once (`onnx_export`: dynamic axes, checked against
torch, quantised to int8) and cached under
`${VERACITY_CACHE_DIR:-~/.cache/veracity}/onnx/<sha256 of weights + config>/model.int8.onnx`.
Later processes load the cached file without exporting again, and without torch where `onnx_light`
remembered the export. `onnx_or_torch` never raises: where onnxruntime is missing or the export fails
it logs a warning and returns the torch backend.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.verifier.base import pick_columns
from veracity.verifier.onnx_export import (
    EXPORT_TOLERANCE,
    FP32_FFN_LAYERS,
    OPSET,
    RECIPE,
    OnnxExportError,
    Precision,
    cache_root,
    export_fp32,
    fingerprint,
    fp32_matmuls,
    input_names,
    onnxruntime_available,
    quantize_int8,
    source_files,
)
from veracity.verifier.onnx_light import PairTokenizer, light_key, manifest_path, remember

if TYPE_CHECKING:
    import onnxruntime
    from transformers import PreTrainedTokenizerBase

    from veracity.verifier.base import Probabilities
    from veracity.verifier.torch_backend import ClassifierBackend

__all__ = [
    "EXPORT_TOLERANCE", "FP32_FFN_LAYERS", "OPSET", "RECIPE", "OnnxClassifierBackend", "OnnxExportError", "PairTokenizer",
    "Precision", "cache_root", "ensure_onnx", "export_fp32", "fingerprint", "fp32_matmuls", "input_names",
    "load_remembered", "new_session", "onnx_or_torch", "onnxruntime_available", "pick_columns", "quantize_int8",
    "remember", "set_default_threads", "source_files",
]

log = logging.getLogger(__name__)

_FILES: dict[str, str] = {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx", "int8-tensor": "model.int8-tensor.onnx"}
_default_threads: int | None = None


def set_default_threads(threads: int | None) -> None:
    """Intra-op threads for ONNX sessions that were not given their own count (None keeps the current one)."""
    global _default_threads
    if threads:
        _default_threads = threads


def ensure_onnx(
    backend: ClassifierBackend,
    precision: Precision = "int8",
    files: Sequence[Path] = (),
    cache_dir: Path | None = None,
) -> Path:
    """The cached ONNX file for `backend` at `precision`, exported and quantised if not there yet."""
    folder = (cache_dir or cache_root()) / fingerprint(backend, files)
    target = folder / _FILES[precision]
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / _FILES["fp32"]
    if not fp32.is_file():
        log.info("exporting %s to ONNX at %s", backend.name, fp32)
        export_fp32(backend, fp32)
    if precision != "fp32":
        quantize_int8(fp32, target, per_channel=precision == "int8")
    return target


def new_session(path: Path, threads: int | None = None) -> onnxruntime.InferenceSession:
    """A CPU session with all graph optimisations on and `threads` intra-op threads (None: ORT's default).

    Idle threads sleep instead of spinning: on 2 shared cores, spinning measured slower with 2 threads
    (the spinning thread takes the core that tokenisation or another process needs).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass
class OnnxClassifierBackend:
    """A sequence-classification verifier run by ONNX Runtime; same interface as `ClassifierBackend`.

    `threads`: intra-op threads of this backend's session; None follows `set_default_threads`.
    """

    name: str
    tokenizer: PreTrainedTokenizerBase
    max_length: int
    path: Path
    torch_backend: ClassifierBackend | None = field(repr=False)
    metadata: dict = field(default_factory=dict)
    threads: int | None = None
    precision: Precision = "int8"
    columns: tuple[int, int | None, int | None] | None = None  # without a torch backend: its label columns
    names: Sequence[str] = ()  # without a torch backend: its input names

    def __post_init__(self) -> None:
        if self.torch_backend is not None:
            tb = self.torch_backend
            self.columns, self.names = (tb.entailment, tb.neutral, tb.contradiction), input_names(tb)
        if self.columns is None or not self.names:
            raise ValueError("an OnnxClassifierBackend needs a torch backend, or its label columns and input names")
        self.entailment, self.neutral, self.contradiction = self.columns
        self.input_names = list(self.names)
        self._session: Any = None
        self._session_threads: int | None = None

    @classmethod
    def from_torch(
        cls,
        backend: ClassifierBackend,
        *,
        precision: Precision = "int8",
        files: Sequence[Path] = (),
        threads: int | None = None,
        cache_dir: Path | None = None,
    ) -> OnnxClassifierBackend:
        """Export (or reuse the cached export of) a torch backend; raises where that is impossible."""
        path = ensure_onnx(backend, precision, files, cache_dir)
        onnx_backend = cls(
            backend.name, backend.tokenizer, backend.max_length, path, backend, backend.metadata, threads, precision
        )
        onnx_backend.open()  # now, so that a broken file fails here and not at the first call
        return onnx_backend

    @property
    def session(self) -> onnxruntime.InferenceSession:
        """The session, reopened when the wanted thread count changed."""
        return self.open()

    def open(self) -> onnxruntime.InferenceSession:
        """Open the session, or reopen it where the wanted thread count changed."""
        threads = self.threads or _default_threads
        if self._session is None or threads != self._session_threads:
            self._session = new_session(self.path, threads)
            self._session_threads = threads
        return self._session

    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Raw logits for a tokenised, padded batch (the bare model call)."""
        feeds = {n: np.asarray(batch[n], dtype=np.int64) for n in self.input_names}
        return self.session.run(["logits"], feeds)[0]

    def probabilities(self, premises: list[str], hypotheses: list[str]) -> list[Probabilities]:
        batch = self.tokenizer(
            premises, hypotheses, truncation="only_first", max_length=self.max_length, padding=True, return_tensors="np"
        )
        logits = self.logits(batch).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return [pick_columns(row, self.entailment, self.neutral, self.contradiction) for row in probs.tolist()]


def load_remembered(
    name: str, model_dir: Path, files: Sequence[Path], precision: Precision, metadata: dict
) -> OnnxClassifierBackend | None:
    """The export `remember` recorded for these files, opened without torch; None where there is none."""
    key = light_key(model_dir, files, precision)
    if key is None or not onnxruntime_available() or not manifest_path(key).is_file():
        return None
    try:
        record = json.loads(manifest_path(key).read_text())
        path = Path(record["onnx"])
        if not path.is_file() or record["precision"] != precision:
            return None
        tokenizer = PairTokenizer(model_dir, int(record["max_length"]), int(record["pad_id"]), record["pad_token"], record["input_names"])
        columns = tuple(record["columns"])
        backend = OnnxClassifierBackend(
            name, tokenizer, int(record["max_length"]), path, None, metadata, None, precision, columns, record["input_names"]  # type: ignore[arg-type]
        )
        backend.open()
    except Exception as err:  # noqa: BLE001 - a damaged manifest or file: load the usual way
        log.warning("cannot open the remembered ONNX export of %s (%s: %s)", name, type(err).__name__, err)
        return None
    return backend


def onnx_or_torch(
    backend: ClassifierBackend,
    files: Sequence[Path] = (),
    precision: Precision = "int8",
    threads: int | None = None,
) -> OnnxClassifierBackend | ClassifierBackend:
    """The ONNX backend for `backend`, or `backend` itself (with a warning) where ONNX is unavailable."""
    if not onnxruntime_available():
        log.warning("onnxruntime is not installed (pip install 'veracity[fast]'): %s runs on torch", backend.name)
        return backend
    try:
        return OnnxClassifierBackend.from_torch(backend, precision=precision, files=files, threads=threads)
    except Exception as err:  # noqa: BLE001 - any failure of the external toolchain means: use torch
        log.warning("ONNX export of %s failed (%s: %s): running on torch", backend.name, type(err).__name__, err)
        return backend
