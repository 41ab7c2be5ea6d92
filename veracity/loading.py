"""`load_once`: a model loader that runs once per process and argument, even from several threads."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class _Once(Generic[P, R]):
    """Calls `function` once per distinct arguments; concurrent first callers wait for that one call.

    A call that raises caches nothing (the next call tries again). `cache_clear()` forgets the results.
    """

    def __init__(self, function: Callable[P, R]) -> None:
        self._function = function
        self._results: dict[Hashable, R] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (args, tuple(sorted(kwargs.items())))
        try:
            return self._results[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._results:
                self._results[key] = self._function(*args, **kwargs)
            return self._results[key]

    def loaded(self, *args: Hashable, **kwargs: Hashable) -> bool:
        """Whether the call with these arguments has already completed."""
        return (args, tuple(sorted(kwargs.items()))) in self._results

    def cache_clear(self) -> None:
        with self._guard:
            self._results.clear()
            self._locks.clear()


def load_once(function: Callable[P, R]) -> _Once[P, R]:
    """Decorator: cache a loader's result per arguments, loading once even when threads race for it."""
    return _Once(function)
