"""The report on a RAG answer: claim verdicts plus citation quality and answer-level metrics."""

from __future__ import annotations

from veracity.attribution.alce import CitationScores
from veracity.attribution.metrics import AnswerMetrics
from veracity.attribution.trust_score import TrustComponents
from veracity.types import Report


class RAGReport(Report):
    """A `Report` on an answer to `question`, with ALCE citation scores, answer metrics and the answer's
    Trust-Score components (`trust`; aggregate many with `veracity.attribution.trust_score.trust_score`)."""

    question: str | None = None
    citations: CitationScores | None = None
    metrics: AnswerMetrics
    attribution_score: float | None = None
    trust: TrustComponents | None = None
