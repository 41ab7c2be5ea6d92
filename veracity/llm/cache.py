"""Persistent SQLite cache of completions, keyed on the hash of model, messages, parameters and prompt version."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from veracity.llm.types import Completion

_COMPLETIONS = TypeAdapter(list[Completion])


def default_cache_path() -> Path:
    """`$VERACITY_CACHE_DIR/llm.sqlite`, else `~/.cache/veracity/llm.sqlite`."""
    root = os.environ.get("VERACITY_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "veracity"
    return base / "llm.sqlite"


def cache_key(model: str, messages: list[dict[str, Any]], params: dict[str, Any], prompt_version: str) -> str:
    """sha256 of the canonical JSON of everything that determines a reply."""
    payload = {"model": model, "messages": messages, "params": params, "prompt_version": prompt_version}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CompletionCache:
    """A key -> list[Completion] store in one SQLite file (WAL mode, JSON values, safe across threads)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS completions ("
            "key TEXT PRIMARY KEY, model TEXT NOT NULL, prompt_version TEXT NOT NULL, value TEXT NOT NULL, "
            "created REAL NOT NULL)"
        )

    def get(self, key: str) -> list[Completion] | None:
        """The cached completions (marked `cached=True`), or None on a miss or an unreadable entry."""
        with self._lock:
            row = self._db.execute("SELECT value FROM completions WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            completions = _COMPLETIONS.validate_json(row[0])
        except ValidationError:
            return None
        return [c.model_copy(update={"cached": True}) for c in completions]

    def put(self, key: str, model: str, prompt_version: str, completions: list[Completion]) -> None:
        """Store (or replace) the completions for `key`."""
        value = _COMPLETIONS.dump_json([c.model_copy(update={"cached": False}) for c in completions]).decode()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO completions (key, model, prompt_version, value, created) VALUES (?, ?, ?, ?, ?)",
                (key, model, prompt_version, value, time.time()),
            )

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM completions WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
