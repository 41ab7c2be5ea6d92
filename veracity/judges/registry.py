"""The `Judge` protocol and the registry of judge backends by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from veracity.registry import Registry
from veracity.types import Claim, Evidence, Verdict


@runtime_checkable
class Judge(Protocol):
    """Decides whether evidence supports a claim."""

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict: ...

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]: ...


JUDGES: Registry[Judge] = Registry(
    "judge backend",
    {"nli": "veracity.judges.nli", "llm": "veracity.judges.llm_verifier", "cascade": "veracity.judges.cascade"},
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
