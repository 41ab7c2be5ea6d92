"""Inner-product search over normalised embeddings keyed by passage row: exact up to a size, then ANN.

Up to `DenseConfig.exact_limit` vectors the index is an exact `IndexFlatIP` (in an `IndexIDMap2`);
above it, an approximate index: IVF-Flat (the default: it supports removal in place) or HNSW
(rebuilt from its own stored vectors on removal). Every kind stores the float32 vectors
themselves, so conversions and rebuilds never re-encode.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from faiss.contrib.inspect_tools import get_invlist

from veracity.retrieval.errors import InvalidArgumentError

DenseKind = Literal["flat", "ivf", "hnsw"]
BRUTE_FORCE_LIMIT = 20_000  # a filter allowing at most this many rows is searched exactly


@dataclass(frozen=True)
class DenseConfig:
    """When to leave exact search and how the approximate index is built and searched.

    Chosen with `benchmarks/retrieval_scale.py` (MiniLM vectors of real sentences, recall@10
    against exact search, 2 CPU cores; figures in docs/benchmarks.md): at 100k vectors IVF
    (nlist 316, nprobe 64) reached recall 1.000 at ~0.8 ms and built in 0.5 s, while HNSW (M 32,
    efSearch 128) reached 0.995, built in 6.8 s and cannot remove vectors in place; at 1M, IVF
    (nlist 1000, nprobe 64) gave 0.996 where exact search takes ~50 ms. Below `exact_limit`
    (100k) exact search costs <= ~5 ms.
    """

    exact_limit: int = 100_000
    ann: Literal["ivf", "hnsw"] = "ivf"
    nprobe: int = 64
    hnsw_m: int = 32
    ef_construction: int = 64
    ef_search: int = 96
    retrain_growth: float = 4.0  # retrain IVF when it grows this much beyond its training size
    trained_on: int = 0

    def __post_init__(self) -> None:
        if self.exact_limit < 0:
            raise InvalidArgumentError(f"exact_limit must be >= 0, got {self.exact_limit}")
        if self.ann not in ("ivf", "hnsw"):
            raise InvalidArgumentError(f"ann must be 'ivf' or 'hnsw', got {self.ann!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DenseConfig:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


def ivf_lists(n: int) -> int:
    """Number of IVF lists for n vectors: about sqrt(n), with >= 39 training points per list."""
    return max(1, min(round(math.sqrt(n)), n // 39, 4096))


class DenseIndex:
    """A FAISS index of L2-normalised vectors whose ids are passage rows."""

    def __init__(self, dim: int, config: DenseConfig | None = None, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self.config = config or DenseConfig()
        self._index = index if index is not None else self._flat()

    # -- construction -----------------------------------------------------------------------

    def _flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _build(self, kind: DenseKind, rows: np.ndarray, vectors: np.ndarray) -> None:
        if kind == "flat":
            index = self._flat()
        elif kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(self.dim, self.config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = self.config.ef_construction
            hnsw.hnsw.efSearch = self.config.ef_search
            index = faiss.IndexIDMap2(hnsw)
        else:
            nlist = ivf_lists(len(rows))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
            sample = vectors
            if len(vectors) > 64 * nlist:
                picked = np.random.default_rng(len(rows)).choice(len(vectors), 64 * nlist, replace=False)
                sample = vectors[np.sort(picked)]
            index.train(np.ascontiguousarray(sample))
            index.nprobe = min(self.config.nprobe, nlist)
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
            self.config = replace(self.config, trained_on=len(rows))
        if len(rows):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(rows, dtype=np.int64))
        self._index = index

    @classmethod
    def build(cls, rows: np.ndarray, vectors: np.ndarray, config: DenseConfig | None = None) -> DenseIndex:
        """Index `vectors` (n, dim) under ids `rows`, exactly or approximately by size."""
        index = cls(vectors.shape[1], config)
        index._build(index._kind_for(len(rows)), np.asarray(rows, dtype=np.int64), vectors)
        return index

    def _kind_for(self, n: int) -> DenseKind:
        return "flat" if n <= self.config.exact_limit else self.config.ann

    # -- properties -------------------------------------------------------------------------

    @property
    def kind(self) -> DenseKind:
        if isinstance(self._index, faiss.IndexIVFFlat):
            return "ivf"
        inner = faiss.downcast_index(self._index.index)
        return "hnsw" if isinstance(inner, faiss.IndexHNSWFlat) else "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def describe(self) -> dict[str, Any]:
        """Kind, size and search parameters, for the manifest and reports."""
        info: dict[str, Any] = {"kind": self.kind, "ntotal": len(self), **self.config.to_json()}
        if self.kind == "ivf":
            info["nlist"] = int(self._index.nlist)
        return info

    def memory_bytes(self) -> int:
        """Approximate bytes held: vectors, ids and the ANN structure."""
        n, d = len(self), self.dim
        total = n * (4 * d + 16)
        if self.kind == "ivf":
            total += int(self._index.nlist) * 4 * d + n * 16
        elif self.kind == "hnsw":
            total += n * self.config.hnsw_m * 2 * 4 + n * 16
        return total

    # -- contents ---------------------------------------------------------------------------

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """All (rows, vectors), rows ascending."""
        if self.kind == "ivf":
            invlists = self._index.invlists
            ids, codes = [], []
            for list_no in range(invlists.nlist):
                list_ids, list_codes = get_invlist(invlists, list_no)
                ids.append(np.asarray(list_ids, dtype=np.int64))
                codes.append(np.asarray(list_codes).view(np.float32).reshape(-1, self.dim))
            rows = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
            vectors = np.concatenate(codes) if codes else np.zeros((0, self.dim), dtype=np.float32)
        else:
            rows = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            inner = faiss.downcast_index(self._index.index)
            vectors = inner.reconstruct_n(0, inner.ntotal) if inner.ntotal else np.zeros((0, self.dim), np.float32)
        order = np.argsort(rows, kind="stable")
        return rows[order], np.ascontiguousarray(vectors[order])

    def rows(self) -> np.ndarray:
        """All ids, ascending."""
        if self.kind == "ivf":
            invlists = self._index.invlists
            parts = [np.asarray(get_invlist(invlists, i)[0], dtype=np.int64) for i in range(invlists.nlist)]
            rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        else:
            rows = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        return np.sort(rows)

    # -- updates ----------------------------------------------------------------------------

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids; converts to the kind its new size calls for."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(rows) == 0:
            return
        target = self._kind_for(len(self) + len(rows))
        stale = self.kind == "ivf" and len(self) + len(rows) > self.config.retrain_growth * max(1, self.config.trained_on)
        if target != self.kind or stale:
            old_rows, old_vectors = self.contents()
            self._build(target, np.concatenate([old_rows, rows]), np.concatenate([old_vectors, vectors]))
        else:
            self._index.add_with_ids(vectors, rows)

    def remove(self, rows: np.ndarray) -> None:
        """Remove ids (unknown ones are ignored); converts to exact search when small enough."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return
        if self.kind == "hnsw" or self._kind_for(len(self) - len(rows)) != self.kind:
            old_rows, old_vectors = self.contents()
            keep = ~np.isin(old_rows, rows)
            self._build(self._kind_for(int(keep.sum())), old_rows[keep], old_vectors[keep])
        else:
            self._index.remove_ids(faiss.IDSelectorBatch(rows))

    # -- search -----------------------------------------------------------------------------

    def top_many(
        self, queries: np.ndarray, depth: int, allowed: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """For each query vector, the at most `depth` best rows and their inner product, best first.

        `allowed`: an array of indexed rows to restrict the search to; small sets are searched exactly.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        limit = len(self) if allowed is None else min(len(self), len(allowed))
        depth = min(depth, limit)
        if depth < 1:
            return [[] for _ in range(len(queries))]
        if allowed is not None and len(allowed) <= BRUTE_FORCE_LIMIT:
            return self._exact_among(queries, depth, np.asarray(allowed, dtype=np.int64))
        params = None
        if allowed is not None:
            params = self._filtered_params(np.asarray(allowed, dtype=np.int64))
        scores, rows = self._index.search(queries, depth, params=params)
        return [
            [(int(row), float(score)) for row, score in zip(row_ids, row_scores) if row >= 0]
            for row_ids, row_scores in zip(rows, scores)
        ]

    def _filtered_params(self, allowed: np.ndarray) -> faiss.SearchParameters:
        selector = faiss.IDSelectorBatch(allowed)
        share = max(len(allowed) / max(1, len(self)), 1e-9)
        if self.kind == "ivf":
            nlist = int(self._index.nlist)
            return faiss.SearchParametersIVF(sel=selector, nprobe=min(nlist, math.ceil(self._index.nprobe / share)))
        ef = min(len(self), math.ceil(self.config.ef_search / share), 4096)
        return faiss.SearchParametersHNSW(sel=selector, efSearch=max(ef, self.config.ef_search))

    def _exact_among(self, queries: np.ndarray, depth: int, allowed: np.ndarray) -> list[list[tuple[int, float]]]:
        vectors = self._index.reconstruct_batch(allowed)
        scores = queries @ vectors.T
        results = []
        for row_scores in scores:
            best = np.lexsort((allowed, -row_scores))[:depth]
            results.append([(int(allowed[i]), float(row_scores[i])) for i in best])
        return results

    # -- files ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, config: DenseConfig) -> DenseIndex:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexIVFFlat):
            index.nprobe = min(config.nprobe, int(index.nlist))
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        elif isinstance(index, faiss.IndexIDMap2):
            inner = faiss.downcast_index(index.index)
            if isinstance(inner, faiss.IndexHNSWFlat):
                inner.hnsw.efSearch = config.ef_search
        else:
            raise ValueError(f"unexpected FAISS index type {type(index).__name__} in {path}")
        return cls(int(index.d), config, index)
