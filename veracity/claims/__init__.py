"""Claim extraction: split a text into atomic, checkable claims with spans into that text."""

from __future__ import annotations

from veracity.claims.protocol import (
    ClaimExtractor,
    Extraction,
    InvalidInputTypeError,
    UnknownComponentError,
    check_text,
    extract_all,
    get_extractor,
    register_extractor,
)
from veracity.claims.limits import ClaimLimits, apply_limits, extract_bounded, shifted, text_pieces
from veracity.types import Claim, SkippedSentence
from veracity.unscored import Fallback

__all__ = [
    "ClaimExtractor",
    "Extraction",
    "InvalidInputTypeError",
    "UnknownComponentError",
    "extract_claims",
    "extract_claims_and_skipped",
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


def extract_claims_and_skipped(
    text: str, extractor: str | ClaimExtractor = "spacy", *, limits: ClaimLimits | None = None
) -> Extraction:
    """`extract_claims` (same limits) plus the sentences that yielded no claim, each with its reason, and
    why a fallback extractor ran, if one did (`Extraction.fallback`)."""
    found = get_extractor(extractor)
    text = check_text(text)
    limits = limits or ClaimLimits()
    claims: list[Claim] = []
    skipped: list[SkippedSentence] = []
    fallbacks: list[str] = []
    records: list[Fallback] = []
    for start, end in text_pieces(text, limits.max_sentence_chars):
        if text[start:end].strip():
            part = extract_all(found, text if (start, end) == (0, len(text)) else text[start:end])
            claims.extend(shifted(c, start) for c in part.claims)
            skipped.extend(s.model_copy(update={"start": s.start + start, "end": s.end + start}) for s in part.skipped)
            if part.fallback and part.fallback not in fallbacks:
                fallbacks.append(part.fallback)
            records.extend(r for r in part.fallbacks if r not in records)
    return Extraction(
        claims=apply_limits(claims, limits), skipped=skipped, fallback="; ".join(fallbacks) or None, fallbacks=records
    )
