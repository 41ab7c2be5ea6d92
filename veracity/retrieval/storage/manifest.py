"""The index manifest: format, embedder, counts, generation and the files of that generation.

Replacing the manifest (write to a temporary file, fsync, `os.replace`, fsync the folder) is the
single step that commits a change to an index directory.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veracity.errors import InputFormatError
from veracity.retrieval.errors import IndexCorruptError, IndexMismatchError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fsync_dir(directory: Path) -> None:
    """Make renames in `directory` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def fsync_tree(path: Path) -> None:
    """fsync a file, or every file in a folder and the folder itself."""
    if path.is_dir():
        for child in path.iterdir():
            if child.is_file():
                fsync_file(child)
        fsync_dir(path)
    elif path.is_file():
        fsync_file(path)


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    """Atomically replace the manifest of the index at `root`."""
    tmp = root / f"{MANIFEST}.tmp"
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / MANIFEST)
    fsync_dir(root)


def read_manifest(root: Path, embedder_name: str, embedder_dim: int) -> dict[str, Any]:
    """Read and check the manifest; IndexMismatchError for another format version or embedder."""
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"cannot read index manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InputFormatError(f"index manifest {path} is not a JSON object")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {root} has format version {version!r}; this veracity reads version {FORMAT_VERSION}; "
            "rebuild the index"
        )
    embedder, dim = manifest.get("embedder"), manifest.get("dim")
    if embedder != embedder_name or dim != embedder_dim:
        raise IndexMismatchError(
            f"index at {root} was built with embedder {embedder!r} (dim {dim}), but queries would be embedded "
            f"with {embedder_name!r} (dim {embedder_dim}); load it with the embedder it was built with, "
            "or rebuild the index"
        )
    for key in ("generation", "files", "counts"):
        if key not in manifest:
            raise InputFormatError(f"index manifest {path} has no {key!r}")
    _check_files(root, manifest["files"], path)
    return manifest


def _check_files(root: Path, named: object, path: Path) -> None:
    """Every file the manifest names is a plain file name inside the index folder (never `../x` or `/x`)."""
    if not isinstance(named, dict) or not all(key in named for key in ("store", "dense", "bm25")):
        raise IndexCorruptError(f"index manifest {path}: `files` must name the store, dense and bm25 files")
    inside = root.resolve()
    for key, name in named.items():
        if (
            not isinstance(name, str)
            or name in ("", ".", "..")
            or "/" in name
            or "\\" in name
            or "\x00" in name
            or Path(name).is_absolute()
            or (root / name).resolve().parent != inside
        ):
            raise IndexCorruptError(f"index manifest {path}: file {key!r} = {name!r} is not a file name inside {root}")
