"""Old flat module paths of `veracity.retrieval`, kept for one release: each is an alias of its new module."""

from __future__ import annotations

import sys
import warnings
from importlib import import_module


def alias(old: str, new: str) -> None:
    """`import old` gives module `new` itself (patching either patches both); warns once, on first import."""
    warnings.warn(f"{old} moved to {new}; import it from there", DeprecationWarning, stacklevel=3)
    sys.modules[old] = import_module(new)
