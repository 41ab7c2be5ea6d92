"""Moved to `veracity.verifier.calibration_isotonic`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.judges._moved import alias

alias(__name__, "veracity.verifier.calibration_isotonic")
