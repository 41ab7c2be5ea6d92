"""Searching a `HybridIndex`: BM25, dense or fused rankings, per passage or per document.

`HybridSearch` is the search half of `HybridIndex` (which adds construction, changes and files);
it reads the index parts (store, BM25, FAISS, query weighting, embedder) that `HybridIndex` holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np

from veracity.errors import EmptyInputError
from veracity.retrieval.errors import IndexCorruptError, InvalidArgumentError
from veracity.retrieval.search import by_document
from veracity.retrieval.search.dense import DenseIndex
from veracity.retrieval.search.embedder import Embedder
from veracity.retrieval.search.fusion import RRF_K, format_source, rrf, weighted_fusion
from veracity.retrieval.search.lexical import BM25Index, QueryTerms
from veracity.retrieval.search.query import ClaimQuery
from veracity.retrieval.storage.store import Store
from veracity.types import Evidence

SearchMode = Literal["hybrid", "bm25", "dense"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
Fusion = Literal["rrf", "weighted"]
FUSIONS: tuple[str, ...] = get_args(Fusion)
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 0.5, "dense": 0.5}
# Weighted 0.5/0.5 over RRF: chosen on half of the SciFact claims against a 20k-document corpus and
# confirmed on the other half, both ways (benchmarks/retrieval_realistic.py; docs/benchmarks.md).
DEFAULT_FUSION: Fusion = "weighted"
MIN_FUSION_DEPTH = 50
DOCUMENT_DEPTH = 10  # per_document: passages taken per wanted document before collapsing (deepened as needed)
Hit = tuple[int, float, dict[str, int | None]]  # row, score, rank per retriever


class HybridSearch:
    """`search` and `search_many` over the parts of an index (the base class of `HybridIndex`)."""

    _store: Store
    _bm25: BM25Index
    _dense: DenseIndex
    _query: ClaimQuery
    _broken: str | None
    embedder: Embedder

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode = "hybrid",
        *,
        fusion: Fusion = DEFAULT_FUSION,
        weights: Mapping[str, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        per_document: bool = False,
    ) -> list[Evidence]:
        """The at most `k` best passages for `query`, best first (see `search_many`)."""
        return self.search_many(
            [query], k=k, mode=mode, fusion=fusion, weights=weights, filters=filters, per_document=per_document
        )[0]

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        mode: SearchMode = "hybrid",
        *,
        fusion: Fusion = DEFAULT_FUSION,
        weights: Mapping[str, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        per_document: bool = False,
    ) -> list[list[Evidence]]:
        """Search every query; dense queries are embedded in one encoder call.

        mode "bm25": passages with a positive BM25 score (claim names weigh double, see
        `ClaimQuery`); "dense": cosine similarity; "hybrid": each taken to depth max(4k, 50),
        fused by `weights`-weighted min-max normalised scores (`fusion="weighted"`, the default,
        0.5/0.5) or by reciprocal rank fusion (`fusion="rrf"`). `filters` keeps passages of
        documents whose metadata (or id, key "doc_id") equals the value or one of a list.
        `Evidence.score` is the BM25 score, cosine or fused score; `Evidence.source` names the
        mode and each retriever's rank, e.g. "hybrid(bm25=3,dense=1)" ("-": not in its list).
        With `per_document`, results are k distinct documents, each shown by its best passage:
        each retriever's ranking is collapsed to documents before fusion (see `by_document`), and
        ranks in `source` are document ranks.
        """
        self._check_usable()
        if isinstance(queries, str):
            raise InvalidArgumentError("search_many takes a sequence of queries, not a single string")
        if mode not in SEARCH_MODES:
            raise InvalidArgumentError(f"unknown search mode {mode!r}; valid modes: {', '.join(SEARCH_MODES)}")
        if fusion not in FUSIONS:
            raise InvalidArgumentError(f"unknown fusion {fusion!r}; valid: {', '.join(FUSIONS)}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
        fusion_weights = self._weights(weights)
        queries = list(queries)
        for i, query in enumerate(queries):
            if not isinstance(query, str) or not query.strip():
                raise EmptyInputError(f"query {i} is empty" if len(queries) > 1 else "the query is empty")
        if not queries:
            return []
        allowed, substitutes = (None, {}) if filters is None else self._store.filtered_rows(filters)
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in queries]
        terms = [self._query.terms(q) for q in queries] if mode != "dense" else []
        vectors = self.embedder.encode(queries) if mode != "bm25" else None
        if per_document:
            return self._search_documents(terms, vectors, k, mode, fusion, fusion_weights, allowed, substitutes)
        depth = max(4 * k, MIN_FUSION_DEPTH) if mode == "hybrid" else k
        lexical: list[list[tuple[int, float]]] = []
        dense: list[list[tuple[int, float]]] = []
        if mode != "dense":
            lexical = self._bm25.top_many(terms, depth, allowed)
        if vectors is not None:
            dense = self._dense.top_many(vectors, depth, allowed)
        if mode == "bm25":
            hits = [[(row, score, {"bm25": rank}) for rank, (row, score) in enumerate(h, 1)] for h in lexical]
        elif mode == "dense":
            hits = [[(row, score, {"dense": rank}) for rank, (row, score) in enumerate(h, 1)] for h in dense]
        else:
            hits = [fuse(lex, den, k, fusion, fusion_weights) for lex, den in zip(lexical, dense)]
        return self._evidence([h[:k] for h in hits], mode, substitutes)

    def _search_documents(
        self,
        terms: list[QueryTerms],
        vectors: np.ndarray | None,
        k: int,
        mode: str,
        fusion: Fusion,
        weights: tuple[float, float],
        allowed: np.ndarray | None,
        substitutes: dict[int, int],
    ) -> list[list[Evidence]]:
        """k distinct documents per query: passages are taken deeper until each ranking holds k documents."""
        n = len(self._bm25) if allowed is None else len(allowed)
        depth = max(DOCUMENT_DEPTH * k, MIN_FUSION_DEPTH)
        while True:
            lexical = self._bm25.top_many(terms, depth, allowed) if mode != "dense" else []
            dense = self._dense.top_many(vectors, depth, allowed) if vectors is not None else []
            rows = {row for ranking in (*lexical, *dense) for row, _ in ranking}
            passages = self._store.passages(substitutes.get(row, row) for row in rows)
            doc_of = {row: passages[substitutes.get(row, row)].doc_id for row in rows}
            if depth >= n or by_document.enough([*lexical, *dense], doc_of, k, depth):
                break
            depth *= 4
        if mode == "bm25":
            hits = [by_document.single(h, doc_of, "bm25", k) for h in lexical]
        elif mode == "dense":
            hits = [by_document.single(h, doc_of, "dense", k) for h in dense]
        else:
            hits = [by_document.fused(lex, den, doc_of, k, fusion, weights) for lex, den in zip(lexical, dense)]
        return self._evidence(hits, mode, substitutes)

    @staticmethod
    def _weights(weights: Mapping[str, float] | None) -> tuple[float, float]:
        chosen = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = set(chosen) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise InvalidArgumentError(f"fusion weights are for 'bm25' and 'dense', not {sorted(unknown)}")
        return float(chosen.get("bm25", 0.0)), float(chosen.get("dense", 0.0))

    def _evidence(self, hits: list[list[Hit]], mode: str, substitutes: dict[int, int]) -> list[list[Evidence]]:
        wanted = {substitutes.get(row, row) for query_hits in hits for row, _, _ in query_hits}
        passages = self._store.passages(wanted)
        return [
            [
                Evidence(passage=passages[substitutes.get(row, row)], score=score, source=format_source(mode, ranks))
                for row, score, ranks in query_hits
            ]
            for query_hits in hits
        ]

    def _check_usable(self) -> None:
        if self._broken:
            raise IndexCorruptError(self._broken)


def fuse(
    lexical: list[tuple[int, float]],
    dense: list[tuple[int, float]],
    k: int,
    fusion: Fusion,
    weights: tuple[float, float],
) -> list[Hit]:
    """The top `k` of two rankings fused by `fusion`, each row with its rank in either ranking."""
    ranks: dict[int, dict[str, int | None]] = {}
    for name, hits in (("bm25", lexical), ("dense", dense)):
        for rank, (row, _) in enumerate(hits, start=1):
            ranks.setdefault(row, {"bm25": None, "dense": None})[name] = rank
    if fusion == "rrf":
        fused = rrf([[row for row, _ in lexical], [row for row, _ in dense]], k=RRF_K)
    else:
        fused = weighted_fusion([lexical, dense], weights)
    return [(row, score, ranks[row]) for row, score in fused[:k]]
