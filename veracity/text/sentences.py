"""The sentence splitter every stage uses: regex rules, character offsets, no spaCy or nltk.

`sentence_spans(text, style=...)` returns `(start, end)` offsets into `text`. The styles keep the rules
each stage was tuned and benchmarked with:

* ``"prose"`` (documents -> passages, `veracity.retrieval`): a sentence ends at terminal punctuation
  (with closing quotes/brackets) followed by whitespace, or at a blank line. Periods after common
  abbreviations ("e.g.", "Dr.", "Fig.") do not end it, nor a capital initial read in context
  ("George W. Bush", but "vitamin D. The" does end).
* ``"answer"`` (answers -> cited statements, `veracity.attribution`): a sentence ends at a line break,
  or at terminal punctuation (also "...") followed by the end of the text or by whitespace and a word
  that does not start in lower case. Periods after abbreviations ("U.S.", "e.g.") and any single
  capital initial do not end it. `trailing` extends a sentence past its punctuation (citation markers
  such as "in 1889.[1]").
* ``"punctuation"`` (evidence -> verifier windows, `veracity.verifier.windows`): a sentence ends after
  ``.``, ``!`` or ``?`` followed by whitespace (closing quotes/brackets go between sentences); no
  abbreviation rules, line breaks do not end it, and spans keep the text's leading/trailing whitespace.
  With `lines=True` (the LLM claim extractor), line breaks end it too and spans are trimmed.

Every style leaves whitespace between sentences out of the spans and drops empty ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

__all__ = ["SentenceStyle", "Trailing", "sentence_spans"]

SentenceStyle = Literal["prose", "answer", "punctuation"]

Trailing = Callable[[str, int], int]
"""Given the text and the offset just past a sentence's final punctuation, the offset past anything
that still belongs to that sentence (citation markers such as "in 1889.[1]")."""

_MONTHS = "jan feb mar apr jun jul aug sep sept oct nov dec"
_SHARED = "al approx ca cf dept dr e.g fig i.e inc jr ltd mr mrs ms no prof sr st vs " + _MONTHS
_PROSE_ABBREVIATIONS = frozenset(f"{_SHARED} eg etc figs ie nos ref refs viz vol".split())
_ANSWER_ABBREVIATIONS = frozenset(f"{_SHARED} co col corp gen lt mt rev sgt univ u.s u.k a.m p.m".split())


def sentence_spans(
    text: str, *, style: SentenceStyle = "prose", trailing: Trailing | None = None, lines: bool = False
) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence of `text` under `style` (see the module docstring).

    `trailing` applies to the ``"answer"`` style only, `lines` to ``"punctuation"`` only."""
    if style == "prose":
        return _prose(text)
    if style == "answer":
        return _answer(text, trailing)
    if style == "punctuation":
        return _punctuation(text, lines)
    raise ValueError(f"unknown sentence style {style!r}")


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# -- "prose" -------------------------------------------------------------------------------------------

# Sentence-final punctuation, optional closing quotes/brackets, then whitespace; or a blank line.
_PROSE_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*\s+|\n[ \t\r\f\v]*\n\s*")
_LAST_WORD = re.compile(r"(\S+)(\s*)$")
_LOOKBACK = 64  # characters searched for the word before a full stop: keeps splitting linear


def _prose(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PROSE_BOUNDARY.finditer(text):
        if text[match.start()] != "\n" and _prose_abbreviation(text, match.start()):
            continue
        _append_trimmed(text, start, match.end(), spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _word_before(text: str, end: int) -> str | None:
    """The whitespace-delimited word ending at `end` (trailing whitespace skipped), if any."""
    match = _LAST_WORD.search(text[max(0, end - _LOOKBACK) : end])
    return match.group(1) if match else None


def _prose_abbreviation(text: str, stop: int) -> bool:
    """True when the '.' at `stop` ends an abbreviation or an initial rather than a sentence."""
    if text[stop] != ".":
        return False
    word = _word_before(text, stop)
    if word is None:
        return False
    word = word.lstrip("(\"'[")
    if len(word) == 1 and word.isupper():
        return _is_initial(text, stop - 1)
    return word.lower() in _PROSE_ABBREVIATIONS


def _is_initial(text: str, start: int) -> bool:
    """Guess if the capital before `start + 1` is an initial: "George W. Bush" but not "vitamin D. The"."""
    before = _word_before(text, start)
    if before is None:
        return True
    # After a sentence end or another initial ("J. R. Smith"), or after a capitalised word.
    return before[-1] in ".!?" or before[0].isupper()


# -- "answer" ------------------------------------------------------------------------------------------

# A run of terminal punctuation with any closing quotes or parentheses, or a line break.
_ANSWER_BREAK = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)]*|\n")
_NEXT_WORD = re.compile(r"\s+(\S?)")
_LETTERS_BEFORE = re.compile(r"([A-Za-z]+(?:\.[A-Za-z]+)*)$")


def _answer(text: str, trailing: Trailing | None) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = pos = 0
    while (match := _ANSWER_BREAK.search(text, pos)) is not None:
        if match.group() == "\n":
            _append_trimmed(text, start, match.start(), spans)
            start = pos = match.end()
            continue
        pos = match.end()
        if _answer_abbreviation(text, match):
            continue
        end = trailing(text, pos) if trailing is not None else pos
        if _starts_sentence(text, end):
            _append_trimmed(text, start, end, spans)
            start = pos = end
    _append_trimmed(text, start, len(text), spans)
    return spans


def _answer_abbreviation(text: str, match: re.Match[str]) -> bool:
    if not match.group().startswith(".") or match.group().startswith(".."):
        return False
    word = _LETTERS_BEFORE.search(text, max(0, match.start() - 24), match.start())
    if word is None:
        return False
    token = word.group(1)
    return token.lower() in _ANSWER_ABBREVIATIONS or (len(token) == 1 and token.isupper())


def _starts_sentence(text: str, end: int) -> bool:
    """True at the end of the text, or where whitespace follows and the next word is not lower case."""
    if end == len(text):
        return True
    following = _NEXT_WORD.match(text, end)
    return following is not None and not following.group(1).islower()


# -- "punctuation" -------------------------------------------------------------------------------------

_PUNCTUATION_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_PUNCTUATION_OR_LINE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*")


def _punctuation(text: str, lines: bool) -> list[tuple[int, int]]:
    pieces, start = [], 0
    for match in (_PUNCTUATION_OR_LINE_END if lines else _PUNCTUATION_END).finditer(text):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(text)))
    if not lines:
        return [(s, e) for s, e in pieces if text[s:e].strip()]
    spans: list[tuple[int, int]] = []
    for s, e in pieces:
        _append_trimmed(text, s, e, spans)
    return spans
