"""Sentence-aligned windows of long evidence, sized to a model's token budget."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


@dataclass(frozen=True)
class Window:
    """A slice `text[start:end]` of the evidence."""

    text: str
    start: int
    end: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (whitespace between them left out)."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


def split_windows(text: str, budget: int, count_tokens: Callable[[str], int], overlap: int = 1) -> list[Window]:
    """Pack sentences into windows of at most `budget` tokens, consecutive windows sharing `overlap` sentences.

    Token counts are taken per sentence and summed (exact for whitespace-split tokenisers such as
    WordPiece). A sentence longer than the budget is cut at word boundaries; no text is dropped.
    """
    if count_tokens(text) <= budget:
        return [Window(text, 0, len(text))]
    units: list[tuple[int, int, int]] = []
    for s, e in sentence_spans(text):
        n = count_tokens(text[s:e])
        if n <= budget:
            units.append((s, e, n))
        else:
            words = [(ws, we, count_tokens(text[ws:we])) for ws, we in _word_spans(text, s, e)]
            units.extend(_pack(words, budget, overlap=0))
    return [Window(text[s:e], s, e) for s, e, _ in _pack(units, budget, overlap)]


def _pack(units: list[tuple[int, int, int]], budget: int, overlap: int) -> list[tuple[int, int, int]]:
    """Greedily group consecutive (start, end, tokens) units into windows within the budget."""
    windows: list[tuple[int, int, int]] = []
    i = 0
    while i < len(units):
        j, used = i + 1, units[i][2]
        while j < len(units) and used + units[j][2] <= budget:
            used += units[j][2]
            j += 1
        windows.append((units[i][0], units[j - 1][1], used))
        if j >= len(units):
            break
        i = max(i + 1, j - overlap)
    return windows
