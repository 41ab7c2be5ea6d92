"""Results of the LLM judges: `Score` (pointwise), `Preference` (pairwise), `Ranking` (listwise)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from veracity._model import FrozenModel as _Frozen
from veracity.unscored import Unscorable, Unscored

Outcome = Literal["A", "B", "tie"]
"""A pairwise verdict, always in the caller's frame: "A" = the first answer given to `compare`."""

PointwiseMethod = Literal["distribution", "geval", "argmax"]
PairwiseMethod = Literal["likelihood", "ppl", "baseline"]
Source = Literal["logprobs", "samples", "text"]
"""Where a distribution came from: the rating token's top logprobs, n sampled outputs, or one parsed text."""


class Score(Unscorable):
    """One pointwise judgement. `value` is None exactly when `why_unscored` says why; never NaN."""

    value: float | None
    distribution: dict[int, float] = Field(default_factory=dict)
    """P(rating) over the valid ratings 1..scale that received mass, renormalised to sum to 1."""
    raw: list[str] = Field(default_factory=list)
    """The judge's output text(s): one greedy output, or every sample."""
    method: PointwiseMethod = "distribution"
    scale: int = 5
    source: Source | None = None
    n_samples: int = 0
    """How many sampled outputs the distribution was estimated from (0 when read from logprobs)."""
    model: str = ""
    prompt_version: str = ""

    @model_validator(mode="after")
    def _value_xor_reason(self) -> Score:
        if (self.value is None) == (self.why_unscored is None):
            raise ValueError("a Score has either a value or a reason it is unscored (why_unscored)")
        return self


class OrderJudgement(Unscorable):
    """The judge's reading of one presentation order, mapped back to the caller's frame."""

    order: Literal["AB", "BA"]
    """"AB": answers shown as given; "BA": swapped (its labels are already swapped back here)."""
    probabilities: dict[Outcome, float] = Field(default_factory=dict)
    verdict: Outcome | None = None
    """The most likely outcome of this order alone (the greedy label when read from logprobs)."""
    perplexity: float | None = None
    """exp(-mean logprob) of this order's whole output; None without logprobs."""
    source: Source | None = None
    n_samples: int = 0
    raw: list[str] = Field(default_factory=list)


class Preference(Unscorable):
    """One pairwise judgement from both orders. `outcome` is None exactly when `why_unscored` is set.

    An unjudgeable pair is never reported as a tie: a tie is a judgement, "could not judge" is not.
    """

    outcome: Outcome | None
    probabilities: dict[Outcome, float] = Field(default_factory=dict)
    """The distribution the outcome was taken from (order average; for `ppl`, the kept order's)."""
    per_order: list[OrderJudgement] = Field(default_factory=list)
    method: PairwiseMethod = "likelihood"
    allow_tie: bool = True
    note: str | None = None
    """A fallback the method had to take, e.g. `ppl` without logprobs."""
    model: str = ""
    prompt_version: str = ""

    @model_validator(mode="after")
    def _outcome_xor_reason(self) -> Preference:
        if (self.outcome is None) == (self.why_unscored is None):
            raise ValueError("a Preference has either an outcome or a reason it is unscored (why_unscored)")
        return self

    @classmethod
    def unscored(cls, why: Unscored, **fields: Any) -> Preference:
        """A pair that could not be judged, and why."""
        return cls(outcome=None, why_unscored=why, **fields)


class PairResult(_Frozen):
    """The preference between answers `i` and `j` (i < j; "A" means answer i)."""

    i: int
    j: int
    preference: Preference


class Ranking(_Frozen):
    """A transitive order of answers fitted by Bradley-Terry-Davidson to all pairwise probabilities."""

    order: list[int]
    """Answer indices, best first."""
    strengths: list[float]
    """Log-strength of each answer, in input order (mean zero)."""
    tie_strength: float
    """Davidson's tie parameter nu >= 0 (0: the judge never ties)."""
    pairs: list[PairResult]
    cycles: list[tuple[int, int, int]] = Field(default_factory=list)
    """Triads whose raw strict verdicts form a cycle i > j > k > i."""
    equality_contradictions: list[tuple[int, int, int]] = Field(default_factory=list)
    """Triads made intransitive by a tie verdict (e.g. i = j, j = k, i > k)."""
    overruled: list[tuple[int, int]] = Field(default_factory=list)
    """Pairs whose raw strict verdict the fitted order reverses."""
    unjudged: list[tuple[int, int]] = Field(default_factory=list)
    """Pairs the judge could not judge (left out of the fit)."""
