"""Moved to `veracity.verifier.onnx_backend`; this old path is an alias that warns (DeprecationWarning)."""

from veracity.judges._moved import alias

alias(__name__, "veracity.verifier.onnx_backend")
