"""The `Judge` protocol and a registry of judge backends by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from veracity.errors import VeracityError
from veracity.types import Claim, Evidence, Verdict


@runtime_checkable
class Judge(Protocol):
    """Decides whether evidence supports a claim."""

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict: ...

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]: ...


_JUDGES: dict[str, Callable[..., Judge]] = {}


def register_judge(name: str) -> Callable[[Callable[..., Judge]], Callable[..., Judge]]:
    def add(factory: Callable[..., Judge]) -> Callable[..., Judge]:
        _JUDGES[name] = factory
        return factory

    return add


def get_judge(spec: str | Judge = "default", **kwargs) -> Judge:
    """A judge from a spec: a Judge instance, "<backend>:<model>" (e.g. "nli:default"), or an NLI model name/path."""
    if not isinstance(spec, str):
        return spec
    backend, sep, model = spec.partition(":")
    if sep and backend in _JUDGES:
        return _JUDGES[backend](model, **kwargs)
    if "nli" not in _JUDGES:
        raise VeracityError(f"unknown judge {spec!r}; known backends: {sorted(_JUDGES)}")
    return _JUDGES["nli"](spec, **kwargs)
