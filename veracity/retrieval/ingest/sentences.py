"""Sentence spans of documents, for passages: the shared splitter's ``"prose"`` style (`veracity.text.sentences`)."""

from __future__ import annotations

from veracity.text.sentences import sentence_spans as _sentence_spans

__all__ = ["sentence_spans"]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split `text` into sentences; each span (start, end) is trimmed of surrounding whitespace."""
    return _sentence_spans(text, style="prose")
