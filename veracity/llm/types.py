"""What an LLM call returns, independent of the provider: text, token log-probabilities, usage."""

from __future__ import annotations

from pydantic import Field

from veracity._model import FrozenModel as _Frozen


class TopLogprob(_Frozen):
    token: str
    logprob: float


class TokenLogprob(_Frozen):
    """One generated token, its log-probability, and the most likely alternatives at that position."""

    token: str
    logprob: float
    top: list[TopLogprob] = Field(default_factory=list)


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class Completion(_Frozen):
    """One choice of one LLM call. `logprobs` is None when the provider returned none."""

    text: str
    logprobs: list[TokenLogprob] | None = None
    usage: Usage = Field(default_factory=Usage)
    model: str
    cached: bool = False
    finish_reason: str | None = None
