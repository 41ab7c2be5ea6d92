"""Claim extraction: split a text into atomic, checkable claims with spans into that text."""

from __future__ import annotations

from veracity.claims.protocol import (
    ClaimExtractor,
    InvalidInputTypeError,
    UnknownComponentError,
    check_text,
    get_extractor,
    register_extractor,
)
from veracity.claims.limits import ClaimLimits, extract_bounded
from veracity.types import Claim

__all__ = [
    "ClaimExtractor",
    "InvalidInputTypeError",
    "UnknownComponentError",
    "extract_claims",
    "get_extractor",
    "register_extractor",
]


def extract_claims(
    text: str, extractor: str | ClaimExtractor = "spacy", *, limits: ClaimLimits | None = None
) -> list[Claim]:
    """Atomic claims of `text` found by `extractor` (a registered name or an extractor).

    Repeated claims are folded and the rest capped per sentence and per text by `limits`
    (default `ClaimLimits()`; see `veracity.claims.limits`); a sentence too long to parse whole is
    parsed in pieces, so the work grows linearly with the text.

    Raises `EmptyInputError` for blank text and `InvalidInputTypeError` for a non-str.
    """
    return extract_bounded(get_extractor(extractor), check_text(text), limits)
