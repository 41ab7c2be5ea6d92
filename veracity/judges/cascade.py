"""`CascadeJudge`: the fast offline verifier decides what it is sure of; the LLM judges the rest.

Every claim goes to the fast verifier (our NLI model by default). A claim whose P(supported) falls
strictly inside `band` (default (0.3, 0.7)) is sent to the slow verifier (an `LLMVerifier`); all others
keep the fast verdict. If the LLM cannot judge a claim (provider failure, unreadable answer) the fast
verdict stands and its reason says so. `verify_staged` returns the per-claim counts; `last_run` holds the
counts of the latest run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from veracity.errors import VeracityError
from veracity.judges.llm_verifier import DEFAULT_MODEL, LLMVerifier
from veracity.judges.registry import Judge, StagedJudgeBase, StagedVerdicts, get_judge, register_judge
from veracity.llm.stats import Stats
from veracity.types import Claim, Evidence, JudgeStats, Verdict

__all__ = ["CascadeJudge", "CascadeStats"]


@dataclass(frozen=True)
class CascadeStats:
    """Counts of one cascade run (one `verify_many`).

    `n_llm` claims went to the LLM (their fast P(supported) was inside `band`), `n_fast` were decided by
    the fast verifier alone; `n_llm_unscored` of the `n_llm` got no LLM verdict and kept the fast one.
    `llm_calls` .. `cost_usd` come from the LLM client's counters over the run (`llm_calls` excludes
    cache hits, which `llm_cache_hits` counts). `per_claim` has one `JudgeStats` per claim, in order.
    """

    band: tuple[float, float]
    n_claims: int = 0
    n_fast: int = 0
    n_llm: int = 0
    n_llm_unscored: int = 0
    llm_calls: int = 0
    llm_cache_hits: int = 0
    llm_retries: int = 0
    llm_failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    fast_seconds: float = 0.0
    llm_seconds: float = 0.0
    per_claim: tuple[JudgeStats, ...] = field(default_factory=tuple, repr=False)

    def as_dict(self) -> dict[str, object]:
        """The counters (not `per_claim`), for printing or JSON."""
        return {k: v for k, v in self.__dict__.items() if k != "per_claim"}


def _client_stats(judge: Judge) -> Stats | None:
    stats = getattr(getattr(judge, "client", None), "stats", None)
    return stats.snapshot() if isinstance(stats, Stats) else None


def _delta(before: Stats | None, after: Stats | None, name: str, fallback: float) -> float:
    if before is None or after is None:
        return fallback
    return getattr(after, name) - getattr(before, name)


class CascadeJudge(StagedJudgeBase):
    """Confidence-gated cascade of two verifiers; a `Judge` (`verify`, `verify_many`).

    `fast`: a `Judge` or a `get_judge` spec (default: our offline NLI verifier). `slow`: a `Judge`, or an
    LLM model string for an `LLMVerifier` (default `local/smollm2`). `band`: (low, high); a fast
    P(supported) p with low < p < high is sent to `slow`. A fast verdict without a probability (no
    evidence) is never escalated. The default band suits a calibrated fast verifier such as ours: a
    claim goes to the LLM when its fast verdict would be wrong at least 30% of the time.
    """

    def __init__(
        self,
        fast: Judge | str | None = None,
        slow: Judge | str | None = None,
        band: tuple[float, float] = (0.3, 0.7),
    ) -> None:
        low, high = (float(b) for b in band)
        if not 0.0 <= low <= high <= 1.0:
            raise VeracityError(f"band must satisfy 0 <= low <= high <= 1, got {band!r}")
        self.band = (low, high)
        self.fast: Judge = get_judge("default" if fast is None else fast)
        if slow is None or isinstance(slow, str):
            self.slow: Judge = LLMVerifier(slow or DEFAULT_MODEL)
        else:
            self.slow = slow
        self.last_run = CascadeStats(band=self.band)

    @property
    def name(self) -> str:
        fast = getattr(self.fast, "name", type(self.fast).__name__)
        slow = getattr(self.slow, "name", type(self.slow).__name__)
        return f"cascade:{fast}+{slow}"

    def in_band(self, verdict: Verdict) -> bool:
        """Whether the fast verdict is unsure enough to ask the slow verifier."""
        p = verdict.probability
        return verdict.label != "unscored" and p is not None and self.band[0] < p < self.band[1]

    def verify_staged(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts:
        """`verify_many`'s verdicts with each claim's `JudgeStats` (also kept, with the run's totals, in `last_run`)."""
        if len(claims) != len(evidence):
            raise VeracityError(f"{len(claims)} claims but {len(evidence)} evidence lists")
        started = time.perf_counter()
        fast = self.fast.verify_many(claims, evidence)
        fast_seconds = time.perf_counter() - started
        escalate = [i for i, verdict in enumerate(fast) if self.in_band(verdict)]
        per_claim = [JudgeStats(fast=1) for _ in fast]
        escalated = set(escalate)
        verdicts = [self._fast_reason(v, i in escalated) for i, v in enumerate(fast)]
        before = _client_stats(self.slow)
        started = time.perf_counter()
        judged = self._slow([claims[i] for i in escalate], [evidence[i] for i in escalate])
        llm_seconds = time.perf_counter() - started if escalate else 0.0
        after = _client_stats(self.slow)
        for i, (verdict, spent) in zip(escalate, judged):
            unscored = verdict.label == "unscored"
            per_claim[i] = spent + JudgeStats(llm=1 - spent.llm, llm_unscored=int(unscored))
            verdicts[i] = self._after_llm(fast[i], verdict)
        total = JudgeStats.total(per_claim)
        self.last_run = CascadeStats(
            band=self.band,
            n_claims=len(fast),
            n_fast=total.fast,
            n_llm=total.llm,
            n_llm_unscored=total.llm_unscored,
            llm_calls=int(_delta(before, after, "calls", total.llm_calls)),
            llm_cache_hits=int(_delta(before, after, "cache_hits", 0)),
            llm_retries=int(_delta(before, after, "retries", 0)),
            llm_failures=int(_delta(before, after, "failures", 0)),
            prompt_tokens=int(_delta(before, after, "prompt_tokens", total.prompt_tokens)),
            completion_tokens=int(_delta(before, after, "completion_tokens", total.completion_tokens)),
            cost_usd=max(0.0, float(_delta(before, after, "cost_usd", total.cost_usd))),
            fast_seconds=round(fast_seconds, 4),
            llm_seconds=round(llm_seconds, 4),
            per_claim=tuple(per_claim),
        )
        return verdicts, list(per_claim)

    def _slow(self, claims: list[Claim | str], evidence: list[Sequence[Evidence | str]]) -> list[tuple[Verdict, JudgeStats]]:
        if not claims:
            return []
        if isinstance(self.slow, LLMVerifier):
            return self.slow.judge_many(claims, evidence)
        return [(v, JudgeStats(llm=1)) for v in self.slow.verify_many(claims, evidence)]

    def _fast_reason(self, verdict: Verdict, escalated: bool) -> Verdict:
        if escalated:
            return verdict
        p = "no probability" if verdict.probability is None else f"P(supported)={verdict.probability:.3f}"
        where = "outside" if verdict.probability is not None else "not in"
        reason = f"cascade: decided by the fast verifier ({p} {where} band {self.band}): {verdict.reason}"
        return verdict.model_copy(update={"reason": reason})

    def _after_llm(self, fast: Verdict, slow: Verdict) -> Verdict:
        p = f"fast P(supported)={fast.probability:.3f} inside band {self.band}"
        if slow.label == "unscored":
            reason = f"cascade: {p}; the LLM could not judge ({slow.reason}), so the fast verdict stands: {fast.reason}"
            return fast.model_copy(update={"reason": reason})
        return slow.model_copy(update={"reason": f"cascade: {p}; decided by the LLM: {slow.reason}"})


@register_judge("cascade")
def cascade_from_spec(model: str = "", **kwargs: object) -> CascadeJudge:
    """`get_judge("cascade:<llm model>")`: the default fast verifier, then an `LLMVerifier` on that model."""
    slow = kwargs.pop("slow", None) or (model or None)
    return CascadeJudge(slow=slow, **kwargs)  # type: ignore[arg-type]
