"""The files of one index generation: names, crash-safe writing and removal of stale ones."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from veracity.retrieval.dense import DenseIndex
from veracity.retrieval.lexical import BM25Index
from veracity.retrieval.manifest import MANIFEST, fsync_dir, fsync_tree

ENCODE_CACHE = ".encode-cache"
_OURS = re.compile(r"^(store|dense|bm25)\.\d+(\.sqlite|\.faiss)?(\.tmp)?$")


def store_name(generation: int) -> str:
    return f"store.{generation}.sqlite"


def dense_name(generation: int) -> str:
    return f"dense.{generation}.faiss"


def bm25_name(generation: int) -> str:
    return f"bm25.{generation}"


def _clear(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def write_dense(root: Path, generation: int, dense: DenseIndex) -> str:
    """Write the FAISS file of `generation` (temp name, fsync, rename); returns its name."""
    name = dense_name(generation)
    tmp = root / f"{name}.tmp"
    dense.save(tmp)
    fsync_tree(tmp)
    os.replace(tmp, root / name)
    fsync_dir(root)
    return name


def write_bm25(root: Path, generation: int, bm25: BM25Index) -> str:
    """Write the BM25 folder of `generation` (temp folder, fsync, rename); returns its name."""
    name = bm25_name(generation)
    tmp = root / f"{name}.tmp"
    _clear(tmp)
    bm25.save(tmp)
    fsync_tree(tmp)
    _clear(root / name)
    os.replace(tmp, root / name)
    fsync_dir(root)
    return name


def remove_stale(root: Path, keep: set[str]) -> None:
    """Delete index files and temp files of other generations (never the manifest or the encode cache)."""
    for path in root.iterdir():
        if path.name in keep:
            continue
        if _OURS.match(path.name) or path.name == f"{MANIFEST}.tmp":
            _clear(path)
