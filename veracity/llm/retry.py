"""Map provider exceptions to typed `LLMError`s and compute exponential backoff delays."""

from __future__ import annotations

import random
from dataclasses import dataclass

from veracity.llm._litellm import litellm
import openai

from veracity.llm.errors import LLMError, LLMProviderError, LLMRateLimited, LLMTimeout, LLMUnavailable


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `max_retries` retries after the first attempt; delay = min(max_delay, base * 2**attempt) * jitter."""

    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: bool = True

    def delay(self, attempt: int, error: LLMError) -> float:
        """Seconds to wait before retry number `attempt` (0-based); honours a server's Retry-After."""
        backoff = min(self.max_delay, self.base_delay * (2**attempt))
        if self.jitter:
            backoff *= random.uniform(0.5, 1.0)
        if isinstance(error, LLMRateLimited) and error.retry_after is not None:
            backoff = max(backoff, min(self.max_delay, error.retry_after))
        return backoff


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after")
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def classify(exc: BaseException, model: str) -> LLMError:
    """Turn any exception raised by a provider call into the matching typed `LLMError`."""
    if isinstance(exc, LLMError):
        return exc
    what = f"{model}: {_describe(exc)}"
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if isinstance(exc, (openai.APITimeoutError, TimeoutError)):
        return LLMTimeout(f"timed out: {what}", status_code=status)
    if isinstance(exc, openai.RateLimitError) or status == 429:
        return LLMRateLimited(f"rate limited: {what}", retry_after=_retry_after(exc))
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)):
        return LLMUnavailable(f"model unavailable: {what}", status_code=status)
    unknown_provider = getattr(litellm, "LiteLLMUnknownProvider", ())
    if isinstance(exc, unknown_provider) or "LLM Provider NOT provided" in str(exc):
        return LLMUnavailable(f"unknown provider: {what}", status_code=status)
    if isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
        return LLMProviderError(f"request rejected: {what}", status_code=status, retryable=False)
    if isinstance(exc, openai.APIConnectionError) or (status is not None and status >= 500):
        return LLMProviderError(f"provider error: {what}", status_code=status, retryable=True)
    if isinstance(exc, (openai.APIError, ValueError, KeyError, TypeError, AttributeError, IndexError)):
        # Malformed responses surface as parse errors; a transient proxy fault is worth one more try.
        return LLMProviderError(f"malformed response or provider failure: {what}", status_code=status, retryable=True)
    return LLMProviderError(f"unexpected failure: {what}", status_code=status, retryable=False)
