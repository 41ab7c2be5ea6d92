"""The one "unscored" contract: why a stage gave no value, as a code from a closed set and a sentence.

Every result that can lack a value (`Verdict` labelled ``unscored``, a judge's `Score`, `Preference`,
`OrderJudgement`, rubric and resampled scores, reliability statistics, consistency ratios, the LLM
client's `CompletionResult` / `StructuredResult`) carries `why_unscored: Unscored | None`, set exactly
when the value is missing. `Unscored.reason` is one of `UNSCORED_REASONS`:

* ``not_configured``: the model cannot be used as configured (missing API key, missing local runtime);
* ``provider_error``: the provider failed (timeout, rate limit, 5xx, unreachable, malformed response);
* ``no_logprobs``: the provider returned no token logprobs where the method needs them;
* ``unparseable_output``: the reply could not be read (no label or rating in it, too little probability
  on a label, JSON that stays invalid after the repair re-ask);
* ``no_evidence``: nothing to check against; ``no_claims``: nothing to check;
* ``insufficient_data``: too few (or degenerate) data for a statistic or ratio;
* ``unspecified``: only free text was given (results built by callers with the older `unscored_reason`).

Failure policy of every LLM-backed stage: a provider problem never raises out of a judge; it becomes an
unscored result with reason ``provider_error`` (``not_configured`` for `LLMUnavailable`). A stage that
hands its work to another (the LLM claim extractor falling back to spaCy) records a `Fallback` on the
report (`Report.fallbacks`) and logs a warning; it is never silent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, get_args

from pydantic import Field, computed_field, model_validator

from veracity._model import FrozenModel as _Frozen

__all__ = ["UNSCORED_REASONS", "Fallback", "Unscorable", "Unscored", "UnscoredReason"]

UnscoredReason = Literal[
    "not_configured",
    "provider_error",
    "no_logprobs",
    "unparseable_output",
    "no_evidence",
    "no_claims",
    "insufficient_data",
    "unspecified",
]
UNSCORED_REASONS: tuple[UnscoredReason, ...] = get_args(UnscoredReason)
"""In order of precedence: `Unscored.combine` keeps the first reason present among its parts."""


class Unscored(_Frozen):
    """Why a result has no value: `reason` (machine-readable, from `UNSCORED_REASONS`) and `detail` (for people)."""

    reason: UnscoredReason
    detail: str = Field(min_length=1)

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"

    @classmethod
    def of_error(cls, exc: BaseException, who: str = "") -> Unscored:
        """An LLM call's exception: ``not_configured`` for `LLMUnavailable`, else ``provider_error``."""
        from veracity.llm.errors import LLMUnavailable

        reason: UnscoredReason = "not_configured" if isinstance(exc, LLMUnavailable) else "provider_error"
        prefix = f"{who}: " if who else ""
        return cls(reason=reason, detail=f"{prefix}{type(exc).__name__}: {exc}")

    @classmethod
    def from_text(cls, text: str) -> Unscored:
        """A free-text reason from older callers: code ``unspecified``."""
        return cls(reason="unspecified", detail=" ".join(str(text).split()) or "no reason given")

    @classmethod
    def combine(cls, parts: Iterable[Unscored], detail: str | None = None) -> Unscored:
        """One reason for a result whose parts were all unscored: the parts' first reason in
        `UNSCORED_REASONS` order; `detail` defaults to the parts' distinct details joined by "; "."""
        items = list(parts)
        if not items:
            return cls(reason="insufficient_data", detail=detail or "no part to combine")
        reason = min((p.reason for p in items), key=UNSCORED_REASONS.index)
        details = list(dict.fromkeys(p.detail for p in items))
        return cls(reason=reason, detail=detail or "; ".join(details))


def accept_legacy_reason(data: Any, key: str = "unscored_reason") -> Any:
    """Before-validation: turn an older free-text `key` into `why_unscored` (and drop the serialised copy)."""
    if isinstance(data, dict) and key in data:
        data = dict(data)
        text = data.pop(key)
        if text is not None and data.get("why_unscored") is None:
            data["why_unscored"] = Unscored.from_text(str(text))
    return data


class Unscorable(_Frozen):
    """Base of results that may be unscored: the `why_unscored` field, and `unscored_reason` (its detail),
    still serialised and still accepted as input for readers and writers of the older field."""

    why_unscored: Unscored | None = None
    """Why there is no value; None exactly when there is one."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_reason(cls, data: Any) -> Any:
        return accept_legacy_reason(data)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unscored_reason(self) -> str | None:
        """`why_unscored.detail` (backward-compatible serialisation of the older free-text field)."""
        return None if self.why_unscored is None else self.why_unscored.detail


class Fallback(_Frozen):
    """A stage that could not do its job and handed it to another: `stage`, what ran instead (`used`), and why."""

    stage: Literal["claims"]
    used: str
    cause: Unscored
