"""Citations and attribution: parse an answer's citation markers, score them as ALCE does, locate
evidence spans, and compute answer-level metrics (FActScore, F1@K, faithfulness) from verdicts."""

from veracity.attribution.alce import CitationScores, SentenceCitation, citation_scores
from veracity.attribution.citations import CitedSentence, parse_citations
from veracity.attribution.metrics import AnswerMetrics, answer_metrics
from veracity.attribution.rag import RAGReport
from veracity.attribution.scores import attribution_score
from veracity.attribution.spans import evidence_span

__all__ = [
    "AnswerMetrics",
    "CitationScores",
    "CitedSentence",
    "RAGReport",
    "SentenceCitation",
    "answer_metrics",
    "attribution_score",
    "citation_scores",
    "evidence_span",
    "parse_citations",
]
