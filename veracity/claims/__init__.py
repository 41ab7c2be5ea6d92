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
from veracity.types import Claim

__all__ = [
    "ClaimExtractor",
    "InvalidInputTypeError",
    "UnknownComponentError",
    "extract_claims",
    "get_extractor",
    "register_extractor",
]


def extract_claims(text: str, extractor: str | ClaimExtractor = "spacy") -> list[Claim]:
    """Atomic claims of `text` found by `extractor` (a registered name or an extractor).

    Raises `EmptyInputError` for blank text and `InvalidInputTypeError` for a non-str.
    """
    return get_extractor(extractor).extract(check_text(text))
