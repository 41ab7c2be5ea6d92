"""Paths the tests share, independent of where a test file sits (`tests/` is on `sys.path` via pyproject)."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"
SHARED_DATA = REPO.parent / "shared" / "data"
