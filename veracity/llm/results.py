"""Requests, dry-run estimates and the never-raising results the judge-facing helpers return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from veracity.llm.types import Completion
from veracity.unscored import Unscored

T = TypeVar("T", bound=BaseModel)

Message = dict[str, Any]


@dataclass(frozen=True)
class Request:
    """One chat-completion request, as `amap` and `estimate` take it."""

    messages: list[Message]
    prompt_version: str
    temperature: float = 0.0
    max_tokens: int = 512
    logprobs: bool = False
    top_logprobs: int = 0
    n: int = 1
    seed: int | None = None


@dataclass(frozen=True)
class CompletionResult:
    """Either `completions` or `why_unscored` (`veracity.unscored`), never both; never raises, never NaN."""

    completions: list[Completion] | None
    why_unscored: Unscored | None = None

    @property
    def ok(self) -> bool:
        return self.completions is not None

    @property
    def unscored_reason(self) -> str | None:
        """`why_unscored.detail` (the older free-text field)."""
        return None if self.why_unscored is None else self.why_unscored.detail


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    """A validated `value`, or None with `why_unscored`; `raw` is the last reply text seen."""

    value: T | None
    why_unscored: Unscored | None = None
    raw: str | None = None
    attempts: int = 0
    completions: list[Completion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def unscored_reason(self) -> str | None:
        """`why_unscored.detail` (the older free-text field)."""
        return None if self.why_unscored is None else self.why_unscored.detail


@dataclass(frozen=True)
class Estimate:
    """Dry run of a batch: calls the provider would get (cache misses), tokens in, worst-case tokens out."""

    calls: int
    prompt_tokens: int
    max_completion_tokens: int
    cached: int = 0
    max_cost_usd: float | None = None
