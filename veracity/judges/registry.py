"""The `Judge` protocol and the registry of judge backends by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from veracity.registry import Registry
from veracity.types import Claim, Evidence, JudgeStats, Verdict

StagedVerdicts = tuple[list[Verdict], list[JudgeStats | None] | None]
"""Verdicts and, aligned to the claims, what each stage did for each (None: nothing counted)."""


@runtime_checkable
class Judge(Protocol):
    """Decides whether evidence supports a claim."""

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict: ...

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]: ...


@runtime_checkable
class StagedJudge(Judge, Protocol):
    """A judge made of stages (the cascade, the knowledge graph) that returns its per-claim stage counts."""

    def verify_staged(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts: ...


class StagedJudgeBase(ABC):
    """`verify` and `verify_many` of a staged judge, both answered by its `verify_staged`."""

    @abstractmethod
    def verify_staged(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts:
        """The verdicts, and each claim's stage counts."""

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        """The verdict on one claim given its evidence passages."""
        return self.verify_many([claim], [evidence])[0]

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        """Verdicts for many claims, in one staged pass."""
        return self.verify_staged(claims, evidence)[0]


def verify_with_stats(judge: Judge, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts:
    """`judge`'s verdicts with its per-claim stage counts (None for a judge without stages)."""
    if isinstance(judge, StagedJudge):
        return judge.verify_staged(claims, evidence)
    return judge.verify_many(claims, evidence), None


JUDGES: Registry[Judge] = Registry(
    "judge backend",
    {"nli": "veracity.judges.nli", "nli-digest": "veracity.judges.nli", "llm": "veracity.judges.llm_verifier", "cascade": "veracity.judges.cascade", "kg": "veracity.kg.judge"},
)


def register_judge(name: str) -> Callable[[Callable[..., Judge]], Callable[..., Judge]]:
    """Decorator registering a judge factory taking the model name as its first argument."""
    return JUDGES.register(name)


def get_judge(spec: str | Judge = "default", **kwargs) -> Judge:
    """A judge from a spec: a Judge instance, "<backend>:<model>" (e.g. "nli:default", "llm:gpt-4o-mini"),
    or an NLI model name or path."""
    if not isinstance(spec, str):
        return spec
    backend, sep, model = spec.partition(":")
    if sep and backend in JUDGES:
        return JUDGES.factory(backend)(model, **kwargs)
    return JUDGES.factory("nli")(spec, **kwargs)
