"""Pairwise LLM judge: which of two answers is better, always judged in both presentation orders.

Each order is read like a pointwise rating: the prompt asks for ``Output: [A]``, ``[B]`` or ``[C]``
(tie), and P(A), P(B), P(C) come from the top logprobs at that token. When the provider returns no
logprobs they are estimated from `n_samples` sampled outputs, except for ``baseline``, which only needs
each order's written verdict (one greedy output, ``source="text"``). The swapped order's labels are
swapped back, so both orders speak about the caller's "A" (first answer) and "B" (second answer).
The methods then combine them:

* ``likelihood`` (TrustJudge): average the two orders' probabilities per outcome and take the argmax.
* ``ppl``: keep the verdict of the order whose whole output has the lower perplexity.
* ``baseline``: accept a verdict only when both orders agree, else "tie".

A pair where either order cannot be read gets no outcome and a `why_unscored`; it is never
passed off as a tie. An LLM call that fails after the client's retries makes its order unscored with
reason ``provider_error`` (``not_configured`` when the model cannot be used), or raises with
``on_provider_error="raise"`` (`veracity.unscored` has the policy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Literal

from veracity.judges.llm._client import (
    CompletionClient,
    OnProviderError,
    complete_or_unscored,
    model_name,
    resolve_client,
    run_sync,
)
from veracity.judges.llm.rating_tokens import label_distribution, parse_label, perplexity, sample_distribution
from veracity.judges.llm.types import OrderJudgement, Outcome, PairwiseMethod, Preference
from veracity.prompts import load_prompt
from veracity.unscored import Unscored

__all__ = ["PairwiseJudge", "combine_orders", "most_likely"]

_TO_OUTCOME: dict[str, Outcome] = {"A": "A", "B": "B", "C": "tie"}
_SWAP: dict[Outcome, Outcome] = {"A": "B", "B": "A", "tie": "tie"}
_OPTIONS = {
    True: '"A" if answer A is better, "B" if answer B is better, or "C" if both are equally good',
    False: '"A" if answer A is better or "B" if answer B is better',
}


def most_likely(probabilities: Mapping[Outcome, float], tie_margin: float = 0.0) -> Outcome:
    """The argmax outcome; "tie" when A and B are equally likely or the top two are within `tie_margin`."""
    ranked = sorted(probabilities.items(), key=lambda item: -item[1])
    if not ranked:
        raise ValueError("empty outcome distribution")
    if probabilities.get("A", 0.0) == probabilities.get("B", 0.0) and ranked[0][0] != "tie":
        return "tie"
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < tie_margin:
        return "tie"
    return ranked[0][0]


def _average(first: Mapping[Outcome, float], second: Mapping[Outcome, float]) -> dict[Outcome, float]:
    keys = [o for o in ("A", "B", "tie") if o in first or o in second]
    return {o: (first.get(o, 0.0) + second.get(o, 0.0)) / 2 for o in keys}


def combine_orders(
    per_order: Sequence[OrderJudgement],
    method: PairwiseMethod,
    *,
    allow_tie: bool = True,
    tie_margin: float = 0.0,
    model: str = "",
    prompt_version: str = "",
) -> Preference:
    """Combine the two orders' readings with `method` (pure: re-aggregate a `Preference.per_order` freely)."""
    common = dict(
        per_order=list(per_order), method=method, allow_tie=allow_tie, model=model, prompt_version=prompt_version
    )
    if len(per_order) != 2:
        raise ValueError("a preference needs exactly two orders")
    broken = [
        (o.why_unscored or Unscored(reason="unparseable_output", detail="no verdict"), o.order)
        for o in per_order
        if o.why_unscored is not None or o.verdict is None
    ]
    if broken:
        detail = "; ".join(f"order {order}: {why.detail}" for why, order in broken)
        return Preference.unscored(Unscored.combine([why for why, _ in broken], detail), **common)
    ab, ba = per_order
    margin = tie_margin if allow_tie else 0.0
    averaged = _average(ab.probabilities, ba.probabilities)
    if method == "likelihood":
        return Preference(outcome=most_likely(averaged, margin), probabilities=averaged, **common)
    if method == "ppl":
        if ab.perplexity is None or ba.perplexity is None:
            note = "ppl needs logprobs; fell back to likelihood over sampled outcomes"
            return Preference(outcome=most_likely(averaged, margin), probabilities=averaged, note=note, **common)
        if ab.perplexity != ba.perplexity:
            kept = ab if ab.perplexity < ba.perplexity else ba
            return Preference(outcome=kept.verdict, probabilities=dict(kept.probabilities), **common)
        note = "equal perplexity in both orders; used the baseline rule"
        return Preference(
            outcome=ab.verdict if ab.verdict == ba.verdict else "tie", probabilities=averaged, note=note, **common
        )
    if method == "baseline":
        return Preference(outcome=ab.verdict if ab.verdict == ba.verdict else "tie", probabilities=averaged, **common)
    raise ValueError(f"unknown pairwise method {method!r}")


class PairwiseJudge:
    """Compares two answers to a question; see the module docstring for the methods."""

    def __init__(
        self,
        model: str | CompletionClient,
        method: PairwiseMethod = "likelihood",
        allow_tie: bool = True,
        *,
        tie_margin: float = 0.0,
        n_samples: int = 10,
        sample_temperature: float = 1.0,
        top_logprobs: int = 20,
        max_tokens: int = 16,
        prompt_version: str | int = "latest",
        seed: int | None = None,
        on_provider_error: OnProviderError = "unscored",
    ) -> None:
        if method not in ("likelihood", "ppl", "baseline"):
            raise ValueError(f"unknown pairwise method {method!r}")
        if n_samples < 1:
            raise ValueError("n_samples must be >= 1")
        self.client = resolve_client(model)
        self.method, self.allow_tie, self.tie_margin = method, allow_tie, tie_margin
        self.n_samples, self.sample_temperature = n_samples, sample_temperature
        self.top_logprobs, self.max_tokens, self.seed = top_logprobs, max_tokens, seed
        self.prompt = load_prompt("pairwise", prompt_version)
        self.labels = ["A", "B", "C"] if allow_tie else ["A", "B"]
        self.on_provider_error = on_provider_error
        self._provider_logprobs = True  # set False once the provider answers without logprobs

    def messages(self, question: str, first: str, second: str) -> list[dict[str, str]]:
        """The chat messages for one presentation order (`first` shown as A)."""
        return self.prompt.messages(
            question=question, answer_a=first, answer_b=second, options=_OPTIONS[self.allow_tie]
        )

    def _order(
        self, order: Literal["AB", "BA"], labels: dict[str, float] | None, raw: list[str], **extra
    ) -> OrderJudgement:
        if labels is None:
            why = Unscored(reason="unparseable_output", detail=f"no 'Output: [X]' with X in {'/'.join(self.labels)} in the output")
            return OrderJudgement(order=order, raw=raw, why_unscored=why, **extra)
        probs = {_TO_OUTCOME[label]: p for label, p in labels.items()}
        if order == "BA":
            probs = {_SWAP[o]: p for o, p in probs.items()}
        probs = {o: probs[o] for o in ("A", "B", "tie") if o in probs}
        return OrderJudgement(order=order, probabilities=probs, verdict=most_likely(probs), raw=raw, **extra)

    async def ajudge_order(self, question: str, a: str, b: str, order: Literal["AB", "BA"]) -> OrderJudgement:
        """Judge one presentation order of (a, b); the result is already in the (a, b) frame."""
        first, second = (a, b) if order == "AB" else (b, a)
        messages = self.messages(question, first, second)
        use_logprobs = self._provider_logprobs
        if use_logprobs or self.method == "baseline":
            replies = await complete_or_unscored(
                self.client, messages, self.on_provider_error, temperature=0.0, max_tokens=self.max_tokens,
                logprobs=use_logprobs, top_logprobs=self.top_logprobs if use_logprobs else 0, n=1,
                prompt_version=self.prompt.version, seed=self.seed,
            )  # fmt: skip
            if isinstance(replies, Unscored):
                return OrderJudgement(order=order, why_unscored=replies)
            (greedy,) = replies
            if use_logprobs and greedy.logprobs is not None:
                labels = label_distribution(greedy.logprobs, self.labels)
                ppl = perplexity(greedy.logprobs)
                return self._order(order, labels, [greedy.text], source="logprobs", perplexity=ppl)
            if use_logprobs:
                self._provider_logprobs = False
            if self.method == "baseline":  # the baseline needs only each order's written verdict
                label = parse_label(greedy.text, self.labels)
                return self._order(order, {label: 1.0} if label else None, [greedy.text], source="text")
        samples = await complete_or_unscored(
            self.client, messages, self.on_provider_error, temperature=self.sample_temperature,
            max_tokens=self.max_tokens, n=self.n_samples, prompt_version=self.prompt.version, seed=self.seed,
        )  # fmt: skip
        if isinstance(samples, Unscored):
            return OrderJudgement(order=order, why_unscored=samples)
        raw = [c.text for c in samples]
        labels = sample_distribution([parse_label(text, self.labels) for text in raw])
        return self._order(order, labels, raw, source="samples", n_samples=len(raw))

    async def acompare(self, question: str, a: str, b: str) -> Preference:
        """Compare `a` and `b`; see `compare`."""
        per_order = await asyncio.gather(
            self.ajudge_order(question, a, b, "AB"), self.ajudge_order(question, a, b, "BA")
        )
        return combine_orders(
            per_order, self.method, allow_tie=self.allow_tie, tie_margin=self.tie_margin,
            model=model_name(self.client), prompt_version=self.prompt.version,
        )  # fmt: skip

    def compare(self, question: str, a: str, b: str) -> Preference:
        """Which answer to `question` is better: "A" (`a`), "B" (`b`) or "tie", judged in both orders."""
        return run_sync(self.acompare(question, a, b))
