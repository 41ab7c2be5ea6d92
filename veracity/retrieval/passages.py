"""Split documents into overlapping sentence-window passages."""

from __future__ import annotations

from veracity.retrieval.errors import InvalidArgumentError
from veracity.retrieval.sentences import sentence_spans
from veracity.types import Document, Passage


def split_document(doc: Document, max_chars: int = 600, overlap_sentences: int = 1) -> list[Passage]:
    """Cut `doc.text` into windows of whole sentences of at most `max_chars` characters.

    Consecutive windows share their last/first `overlap_sentences` sentences (fewer when the
    overlap would not leave room for a new sentence). A sentence longer than `max_chars` becomes a
    passage of its own. `Passage.text == doc.text[start:end]`; ids are f"{doc.id}#p{i}".
    """
    if max_chars < 1:
        raise InvalidArgumentError(f"max_chars must be >= 1, got {max_chars}")
    if overlap_sentences < 0:
        raise InvalidArgumentError(f"overlap_sentences must be >= 0, got {overlap_sentences}")
    spans = sentence_spans(doc.text)
    windows: list[tuple[int, int]] = []  # (first, last) sentence index, inclusive
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= max_chars:
            last += 1
        windows.append((first, last))
        if last + 1 >= len(spans):
            break
        new = last + 1
        first = max(new - overlap_sentences, first + 1)
        while first < new and spans[new][1] - spans[first][0] > max_chars:
            first += 1
    return [
        Passage(
            id=f"{doc.id}#p{i}",
            doc_id=doc.id,
            text=doc.text[spans[a][0] : spans[b][1]],
            start=spans[a][0],
            end=spans[b][1],
        )
        for i, (a, b) in enumerate(windows)
    ]
