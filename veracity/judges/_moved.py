"""Old module paths of the verifier, kept for one release: each is an alias of its new module."""

from __future__ import annotations

import sys
import warnings
from importlib import import_module


def alias(old: str, new: str) -> None:
    """Make `import old` give module `new` itself (same objects, so patching either patches both), warning once."""
    warnings.warn(f"{old} moved to {new}; import it from there", DeprecationWarning, stacklevel=3)
    sys.modules[old] = import_module(new)
