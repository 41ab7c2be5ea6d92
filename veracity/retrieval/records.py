"""Moved to `veracity.retrieval.ingest.records`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.retrieval._moved import alias

alias(__name__, "veracity.retrieval.ingest.records")
