"""Offline token counting for dry-run estimates: litellm's counter, else ~4 characters per token."""

from __future__ import annotations

import math
from typing import Any

from veracity.llm._litellm import litellm

# litellm downloads a Hugging Face tokenizer for these; estimates must stay offline, so approximate instead.
_NEEDS_DOWNLOAD = ("llama-2", "llama-3", "replicate", "command-r")


def _text_of(messages: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return "\n".join(parts)


def approximate_tokens(messages: list[dict[str, Any]]) -> int:
    """len(text) / 4, rounded up, plus a few tokens of chat framing per message."""
    return math.ceil(len(_text_of(messages)) / 4) + 4 * len(messages)


def count_prompt_tokens(model: str, messages: list[dict[str, Any]]) -> int:
    """Prompt tokens as litellm counts them for `model`; the len/4 approximation when it cannot."""
    if model.startswith("local/") or any(s in model.lower() for s in _NEEDS_DOWNLOAD):
        return approximate_tokens(messages)
    try:
        count = litellm.token_counter(model=model, messages=messages)
    except Exception:  # an unknown tokenizer or an unusual message shape: approximate
        return approximate_tokens(messages)
    return count if isinstance(count, int) and count >= 0 else approximate_tokens(messages)
