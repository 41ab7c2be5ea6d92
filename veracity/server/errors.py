"""Every error leaves the server as JSON: `{"error": {"code", "message"}, "request_id"}`, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from veracity.claims.protocol import InvalidInputTypeError, UnknownComponentError
from veracity.errors import (
    ApiError,
    EmptyInputError,
    IndexNotFoundError,
    InputFormatError,
    ModelNotAvailableError,
    TimeBudgetExceeded,
    VeracityError,
)
from veracity.llm.errors import LLMError, LLMRateLimited, LLMTimeout, LLMUnavailable

log = logging.getLogger("veracity.server")

# Most specific first: the first class an error is an instance of decides its status and code.
_VERACITY_ERRORS: tuple[tuple[type[VeracityError], int, str], ...] = (
    (LLMUnavailable, 400, "model_not_available"),
    (LLMRateLimited, 503, "upstream_rate_limited"),
    (LLMTimeout, 504, "upstream_timeout"),
    (LLMError, 502, "upstream_error"),
    (TimeBudgetExceeded, 503, "time_budget_exceeded"),
    (EmptyInputError, 422, "empty_input"),
    (InputFormatError, 422, "invalid_input"),
    (InvalidInputTypeError, 422, "invalid_input"),
    (UnknownComponentError, 400, "unknown_component"),
    (ModelNotAvailableError, 400, "model_not_available"),
    (IndexNotFoundError, 503, "index_not_available"),
    (VeracityError, 400, "bad_request"),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    status: int,
    code: str,
    message: str,
    request_id: str | None,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return JSONResponse({"error": error, "request_id": request_id}, status_code=status, headers=headers)


def from_veracity_error(err: VeracityError) -> ApiError:
    """The `ApiError` a library error becomes; its message is ours, safe to show."""
    headers = {}
    if isinstance(err, LLMRateLimited):
        headers["Retry-After"] = str(max(1, round(err.retry_after or 1)))
    for cls, status, code in _VERACITY_ERRORS:
        if isinstance(err, cls):
            return ApiError(status, code, str(err) or cls.__name__, headers=headers)
    return ApiError(400, "bad_request", str(err), headers=headers)


def _validation_details(err: RequestValidationError) -> list[dict[str, Any]]:
    """Where and why, without echoing the (possibly huge) input back."""
    return [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in err.errors()[:20]
    ]


def _empty_text(err: RequestValidationError) -> str | None:
    """The field, when the only problem of a request is an empty string where text is required."""
    errors = err.errors()
    if errors and all(e.get("type") == "string_too_short" and e.get("input") == "" for e in errors):
        return ".".join(str(part) for part in errors[0].get("loc", ())[1:]) or "text"
    return None


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers for our errors, library errors, validation errors and HTTP errors."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, err: ApiError) -> JSONResponse:
        return error_response(err.status, err.code, err.message, request_id_of(request), err.headers)

    @app.exception_handler(VeracityError)
    async def _veracity(request: Request, err: VeracityError) -> JSONResponse:
        api = from_veracity_error(err)
        return error_response(api.status, api.code, api.message, request_id_of(request), api.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        details = _validation_details(err)
        empty = _empty_text(err)
        if empty is not None:  # "" is the same error as "   ": empty_input
            return error_response(422, "empty_input", f"{empty} is empty", request_id_of(request), details=details)
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        message = f"invalid request: {'.'.join(first['loc']) or 'body'}: {first['msg']}"
        return error_response(422, "invalid_request", message, request_id_of(request), details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(err.status_code, "server_error" if err.status_code >= 500 else "bad_request")
        message = err.detail if isinstance(err.detail, str) else code.replace("_", " ")
        return error_response(err.status_code, code, message, request_id_of(request), dict(err.headers or {}))


def internal_error(request_id: str | None) -> JSONResponse:
    """The answer to a bug of ours: a 500 that says nothing about the internals."""
    return error_response(500, "internal_error", "internal server error; quote the request id when reporting it", request_id)
