"""Token, call and cost accounting for one run of an `LLMClient`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields, replace

from veracity.llm.types import Completion


@dataclass
class Stats:
    """Counters for one run. `calls` are requests sent to the provider (cache misses); `attempts` include retries."""

    calls: int = 0
    attempts: int = 0
    retries: int = 0
    cache_hits: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_usage(self, completions: list[Completion]) -> None:
        with self._lock:
            for c in completions:
                self.prompt_tokens += c.usage.prompt_tokens
                self.completion_tokens += c.usage.completion_tokens
                self.cost_usd += c.usage.cost_usd

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def snapshot(self) -> Stats:
        """A copy safe to keep after the counters move on."""
        with self._lock:
            return replace(self, _lock=threading.Lock())

    def reset(self) -> Stats:
        """Zero every counter (a new run starts) and return the previous values."""
        with self._lock:
            previous = replace(self, _lock=threading.Lock())
            for f in fields(self):
                if not f.name.startswith("_"):
                    setattr(self, f.name, f.default)
            return previous

    def as_dict(self) -> dict[str, float | int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
