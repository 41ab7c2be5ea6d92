"""`/docs` (Swagger UI) and `/redoc` with their scripts served from this package, not a CDN: they work offline."""

# No `from __future__ import annotations`: FastAPI reads the route signatures.
from functools import lru_cache
from importlib import resources

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

PREFIX = "/static/docs"
# Swagger UI 5 and ReDoc 2, unchanged (veracity/server/static/README.md says where from).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


@lru_cache(maxsize=None)
def _asset(name: str) -> bytes:
    return resources.files("veracity.server").joinpath("static", name).read_bytes()


def install_docs(app: FastAPI) -> None:
    """Add `/docs`, `/redoc` and their assets under `/static/docs/` to `app` (created with docs_url=None)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{PREFIX}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{PREFIX}/favicon-32x32.png",
            with_google_fonts=False,
        )

    @app.get(PREFIX + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            return Response(status_code=404)
        return Response(_asset(name), media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"})
