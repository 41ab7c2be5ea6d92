"""The page for people at `/`, `/v1/info` and `/v1/report/html`: offline assets, the API's auth, a real report."""

from __future__ import annotations

import re

import httpx
import pytest

from veracity.server import Settings, create_app
from veracity.server.engine import Engine
from veracity.server.runner import BackgroundServer
from veracity.server.ui import PAGE_PATHS

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _never_loads(settings: Settings, model_calls) -> Engine:
    raise RuntimeError("no models in this test")


@pytest.fixture(scope="module")
def locked():
    """A server with a token whose models never load."""
    degraded = {"allow_degraded": True} if "allow_degraded" in Settings.model_fields else {}  # listen without models
    with BackgroundServer(create_app(Settings(token=TOKEN, **degraded), engine_loader=_never_loads)) as running:
        with httpx.Client(base_url=running.url, timeout=30) as http:
            yield http


def test_page_and_assets_are_served_without_token_and_load_nothing_from_elsewhere(locked) -> None:
    for path in PAGE_PATHS:
        response = locked.get(path)
        assert response.status_code == 200, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", response.text), f"{path} refers to another host"
        assert "@import" not in response.text and "url(http" not in response.text
    page = locked.get("/").text
    assert '<script src="/ui/app.js">' in page and 'href="/ui/app.css"' in page
    assert 'name="viewport"' in page and "@media (max-width" in locked.get("/ui/app.css").text


def test_info_and_report_need_the_token(locked) -> None:
    assert locked.get("/v1/info").status_code == 401
    assert locked.post("/v1/report/html", json={}).status_code == 401
    info = locked.get("/v1/info", headers=AUTH).json()
    assert info["veracity"] and info["status"] in ("loading", "failed") and info["run"] is None


def test_report_html_renders_a_real_report(locked) -> None:
    from veracity.pipeline import FactChecker

    report = FactChecker().check_rag(
        "When?", "The Eiffel Tower was completed in 1889.", ["The Eiffel Tower was completed in 1889 in Paris."]
    )
    response = locked.post("/v1/report/html", json=report.model_dump(mode="json"), headers=AUTH)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "attachment" in response.headers["content-disposition"]
    assert "The Eiffel Tower was completed in 1889." in response.text and 'class="claim supported' in response.text
    bad = locked.post("/v1/report/html", json={"text": 3}, headers=AUTH)
    assert bad.status_code == 422
