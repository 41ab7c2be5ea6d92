"""Sentence spans of answers: the shared splitter's ``"answer"`` style (`veracity.text.sentences`)."""

from __future__ import annotations

from veracity.text.sentences import Trailing
from veracity.text.sentences import sentence_spans as _sentence_spans

__all__ = ["Trailing", "sentence_spans"]


def sentence_spans(text: str, trailing: Trailing | None = None) -> list[tuple[int, int]]:
    """`(start, end)` of each sentence of `text`, surrounding whitespace left out.

    A sentence ends at a line break, or at terminal punctuation followed by the end of the text or by
    whitespace and a word that does not start in lower case. Periods after common abbreviations
    ("Dr.", "e.g.", "U.S.") and single capital initials ("J.") do not end a sentence.
    """
    return _sentence_spans(text, style="answer", trailing=trailing)
