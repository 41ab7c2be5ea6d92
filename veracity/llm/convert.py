"""Convert a litellm `ModelResponse` into provider-independent `Completion`s."""

from __future__ import annotations

import math
from typing import Any

from veracity.llm.errors import LLMProviderError
from veracity.llm.types import Completion, TokenLogprob, TopLogprob, Usage


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _logprobs(choice: Any) -> list[TokenLogprob] | None:
    """Token logprobs with alternatives; None when absent, empty, or containing a non-finite value."""
    content = _get(_get(choice, "logprobs"), "content")
    if not content:
        return None
    tokens: list[TokenLogprob] = []
    for item in content:
        token, logprob = _get(item, "token"), _finite(_get(item, "logprob"))
        if not isinstance(token, str) or logprob is None:
            return None
        top: list[TopLogprob] = []
        for alt in _get(item, "top_logprobs") or []:
            alt_token, alt_logprob = _get(alt, "token"), _finite(_get(alt, "logprob"))
            if not isinstance(alt_token, str) or alt_logprob is None:
                return None
            top.append(TopLogprob(token=alt_token, logprob=alt_logprob))
        tokens.append(TokenLogprob(token=token, logprob=logprob, top=top))
    return tokens


def _usage(response: Any, cost_usd: float) -> Usage:
    usage = _get(response, "usage")
    prompt = _get(usage, "prompt_tokens")
    completion = _get(usage, "completion_tokens")
    cost = _finite(cost_usd)
    return Usage(
        prompt_tokens=prompt if isinstance(prompt, int) and prompt >= 0 else 0,
        completion_tokens=completion if isinstance(completion, int) and completion >= 0 else 0,
        cost_usd=cost if cost is not None and cost >= 0 else 0.0,
    )


def to_completions(response: Any, model: str, cost_usd: float = 0.0) -> list[Completion]:
    """One `Completion` per choice; the call's usage is carried by the first. Raises on a malformed response."""
    choices = _get(response, "choices")
    if not choices:
        raise LLMProviderError(f"{model}: the response has no choices", retryable=True)
    usage = _usage(response, cost_usd)
    completions: list[Completion] = []
    for index, choice in enumerate(choices):
        message = _get(choice, "message")
        text = _get(message, "content")
        if not isinstance(text, str):  # null content is a malformed reply here, never an empty answer
            raise LLMProviderError(f"{model}: choice {index} has no text content", retryable=True)
        completions.append(
            Completion(
                text=text,
                logprobs=_logprobs(choice),
                usage=usage if index == 0 else Usage(),
                model=model,
                finish_reason=_get(choice, "finish_reason"),
            )
        )
    return completions
