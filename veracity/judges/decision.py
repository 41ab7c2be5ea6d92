"""`Decision`: the evidence item, window and span that decided a verdict."""

from __future__ import annotations

from veracity.evaluation.baselines import lexical_overlap
from veracity.judges.windows import sentence_spans
from veracity.types import Decision, Passage, Span


def decision_in_window(index: int, passage: Passage, window: tuple[int, int], claim: str) -> Decision:
    """Where in `passage` the verifier's `window` (offsets into the passage text) carries the decision.

    A window of one sentence is the span itself; in a longer window the span is the sentence sharing
    the most content words with the claim (ties go to the earlier sentence).
    """
    w_start, w_end = window
    sentences = [(w_start + s, w_start + e) for s, e in sentence_spans(passage.text[w_start:w_end])]
    if len(sentences) <= 1:
        start, end = sentences[0] if sentences else (w_start, w_end)
        method = "window"
    else:
        overlaps = [lexical_overlap(passage.text[s:e], claim) for s, e in sentences]
        start, end = sentences[max(range(len(sentences)), key=lambda i: (overlaps[i], -i))]
        method = "sentence-overlap"
    return Decision(
        evidence=index,
        passage_id=passage.id,
        doc_id=passage.doc_id,
        window=Span(start=w_start, end=w_end),
        span=Span(start=start, end=end),
        doc_span=Span(start=passage.start + start, end=passage.start + end),
        text=passage.text[start:end],
        method=method,  # type: ignore[arg-type]
    )


def whole_passage(index: int, passage: Passage, method: str = "kg") -> Decision:
    """A decision read from a whole passage (a knowledge-graph triple's sentence)."""
    whole = Span(start=0, end=len(passage.text))
    return Decision(
        evidence=index,
        passage_id=passage.id,
        doc_id=passage.doc_id,
        window=whole,
        span=whole,
        doc_span=Span(start=passage.start, end=passage.start + len(passage.text)),
        text=passage.text,
        method=method,  # type: ignore[arg-type]
    )
