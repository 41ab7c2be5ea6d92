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
    """A slice `text[start:end]` of the evidence, and what the model reads of it.

    A digest (`digest_window`) is read as its chosen sentences, `parts` (offsets into the evidence text),
    joined by a space; `text` and the offsets stay the contiguous slice from its first to its last part,
    so a citation points at real text.
    """

    text: str
    start: int
    end: int
    parts: tuple[tuple[int, int], ...] | None = None

    @property
    def input_text(self) -> str:
        """The text the verifier scores against the claim."""
        if self.parts is None:
            return self.text
        return " ".join(self.text[s - self.start : e - self.start] for s, e in self.parts)


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


def _bm25(bags: Sequence[Counter[str]], claim_terms: set[str]) -> tuple[list[float], dict[str, int]]:
    """BM25 of the claim's terms in each bag (document frequencies over the bags), and those frequencies."""
    lengths = [sum(bag.values()) for bag in bags]
    average = max(1.0, sum(lengths) / max(1, len(lengths)))
    n = len(bags)
    frequency = {t: sum(1 for bag in bags if t in bag) for t in claim_terms}
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
    k1, b = 1.2, 0.75
    scores = [
        sum(idf[t] * bag[t] * (k1 + 1) / (bag[t] + k1 * (1 - b + b * length / average)) for t in claim_terms if t in bag)
        for bag, length in zip(bags, lengths)
    ]
    return scores, frequency


def digest_window(text: str, claim: str, budget: int, count_tokens: Callable[[str], int]) -> Window:
    """One window of `text` for `claim`: its sentences most relevant to the claim, read together.

    Sentences (cut at words where longer than `budget` tokens) are ranked by BM25 of the claim's content
    words (plurals folded; document frequencies over the sentences) and taken best first while they fit
    in `budget` tokens; the chosen ones are read in document order, joined by a space. Sentences sharing
    no word with the claim are left out (unrelated sentences read beside the relevant one can make the
    model call it contradicted), unless none shares one: then the opening fills the budget. The window's
    `text` is the contiguous slice from the first to the last sentence read, and `parts` the sentences
    read. `benchmarks/long_evidence.py`, docs/verifier.md ("Reading long evidence").
    """
    units: list[tuple[int, int]] = []
    sizes: list[int] = []
    for s, e in sentence_spans(text):
        n = count_tokens(text[s:e])
        if n <= budget:
            units.append((s, e))
            sizes.append(n)
        else:
            for ps, pe, pn in _pack([(ws, we, count_tokens(text[ws:we])) for ws, we in _word_spans(text, s, e)], budget, overlap=0):
                units.append((ps, pe))
                sizes.append(pn)
    if not units:
        return Window(text, 0, len(text))
    scores, _ = _bm25([Counter(_terms(text[s:e])) for s, e in units], set(_terms(claim)))
    ranked = sorted(range(len(units)), key=lambda i: (-scores[i], i))
    if scores[ranked[0]] > 0:  # sentences that share no word with the claim only confuse the model: left out
        ranked = [i for i in ranked if scores[i] > 0]
    chosen, used = [], 0
    for i in ranked:
        if used + sizes[i] <= budget:
            chosen.append(i)
            used += sizes[i]
    if not chosen:  # every piece is over the budget (a single word of many tokens): the best one, cut by the model
        chosen = [max(range(len(units)), key=lambda i: (scores[i], -i))]
    chosen.sort()
    start, end = units[chosen[0]][0], units[chosen[-1]][1]
    return Window(text[start:end], start, end, parts=tuple(units[i] for i in chosen))


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
    scores, frequency = _bm25(bags, claim_terms)
    n = len(windows)
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    chosen = set(order[:keep])
    rare_terms = {t for t, f in frequency.items() if 0 < f <= rare}
    extra = [i for i in order[keep:] if scores[i] > 0 and rare_terms & bags[i].keys()]
    chosen.update(extra[:keep])
    return [windows[i] for i in sorted(chosen)]
