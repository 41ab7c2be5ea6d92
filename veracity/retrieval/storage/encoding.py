"""Batched, resumable encoding of many passages: chunks are cached on disk as they finish."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from veracity.retrieval.search.embedder import Embedder

CHUNK = 1024


def _chunk_key(embedder: Embedder, texts: Sequence[str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{embedder.name}\x00{embedder.dim}\x00".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def encode_resumable(
    embedder: Embedder,
    texts: Sequence[str],
    cache_dir: Path | None = None,
    *,
    chunk: int = CHUNK,
    progress: bool = False,
) -> np.ndarray:
    """Embed `texts` in chunks of `chunk`; with `cache_dir`, each finished chunk is saved there.

    A run that is interrupted and repeated with the same texts and embedder loads the finished
    chunks instead of encoding them again. Returns a (len(texts), dim) float32 array.
    """
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    with tqdm(total=len(texts), disable=not progress, unit="passage", desc="encoding") as bar:
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            path = cache_dir / f"{_chunk_key(embedder, part)}.npy" if cache_dir is not None else None
            vectors = _load(path, len(part), embedder.dim)
            if vectors is None:
                vectors = np.asarray(embedder.encode(part), dtype=np.float32)
                if vectors.shape != (len(part), embedder.dim):
                    raise ValueError(f"embedder {embedder.name} returned shape {vectors.shape} for {len(part)} texts")
                if path is not None:
                    _save(path, vectors)
            out[start : start + len(part)] = vectors
            bar.update(len(part))
    return out


def _load(path: Path | None, n: int, dim: int) -> np.ndarray | None:
    if path is None or not path.is_file():
        return None
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vectors if vectors.shape == (n, dim) and vectors.dtype == np.float32 else None


def _save(path: Path, vectors: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors, allow_pickle=False)
    os.replace(tmp, path)


def clear_cache(cache_dir: Path) -> None:
    """Remove a cache folder once its chunks are committed to an index."""
    shutil.rmtree(cache_dir, ignore_errors=True)
