"""Rank fusion: reciprocal rank fusion and weighted (min-max normalised) score fusion."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TypeVar

from veracity.retrieval.errors import InvalidArgumentError

RRF_K = 60
_T = TypeVar("_T", bound=Hashable)


def _ranks(rankings: Sequence[Sequence[_T]]) -> dict[_T, list[float]]:
    """1-based rank of each item in each ranking (inf where absent; a repeat counts at its best rank)."""
    ranks: dict[_T, list[float]] = {}
    for which, ranking in enumerate(rankings):
        for rank, item in enumerate(ranking, start=1):
            slot = ranks.setdefault(item, [math.inf] * len(rankings))
            slot[which] = min(slot[which], rank)
    return ranks


def _ordered(scores: dict[_T, float], ranks: dict[_T, list[float]]) -> list[tuple[_T, float]]:
    """Best score first; ties by best rank, then rank in each ranking in turn, then item."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], min(ranks[kv[0]]), *ranks[kv[0]], kv[0]))


def rrf(rankings: Sequence[Sequence[_T]], k: int = RRF_K) -> list[tuple[_T, float]]:
    """Fuse rankings (ids, best first) by reciprocal rank fusion: score(d) = sum 1 / (k + rank).

    Ranks start at 1; an id repeated within one ranking counts once, at its best rank. Ties are
    broken by the best rank reached in any ranking, then by the rank in the first ranking, the
    second..., then by id, so the order does not depend on how ids were numbered.
    """
    if k < 0:
        raise InvalidArgumentError(f"rrf k must be >= 0, got {k}")
    ranks = _ranks(rankings)
    scores = {item: sum(1.0 / (k + r) for r in item_ranks if r != math.inf) for item, item_ranks in ranks.items()}
    return _ordered(scores, ranks)


def weighted_fusion(
    scored: Sequence[Sequence[tuple[_T, float]]], weights: Sequence[float]
) -> list[tuple[_T, float]]:
    """Fuse scored rankings by sum of weight * min-max normalised score (absent: 0).

    Each ranking's scores are scaled to [0, 1] over its own list; a list whose scores are all equal
    scales to 1. Ties are broken as in `rrf`.
    """
    if len(weights) != len(scored):
        raise InvalidArgumentError(f"{len(weights)} weights for {len(scored)} rankings")
    if any(w < 0 for w in weights) or not any(w > 0 for w in weights):
        raise InvalidArgumentError(f"fusion weights must be >= 0 and not all 0, got {list(weights)}")
    ranks = _ranks([[item for item, _ in hits] for hits in scored])
    scores: dict[_T, float] = dict.fromkeys(ranks, 0.0)
    for hits, weight in zip(scored, weights):
        if not hits:
            continue
        values = [score for _, score in hits]
        low, high = min(values), max(values)
        for item, score in hits:
            normalised = (score - low) / (high - low) if high > low else 1.0
            scores[item] += weight * normalised
    return _ordered(scores, ranks)


def format_source(mode: str, ranks: dict[str, int | None]) -> str:
    """`Evidence.source` text: the mode and each retriever's 1-based rank, "-" if it missed.

    "hybrid(bm25=3,dense=-)"; a single retriever's own rank alone: "bm25(1)".
    """
    if list(ranks) == [mode]:
        rank = ranks[mode]
        return f"{mode}({'-' if rank is None else rank})"
    inner = ",".join(f"{name}={'-' if rank is None else rank}" for name, rank in ranks.items())
    return f"{mode}({inner})"


def parse_source(source: str) -> tuple[str, dict[str, int | None]]:
    """Inverse of `format_source`: ("hybrid", {"bm25": 3, "dense": None}), ("bm25", {"bm25": 1});
    a bare name ("context") has no ranks."""
    if "(" not in source or not source.endswith(")"):
        return source, {}
    mode, _, inner = source[:-1].partition("(")
    ranks: dict[str, int | None] = {}
    for part in filter(None, inner.split(",")):
        name, has_name, rank = part.partition("=")
        if not has_name:
            name, rank = mode, part
        ranks[name] = None if rank == "-" else int(rank)
    return mode, ranks
