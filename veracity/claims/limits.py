"""Bounds on the claims taken from one text: duplicates folded, then at most so many per sentence and per text.

A small input must not turn into unbounded work: one long sentence that repeats itself would
otherwise give thousands of identical claims, each verified against every context. The defaults
(`ClaimLimits()`) keep every claim of ordinary prose; they are documented in README.md and docs/server.md.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from pydantic import Field

from veracity._model import FrozenModel
from veracity.claims.protocol import ClaimExtractor
from veracity.types import Claim

log = logging.getLogger("veracity.claims")

DEFAULT_MAX_PER_SENTENCE = 16
DEFAULT_MAX_PER_TEXT = 256
DEFAULT_NEAR_DUPLICATE = 0.9
# Text beyond this many characters in one sentence is cut into pieces before parsing (see `text_pieces`).
DEFAULT_MAX_SENTENCE_CHARS = 2_000

_WORD = re.compile(r"\w+")


class ClaimLimits(FrozenModel):
    """`max_per_sentence` / `max_per_text`: claims kept (in order of position) per sentence and per text.
    `near_duplicate`: word-set Jaccard similarity at or above which a claim repeats an earlier one
    (1.0 folds exact repeats only). `max_sentence_chars`: a longer run of text without a sentence end is
    parsed in pieces of about this size, so that parsing time grows linearly with the text."""

    max_per_sentence: int = Field(default=DEFAULT_MAX_PER_SENTENCE, ge=1)
    max_per_text: int = Field(default=DEFAULT_MAX_PER_TEXT, ge=1)
    near_duplicate: float = Field(default=DEFAULT_NEAR_DUPLICATE, gt=0.0, le=1.0)
    max_sentence_chars: int = Field(default=DEFAULT_MAX_SENTENCE_CHARS, ge=200)


def _key(text: str) -> str:
    """A claim's text with case, accents, spacing and punctuation ignored."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def apply_limits(claims: list[Claim], limits: ClaimLimits | None = None) -> list[Claim]:
    """`claims` (in order of position) without repeats, at most `max_per_sentence` per sentence and
    `max_per_text` in all; ids are renumbered c1, c2, ... Logs a warning when any claim is dropped."""
    limits = limits or ClaimLimits()
    kept: list[Claim] = []
    keys: set[str] = set()
    words: list[frozenset[str]] = []
    per_sentence: dict[str, int] = {}
    folded = capped = 0
    for claim in claims:
        key = _key(claim.text)
        bag = frozenset(key.split())
        if key in keys or (limits.near_duplicate < 1.0 and any(_jaccard(bag, w) >= limits.near_duplicate for w in words)):
            folded += 1
            continue
        sentence = claim.sentence
        if per_sentence.get(sentence, 0) >= limits.max_per_sentence or len(kept) >= limits.max_per_text:
            capped += 1
            continue
        per_sentence[sentence] = per_sentence.get(sentence, 0) + 1
        keys.add(key)
        words.append(bag)
        kept.append(claim)
    if capped:
        log.warning(
            "%d claims over the limits (%d per sentence, %d per text) were not checked",
            capped, limits.max_per_sentence, limits.max_per_text,
        )  # fmt: skip
    if folded:
        log.info("%d repeated claims folded into earlier ones", folded)
    if all(claim.id == f"c{n}" for n, claim in enumerate(kept, 1)):
        return kept
    return [claim.model_copy(update={"id": f"c{n}"}) for n, claim in enumerate(kept, 1)]


_BREAK = re.compile(r"(?<=[.!?。！？])[\"'”’)\]]*\s+|\n\s*")


def text_pieces(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) pieces of `text` to parse one at a time: the whole text, unless a run without a
    sentence end is longer than `max_chars`; such a run is cut (at spaces where it can be) into
    pieces of at most `max_chars`, and the text around it stays whole."""
    bounds = [0, *(m.end() for m in _BREAK.finditer(text)), len(text)]
    pieces: list[tuple[int, int]] = []
    start = 0
    for a, b in zip(bounds, bounds[1:]):
        if b - a > max_chars:
            if a > start:
                pieces.append((start, a))
            pieces.extend(_cut_run(text, a, b, max_chars))
            start = b
    if start < len(text):
        pieces.append((start, len(text)))
    return pieces


def _cut_run(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    pieces = []
    while end - start > max_chars:
        limit = start + max_chars
        space = text.rfind(" ", start + max_chars // 2, limit)
        cut = space + 1 if space > start else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def shifted(claim: Claim, offset: int) -> Claim:
    """`claim` with every offset moved by `offset` (a claim found in a piece of the text)."""
    if offset == 0:
        return claim
    update: dict[str, object] = {"start": claim.start + offset, "end": claim.end + offset}
    spans = getattr(claim, "spans", None)
    if spans:
        update["spans"] = [(s + offset, e + offset) for s, e in spans]
    replacements = getattr(claim, "replacements", None)
    if replacements:
        update["replacements"] = [r.model_copy(update={"start": r.start + offset, "end": r.end + offset}) for r in replacements]
    return claim.model_copy(update=update)


def extract_bounded(extractor: ClaimExtractor, text: str, limits: ClaimLimits | None = None) -> list[Claim]:
    """`extractor`'s claims of `text`, found piece by piece where a sentence is too long to parse
    whole (`text_pieces`), then folded and capped (`apply_limits`)."""
    limits = limits or ClaimLimits()
    pieces = text_pieces(text, limits.max_sentence_chars)
    if len(pieces) == 1:
        return apply_limits(extractor.extract(text), limits)
    log.warning("text has a sentence over %d characters: parsed in %d pieces", limits.max_sentence_chars, len(pieces))
    found: list[Claim] = []
    for start, end in pieces:
        if text[start:end].strip():
            found.extend(shifted(c, start) for c in extractor.extract(text[start:end]))
    return apply_limits(found, limits)
