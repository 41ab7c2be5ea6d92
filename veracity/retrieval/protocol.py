"""The `Retriever` protocol and a small name -> factory registry."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from veracity.retrieval.errors import InvalidArgumentError
from veracity.types import Evidence


@runtime_checkable
class Retriever(Protocol):
    """Anything that returns the best evidence passages for a query."""

    def search(self, query: str, k: int = 10) -> list[Evidence]:
        """Return at most `k` evidence passages, best first."""
        ...


RetrieverFactory = Callable[..., Retriever]
_F = TypeVar("_F", bound=RetrieverFactory)

_REGISTRY: dict[str, RetrieverFactory] = {}
# Built-in retrievers register themselves when their module is imported; imported on first use.
_BUILTIN_MODULES: dict[str, str] = {"hybrid": "veracity.retrieval.hybrid"}


def register_retriever(name: str, *, replace: bool = False) -> Callable[[_F], _F]:
    """Decorator registering a factory (a class or a callable returning a `Retriever`) under `name`.

    Registering another factory under a taken name raises unless `replace` is true.
    """

    def decorate(factory: _F) -> _F:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not factory and not replace:
            raise InvalidArgumentError(f"a retriever named {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return decorate


def available_retrievers() -> list[str]:
    """Names accepted by `get_retriever`."""
    return sorted(set(_REGISTRY) | set(_BUILTIN_MODULES))


def get_retriever(name: str, **kwargs: Any) -> Retriever:
    """Build the retriever registered under `name`, passing `kwargs` to its factory."""
    if name not in _REGISTRY and name in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[name])
    factory = _REGISTRY.get(name)
    if factory is None:
        raise InvalidArgumentError(f"unknown retriever {name!r}; available: {', '.join(available_retrievers())}")
    return factory(**kwargs)
