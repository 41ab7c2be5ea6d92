"""Document-level results: the best passage of each document, k distinct documents per query.

Each retriever's passage ranking is collapsed to a document ranking (a document ranks where its
best passage ranks), the document rankings are fused (RRF or weighted scores, as for passages),
and each document is shown by its passage with the best passage-level fused score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from veracity.retrieval.search.fusion import RRF_K, rrf, weighted_fusion

Scored = list[tuple[int, float]]  # (passage row, score), best first
DocHit = tuple[int, float, dict[str, int | None]]  # representative row, score, document rank per retriever


def collapse(hits: Scored, doc_of: Mapping[int, str]) -> list[tuple[str, int, float]]:
    """(doc_id, row, score) of each document's first (best) passage in `hits`, in rank order."""
    seen: set[str] = set()
    out: list[tuple[str, int, float]] = []
    for row, score in hits:
        doc = doc_of[row]
        if doc not in seen:
            seen.add(doc)
            out.append((doc, row, score))
    return out


def single(hits: Scored, doc_of: Mapping[int, str], name: str, k: int) -> list[DocHit]:
    """The first `k` distinct documents of one retriever's ranking."""
    return [(row, score, {name: rank}) for rank, (_, row, score) in enumerate(collapse(hits, doc_of)[:k], 1)]


def fused(
    lexical: Scored,
    dense: Scored,
    doc_of: Mapping[int, str],
    k: int,
    fusion: str,
    weights: tuple[float, float],
) -> list[DocHit]:
    """The best `k` documents by fusing the two retrievers' document rankings.

    A document is shown by its passage with the best passage-level RRF score, so a passage found
    by both retrievers is preferred to one found by one only.
    """
    docs = {"bm25": collapse(lexical, doc_of), "dense": collapse(dense, doc_of)}
    ranks: dict[str, dict[str, int | None]] = {}
    for name, ranking in docs.items():
        for rank, (doc, _, _) in enumerate(ranking, 1):
            ranks.setdefault(doc, {"bm25": None, "dense": None})[name] = rank
    if fusion == "rrf":
        order = rrf([[doc for doc, _, _ in ranking] for ranking in docs.values()], k=RRF_K)
    else:
        order = weighted_fusion([[(doc, score) for doc, _, score in ranking] for ranking in docs.values()], weights)
    passage_scores = dict(rrf([[row for row, _ in lexical], [row for row, _ in dense]], k=RRF_K))
    best_row: dict[str, int] = {}
    for row, score in sorted(passage_scores.items(), key=lambda item: -item[1]):
        best_row.setdefault(doc_of[row], row)
    return [(best_row[doc], score, ranks[doc]) for doc, score in order[:k]]


def enough(hits: Sequence[Scored], doc_of: Mapping[int, str], k: int, depth: int) -> bool:
    """Whether every ranking holds `k` distinct documents or all it has (fewer than `depth` passages)."""
    return all(len(ranking) < depth or len({doc_of[row] for row, _ in ranking}) >= k for ranking in hits)
