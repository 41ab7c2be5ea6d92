"""A small regex sentence splitter with character spans (no nltk, no spaCy)."""

from __future__ import annotations

import re
from collections.abc import Callable

# A run of terminal punctuation with any closing quotes or parentheses, or a line break.
_BREAK = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)]*|\n")
_NEXT_WORD = re.compile(r"\s+(\S?)")
_WORD_BEFORE = re.compile(r"([A-Za-z]+(?:\.[A-Za-z]+)*)$")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs e.g i.e cf al approx ca inc ltd co corp no fig gen col lt sgt rev "
    "dept univ jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m".split()
)

Trailing = Callable[[str, int], int]
"""Given the text and the offset just past a sentence's final punctuation, the offset past anything
that still belongs to that sentence (citation markers such as "in 1889.[1]")."""


def sentence_spans(text: str, trailing: Trailing | None = None) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence of `text`, surrounding whitespace left out.

    A sentence ends at a line break, or at terminal punctuation followed by the end of the text or by
    whitespace and a word that does not start in lower case. Periods after common abbreviations
    ("Dr.", "e.g.", "U.S.") and single capital initials ("J.") do not end a sentence.
    """
    spans: list[tuple[int, int]] = []
    start = pos = 0
    while (match := _BREAK.search(text, pos)) is not None:
        if match.group() == "\n":
            _add(spans, text, start, match.start())
            start = pos = match.end()
            continue
        pos = match.end()
        if _is_abbreviation(text, match):
            continue
        end = trailing(text, pos) if trailing is not None else pos
        if _starts_sentence(text, end):
            _add(spans, text, start, end)
            start = pos = end
    _add(spans, text, start, len(text))
    return spans


def _is_abbreviation(text: str, match: re.Match[str]) -> bool:
    if not match.group().startswith(".") or match.group().startswith(".."):
        return False
    word = _WORD_BEFORE.search(text, max(0, match.start() - 24), match.start())
    if word is None:
        return False
    token = word.group(1)
    return token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isupper())


def _starts_sentence(text: str, end: int) -> bool:
    """True at the end of the text, or where whitespace follows and the next word is not lower case."""
    if end == len(text):
        return True
    following = _NEXT_WORD.match(text, end)
    return following is not None and not following.group(1).islower()


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        left = start + len(chunk) - len(chunk.lstrip())
        spans.append((left, left + len(stripped)))
