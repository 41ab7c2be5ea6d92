"""What the LLM judges need from an LLM client, and how they get one from a model string."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from veracity.llm.errors import LLMError
from veracity.llm.types import Completion
from veracity.unscored import Unscored

T = TypeVar("T")


@runtime_checkable
class CompletionClient(Protocol):
    """The part of `veracity.llm.LLMClient` the judges use (any object with this `acomplete` works)."""

    async def acomplete(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.0,
        max_tokens: int = ...,
        logprobs: bool = False,
        top_logprobs: int = 0,
        n: int = 1,
        prompt_version: str,
        seed: int | None = None,
    ) -> list[Completion]: ...


OnProviderError = Literal["unscored", "raise"]
"""What a judge does when its LLM call fails after the client's retries: return an unscored result
(reason ``provider_error``, or ``not_configured`` for `LLMUnavailable`; the library's policy), or
re-raise the `LLMError` (the HTTP server does, to answer 502/503/504)."""


async def complete_or_unscored(
    client: CompletionClient, messages: list[dict[str, str]], on_error: OnProviderError, **params: Any
) -> list[Completion] | Unscored:
    """`client.acomplete(messages, **params)`, or the `Unscored` its `LLMError` stands for."""
    try:
        return await client.acomplete(messages, **params)
    except LLMError as exc:
        if on_error == "raise":
            raise
        return Unscored.of_error(exc)


def resolve_client(model: str | CompletionClient) -> CompletionClient:
    """`model` itself if it is a client, else a `veracity.llm.LLMClient` for that litellm model string."""
    if not isinstance(model, str):
        return model
    from veracity.llm import LLMClient

    return LLMClient(model)


def model_name(client: CompletionClient) -> str:
    """The model string a client talks to, for the records."""
    return str(getattr(client, "model", type(client).__name__))


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, also when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
