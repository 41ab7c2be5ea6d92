"""Split documents into overlapping, sentence-aligned passages under a character and/or token budget."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from veracity.retrieval.errors import InvalidArgumentError
from veracity.text.sentences import sentence_spans
from veracity.types import Document, Passage

TokenCounter = Callable[[Sequence[str]], list[int]]
Span = tuple[int, int]
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunker:
    """Windows of whole sentences: at most `max_chars` characters and `max_tokens` tokens (None: no limit).

    Consecutive windows share `overlap_sentences` sentences (fewer when the overlap would not leave
    room for a new sentence). A sentence over `max_tokens` is cut at spaces into pieces within the
    budget; a sentence over `max_chars` alone is kept whole. Tokens are counted with
    `count_tokens` (default: the embedder's word-piece tokenizer).
    """

    max_chars: int | None = None
    max_tokens: int | None = 128
    overlap_sentences: int = 1
    count_tokens: TokenCounter | None = None

    def __post_init__(self) -> None:
        for name in ("max_chars", "max_tokens"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise InvalidArgumentError(f"{name} must be a positive integer or None, got {value!r}")
        if self.overlap_sentences < 0:
            raise InvalidArgumentError(f"overlap_sentences must be >= 0, got {self.overlap_sentences}")

    def spans_many(self, texts: Sequence[str]) -> list[list[Span]]:
        """The passage spans of every text, token counts computed in one batch."""
        units = [sentence_spans(text) for text in texts]
        tokens: list[list[int] | None] = [None] * len(texts)
        if self.max_tokens is not None:
            # A word-piece covers at least one character, so a text this short always fits.
            todo = [i for i, text in enumerate(texts) if len(text) > self.max_tokens and units[i]]
            counts = self._count([texts[i][a:b] for i in todo for a, b in units[i]])
            at = 0
            for i in todo:
                tokens[i] = counts[at : at + len(units[i])]
                at += len(units[i])
            for i in todo:
                units[i], tokens[i] = self._cut_long(texts[i], units[i], tokens[i] or [])
        return [self._windows(spans, counts) for spans, counts in zip(units, tokens)]

    def spans(self, text: str) -> list[Span]:
        return self.spans_many([text])[0]

    def _count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        if self.count_tokens is not None:
            return list(self.count_tokens(texts))
        from veracity.retrieval.search.embedder import count_tokens

        return count_tokens(texts)

    def _cut_long(self, text: str, spans: list[Span], counts: list[int]) -> tuple[list[Span], list[int]]:
        """Cut every sentence over the token budget into word runs within it."""
        budget = self.max_tokens or 0
        if all(count <= budget for count in counts):
            return spans, counts
        out_spans: list[Span] = []
        out_counts: list[int] = []
        for (start, end), count in zip(spans, counts):
            if count <= budget:
                out_spans.append((start, end))
                out_counts.append(count)
                continue
            words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
            word_counts = self._count([text[a:b] for a, b in words])
            piece_start, piece_tokens, previous_end = words[0][0], 0, words[0][1]
            for (a, b), n in zip(words, word_counts):
                if piece_tokens and piece_tokens + n > budget:
                    out_spans.append((piece_start, previous_end))
                    out_counts.append(piece_tokens)
                    piece_start, piece_tokens = a, 0
                piece_tokens += n
                previous_end = b
            out_spans.append((piece_start, previous_end))
            out_counts.append(piece_tokens)
        return out_spans, out_counts

    def _windows(self, spans: list[Span], counts: list[int] | None) -> list[Span]:
        prefix = [0, *accumulate(counts)] if counts is not None else None

        def fits(first: int, last: int) -> bool:
            if self.max_chars is not None and spans[last][1] - spans[first][0] > self.max_chars:
                return False
            return prefix is None or self.max_tokens is None or prefix[last + 1] - prefix[first] <= self.max_tokens

        windows: list[Span] = []
        first = 0
        while first < len(spans):
            last = first
            while last + 1 < len(spans) and fits(first, last + 1):
                last += 1
            windows.append((spans[first][0], spans[last][1]))
            if last + 1 >= len(spans):
                break
            new = last + 1
            first = max(new - self.overlap_sentences, first + 1)
            while first < new and not fits(first, new):
                first += 1
        return windows


def passages_of(doc: Document, spans: Sequence[Span]) -> list[Passage]:
    """Passages f"{doc.id}#p{i}" for the spans of `doc.text`."""
    return [
        Passage(id=f"{doc.id}#p{i}", doc_id=doc.id, text=doc.text[a:b], start=a, end=b)
        for i, (a, b) in enumerate(spans)
    ]


def split_document(
    doc: Document,
    max_chars: int | None = 600,
    overlap_sentences: int = 1,
    *,
    max_tokens: int | None = None,
    count_tokens: TokenCounter | None = None,
) -> list[Passage]:
    """Cut `doc.text` into overlapping windows of whole sentences (see `Chunker`).

    `Passage.text == doc.text[start:end]`; ids are f"{doc.id}#p{i}".
    """
    if max_chars is None and max_tokens is None:
        raise InvalidArgumentError("give max_chars, max_tokens or both")
    chunker = Chunker(
        max_chars=max_chars, max_tokens=max_tokens, overlap_sentences=overlap_sentences, count_tokens=count_tokens
    )
    return passages_of(doc, chunker.spans(doc.text))
