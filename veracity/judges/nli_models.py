"""Moved to `veracity.verifier.loading`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.judges._moved import alias

alias(__name__, "veracity.verifier.loading")
