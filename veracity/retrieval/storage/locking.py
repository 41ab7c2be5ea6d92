"""An advisory lock on an index directory, released by the OS if its holder dies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: writers are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK = ".lock"


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the index at `root` (one writer or recovering reader at a time)."""
    if fcntl is None:
        yield
        return
    with (root / LOCK).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
