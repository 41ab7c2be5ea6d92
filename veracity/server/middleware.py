"""Pure ASGI middleware: request ids, bearer auth, body size limit, request metrics, last-resort 500s."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable, Collection

from fastapi import HTTPException
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veracity.server.errors import error_response, internal_error
from veracity.server.metrics import Metrics

log = logging.getLogger("veracity.server")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class _BodyTooLarge(HTTPException):
    """Raised from `receive`; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"request body is over {limit} bytes"


class RequestContextMiddleware:
    """Gives every request an id (the client's `X-Request-ID` if well-formed) echoed on the response,
    checks `Authorization: Bearer <token>` outside `open_paths`, refuses bodies over `max_body_bytes`
    with 413, records each request in `metrics`, and turns any uncaught exception into a JSON 500.

    `route_paths()` lists the app's route templates; requests to other paths are labelled "other".
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        token: str | None,
        max_body_bytes: int,
        route_paths: Callable[[], Collection[str]],
        open_paths: Collection[str] = ("/healthz", "/readyz"),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.route_paths = route_paths
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        incoming = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLarge(self.max_body_bytes)
            return message

        try:
            refusal = self._refusal(scope, headers, request_id)
            if refusal is not None:
                await refusal(scope, receive, send_with_id)
            else:
                await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            if not started:
                await self._too_large(request_id)(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in request %s", request_id)
            if started:
                raise
            await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            self.metrics.observe_request(scope["method"], self._route(scope), status, time.perf_counter() - start)

    def _refusal(self, scope: Scope, headers: Headers, request_id: str) -> Response | None:
        if self.token is not None and scope["path"] not in self.open_paths and not self._authorised(headers):
            given = "no" if not headers.get("authorization") else "a wrong"
            log.warning("401 for %s %s (request %s): %s bearer token", scope["method"], scope["path"], request_id, given)
            return error_response(
                401, "unauthorized", "missing or wrong bearer token", request_id, {"WWW-Authenticate": "Bearer"}
            )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return self._too_large(request_id)
        return None

    def _authorised(self, headers: Headers) -> bool:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.token or b"")

    def _too_large(self, request_id: str) -> Response:
        return error_response(413, "payload_too_large", too_large_message(self.max_body_bytes), request_id)

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        path = getattr(route, "path", None) or scope["path"]
        return path if path in self.route_paths() else "other"
