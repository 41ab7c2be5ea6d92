"""A fast regex sentence splitter that returns character spans (no spaCy)."""

from __future__ import annotations

import re

# Sentence-final punctuation, optional closing quotes/brackets, then whitespace; or a blank line.
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*\s+|\n[ \t\r\f\v]*\n\s*")
_LAST_WORD = re.compile(r"(\S+)(\s*)$")
_LOOKBACK = 64  # characters searched for the word before a full stop: keeps splitting linear
_ABBREVIATIONS = frozenset(
    """
    al approx ca cf dept dr e.g eg etc fig figs i.e ie inc jr ltd mr mrs ms no nos prof ref refs sr
    st vs viz vol jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)


def _word_before(text: str, end: int) -> str | None:
    """The whitespace-delimited word ending at `end` (trailing whitespace skipped), if any."""
    match = _LAST_WORD.search(text[max(0, end - _LOOKBACK) : end])
    return match.group(1) if match else None


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the '.' at `stop` ends an abbreviation or an initial rather than a sentence."""
    if text[stop] != ".":
        return False
    word = _word_before(text, stop)
    if word is None:
        return False
    word = word.lstrip("(\"'[")
    if len(word) == 1 and word.isupper():
        return _is_initial(text, stop - 1)
    return word.lower() in _ABBREVIATIONS


def _is_initial(text: str, start: int) -> bool:
    """Guess if the capital before `start + 1` is an initial: "George W. Bush" but not "vitamin D. The"."""
    before = _word_before(text, start)
    if before is None:
        return True
    # After a sentence end or another initial ("J. R. Smith"), or after a capitalised word.
    return before[-1] in ".!?" or before[0].isupper()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentences; each span (start, end) is trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if text[match.start()] != "\n" and _is_abbreviation(text, match.start()):
            continue
        _append_trimmed(text, start, match.end(), spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
