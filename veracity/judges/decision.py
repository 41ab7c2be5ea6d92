"""`Decision`: the evidence item, window and span that decided a verdict."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from veracity.text.words import lexical_overlap
from veracity.verifier.windows import sentence_spans
from veracity.types import Decision, Passage, Span, Verdict

_BLANK_LINE = re.compile(r"\n\s*\n")


def decision_in_window(
    index: int, passage: Passage, window: tuple[int, int], claim: str, parts: Sequence[tuple[int, int]] | None = None
) -> Decision:
    """Where in `passage` the verifier's `window` (offsets into the passage text) carries the decision.

    A window of one sentence is the span itself; in a longer window the span is the sentence sharing
    the most content words with the claim (ties go to the earlier sentence). `parts`: the sentences the
    verifier read, where it read only some of the window (a digest); the span is one of them.
    """
    w_start, w_end = window
    sentences = list(parts) if parts else window_sentences(passage.text, w_start, w_end)
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


def window_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of `text[start:end]` (also cut at blank lines), as offsets into `text`."""
    return [piece for s, e in sentence_spans(text[start:end]) for piece in _lines(text, start + s, start + e)]


def sharpen(
    verdicts: list[Verdict],
    claims: Sequence[str],
    score: Callable[[list[str], list[str]], list[Any]],
    parts: Sequence[Sequence[tuple[int, int]] | None] | None = None,
) -> list[Verdict]:
    """Where a span was chosen by word overlap among several sentences of the window, choose instead the
    sentence the verifier scores highest (entailment; contradiction for a refuted claim). `score(premises,
    hypotheses)` gives NLI scores; all sentences of all verdicts are scored in one call. `parts[i]`: the
    sentences of verdict i's window the verifier read (offsets into the window), where it read only those."""
    jobs: list[tuple[int, list[tuple[int, int]]]] = []
    for i, verdict in enumerate(verdicts):
        decided = verdict.decided_by
        if decided is None or decided.method != "sentence-overlap":
            continue
        window = verdict.evidence[decided.evidence].passage.text  # the passage narrowed to the window
        read = parts[i] if parts is not None else None
        jobs.append((i, list(read) if read else window_sentences(window, 0, len(window))))
    premises = [verdicts[i].evidence[verdicts[i].decided_by.evidence].passage.text[s:e] for i, spans in jobs for s, e in spans]  # type: ignore[union-attr]
    hypotheses = [claims[i] for i, spans in jobs for _ in spans]
    scores = iter(score(premises, hypotheses) if premises else [])
    out = list(verdicts)
    for i, spans in jobs:
        verdict, decided = verdicts[i], verdicts[i].decided_by
        assert decided is not None
        values = [(sc.contradiction if verdict.label == "refuted" else sc.entailment) for sc in (next(scores) for _ in spans)]
        s, e = spans[max(range(len(spans)), key=lambda j: (values[j], -j))]
        offset = decided.window.start  # window offsets -> passage offsets
        doc_offset = decided.doc_span.start - decided.span.start  # passage offsets -> document offsets
        window = verdict.evidence[decided.evidence].passage.text
        sharper = decided.model_copy(
            update={
                "span": Span(start=offset + s, end=offset + e),
                "doc_span": Span(start=doc_offset + offset + s, end=doc_offset + offset + e),
                "text": window[s:e],
                "method": "verifier",
            }
        )
        out[i] = verdict.model_copy(update={"decided_by": sharper})
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`text[start:end]` cut at blank lines (a heading above its paragraph), blank edges left out."""
    pieces, at = [], start
    for match in _BLANK_LINE.finditer(text, start, end):
        pieces.append((at, match.start()))
        at = match.end()
    pieces.append((at, end))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


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
