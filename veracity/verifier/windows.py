"""Sentence-aligned windows of long evidence, sized to a model's token budget."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

from veracity.text.sentences import sentence_spans as _sentence_spans


@dataclass(frozen=True)
class Window:
    """A slice `text[start:end]` of the evidence."""

    text: str
    start: int
    end: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (whitespace between them left out): the shared
    splitter's ``"punctuation"`` style (`veracity.text.sentences`)."""
    return _sentence_spans(text, style="punctuation")


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


def _stem(token: str) -> str:
    """A light plural stemmer: "cells" -> "cell", "studies" -> "study"; short tokens unchanged."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _terms(text: str) -> list[str]:
    from veracity.text.words import STOPWORDS, word_tokens as _tokens

    return [_stem(t) for t in _tokens(text) if t not in STOPWORDS]


def select_windows(windows: Sequence[Window], claim: str, keep: int, rare: int = 1) -> list[Window]:
    """The windows of a long evidence text worth scoring against `claim`, in their original order.

    Each window is scored by BM25 of the claim's content words (plurals folded), with document
    frequencies counted over `windows` themselves; the `keep` best are kept, and so is every window
    holding a claim word that at most `rare` windows hold (a name or number the claim hinges on),
    up to `keep` more. Windows the claim shares no word with are kept only to fill `keep`, in
    document order (so the opening of the document is always seen).
    """
    if len(windows) <= keep:
        return list(windows)
    claim_terms = set(_terms(claim))
    bags = [Counter(_terms(w.text)) for w in windows]
    lengths = [sum(bag.values()) for bag in bags]
    average = max(1.0, sum(lengths) / len(lengths))
    n = len(windows)
    frequency = {t: sum(1 for bag in bags if t in bag) for t in claim_terms}
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
    k1, b = 1.2, 0.75
    scores = [
        sum(
            idf[t] * bag[t] * (k1 + 1) / (bag[t] + k1 * (1 - b + b * length / average))
            for t in claim_terms
            if t in bag
        )
        for bag, length in zip(bags, lengths)
    ]
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    chosen = set(order[:keep])
    rare_terms = {t for t, f in frequency.items() if 0 < f <= rare}
    extra = [i for i in order[keep:] if scores[i] > 0 and rare_terms & bags[i].keys()]
    chosen.update(extra[:keep])
    return [windows[i] for i in sorted(chosen)]
