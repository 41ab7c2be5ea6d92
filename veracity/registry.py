"""One small name -> factory registry, shared by every stage (claim extractors, retrievers, judges).

A backend is one new file that registers itself: `@EXTRACTORS.register("name")`. Built-in backends
may be listed as lazily imported modules, so that naming one does not import every other.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from veracity.errors import VeracityError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])


class UnknownComponentError(VeracityError, ValueError):
    """A registry was asked for a name nobody registered."""


class DuplicateComponentError(VeracityError, ValueError):
    """A second, different factory was registered under a taken name without `replace=True`."""


class Registry(Generic[T]):
    """Maps a name to a factory (a class or function) that builds a `T` from keyword options.

    `builtins`: name -> module that registers that name when imported (imported on first use).
    """

    def __init__(self, kind: str, builtins: Mapping[str, str] | None = None) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}
        self._builtins = dict(builtins or {})

    def register(self, name: str, *, replace: bool = True) -> Callable[[F], F]:
        """Decorator: register a factory under `name`; with `replace=False` a taken name is an error."""

        def decorate(factory: F) -> F:
            existing = self._factories.get(name)
            if existing is not None and existing is not factory and not replace:
                raise DuplicateComponentError(f"a {self.kind} named {name!r} is already registered")
            self._factories[name] = factory  # type: ignore[assignment]
            return factory

        return decorate

    def names(self) -> list[str]:
        """Every name `create` accepts, built-ins included."""
        return sorted(set(self._factories) | set(self._builtins))

    def __contains__(self, name: object) -> bool:
        return name in self._factories or name in self._builtins

    def factory(self, name: str) -> Callable[..., T]:
        """The factory registered as `name` (importing its built-in module if needed)."""
        if name not in self._factories and name in self._builtins:
            importlib.import_module(self._builtins[name])
        try:
            return self._factories[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise UnknownComponentError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def create(self, name: str, **kwargs: object) -> T:
        """Build the component registered as `name`; unknown names list the known ones."""
        return self.factory(name)(**kwargs)
