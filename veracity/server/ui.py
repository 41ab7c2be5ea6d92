"""The page for people at `/` (static files shipped in `veracity/server/static/`), `/v1/info` (what the
server runs: versions, models, weights hashes, settings), and `/v1/report/html` (a report as the
self-contained HTML file of `veracity check --format html`).

The page and its two assets hold no data and are served without the token; everything they ask the
server for goes through the API, which needs the token when one is set (the page asks for it).
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures.
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Response
from pydantic import BaseModel, ConfigDict

from veracity import __version__
from veracity.attribution.rag import RAGReport
from veracity.provenance import RunSpec
from veracity.types import Report

if TYPE_CHECKING:
    from veracity.server.app import Runtime

PAGE_PATHS = ("/", "/ui/app.js", "/ui/app.css")
_ASSETS = {"/": ("index.html", "text/html; charset=utf-8"), "/ui/app.js": ("app.js", "text/javascript; charset=utf-8"), "/ui/app.css": ("app.css", "text/css; charset=utf-8")}
# Only this server's own files and API: the page works offline and loads nothing from elsewhere.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ServerInfo(BaseModel):
    """What this server runs. `run`: the configuration every report of `/v1/verify` is made with
    (`run_id` its hash; each report's `provenance` repeats it); None until the models have loaded."""

    model_config = ConfigDict(frozen=True)

    veracity: str
    status: Literal["loading", "ready", "failed"]
    has_index: bool
    run_id: str | None = None
    run: RunSpec | None = None


@lru_cache(maxsize=None)
def _asset(name: str) -> bytes:
    return resources.files("veracity.server").joinpath("static", name).read_bytes()


def install_ui(app: FastAPI, runtime: "Runtime") -> None:
    """Add the page, its assets, `/v1/info` and `/v1/report/html` to `app`."""

    def page(path: str) -> Any:
        name, media = _ASSETS[path]

        async def serve() -> Response:
            return Response(_asset(name), media_type=media, headers=_PAGE_HEADERS)

        serve.__doc__ = f"The page for people: {name}." if path == "/" else f"The page's {name}."
        return serve

    for path in PAGE_PATHS:
        app.add_api_route(path, page(path), methods=["GET"], include_in_schema=False)

    @app.get("/v1/info", response_model=ServerInfo, tags=["ops"])
    async def info() -> ServerInfo:
        """The veracity version, whether the models have loaded, and the configuration reports are made with."""
        engine = runtime.engine
        spec = getattr(engine, "run_spec", None) if engine is not None else None
        return ServerInfo(
            veracity=__version__,
            status=runtime.status,  # type: ignore[arg-type]
            has_index=bool(engine.has_index) if engine is not None else runtime.settings.index is not None,
            run_id=spec.id if spec is not None else None,
            run=spec,
        )

    @app.post(
        "/v1/report/html",
        response_class=Response,
        responses={200: {"content": {"text/html": {}}}},
        tags=["verify"],
    )
    async def report_html(report: RAGReport | Report) -> Response:
        """A report (as `/v1/verify` returned it) as one self-contained HTML file."""
        from veracity.reports import render_html

        html = render_html(report)
        return Response(
            html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="veracity-report.html"', "X-Content-Type-Options": "nosniff"},
        )
