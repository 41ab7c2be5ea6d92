"""Import litellm once, quietly: no price-list download, no banner, no pydantic schema warnings on first call."""

from __future__ import annotations

import importlib
import os
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# litellm builds some pydantic schemas lazily on the first call, each emitting a harmless UserWarning
# ("... is using the `ReadOnly` qualifier"); importing those modules here keeps them out of users' output.
_LAZY_MODULES = ("litellm.llms.github_copilot.per_user_auth",)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic\..*")
    import litellm

    for _name in _LAZY_MODULES:
        try:
            importlib.import_module(_name)
        except ImportError:
            pass
    try:  # the same warnings, from schemas completed on first use
        litellm.ModelResponse()
        from litellm.types.router import GenericLiteLLMParams

        GenericLiteLLMParams.model_validate({})
    except Exception:  # a litellm version without these: the warnings, if any, are cosmetic
        pass

litellm.suppress_debug_info = True

__all__ = ["litellm"]
