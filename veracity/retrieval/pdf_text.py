"""Moved to `veracity.retrieval.ingest.pdf_text`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.retrieval._moved import alias

alias(__name__, "veracity.retrieval.ingest.pdf_text")
