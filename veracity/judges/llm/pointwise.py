"""Pointwise LLM judge: a rating on a 1..scale scale, read from the rating token's distribution.

Methods (all on P(s), the judge's probability of rating s, renormalised over valid ratings):

* ``argmax``: the most likely rating (the usual "parse the number" judge; ties go to the lower rating).
* ``geval``: sum_s s * P(s) (G-Eval).
* ``distribution``: TrustJudge's distribution-sensitive score sum_s s * w_s with
  w = softmax(logodds / 0.2), logodds_s = log P(s) - log(1 - P(s)).

P(s) comes from the top logprobs at the rating token for scales 5 and 10. For scale 100 (a rating of
several tokens), or when the provider returns no logprobs, `geval`/`distribution` estimate P(s) from
`n_samples` sampled outputs and the `Score` says so (``source="samples"``); `argmax` then parses the
greedy output (``source="text"``). Unparseable output gives ``Score(value=None)`` with `why_unscored`
reason ``unparseable_output``; an LLM call that fails after the client's retries gives reason
``provider_error`` (``not_configured`` when the model cannot be used), or raises with
``on_provider_error="raise"`` (`veracity.unscored` has the policy).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from veracity.judges.llm._client import (
    CompletionClient,
    OnProviderError,
    complete_or_unscored,
    model_name,
    resolve_client,
    run_sync,
)
from veracity.judges.llm.rating_tokens import label_distribution, parse_label, sample_distribution
from veracity.judges.llm.types import PointwiseMethod, Score
from veracity.prompts import load_prompt
from veracity.unscored import Unscored

__all__ = ["DEFAULT_RUBRIC", "PointwiseJudge", "argmax_score", "distribution_score", "geval_score", "score_value"]

DEFAULT_RUBRIC = "helpfulness, relevance, accuracy, depth and clarity of the answer."
DISTRIBUTION_TEMPERATURE = 0.2
_SCALES = (5, 10, 100)
_LOGPROB_SCALES = (5, 10)


def _normalised(distribution: Mapping[int, float]) -> dict[int, float]:
    kept = {int(s): float(p) for s, p in distribution.items() if p > 0.0 and math.isfinite(p)}
    total = sum(kept.values())
    if not kept or not total > 0.0:
        raise ValueError("empty rating distribution")
    return {s: p / total for s, p in kept.items()}


def argmax_score(distribution: Mapping[int, float]) -> float:
    """The most likely rating; equal probabilities go to the lower rating."""
    dist = _normalised(distribution)
    return float(min(dist, key=lambda s: (-dist[s], s)))


def geval_score(distribution: Mapping[int, float]) -> float:
    """G-Eval: sum_s s * P(s), P renormalised over the valid ratings."""
    dist = _normalised(distribution)
    return float(sum(s * p for s, p in dist.items()))


def distribution_score(distribution: Mapping[int, float], temperature: float = DISTRIBUTION_TEMPERATURE) -> float:
    """TrustJudge: sum_s s * softmax(logodds_s / temperature), logodds_s = log P(s) - log(1 - P(s))."""
    if not temperature > 0.0:
        raise ValueError("temperature must be > 0")
    dist = _normalised(distribution)
    ratings = np.array(sorted(dist), dtype=float)
    probs = np.array([dist[int(s)] for s in ratings])
    if probs.max() >= 1.0 - 1e-12:  # one rating holds all the mass: infinite log-odds
        return float(ratings[int(probs.argmax())])
    logits = (np.log(probs) - np.log1p(-probs)) / temperature
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    return float(ratings @ weights)


def score_value(distribution: Mapping[int, float], method: PointwiseMethod) -> float:
    """The score of `distribution` under `method`."""
    if method == "argmax":
        return argmax_score(distribution)
    if method == "geval":
        return geval_score(distribution)
    if method == "distribution":
        return distribution_score(distribution)
    raise ValueError(f"unknown pointwise method {method!r}")


class PointwiseJudge:
    """Rates one answer to a question on 1..`scale`; see the module docstring for the methods."""

    def __init__(
        self,
        model: str | CompletionClient,
        scale: Literal[5, 10, 100] = 5,
        rubric: str = DEFAULT_RUBRIC,
        method: PointwiseMethod = "distribution",
        *,
        n_samples: int = 10,
        sample_temperature: float = 1.0,
        top_logprobs: int = 20,
        max_tokens: int = 16,
        prompt_version: str | int = "latest",
        seed: int | None = None,
        prompt: str = "pointwise",
        on_provider_error: OnProviderError = "unscored",
    ) -> None:
        """`prompt`/`prompt_version`: the prompt file under `veracity/prompts/` ("pointwise", or
        "pointwise_confidence" to have the judge also write "Confidence: [0-100]" after the score, read
        with `veracity.judges.confidence.parse_verbalized_confidence(score.raw[0])`; give it
        `max_tokens` >= 24 so the second line fits)."""
        if scale not in _SCALES:
            raise ValueError(f"scale must be one of {_SCALES}")
        if method not in ("distribution", "geval", "argmax"):
            raise ValueError(f"unknown pointwise method {method!r}")
        if n_samples < 1:
            raise ValueError("n_samples must be >= 1")
        self.client = resolve_client(model)
        self.scale, self.rubric, self.method = scale, rubric, method
        self.n_samples, self.sample_temperature = n_samples, sample_temperature
        self.top_logprobs, self.max_tokens, self.seed = top_logprobs, max_tokens, seed
        self.prompt = load_prompt(prompt, prompt_version)
        self.labels = [str(s) for s in range(1, scale + 1)]
        self.on_provider_error = on_provider_error
        self._provider_logprobs = True  # set False once the provider answers without logprobs

    def messages(self, question: str, answer: str, reference: str | None = None) -> list[dict[str, str]]:
        """The chat messages sent for one answer."""
        block = f"\n[Reference answer]\n{reference}\n" if reference else ""
        return self.prompt.messages(
            scale=self.scale, rubric=self.rubric, reference=block, question=question, answer=answer
        )

    def _score(self, distribution: dict[str, float], raw: list[str], source: str, n_samples: int = 0) -> Score:
        dist = {int(label): p for label, p in distribution.items()}
        return Score(
            value=score_value(dist, self.method), distribution=dict(sorted(dist.items())), raw=raw,
            method=self.method, scale=self.scale, source=source, n_samples=n_samples,
            model=model_name(self.client), prompt_version=self.prompt.version,
        )  # fmt: skip

    def _unscored(self, why: Unscored | str, raw: list[str]) -> Score:
        why = why if isinstance(why, Unscored) else Unscored(reason="unparseable_output", detail=why)
        return Score(
            value=None, why_unscored=why, raw=raw, method=self.method, scale=self.scale,
            model=model_name(self.client), prompt_version=self.prompt.version,
        )  # fmt: skip

    async def ascore(self, question: str, answer: str, reference: str | None = None) -> Score:
        """Rate `answer`; see `score`."""
        messages = self.messages(question, answer, reference)
        use_logprobs = self.scale in _LOGPROB_SCALES and self._provider_logprobs
        if use_logprobs or self.method == "argmax":
            replies = await complete_or_unscored(
                self.client, messages, self.on_provider_error, temperature=0.0, max_tokens=self.max_tokens,
                logprobs=use_logprobs, top_logprobs=self.top_logprobs if use_logprobs else 0, n=1,
                prompt_version=self.prompt.version, seed=self.seed,
            )  # fmt: skip
            if isinstance(replies, Unscored):
                return self._unscored(replies, [])
            (greedy,) = replies
            if use_logprobs and greedy.logprobs is not None:
                dist = label_distribution(greedy.logprobs, self.labels)
                if dist is None:
                    return self._unscored(f"no rating 1..{self.scale} after 'Score: [' in the output", [greedy.text])
                return self._score(dist, [greedy.text], "logprobs")
            if use_logprobs:
                self._provider_logprobs = False
            if self.method == "argmax":
                label = parse_label(greedy.text, self.labels)
                if label is None:
                    return self._unscored(f"no 'Score: [X]' with X in 1..{self.scale} in the output", [greedy.text])
                return self._score({label: 1.0}, [greedy.text], "text")
        samples = await complete_or_unscored(
            self.client, messages, self.on_provider_error, temperature=self.sample_temperature,
            max_tokens=self.max_tokens, n=self.n_samples, prompt_version=self.prompt.version, seed=self.seed,
        )  # fmt: skip
        if isinstance(samples, Unscored):
            return self._unscored(samples, [])
        raw = [c.text for c in samples]
        dist = sample_distribution([parse_label(text, self.labels) for text in raw])
        if dist is None:
            return self._unscored(f"none of {len(raw)} samples has 'Score: [X]' with X in 1..{self.scale}", raw)
        return self._score(dist, raw, "samples", n_samples=len(raw))

    def score(self, question: str, answer: str, reference: str | None = None) -> Score:
        """Rate `answer` to `question` (optionally against a `reference` answer) on 1..scale."""
        return run_sync(self.ascore(question, answer, reference))

    async def ascore_many(self, items: Sequence[tuple[str, str] | tuple[str, str, str | None]]) -> list[Score]:
        """Rate many (question, answer[, reference]) items concurrently (the client bounds concurrency)."""
        return list(await asyncio.gather(*(self.ascore(*item) for item in items)))

    def score_many(self, items: Sequence[tuple[str, str] | tuple[str, str, str | None]]) -> list[Score]:
        """Sync `ascore_many`."""
        return run_sync(self.ascore_many(items))
