"""Typed errors. Every error a user can meet is a `VeracityError` with a clear message."""

from __future__ import annotations

from collections.abc import Mapping


class VeracityError(Exception):
    """Base class: the CLI prints these as one clear line and exits non-zero."""


class EmptyInputError(VeracityError, ValueError):
    """The text to check (or a document) is empty."""


class ModelNotAvailableError(VeracityError):
    """A model name or path cannot be loaded offline."""


class IndexNotFoundError(VeracityError, FileNotFoundError):
    """An index directory is missing or incomplete."""


class InputFormatError(VeracityError, ValueError):
    """An input file cannot be read or parsed."""


class InvalidArgumentError(VeracityError, TypeError, ValueError):
    """A public function got an argument of the wrong type or value; the message names the argument."""


class TimeBudgetExceeded(VeracityError):
    """The work took longer than its time budget and was stopped."""


class ConfigurationChangedError(VeracityError):
    """A batch job resumed with another configuration than the one that wrote its output."""


class ApiError(VeracityError):
    """An error answer of the HTTP API: HTTP `status`, stable `code` and `message`.

    The server raises it (with any extra response `headers`, e.g. Retry-After) and answers
    `{"error": {"code", "message"}, "request_id"}`; `veracity.client` raises it for such an answer,
    with the answer's `request_id`.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        where = f"HTTP {status}, request {request_id}" if request_id else f"HTTP {status}"
        super().__init__(f"{code}: {message} ({where})")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.headers: dict[str, str] = dict(headers or {})
