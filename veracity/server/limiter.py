"""Bounded concurrency: a few workers, a short queue, and 429 with Retry-After beyond it."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class Overloaded(Exception):
    """Every worker is busy and the queue is full; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"server busy, retry after {retry_after} s")
        self.retry_after = retry_after


class WorkLimiter:
    """Runs blocking work in threads, `workers` at a time, with at most `queue` more waiting.

    Admission is decided on the event loop before any work starts, so a rejected request costs
    nothing but its parsed body. Retry-After is the expected wait: queued work times the recent
    mean duration, divided by the workers.
    """

    def __init__(self, workers: int, queue: int, *, max_retry_after: int = 60) -> None:
        self.workers = workers
        self.queue = queue
        self.max_retry_after = max_retry_after
        self._limiter = anyio.CapacityLimiter(workers)
        self._admitted = 0
        self._mean_seconds = 0.5

    @property
    def running(self) -> int:
        return min(self._admitted, self.workers)

    @property
    def waiting(self) -> int:
        return max(0, self._admitted - self.workers)

    def retry_after(self) -> int:
        expected = self._mean_seconds * (self.waiting + 1) / self.workers
        return max(1, min(self.max_retry_after, math.ceil(expected)))

    async def run(self, func: Callable[..., T], *args: object) -> T:
        """`func(*args)` in a worker thread; raises `Overloaded` at once when the queue is full."""
        self._admit()
        try:
            return await anyio.to_thread.run_sync(self._timed, func, *args, limiter=self._limiter)
        finally:
            self._admitted -= 1

    async def run_async(self, func: Callable[[], Awaitable[T]]) -> T:
        """Await `func()` once a slot is free; raises `Overloaded` at once when the queue is full."""
        self._admit()
        try:
            async with self._limiter:
                start = time.perf_counter()
                try:
                    return await func()
                finally:
                    self._record(time.perf_counter() - start)
        finally:
            self._admitted -= 1

    def _admit(self) -> None:
        if self._admitted >= self.workers + self.queue:
            raise Overloaded(self.retry_after())
        self._admitted += 1

    def _record(self, seconds: float) -> None:
        self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * seconds

    def _timed(self, func: Callable[..., T], *args: object) -> T:
        start = time.perf_counter()
        try:
            return func(*args)
        finally:
            self._record(time.perf_counter() - start)
