"""ONNX Runtime inference for sequence-classification verifiers (int8 by default), with a torch fallback.

A torch `ClassifierBackend` is exported to ONNX once (dynamic batch and sequence axes), checked
against torch, quantised dynamically to int8 (the embeddings and the first layer's feed-forward MatMuls
stay fp32: see `fp32_matmuls`) and cached under
`${VERACITY_CACHE_DIR:-~/.cache/veracity}/onnx/<sha256 of weights + config>/model.int8.onnx`.
Later processes load the cached file without exporting again. `onnx_or_torch` never raises:
where onnxruntime is missing or the export fails it logs a warning and returns the torch backend.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import logging
import os
import re
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch

from veracity.judges.verifier_model import WEIGHTS_FILE, base_model_dir

if TYPE_CHECKING:
    import onnxruntime
    from transformers import PreTrainedTokenizerBase

    from veracity.judges.nli_models import ClassifierBackend, Probabilities

log = logging.getLogger(__name__)

Precision = Literal["int8", "fp32", "int8-tensor"]
"""`int8`: per-channel int8 weights (default); `int8-tensor`: per-tensor int8; `fp32`: the plain export."""

OPSET = 17
RECIPE = "3"  # part of the cache key: bump it when the export or quantisation recipe changes
FP32_FFN_LAYERS = 1  # the first encoder layers whose feed-forward MatMuls stay fp32 (see `fp32_matmuls`)
EXPORT_TOLERANCE = 1e-3  # max |logit difference| allowed between the fp32 export and torch
_FILES: dict[str, str] = {"fp32": "model.fp32.onnx", "int8": "model.int8.onnx", "int8-tensor": "model.int8-tensor.onnx"}
_default_threads: int | None = None


class OnnxExportError(RuntimeError):
    """The exported graph does not reproduce the torch model."""


def onnxruntime_available() -> bool:
    """Whether onnxruntime and onnx (needed to export and quantise) can be imported."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def set_default_threads(threads: int | None) -> None:
    """Intra-op threads for ONNX sessions that were not given their own count (None keeps the current one)."""
    global _default_threads
    if threads:
        _default_threads = threads


def cache_root() -> Path:
    """`$VERACITY_CACHE_DIR/onnx`, else `~/.cache/veracity/onnx`."""
    root = os.environ.get("VERACITY_CACHE_DIR")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "veracity") / "onnx"


def source_files(model_dir: Path | None) -> list[Path]:
    """The files a model's weights come from (empty where they are unknown, e.g. a hub id)."""
    if model_dir is None or not model_dir.is_dir():
        return []
    if (model_dir / WEIGHTS_FILE).is_file():
        # Our packaged format: the word embeddings come from the base encoder's weights.
        return [model_dir / WEIGHTS_FILE, base_model_dir() / "model.safetensors"]
    return sorted(p for pattern in ("*.safetensors", "*.bin") for p in model_dir.glob(pattern))


def fingerprint(backend: ClassifierBackend, files: Sequence[Path] = ()) -> str:
    """sha256 of the weight files (else of the loaded tensors), the model config and the export recipe."""
    digest = hashlib.sha256(f"veracity-onnx recipe={RECIPE} opset={OPSET}\n".encode())
    config = {k: v for k, v in backend.model.config.to_dict().items() if k != "_name_or_path"}
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    if files:
        for path in files:
            digest.update(path.name.encode())
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
    else:
        for name, tensor in sorted(backend.model.state_dict().items()):
            digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
            digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through `write(tmp)` to a temporary name beside `path`, then rename it into place."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.onnx")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _Logits(torch.nn.Module):
    """Positional inputs -> logits, so the traced graph has plain tensor inputs and one output."""

    def __init__(self, model: torch.nn.Module, names: Sequence[str]) -> None:
        super().__init__()
        self.model = model
        self.names = list(names)

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.names, inputs))).logits


def _probe(tokenizer: PreTrainedTokenizerBase, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """A small padded batch, so the attention-mask path is traced and checked."""
    batch = tokenizer(
        ["The cat sat on the mat.", "Paris is the capital and most populous city of France, on the Seine."],
        ["A cat sat down.", "Paris is in Germany."],
        padding=True,
        return_tensors="pt",
    )
    return {n: batch[n] for n in names}


def input_names(backend: ClassifierBackend) -> list[str]:
    """The tokenizer outputs the model takes, in the tokenizer's order."""
    return [n for n in backend.tokenizer.model_input_names if n in ("input_ids", "attention_mask", "token_type_ids")]


def export_fp32(backend: ClassifierBackend, path: Path) -> None:
    """Export the torch model to ONNX at `path` and check it reproduces torch's logits."""
    import onnxruntime as ort

    names = input_names(backend)
    # A private copy with eager attention: the shared model keeps its mode and attention kernel, and
    # the eager graph is one that ONNX Runtime's optimiser recognises and fuses.
    model = copy.deepcopy(backend.model).eval()
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except (ValueError, ImportError):
            pass
    wrapper = _Logits(model, names).eval()
    probe = _probe(backend.tokenizer, names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    # The TorchScript exporter: it needs no onnxscript; torch >= 2.5 defaults to the dynamo one.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}

    def write(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper,
                tuple(probe[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
                **legacy,
            )
        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        got = session.run(["logits"], {n: probe[n].numpy().astype(np.int64) for n in names})[0]
        with torch.inference_mode():
            want = backend.model(**probe).logits.float().numpy()
        diff = float(np.abs(got - want).max())
        if not diff <= EXPORT_TOLERANCE:
            raise OnnxExportError(f"the ONNX export differs from torch by {diff:.2g} in the logits")

    _atomic_write(path, write)


_FFN_MATMUL = re.compile(r"layer\.(\d+)/(?:intermediate|output)/dense/MatMul$")


def fp32_matmuls(model_path: Path, layers: int = FP32_FFN_LAYERS) -> list[str]:
    """The feed-forward MatMuls of the first `layers` encoder layers (BERT-style node names).

    Their inputs (LayerNorm and GELU outputs) have outlier channels that one per-tensor activation
    scale handles badly, and an error in the first layer grows through the rest of the network:
    on the shipped verifier, int8 there alone moved P(entailment) by up to 0.26 on the test pairs.
    Keeping more layers fp32 is more exact and slower (benchmarks/verifier_speed.py).
    """
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    ffn = [(int(m.group(1)), node.name) for node in graph.node if (m := _FFN_MATMUL.search(node.name))]
    return [name for layer, name in ffn if layer < layers]


def quantize_int8(src: Path, dst: Path, per_channel: bool = True) -> None:
    """Dynamic int8 quantisation of the MatMul weights (activations quantised at run time).

    Embeddings stay fp32, and so do the feed-forward MatMuls of the first layer (`fp32_matmuls`).
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(tmp: Path) -> None:
        quantize_dynamic(
            str(src),
            str(tmp),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            reduce_range=False,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=fp32_matmuls(src),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )

    _atomic_write(dst, write)


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
    torch_backend: ClassifierBackend = field(repr=False)
    metadata: dict = field(default_factory=dict)
    threads: int | None = None
    precision: Precision = "int8"

    def __post_init__(self) -> None:
        self.entailment = self.torch_backend.entailment
        self.neutral = self.torch_backend.neutral
        self.contradiction = self.torch_backend.contradiction
        self.input_names = input_names(self.torch_backend)
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
        return [self.torch_backend._columns(row) for row in probs.tolist()]


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
