"""Moved to `veracity.retrieval.search.by_document`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.retrieval._moved import alias

alias(__name__, "veracity.retrieval.search.by_document")
