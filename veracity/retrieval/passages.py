"""Moved to `veracity.retrieval.ingest.passages`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.retrieval._moved import alias

alias(__name__, "veracity.retrieval.ingest.passages")
