"""A per-request time budget for model work, enforced between small batches so that the worker is freed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from veracity.errors import TimeBudgetExceeded
from veracity.judges.registry import StagedVerdicts, verify_with_stats
from veracity.types import Claim, Evidence, Verdict

PASSAGES_PER_STEP = 32  # evidence passages judged between two looks at the clock


class BudgetedJudge:
    """Wraps a judge: claims are judged a few at a time, and once `deadline` (time.monotonic) has
    passed the next step raises `TimeBudgetExceeded` instead of starting. One per worker thread."""

    def __init__(self, judge: Any) -> None:
        self.judge = judge
        self.deadline: float | None = None
        self.budget_s: float | None = None
        self.last_run: Any = None

    def start(self, budget_s: float | None) -> None:
        self.budget_s = budget_s
        self.deadline = None if budget_s is None else time.monotonic() + budget_s

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeBudgetExceeded(
                f"the request needed more than its {self.budget_s:g} s of model work and was stopped: "
                "send a shorter text, fewer contexts, or split it into several requests"
            )

    def __getattr__(self, name: str) -> Any:
        if name == "judge":  # not set yet (a copy being built): no recursion
            raise AttributeError(name)
        return getattr(self.judge, name)

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        self.check()
        return self.judge.verify(claim, evidence)

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        return self.verify_staged(claims, evidence)[0]

    def verify_staged(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts:
        """The wrapped judge's verdicts and stage counts, a step at a time (counts None when it has none)."""
        verdicts: list[Verdict] = []
        per_claim: list[Any] | None = []
        for start, end in _steps([len(e) for e in evidence]):
            self.check()
            got, step = verify_with_stats(self.judge, list(claims[start:end]), list(evidence[start:end]))
            verdicts += got
            per_claim = per_claim + list(step) if per_claim is not None and step is not None else None
        counted = per_claim if per_claim is not None and claims else None
        self.last_run = SimpleNamespace(per_claim=counted) if counted is not None else None
        return verdicts, counted


def _steps(sizes: list[int]) -> list[tuple[int, int]]:
    """(start, end) runs of claims holding about PASSAGES_PER_STEP evidence passages each (at least one claim)."""
    steps, start, held = [], 0, 0
    for i, size in enumerate(sizes):
        held += max(1, size)
        if held >= PASSAGES_PER_STEP:
            steps.append((start, i + 1))
            start, held = i + 1, 0
    if start < len(sizes):
        steps.append((start, len(sizes)))
    return steps or [(0, 0)]
