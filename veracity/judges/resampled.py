"""Resampled judging (ReliableEval): re-ask a pointwise judge over k meaning-preserving prompt rewordings.

One LLM verdict moves when the prompt is reworded; ReliableEval treats the score as a random variable
over such rewordings and resamples until its estimate is stable. The rewordings are shipped, versioned
files (``veracity/prompts/pointwise_paraphrases/v<N>.md``, one ``### variant N`` section each), never
generated on the fly, so a run is reproducible and every call's cache key names its variant
(``prompt_version="pointwise_paraphrases/v1#3"``).

Resample i uses variant ``i mod V`` with seed ``seed + i // V``. A judge that reads the rating token's
logprobs at temperature 0 gives the same output for the same variant whatever the seed, so for it k is
capped at V (the number of variants); `ResampledScore.k` says how many were used.

    judge = ResampledJudge("local/smollm2", k=4)
    result = judge.score("What is 2+2?", "4")     # ResampledScore(mean, std, ci, scores, ...)
    resamples_needed(result, target_width=0.5)    # k for a 95% interval no wider than 0.5
    judge.client.stats                            # calls, tokens, cost (the client's own counters)
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import Field

from veracity.judges.llm._client import CompletionClient, model_name, resolve_client, run_sync
from veracity.judges.llm.pointwise import PointwiseJudge
from veracity.judges.llm.types import Score
from veracity.judges.reliability import Interval
from veracity.prompts import Prompt, load_prompt
from veracity.unscored import Unscorable, Unscored

__all__ = ["ResampledJudge", "ResampledScore", "load_paraphrases", "mean_interval", "resamples_needed", "t_quantile"]

_VARIANT = re.compile(r"^### variant (\d+)[ \t]*$", re.M)


class ResampledScore(Unscorable):
    """The mean of k resampled scores with its spread and a Student-t interval; None where undefined."""

    mean: float | None
    std: float | None
    """Sample standard deviation of the scored resamples (None with fewer than two)."""
    ci: Interval | None
    """Student-t interval of the mean (`Interval.n_boot` holds the number of scored resamples)."""
    k: int
    scores: list[Score] = Field(default_factory=list)
    n_unscored: int = 0
    model: str = ""
    paraphrases: str = ""


@lru_cache(maxsize=16)
def load_paraphrases(name: str = "pointwise_paraphrases", version: str | int = "latest") -> tuple[Prompt, ...]:
    """The variants of a paraphrase file, each a `Prompt` whose version names the file and the variant."""
    source = load_prompt(name, version)
    parts = _VARIANT.split(source.text)
    variants = [
        Prompt(name=name, version=f"{source.version}#{number}", text=body.strip() + "\n")
        for number, body in zip(parts[1::2], parts[2::2])
    ]
    if not variants:
        raise ValueError(f"{source.version} has no '### variant N' sections")
    return tuple(variants)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def _t_cdf(t: float, df: float) -> float:
    if t == 0.0:
        return 0.5
    x = df / (df + t * t)
    a, b = df / 2.0, 0.5
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    ibeta = front * _betacf(a, b, x) / a if x < (a + 1) / (a + b + 2) else 1.0 - front * _betacf(b, a, 1 - x) / b
    return 1.0 - 0.5 * ibeta if t >= 0 else 0.5 * ibeta


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with `df` degrees of freedom (bisection on the exact CDF)."""
    if not 0.0 < p < 1.0 or df < 1:
        raise ValueError("need 0 < p < 1 and df >= 1")
    lo, hi = -1e4, 1e4
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2


def mean_interval(values: Sequence[float], level: float = 0.95) -> Interval | None:
    """Student-t interval of the mean of `values`; None with fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return Interval(low=mean - half, high=mean + half, level=level, n_boot=n)


def resamples_needed(pilot: ResampledScore | Sequence[float], target_width: float, level: float = 0.95) -> int:
    """Smallest k whose expected t-interval width 2 t_{k-1} s / sqrt(k) is at most `target_width`.

    `s` is the spread of a pilot run (at least two scored resamples). More resamples than the paraphrase
    file has variants need another file (or a sampling judge).
    """
    values = [s.value for s in pilot.scores if s.value is not None] if isinstance(pilot, ResampledScore) else list(pilot)
    if len(values) < 2:
        raise ValueError("a pilot needs at least two scored resamples")
    if target_width <= 0:
        raise ValueError("target_width must be > 0")
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    k = 2
    while 2 * t_quantile(0.5 + level / 2, k - 1) * sd / math.sqrt(k) > target_width and k < 100_000:
        k += 1
    return k


class ResampledJudge:
    """A `PointwiseJudge` asked k times, once per paraphrase variant (and seed), summarised with a CI.

    `**judge_options` go to `PointwiseJudge` (scale, rubric, method, ...). All variants share one client,
    so `self.client.stats` counts every call, token and cost; the client's cache keys include each
    variant's version.
    """

    def __init__(
        self,
        model: str | CompletionClient,
        k: int = 5,
        *,
        paraphrases: str | int = "latest",
        paraphrase_file: str = "pointwise_paraphrases",
        seed: int = 0,
        level: float = 0.95,
        **judge_options: Any,
    ) -> None:
        if k < 1:
            raise ValueError("k must be >= 1")
        self.client = resolve_client(model)
        self.k, self.seed, self.level = k, seed, level
        self.variants = load_paraphrases(paraphrase_file, paraphrases)
        self.paraphrases = self.variants[0].version.split("#", 1)[0]
        self.judge_options = judge_options
        self._judges: dict[tuple[int, int], PointwiseJudge] = {}
        self._judge(0, seed)  # checks the options now

    def _judge(self, variant: int, seed: int) -> PointwiseJudge:
        """One judge per (variant, seed), built once."""
        key = (variant, seed)
        if key not in self._judges:
            judge = PointwiseJudge(self.client, seed=seed, **self.judge_options)
            judge.prompt = self.variants[variant]
            self._judges[key] = judge
        return self._judges[key]

    def _plan(self, k: int) -> list[PointwiseJudge]:
        first = self._judge(0, self.seed)
        if first.scale in (5, 10) and first._provider_logprobs:  # a repeated variant repeats the same greedy call
            k = min(k, len(self.variants))
        n = len(self.variants)
        return [self._judge(i % n, self.seed + i // n) for i in range(k)]

    async def ascore(self, question: str, answer: str, reference: str | None = None, *, k: int | None = None) -> ResampledScore:
        """See `score`."""
        plan = self._plan(k or self.k)

        scores = list(await asyncio.gather(*(judge.ascore(question, answer, reference) for judge in plan)))
        values = [s.value for s in scores if s.value is not None]
        common: dict[str, Any] = dict(
            k=len(plan), scores=scores, n_unscored=len(scores) - len(values),
            model=model_name(self.client), paraphrases=self.paraphrases,
        )  # fmt: skip
        if not values:
            parts = [s.why_unscored for s in scores if s.why_unscored is not None]
            why = Unscored.combine(parts, "; ".join(sorted({p.detail for p in parts})) or None)
            return ResampledScore(mean=None, std=None, ci=None, why_unscored=why, **common)
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else None
        return ResampledScore(mean=mean, std=std, ci=mean_interval(values, self.level), **common)

    def score(self, question: str, answer: str, reference: str | None = None, *, k: int | None = None) -> ResampledScore:
        """Rate `answer` k times (default `self.k`), once per prompt variant; mean, spread and interval."""
        return run_sync(self.ascore(question, answer, reference, k=k))

    async def ascore_many(self, items: Sequence[tuple[str, str]], *, k: int | None = None) -> list[ResampledScore]:
        """Many (question, answer) items concurrently (the client bounds concurrency)."""
        return list(await asyncio.gather(*(self.ascore(q, a, k=k) for q, a in items)))
