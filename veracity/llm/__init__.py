"""veracity's one LLM client: litellm underneath, local GGUF models offline, cache, retries, accounting.

    from veracity.llm import LLMClient
    client = LLMClient("local/smollm2")
    [reply] = client.complete([{"role": "user", "content": "Hi"}], prompt_version="demo-v1", logprobs=True)

litellm is imported lazily (first use of `LLMClient`), so importing `veracity.llm.types` stays cheap.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price list at import time

from veracity.llm.errors import LLMError, LLMProviderError, LLMRateLimited, LLMTimeout, LLMUnavailable  # noqa: E402
from veracity.llm.results import CompletionResult, Estimate, Request, StructuredResult  # noqa: E402
from veracity.llm.stats import Stats  # noqa: E402
from veracity.llm.types import Completion, TokenLogprob, TopLogprob, Usage  # noqa: E402

if TYPE_CHECKING:
    from veracity.llm.client import LLMClient


def __getattr__(name: str) -> Any:
    if name == "LLMClient":
        from veracity.llm.client import LLMClient

        return LLMClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Completion",
    "CompletionResult",
    "Estimate",
    "LLMClient",
    "LLMError",
    "LLMProviderError",
    "LLMRateLimited",
    "LLMTimeout",
    "LLMUnavailable",
    "Request",
    "Stats",
    "StructuredResult",
    "TokenLogprob",
    "TopLogprob",
    "Usage",
]
