"""Moved to `veracity.reports`; this module re-exports its public names for one release."""

from __future__ import annotations

from veracity.reports import (
    BINS,
    LABEL_NAMES,
    STATUS_NAMES,
    read_batch_output,
    render_batch_html,
    render_html,
    write_html,
)

__all__ = [
    "BINS",
    "LABEL_NAMES",
    "STATUS_NAMES",
    "read_batch_output",
    "render_batch_html",
    "render_html",
    "write_html",
]
