"""One background event loop that runs every provider call.

litellm keeps loop-bound state (HTTP clients, a logging worker), so all calls run on this single long-lived
loop: async callers await it from their own loop, sync callers block on it, inside or outside a running loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

R = TypeVar("R")

_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use in a daemon thread."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            _loop = asyncio.new_event_loop()
            _thread = threading.Thread(target=_loop.run_forever, name="veracity-llm-loop", daemon=True)
            _thread.start()
        return _loop


def _on_background_thread() -> bool:
    return threading.current_thread() is _thread


async def on_background(coro: Coroutine[Any, Any, R]) -> R:
    """Await `coro` run on the background loop (directly if already there); cancellation propagates."""
    if _on_background_thread():
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, background_loop()))


def run_sync(coro: Coroutine[Any, Any, R]) -> R:
    """Run `coro` on the background loop and block until it returns (or raises)."""
    if _on_background_thread():
        coro.close()
        raise RuntimeError("a blocking LLMClient method was called from the client's own loop; await the async one")
    return asyncio.run_coroutine_threadsafe(coro, background_loop()).result()
