"""The `ClaimExtractor` protocol, a small name -> factory registry, and the stage's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar, runtime_checkable

from veracity.errors import EmptyInputError, VeracityError
from veracity.types import Claim

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])


class UnknownComponentError(VeracityError, ValueError):
    """A registry was asked for a name nobody registered."""


class InvalidInputTypeError(VeracityError, TypeError):
    """The text to check is not a `str`."""


class Registry(Generic[T]):
    """Maps a name to a factory (a class or function) that builds a `T` from keyword options."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator: register a factory under `name` (a later registration replaces it)."""

        def decorate(factory: F) -> F:
            self._factories[name] = factory  # type: ignore[assignment]
            return factory

        return decorate

    def names(self) -> list[str]:
        return sorted(self._factories)

    def create(self, name: str, **kwargs: object) -> T:
        """Build the component registered as `name`; unknown names list the known ones."""
        try:
            factory = self._factories[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise UnknownComponentError(f"unknown {self.kind} {name!r}; known: {known}") from None
        return factory(**kwargs)


@runtime_checkable
class ClaimExtractor(Protocol):
    """Splits a text into atomic, checkable claims with spans into that text."""

    def extract(self, text: str) -> list[Claim]: ...


EXTRACTORS: Registry[ClaimExtractor] = Registry("claim extractor")


def register_extractor(name: str) -> Callable[[F], F]:
    """Decorator registering a `ClaimExtractor` factory under `name`."""
    return EXTRACTORS.register(name)


def get_extractor(name: str | ClaimExtractor = "spacy", **kwargs: object) -> ClaimExtractor:
    """Build the extractor registered as `name` with `kwargs`; an extractor instance is returned as is.

    `name` may carry a model after a colon, like judge specs: "llm:gpt-4o-mini" builds the "llm"
    extractor with `model="gpt-4o-mini"` (the first colon splits, so "llm:ollama/llama3.1:8b" works).
    """
    if not isinstance(name, str):
        return name
    import veracity.claims.llm_extractor  # noqa: F401  (registers the built-in "llm")
    import veracity.claims.spacy_extractor  # noqa: F401  (registers the built-in "spacy")

    backend, sep, model = name.partition(":")
    if sep and name not in EXTRACTORS.names() and backend in EXTRACTORS.names():
        return EXTRACTORS.create(backend, model=model, **kwargs)
    return EXTRACTORS.create(name, **kwargs)


def check_text(text: object) -> str:
    """Return `text` if it is a non-blank `str`; raise the matching `VeracityError` otherwise."""
    if not isinstance(text, str):
        raise InvalidInputTypeError(f"text to check must be a str, not {type(text).__name__}")
    if not text.strip():
        raise EmptyInputError("text to check is empty")
    return text
