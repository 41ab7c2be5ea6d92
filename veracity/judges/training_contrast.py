"""Moved to `veracity.verifier.training_contrast`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.judges._moved import alias

alias(__name__, "veracity.verifier.training_contrast")
