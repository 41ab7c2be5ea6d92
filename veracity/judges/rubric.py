"""Rubric and checklist judges: an answer scored criterion by criterion, each from the rating's distribution.

A `Rubric` is data (pydantic, or a JSON/YAML file): weighted criteria, each a yes/no question or a
1..scale rating. Every criterion is one LLM call (prompt ``rubric/v<N>``); its value comes from the
label distribution at the answer token (P(Yes) for yes/no, TrustJudge's distribution score mapped to
0..1 for a scale), so it carries its own variance. The total is the weighted mean of the scored
criteria with the standard deviation implied by those variances (criteria taken as independent). A
criterion whose output cannot be read (``unparseable_output``), or whose call failed
(``provider_error``; `veracity.unscored` has the policy), is ``unscored`` with its reason, never zero,
and is left out of the total (`RubricScore.coverage` says how much weight was scored).

    rubric = Rubric.checklist(["The answer names Paris.", "The answer is one sentence."])
    result = RubricJudge("local/smollm2").score("Capital of France?", "Paris.", rubric)
    result.total, result.std, [(i.id, i.verdict, i.reason) for i in result.items]
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from veracity._model import FrozenModel as _Frozen
from veracity.errors import InputFormatError
from veracity.judges.llm._client import (
    CompletionClient,
    OnProviderError,
    complete_or_unscored,
    model_name,
    resolve_client,
    run_sync,
)
from veracity.judges.llm.pointwise import distribution_score
from veracity.judges.llm.rating_tokens import label_distribution, parse_label
from veracity.prompts import load_prompt
from veracity.unscored import Unscorable, Unscored

__all__ = ["Criterion", "CriterionScore", "Rubric", "RubricJudge", "RubricScore"]


class Criterion(_Frozen):
    """One rubric item: a yes/no question or a 1..`scale` rating, with a weight."""

    id: str
    question: str
    kind: Literal["yes_no", "scale"] = "yes_no"
    weight: float = Field(default=1.0, gt=0.0)
    scale: int = Field(default=5, ge=2, le=10)


class Rubric(_Frozen):
    """Weighted criteria; a checklist is a rubric of equally weighted yes/no items."""

    name: str = "rubric"
    criteria: list[Criterion]

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        if not ids:
            raise ValueError("a rubric needs at least one criterion")
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be unique")
        return self

    @classmethod
    def checklist(cls, items: Sequence[str], name: str = "checklist") -> Rubric:
        """Yes/no items of equal weight, ids "1", "2", ..."""
        return cls(name=name, criteria=[Criterion(id=str(i), question=q) for i, q in enumerate(items, 1)])

    @classmethod
    def from_file(cls, path: str | Path) -> Rubric:
        """Load a rubric from .json or .yaml/.yml (``{name, criteria: [{id, question, kind, weight, scale}]}``)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
            return cls.model_validate(data)
        except (OSError, ValueError) as exc:  # pydantic's ValidationError and JSON/YAML errors are ValueErrors
            raise InputFormatError(f"cannot read rubric {path}: {exc}") from exc


class CriterionScore(Unscorable):
    """One criterion's judgement. `value` in 0..1 (None exactly when `why_unscored` is set)."""

    id: str
    question: str
    value: float | None
    variance: float | None = None
    verdict: Literal["yes", "no"] | None = None
    """yes/no items: P(Yes) >= 0.5; scale items: value >= 0.5."""
    distribution: dict[str, float] = Field(default_factory=dict)
    reason: str = ""
    """The judge's own words after its label."""
    raw: str = ""


class RubricScore(Unscorable):
    """Weighted total over the scored criteria (0..1) and its standard deviation; per-criterion details."""

    total: float | None
    std: float | None
    coverage: float
    """Share of the rubric's weight that was scored."""
    items: list[CriterionScore]
    rubric: str
    model: str = ""
    prompt_version: str = ""

    @property
    def failed(self) -> list[CriterionScore]:
        """Scored criteria judged "no"."""
        return [i for i in self.items if i.verdict == "no"]

    @property
    def unscored(self) -> list[CriterionScore]:
        return [i for i in self.items if i.value is None]


_YES_NO = ["Yes", "No"]


class RubricJudge:
    """Scores an answer against a `Rubric`, one LLM call per criterion (all concurrent)."""

    def __init__(
        self,
        model: str | CompletionClient,
        *,
        top_logprobs: int = 20,
        max_tokens: int = 48,
        prompt_version: str | int = "latest",
        seed: int | None = None,
        on_provider_error: OnProviderError = "unscored",
    ) -> None:
        self.client = resolve_client(model)
        self.top_logprobs, self.max_tokens, self.seed = top_logprobs, max_tokens, seed
        self.on_provider_error = on_provider_error
        self.prompt = load_prompt("rubric", prompt_version)

    def messages(self, question: str, answer: str, criterion: Criterion, reference: str | None = None) -> list[dict[str, str]]:
        """The chat messages for one criterion."""
        options = (
            '"Yes" if the answer meets it or "No" if it does not'
            if criterion.kind == "yes_no"
            else f"an integer from 1 (not at all) to {criterion.scale} (fully)"
        )
        block = f"\n[Reference answer]\n{reference}\n" if reference else ""
        return self.prompt.messages(
            criterion=criterion.question, options=options, question=question, answer=answer, reference=block
        )

    async def ascore_criterion(
        self, question: str, answer: str, criterion: Criterion, reference: str | None = None
    ) -> CriterionScore:
        """Judge one criterion."""
        labels = _YES_NO if criterion.kind == "yes_no" else [str(s) for s in range(1, criterion.scale + 1)]
        replies = await complete_or_unscored(
            self.client, self.messages(question, answer, criterion, reference), self.on_provider_error,
            temperature=0.0, max_tokens=self.max_tokens, logprobs=True, top_logprobs=self.top_logprobs, n=1,
            prompt_version=self.prompt.version, seed=self.seed,
        )  # fmt: skip
        if isinstance(replies, Unscored):
            return CriterionScore(id=criterion.id, question=criterion.question, value=None, why_unscored=replies)
        (reply,) = replies
        text = reply.text.strip()
        reason = text.split("]", 1)[1].strip() if "]" in text else ""
        common: dict[str, Any] = dict(id=criterion.id, question=criterion.question, raw=text, reason=reason)
        dist = label_distribution(reply.logprobs, labels) if reply.logprobs else None
        if dist is None:  # no logprobs from the provider, or none at the label: read the written label
            label = parse_label(text, labels)
            dist = {label: 1.0} if label else None
        if dist is None:
            why = Unscored(reason="unparseable_output", detail=f"no 'Answer: [X]' with X in {'/'.join(labels)}")
            return CriterionScore(value=None, why_unscored=why, **common)
        if criterion.kind == "yes_no":
            p = dist.get("Yes", 0.0)
            return CriterionScore(
                value=p, variance=p * (1 - p), verdict="yes" if p >= 0.5 else "no", distribution=dist, **common
            )
        ratings = {int(s): p for s, p in dist.items()}
        value = (distribution_score(ratings) - 1) / (criterion.scale - 1)
        variance = sum(p * ((s - 1) / (criterion.scale - 1) - value) ** 2 for s, p in ratings.items())
        return CriterionScore(
            value=value, variance=variance, verdict="yes" if value >= 0.5 else "no", distribution=dist, **common
        )

    async def ascore(self, question: str, answer: str, rubric: Rubric, reference: str | None = None) -> RubricScore:
        """See `score`."""
        items = list(
            await asyncio.gather(*(self.ascore_criterion(question, answer, c, reference) for c in rubric.criteria))
        )
        weights = {c.id: c.weight for c in rubric.criteria}
        scored = [i for i in items if i.value is not None]
        total_weight = sum(weights.values())
        scored_weight = sum(weights[i.id] for i in scored)
        common: dict[str, Any] = dict(
            items=items, rubric=rubric.name, model=model_name(self.client), prompt_version=self.prompt.version,
            coverage=scored_weight / total_weight,
        )  # fmt: skip
        if not scored:
            parts = [i.why_unscored for i in items if i.why_unscored is not None]
            why = Unscored.combine(parts, "no criterion could be scored: " + "; ".join(sorted({p.detail for p in parts})))
            return RubricScore(total=None, std=None, why_unscored=why, **common)
        total = sum(weights[i.id] * i.value for i in scored) / scored_weight  # type: ignore[operator]
        std = math.sqrt(sum(weights[i.id] ** 2 * (i.variance or 0.0) for i in scored)) / scored_weight
        return RubricScore(total=total, std=std, **common)

    def score(self, question: str, answer: str, rubric: Rubric, reference: str | None = None) -> RubricScore:
        """Score `answer` against every criterion of `rubric`; the weighted total is in 0..1."""
        return run_sync(self.ascore(question, answer, rubric, reference))
