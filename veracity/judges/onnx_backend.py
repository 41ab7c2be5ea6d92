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

from veracity.judges.verifier_model import WEIGHTS_FILE, base_model_dir
from veracity.loading import load_once

if TYPE_CHECKING:
    import onnxruntime
    import torch
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
    """Whether onnxruntime and onnx (needed to export and quantise) are installed (neither is imported)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


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
        import torch

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


def _logits_module(model: torch.nn.Module, names: Sequence[str]) -> torch.nn.Module:
    """Positional inputs -> logits, so the traced graph has plain tensor inputs and one output."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.names = list(names)

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(self.names, inputs))).logits

    return Logits()


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
    import torch

    names = input_names(backend)
    # A private copy with eager attention: the shared model keeps its mode and attention kernel, and
    # the eager graph is one that ONNX Runtime's optimiser recognises and fuses.
    model = copy.deepcopy(backend.model).eval()
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except (ValueError, ImportError):
            pass
    wrapper = _logits_module(model, names).eval()
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


def pick_columns(row: Sequence[float], entail: int, neutral: int | None, contra: int | None) -> Probabilities:
    """(entailment, neutral, contradiction) from a row of label probabilities, renormalised.

    Two-label models ("entailment" vs "not_entailment") have no neutral or contradiction column:
    "not entailed" cannot be split, so it is reported as neutral."""
    e = row[entail]
    if neutral is None and contra is None:
        return e, 1.0 - e, 0.0
    n = row[neutral] if neutral is not None else 0.0
    c = row[contra] if contra is not None else 0.0
    total = e + n + c
    return e / total, n / total, c / total


# -- loading a cached export without torch -------------------------------------------------------
#
# A model directory's export is remembered in a small manifest (cache_root()/light/<key>.json) keyed by
# the sha256 of its weights, config and tokenizer files, the recipe and the precision. A later process
# finds the manifest from those files alone and opens the ONNX file with a `PairTokenizer`, so neither
# torch nor transformers is imported. The manifest is written only when `PairTokenizer` reproduces the
# transformers tokenizer on probe pairs.

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
_PROBE_PAIRS = (
    ("The cat sat on the mat.", "A cat sat down."),
    ("Paris is the capital and most populous city of France, on the Seine. " * 40, "Paris is in Germany."),
    ("", "An empty premise."),
)


class PairTokenizer:
    """The two calls `NLIJudge` makes of a transformers fast tokenizer, answered by `tokenizers` directly.

    `tok(text, add_special_tokens=False, verbose=False)["input_ids"]` (token counts) and
    `tok(premises, hypotheses, truncation="only_first", max_length=M, padding=True, return_tensors="np")`.
    Any other call or attribute goes to the transformers tokenizer, loaded on that first need.
    """

    def __init__(self, model_dir: Path, max_length: int, pad_id: int, pad_token: str, names: Sequence[str]) -> None:
        from tokenizers import Tokenizer

        self.model_dir = model_dir
        self.max_length = max_length
        self.model_input_names = list(names)
        self._plain = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._plain.no_truncation()
        self._plain.no_padding()
        self._pairs = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._pairs.enable_truncation(max_length, strategy="only_first")
        self._pairs.enable_padding(pad_id=pad_id, pad_token=pad_token)

    def __call__(self, text: Any, text_pair: Any = None, **options: Any) -> Any:
        add_special = options.get("add_special_tokens", True)
        rest = {k: v for k, v in options.items() if k not in ("add_special_tokens", "verbose")}
        if text_pair is None and isinstance(text, str) and not rest:
            return {"input_ids": self._plain.encode(text, add_special_tokens=add_special).ids}
        pairs_call = {"truncation": "only_first", "max_length": self.max_length, "padding": True, "return_tensors": "np"}
        if text_pair is not None and add_special and rest == pairs_call and not isinstance(text, str):
            encoded = self._pairs.encode_batch(list(zip(text, text_pair)))
            columns = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
            return {n: np.array([getattr(e, columns[n]) for e in encoded], dtype=np.int64) for n in self.model_input_names}
        return self.transformers_tokenizer(text, text_pair, **options)

    @property
    def transformers_tokenizer(self) -> PreTrainedTokenizerBase:
        """The transformers tokenizer of the same files (imports transformers)."""
        if "_hf" not in self.__dict__:
            from transformers import AutoTokenizer

            self.__dict__["_hf"] = AutoTokenizer.from_pretrained(str(self.model_dir))
        return self.__dict__["_hf"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_hf":
            raise AttributeError(name)
        return getattr(self.transformers_tokenizer, name)


def _light_key(model_dir: Path, files: Sequence[Path], precision: str) -> str | None:
    """The manifest key of a local model directory's export; None where it cannot be computed cheaply."""
    from veracity.retrieval.embedder import _digest

    if not files or not (model_dir / "config.json").is_file() or not (model_dir / "tokenizer.json").is_file():
        return None
    key = hashlib.sha256(f"veracity-onnx-light recipe={RECIPE} opset={OPSET} precision={precision}\n".encode())
    for path in [*files, model_dir / "config.json", *(model_dir / n for n in _TOKENIZER_FILES)]:
        if path.is_file():
            key.update(f"{path.name}:{_digest(path)}\n".encode())
    return key.hexdigest()


def _manifest(key: str) -> Path:
    return cache_root() / "light" / f"{key}.json"


def remember(backend: OnnxClassifierBackend, model_dir: Path, files: Sequence[Path]) -> bool:
    """Write the manifest that lets `load_remembered` open this export without torch; False if not written."""
    key = _light_key(model_dir, files, backend.precision)
    tokenizer = backend.tokenizer
    if key is None or getattr(tokenizer, "pad_token_id", None) is None or getattr(tokenizer, "padding_side", "right") != "right":
        return False
    light = PairTokenizer(model_dir, backend.max_length, tokenizer.pad_token_id, tokenizer.pad_token, backend.input_names)
    options = {"truncation": "only_first", "max_length": backend.max_length, "padding": True, "return_tensors": "np"}
    premises, hypotheses = [p for p, _ in _PROBE_PAIRS], [h for _, h in _PROBE_PAIRS]
    want, got = tokenizer(premises, hypotheses, **options), light(premises, hypotheses, **options)
    same = all(np.array_equal(np.asarray(want[n]), got[n]) for n in backend.input_names)
    same = same and all(
        tokenizer(p, add_special_tokens=False, verbose=False)["input_ids"] == light(p, add_special_tokens=False)["input_ids"]
        for p in premises
    )
    if not same:
        log.info("%s: the tokenizers library does not reproduce its tokenizer; loads keep using torch", backend.name)
        return False
    record = {
        "name": backend.name, "onnx": str(backend.path), "precision": backend.precision, "max_length": backend.max_length,
        "columns": [backend.entailment, backend.neutral, backend.contradiction], "input_names": backend.input_names,
        "pad_id": tokenizer.pad_token_id, "pad_token": tokenizer.pad_token,
    }
    target = _manifest(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def load_remembered(
    name: str, model_dir: Path, files: Sequence[Path], precision: Precision, metadata: dict
) -> OnnxClassifierBackend | None:
    """The export `remember` recorded for these files, opened without torch; None where there is none."""
    key = _light_key(model_dir, files, precision)
    if key is None or not onnxruntime_available() or not _manifest(key).is_file():
        return None
    try:
        record = json.loads(_manifest(key).read_text())
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
