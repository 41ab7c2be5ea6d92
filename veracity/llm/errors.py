"""Typed LLM errors. `acomplete` raises these; the judge-facing helpers turn them into `unscored` results."""

from __future__ import annotations

from veracity.errors import VeracityError


class LLMError(VeracityError):
    """Base class for every failure of an LLM call."""

    retryable: bool = False

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class LLMTimeout(LLMError):
    """The provider did not answer within the timeout."""

    retryable = True


class LLMRateLimited(LLMError):
    """The provider answered 429 (rate limit or quota)."""

    retryable = True

    def __init__(self, message: str, *, status_code: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class LLMProviderError(LLMError):
    """The provider failed (5xx, malformed response, rejected request). `retryable` is set per instance."""

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool = False) -> None:
        super().__init__(message, status_code=status_code)
        self.retryable = retryable


class LLMUnavailable(LLMError):
    """The model cannot be used at all: unknown model or provider, missing API key, missing local runtime."""
