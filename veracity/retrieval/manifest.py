"""Moved to `veracity.retrieval.storage.manifest`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.retrieval._moved import alias

alias(__name__, "veracity.retrieval.storage.manifest")
