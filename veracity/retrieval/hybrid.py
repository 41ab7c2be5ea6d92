"""`HybridIndex`: BM25 + dense passage retrieval fused by RRF, saved without pickles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from veracity.errors import EmptyInputError, IndexNotFoundError, InputFormatError
from veracity.retrieval.dense import DenseIndex
from veracity.retrieval.embedder import EMBEDDER_DIM, EMBEDDER_NAME, encode
from veracity.retrieval.errors import IndexMismatchError, InvalidArgumentError
from veracity.retrieval.fusion import rrf
from veracity.retrieval.lexical import BM25_FILES, BM25Index
from veracity.retrieval.passages import split_document
from veracity.retrieval.protocol import register_retriever
from veracity.retrieval.store import read_jsonl, write_jsonl
from veracity.types import Document, Evidence, Passage

SearchMode = Literal["hybrid", "bm25", "dense"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.jsonl"
BM25_DIR = "bm25"
DENSE = "dense.faiss"
REQUIRED_FILES = (MANIFEST, DOCUMENTS, PASSAGES, DENSE, *(f"{BM25_DIR}/{name}" for name in BM25_FILES))
MIN_FUSION_DEPTH = 50


class HybridIndex:
    """Passages of a document collection, searchable by BM25, dense cosine or their RRF fusion."""

    def __init__(
        self,
        documents: dict[str, Document],
        passages: list[Passage],
        bm25: BM25Index,
        dense: DenseIndex,
        *,
        max_chars: int,
        overlap_sentences: int,
    ) -> None:
        if not len(bm25) == len(dense) == len(passages):
            raise InputFormatError(
                f"inconsistent index: {len(passages)} passages, {len(bm25)} BM25 rows, {len(dense)} dense rows"
            )
        self.documents = documents
        self.passages = passages
        self.max_chars = max_chars
        self.overlap_sentences = overlap_sentences
        self._bm25 = bm25
        self._dense = dense
        self._row_of = {passage.id: row for row, passage in enumerate(passages)}

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        max_chars: int = 600,
        overlap_sentences: int = 1,
    ) -> HybridIndex:
        """Split `documents` into passages and index them; raises EmptyInputError without passages."""
        by_id: dict[str, Document] = {}
        passages: list[Passage] = []
        for doc in documents:
            if doc.id in by_id:
                raise InputFormatError(f"duplicate document id {doc.id!r}")
            by_id[doc.id] = doc
            passages.extend(split_document(doc, max_chars=max_chars, overlap_sentences=overlap_sentences))
        if not passages:
            raise EmptyInputError("no passages to index")
        texts = [passage.text for passage in passages]
        return cls(
            by_id,
            passages,
            BM25Index.build(texts),
            DenseIndex.build(encode(texts)),
            max_chars=max_chars,
            overlap_sentences=overlap_sentences,
        )

    def __len__(self) -> int:
        return len(self.passages)

    def __repr__(self) -> str:
        return f"HybridIndex(documents={len(self.documents)}, passages={len(self.passages)})"

    def search(self, query: str, k: int = 10, mode: SearchMode = "hybrid") -> list[Evidence]:
        """The at most `k` best passages for `query`, best first (see `search_many`)."""
        return self.search_many([query], k=k, mode=mode)[0]

    def search_many(self, queries: Sequence[str], k: int = 10, mode: SearchMode = "hybrid") -> list[list[Evidence]]:
        """Search every query, embedding them in one batch.

        mode "bm25": passages with a positive BM25 score; "dense": cosine similarity; "hybrid": RRF
        of both rankings, each taken to depth max(4k, 50). `Evidence.score` is the BM25 score, the
        cosine or the fused score and `Evidence.source` the mode.
        """
        if isinstance(queries, str):
            raise InvalidArgumentError("search_many takes a sequence of queries, not a single string")
        if mode not in SEARCH_MODES:
            raise InvalidArgumentError(f"unknown search mode {mode!r}; valid modes: {', '.join(SEARCH_MODES)}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
        queries = list(queries)
        for i, query in enumerate(queries):
            if not isinstance(query, str) or not query.strip():
                raise EmptyInputError(f"query {i} is empty" if len(queries) > 1 else "the query is empty")
        if not queries:
            return []
        depth = max(4 * k, MIN_FUSION_DEPTH) if mode == "hybrid" else k
        lexical = [self._bm25.top(query, depth) for query in queries] if mode != "dense" else []
        dense = self._dense.top_many(encode(queries), depth) if mode != "bm25" else []
        if mode == "bm25":
            return [self._evidence(hits[:k], "bm25") for hits in lexical]
        if mode == "dense":
            return [self._evidence(hits[:k], "dense") for hits in dense]
        results: list[list[Evidence]] = []
        for lexical_hits, dense_hits in zip(lexical, dense):
            fused = rrf(
                [
                    [self.passages[row].id for row, _ in lexical_hits],
                    [self.passages[row].id for row, _ in dense_hits],
                ]
            )
            results.append(self._evidence([(self._row_of[pid], score) for pid, score in fused[:k]], "hybrid"))
        return results

    def _evidence(self, hits: list[tuple[int, float]], source: str) -> list[Evidence]:
        return [Evidence(passage=self.passages[row], score=score, source=source) for row, score in hits]

    def save(self, directory: str | Path) -> Path:
        """Write the index to `directory` (created if needed); the manifest is written last."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        (root / MANIFEST).unlink(missing_ok=True)
        write_jsonl(root / DOCUMENTS, self.documents.values())
        write_jsonl(root / PASSAGES, self.passages)
        self._bm25.save(root / BM25_DIR)
        self._dense.save(root / DENSE)
        manifest: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "embedder": EMBEDDER_NAME,
            "dim": EMBEDDER_DIM,
            "counts": {"documents": len(self.documents), "passages": len(self.passages)},
            "max_chars": self.max_chars,
            "overlap_sentences": self.overlap_sentences,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return root

    @classmethod
    def load(cls, directory: str | Path) -> HybridIndex:
        """Read an index written by `save`.

        Raises IndexNotFoundError for a missing or incomplete directory (naming the missing file),
        IndexMismatchError for another embedder or format version, InputFormatError if corrupt.
        """
        root = Path(directory)
        if not root.is_dir():
            raise IndexNotFoundError(f"index directory not found: {root}")
        for name in REQUIRED_FILES:
            if not (root / name).is_file():
                raise IndexNotFoundError(f"incomplete index at {root}: missing {name}")
        manifest = _read_manifest(root / MANIFEST)
        documents = read_jsonl(root / DOCUMENTS, Document)
        passages = read_jsonl(root / PASSAGES, Passage)
        counts = manifest.get("counts", {})
        if counts.get("documents") != len(documents) or counts.get("passages") != len(passages):
            raise InputFormatError(
                f"corrupt index at {root}: manifest counts {counts} but found "
                f"{len(documents)} documents and {len(passages)} passages"
            )
        try:
            bm25 = BM25Index.load(root / BM25_DIR)
            dense = DenseIndex.load(root / DENSE)
        except (OSError, ValueError, RuntimeError) as exc:
            raise InputFormatError(f"corrupt index at {root}: {exc}") from exc
        if dense.dim != EMBEDDER_DIM:
            raise IndexMismatchError(f"index at {root} holds {dense.dim}-d vectors, expected {EMBEDDER_DIM}")
        return cls(
            {doc.id: doc for doc in documents},
            passages,
            bm25,
            dense,
            max_chars=int(manifest.get("max_chars", 600)),
            overlap_sentences=int(manifest.get("overlap_sentences", 1)),
        )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFormatError(f"cannot read index manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InputFormatError(f"index manifest {path} is not a JSON object")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {path.parent} has format version {version!r}; this veracity reads version {FORMAT_VERSION}"
        )
    embedder, dim = manifest.get("embedder"), manifest.get("dim")
    if embedder != EMBEDDER_NAME or dim != EMBEDDER_DIM:
        raise IndexMismatchError(
            f"index at {path.parent} was built with embedder {embedder!r} (dim {dim}), but this veracity "
            f"embeds queries with {EMBEDDER_NAME!r} (dim {EMBEDDER_DIM}); rebuild the index"
        )
    return manifest


@register_retriever("hybrid")
def open_hybrid_index(
    path: str | Path | None = None,
    documents: Iterable[Document] | None = None,
    max_chars: int = 600,
) -> HybridIndex:
    """Registry factory: load the index saved at `path`, or build one from `documents`."""
    if documents is not None and path is None:
        return HybridIndex.build(documents, max_chars=max_chars)
    if path is not None and documents is None:
        return HybridIndex.load(path)
    raise InvalidArgumentError("the 'hybrid' retriever takes exactly one of path= or documents=")
