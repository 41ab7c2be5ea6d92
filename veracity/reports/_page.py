"""What both HTML pages share: the page shell (inline CSS and JS read from `static/`), escaping,
number formatting, verdict labels and writing the file."""

from __future__ import annotations

import math
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import Path

from veracity.errors import VeracityError
from veracity.types import LABELS

LABEL_NAMES: dict[str, str] = {
    "supported": "supported",
    "refuted": "refuted",
    "not_enough_info": "not enough info",
    "unscored": "unscored",
}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@cache
def static_text(name: str) -> str:
    """A file of `veracity/reports/static/` (inlined in every page, so a report stays one offline file)."""
    return files("veracity.reports").joinpath("static", name).read_text(encoding="utf-8")


def esc(value: object) -> str:
    """`value` as text escaped for HTML content and attribute values."""
    return escape(str(value), quote=True)


def num(value: float | None, digits: int = 3) -> str:
    """A number with `digits` decimals; "—" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def label_of(value: object) -> str:
    """A verdict label safe to use as a CSS class (anything unknown reads as `unscored`)."""
    return value if isinstance(value, str) and value in LABELS else "unscored"


def badge(label: str) -> str:
    """A coloured verdict badge."""
    return f'<span class="badge {label}">{esc(LABEL_NAMES[label])}</span>'


def document(title: str, body: str, script: str = "") -> str:
    """The whole page: CSP forbidding every fetch, the inline stylesheet, `body`, and `script` if any."""
    tail = f"<script>{script}</script>\n" if script else ""
    css = "\n" + static_text("report.css")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n"
    )


def write_html(path: Path | None, document: str) -> None:
    """Write an HTML page to `path`; a clear `VeracityError` when no path is given or it cannot be written."""
    if path is None:
        raise VeracityError("an HTML report is a file: give --out REPORT.html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document, encoding="utf-8")
    except OSError as err:
        raise VeracityError(f"cannot write {path}: {err.strerror or err}") from err
