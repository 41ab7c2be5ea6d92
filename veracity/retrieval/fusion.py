"""Reciprocal rank fusion."""

from __future__ import annotations

from veracity.retrieval.errors import InvalidArgumentError

RRF_K = 60


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse rankings (ids, best first) by reciprocal rank fusion: score(d) = sum 1 / (k + rank).

    Ranks start at 1; an id repeated within one ranking counts once, at its best rank.
    Ties are broken by the best rank reached in any ranking, then by id.
    """
    if k < 0:
        raise InvalidArgumentError(f"rrf k must be >= 0, got {k}")
    scores: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best_rank[kv[0]], kv[0]))
