"""The `Retriever` protocol and its registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from veracity.registry import Registry
from veracity.types import Evidence


@runtime_checkable
class Retriever(Protocol):
    """Anything that returns the best evidence passages for a query."""

    def search(self, query: str, k: int = 10) -> list[Evidence]:
        """Return at most `k` evidence passages, best first."""
        ...


RetrieverFactory = Callable[..., Retriever]
_F = TypeVar("_F", bound=RetrieverFactory)

# Built-in retrievers register themselves when their module is imported; imported on first use.
RETRIEVERS: Registry[Retriever] = Registry(
    "retriever", {"hybrid": "veracity.retrieval.hybrid", "kg": "veracity.retrieval.kg.retriever"}
)


def register_retriever(name: str, *, replace: bool = False) -> Callable[[_F], _F]:
    """Decorator registering a factory (a class or a callable returning a `Retriever`) under `name`.

    Registering another factory under a taken name raises unless `replace` is true.
    """
    return RETRIEVERS.register(name, replace=replace)


def available_retrievers() -> list[str]:
    """Names accepted by `get_retriever`."""
    return RETRIEVERS.names()


def get_retriever(name: str, **kwargs: Any) -> Retriever:
    """Build the retriever registered under `name`, passing `kwargs` to its factory."""
    return RETRIEVERS.create(name, **kwargs)
