"""Moved to `veracity.verifier.calibration_base`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.judges._moved import alias

alias(__name__, "veracity.verifier.calibration_base")
