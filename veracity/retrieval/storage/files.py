"""The files of one index generation: names, crash-safe writing, removal of stale ones, and the check
that store, FAISS and BM25 agree when an index is opened."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from veracity.errors import IndexNotFoundError
from veracity.retrieval.errors import IndexCorruptError
from veracity.retrieval.search.dense import DenseIndex
from veracity.retrieval.search.lexical import BM25Index
from veracity.retrieval.storage.manifest import MANIFEST, fsync_dir, fsync_tree
from veracity.retrieval.storage.settings import IndexSettings
from veracity.retrieval.storage.store import Store

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


def write_store(root: Path, generation: int, store: Store) -> str:
    """Copy the SQLite store as the store file of `generation` (temp name, fsync, rename); returns its name."""
    name = store_name(generation)
    tmp = root / f"{name}.tmp"
    tmp.unlink(missing_ok=True)
    store.backup(tmp)
    fsync_tree(tmp)
    os.replace(tmp, root / name)
    return name


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


def existing_generation(root: Path) -> int:
    """The generation the manifest in `root` names (0 when there is none or it is unreadable)."""
    try:
        return int(json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("generation", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def verify_parts(root: Path, manifest: dict[str, Any], store: Store, dense: DenseIndex, bm25: BM25Index) -> None:
    """Refuse an index whose store, FAISS and BM25 parts disagree with each other or the manifest."""
    counts = store.counts()
    expected = {key: manifest["counts"].get(key) for key in counts}
    if counts != expected:
        raise IndexCorruptError(f"corrupt index at {root}: manifest counts {expected} but the store holds {counts}")
    if dense.dim != manifest["dim"]:
        raise IndexCorruptError(f"corrupt index at {root}: FAISS vectors have dim {dense.dim}, manifest {manifest['dim']}")
    rows = store.indexed_rows()
    if len(dense) != len(rows) or len(bm25) != len(rows):
        raise IndexCorruptError(
            f"corrupt index at {root}: {len(rows)} indexed passages in the store, "
            f"{len(dense)} FAISS vectors, {len(bm25)} BM25 rows"
        )
    if not np.array_equal(bm25.rows, rows) or not np.array_equal(dense.rows(), rows):
        raise IndexCorruptError(f"corrupt index at {root}: FAISS or BM25 rows differ from the store's passages")


class IndexParts(NamedTuple):
    """The opened parts of a committed index generation."""

    store: Store
    bm25: BM25Index
    dense: DenseIndex
    settings: IndexSettings


def open_parts(root: Path, manifest: dict[str, Any]) -> IndexParts:
    """Open the files `manifest` names (the caller holds the lock): undo an unfinished change in the
    store, remove stale files, load FAISS and BM25 and check that the three agree."""
    named = manifest["files"]
    for key in ("store", "dense", "bm25"):
        if not (root / str(named.get(key))).exists():
            raise IndexNotFoundError(f"incomplete index at {root}: missing {named.get(key)}")
    settings = IndexSettings.from_json(manifest.get("settings", {}))
    store = Store.open(root / named["store"])
    store.recover(int(manifest["generation"]))
    remove_stale(root, set(named.values()))
    try:
        dense = DenseIndex.load(root / named["dense"], settings.dense)
        bm25 = BM25Index.load(root / named["bm25"], stem=settings.stem)
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexCorruptError(f"corrupt index at {root}: {exc}") from exc
    verify_parts(root, manifest, store, dense, bm25)
    return IndexParts(store, bm25, dense, settings)
