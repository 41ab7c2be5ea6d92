"""Self-contained HTML reports: one checked answer (`render_html`) or a batch output (`render_batch_html`).

Each page is one file that opens offline: the CSS and the little JS (package files under
`veracity/reports/static/`) are inlined, no external resource is loaded, a Content-Security-Policy
forbids every fetch, and every piece of text is escaped with `html.escape`.
"""

from __future__ import annotations

from veracity.reports._page import LABEL_NAMES, write_html
from veracity.reports.answer import STATUS_NAMES, render_html
from veracity.reports.batch import BINS, read_batch_output, render_batch_html

__all__ = [
    "BINS",
    "LABEL_NAMES",
    "STATUS_NAMES",
    "read_batch_output",
    "render_batch_html",
    "render_html",
    "write_html",
]
