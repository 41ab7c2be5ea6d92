"""The `ClaimExtractor` protocol, its registry, and the stage's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

from veracity.errors import EmptyInputError, VeracityError
from veracity.registry import Registry, UnknownComponentError
from pydantic import Field

from veracity._model import FrozenModel
from veracity.types import Claim, SkippedSentence
from veracity.unscored import Fallback

F = TypeVar("F", bound=Callable[..., object])

__all__ = [
    "EXTRACTORS", "ClaimExtractor", "Extraction", "InvalidInputTypeError", "UnknownComponentError", "check_text",
    "extract_all", "get_extractor", "register_extractor",
]  # fmt: skip


class InvalidInputTypeError(VeracityError, TypeError):
    """The text to check is not a `str`."""


@runtime_checkable
class ClaimExtractor(Protocol):
    """Splits a text into atomic, checkable claims with spans into that text."""

    def extract(self, text: str) -> list[Claim]: ...


class Extraction(FrozenModel):
    """An extractor's claims and the sentences it skipped (each with a reason)."""

    claims: list[Claim]
    skipped: list[SkippedSentence] = Field(default_factory=list)
    fallback: str | None = None
    """Why a fallback extractor made these claims (an LLM extractor's model failed); None when none did."""
    fallbacks: list[Fallback] = Field(default_factory=list)
    """The same, as records with a reason code (`veracity.unscored`); `FactChecker` puts them on the report."""


def extract_all(extractor: ClaimExtractor, text: str) -> Extraction:
    """`extractor`'s claims of `text` with its skipped sentences; extractors without `extract_all` skip none."""
    method = getattr(extractor, "extract_all", None)
    if callable(method):
        result = method(text)
        if isinstance(result, Extraction):
            return result
    return Extraction(claims=extractor.extract(text))


EXTRACTORS: Registry[ClaimExtractor] = Registry(
    "claim extractor", {"spacy": "veracity.claims.spacy_extractor", "llm": "veracity.claims.llm_extractor"}
)


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
    backend, sep, model = name.partition(":")
    if sep and name not in EXTRACTORS and backend in EXTRACTORS:
        return EXTRACTORS.create(backend, model=model, **kwargs)
    return EXTRACTORS.create(name, **kwargs)


def check_text(text: object) -> str:
    """Return `text` if it is a non-blank `str`; raise the matching `VeracityError` otherwise."""
    if not isinstance(text, str):
        raise InvalidInputTypeError(f"text to check must be a str, not {type(text).__name__}")
    if not text.strip():
        raise EmptyInputError("text to check is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate: no parser or model can read it
        raise InvalidInputTypeError(f"text to check is not valid Unicode (a lone surrogate at character {err.start})") from None
    return text
