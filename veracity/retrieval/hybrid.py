"""`HybridIndex`: BM25 + dense passage retrieval with rank fusion; persistent, incremental, crash-safe.

An index directory holds `manifest.json` (format version, embedder name and dimension, counts,
generation, file names), the SQLite store of documents and passages (`store.<g>.sqlite`), the FAISS
file (`dense.<g>.faiss`) and the BM25 folder (`bm25.<g>/`). A change (`add`, `delete`) writes
store rows tagged with the next generation, then that generation's FAISS and BM25 files, and
commits by replacing the manifest; `load` undoes store rows of an uncommitted generation, so a
crash at any point leaves the last committed index, and `load` checks that store, FAISS and BM25
agree on every indexed row. Searching is `HybridSearch` (`hybrid_search`, the base class); writing,
opening and checking the files of a generation is `files`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import EmptyInputError, IndexNotFoundError
from veracity.retrieval.errors import InvalidArgumentError
from veracity.retrieval.ingest.passages import Chunker
from veracity.retrieval.protocol import register_retriever
from veracity.retrieval.search.dense import DenseConfig, DenseIndex
from veracity.retrieval.search.embedder import Embedder, default_embedder
from veracity.retrieval.search.hybrid_search import (
    DEFAULT_WEIGHTS,
    DOCUMENT_DEPTH,
    FUSIONS,
    MIN_FUSION_DEPTH,
    SEARCH_MODES,
    Fusion,
    Hit,
    HybridSearch,
    SearchMode,
)
from veracity.retrieval.search.lexical import BM25Index
from veracity.retrieval.search.query import ClaimQuery
from veracity.retrieval.storage import files
from veracity.retrieval.storage.changes import ChangePlan, ChangeSummary, StageClock, check_delete_ids, plan_change, texts_to_encode
from veracity.retrieval.storage.encoding import clear_cache, encode_resumable
from veracity.retrieval.storage.locking import locked
from veracity.retrieval.storage.manifest import FORMAT_VERSION, MANIFEST, now, read_manifest, write_manifest
from veracity.retrieval.storage.settings import DedupMode, IndexSettings
from veracity.retrieval.storage.store import DocumentsView, Store
from veracity.types import Document, Passage

__all__ = [  # the search names are defined in hybrid_search and re-exported here, where they were
    "DEFAULT_WEIGHTS",
    "DOCUMENT_DEPTH",
    "FUSIONS",
    "MIN_FUSION_DEPTH",
    "SEARCH_MODES",
    "DocumentsView",
    "Fusion",
    "Hit",
    "HybridIndex",
    "SearchMode",
    "open_hybrid_index",
]
logger = logging.getLogger(__name__)


def _after_step(step: str) -> None:
    """Called after each durable step of a change ("store", "dense", "bm25", "manifest"); a fault-injection seam."""


class HybridIndex(HybridSearch):
    """Passages of a document collection, searchable by BM25, dense similarity or their fusion.

    Built in memory by `build` (then `save`d), or opened from a directory by `load`/`create`; `add`
    and `delete` on an opened index commit to its directory, on an unsaved one to memory only.
    One process writes an index directory at a time (an advisory lock serialises writers).
    """

    def __init__(
        self,
        store: Store,
        bm25: BM25Index,
        dense: DenseIndex,
        settings: IndexSettings,
        embedder: Embedder,
        *,
        root: Path | None = None,
        generation: int = 0,
        created_at: str | None = None,
    ) -> None:
        self._store = store
        self._bm25 = bm25
        self._dense = dense
        self.settings = settings
        self.embedder = embedder
        self.root = root
        self.generation = generation
        self.created_at = created_at or now()
        self._query = ClaimQuery(settings.name_weight, settings.number_weight)
        self._chunker = Chunker(
            max_chars=settings.max_chars,
            max_tokens=settings.max_tokens,
            overlap_sentences=settings.overlap_sentences,
            count_tokens=embedder.count_tokens,
        )
        self._broken: str | None = None
        self._files: dict[str, str] = {}

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        max_chars: int | None = None,
        overlap_sentences: int = 0,
        *,
        max_tokens: int | None = 128,
        dedup: DedupMode = "near",
        titles: bool = True,
        stem: bool = True,
        dense: DenseConfig | None = None,
        embedder: Embedder | None = None,
        progress: bool = False,
        cache_dir: str | Path | None = None,
    ) -> HybridIndex:
        """Split `documents` into passages and index them in memory (`save` writes them out).

        Passages are sentence windows of at most `max_tokens` embedder tokens (and `max_chars`
        characters, if given) sharing `overlap_sentences` (default none: the same retrieval at 20k documents,
        a 1.3x faster build; docs/benchmarks.md); duplicates are folded per `dedup`;
        with `titles`, BM25 and the embedder see each passage under its document's title; with
        `stem` (default; chosen on held-apart claims, docs/benchmarks.md), BM25 folds plural endings
        (`plural_stem`) of passages and queries.
        Encoding shows a progress bar with `progress` and, with `cache_dir`, resumes from the
        chunks a previous interrupted build left there. Raises EmptyInputError without passages
        and InputFormatError for one id given two different documents.
        """
        settings = IndexSettings(
            max_tokens=max_tokens,
            max_chars=max_chars,
            overlap_sentences=overlap_sentences,
            dedup=dedup,
            titles=titles,
            stem=stem,
            dense=dense or DenseConfig(),
        )
        embedder = embedder or default_embedder()
        index = cls(
            Store.open(None),
            BM25Index.build([], [], stem=settings.stem),
            DenseIndex(embedder.dim, settings.dense),
            settings,
            embedder,
        )
        cache = Path(cache_dir) if cache_dir is not None else None
        index._change(documents, [], progress=progress, cache_dir=cache)
        if len(index) == 0:
            raise EmptyInputError("no passages to index")
        return index

    @classmethod
    def create(cls, directory: str | Path, documents: Iterable[Document], **options: Any) -> HybridIndex:
        """Build an index of `documents` into `directory` and open it there.

        Encoding is resumable: finished chunks are kept in `directory/.encode-cache` until the
        index is saved, so rerunning after an interruption skips them. `options` go to `build`.
        """
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        options.setdefault("cache_dir", root / files.ENCODE_CACHE)
        cls.build(documents, **options).save(root)
        return cls.load(root, embedder=options.get("embedder"))

    # -- size and contents ------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of indexed passages (folded duplicates not counted)."""
        return len(self._bm25)

    def __repr__(self) -> str:
        counts = self._store.counts()
        where = f", root={str(self.root)!r}" if self.root else ""
        return f"HybridIndex(documents={counts['documents']}, passages={counts['passages']}{where})"

    @property
    def documents(self) -> DocumentsView:
        """The live documents, by id (a read-only mapping backed by the store)."""
        return DocumentsView(self._store)

    @property
    def passages(self) -> list[Passage]:
        """Every indexed passage in index order (read from the store: O(n))."""
        return self._store.indexed_passages()

    def duplicates(self, passage_id: str) -> list[Passage]:
        """Passages folded into the indexed passage `passage_id` (empty if none or unknown)."""
        found = self._store.row_of(passage_id)
        if found is None or found[1] is not None:
            return []
        return self._store.folded_into(found[0])

    def stats(self) -> dict[str, Any]:
        """Counts, generation and the dense index's kind and parameters."""
        return {**self._store.counts(), "generation": self.generation, "dense": self._dense.describe()}

    def info(self) -> dict[str, Any]:
        """What `veracity index info` prints: where, counts, embedder, passage settings, dense index, bytes on disk."""
        settings = self.settings.to_json()
        dense = settings.pop("dense")
        described = self._dense.describe()
        on_disk = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file()) if self.root else None
        return {
            "path": str(self.root) if self.root else None,
            **self._store.counts(),
            "generation": self.generation,
            "created_at": self.created_at,
            "embedder": f"{self.embedder.name} ({self.embedder.dim}-d)",
            "settings": settings,
            "dense": {"kind": described["kind"], "vectors": described["ntotal"], "exact_limit": dense["exact_limit"]},
            "bytes_on_disk": on_disk,
        }

    def memory_usage(self) -> dict[str, int]:
        """Approximate bytes: dense vectors and ANN structure, BM25 matrix, the SQLite store
        (in memory for an unsaved index, on disk once saved), and the in-memory total."""
        dense, bm25, store = self._dense.memory_bytes(), self._bm25.memory_bytes(), self._store.size_bytes()
        in_memory = dense + bm25 + (store if self.root is None else 0)
        return {"dense": dense, "bm25": bm25, "store": store, "in_memory": in_memory}

    # -- changes ----------------------------------------------------------------------------

    def add(self, documents: Iterable[Document], *, progress: bool = False) -> ChangeSummary:
        """Add (or replace, by id) documents without rebuilding: only new passages are encoded.

        A document identical to the live one with its id is skipped. On an opened index the change
        is committed to disk before this returns; an interrupted `add` leaves the previous index.
        """
        return self._change(documents, [], progress=progress)

    def delete(self, doc_ids: Iterable[str]) -> ChangeSummary:
        """Delete documents by id (unknown ids are ignored) without re-encoding the rest."""
        return self._change([], check_delete_ids(doc_ids), progress=False)

    def _change(
        self,
        documents: Iterable[Document],
        delete_ids: Sequence[str],
        *,
        progress: bool,
        cache_dir: Path | None = None,
    ) -> ChangeSummary:
        self._check_usable()
        if self.root is None:
            return self._apply(documents, delete_ids, progress, cache_dir)
        try:
            with locked(self.root):
                return self._apply(documents, delete_ids, progress, self.root / files.ENCODE_CACHE)
        except Exception:
            self._reopen()
            raise

    def _apply(
        self, documents: Iterable[Document], delete_ids: Sequence[str], progress: bool, cache_dir: Path | None
    ) -> ChangeSummary:
        generation = self.generation + 1
        clock = StageClock()
        plan = plan_change(self._store, self._chunker, self.settings.dedup, documents, delete_ids, generation)
        clock.done("plan (split, fold)")
        if plan.empty:
            return plan.summary
        indexed = plan.indexed
        texts = texts_to_encode(indexed, self.settings.titles)
        vectors = encode_resumable(self.embedder, texts, cache_dir, progress=progress)
        clock.done("encode")
        self._write_store(plan, generation)
        clock.done("store")
        _after_step("store")
        try:
            self._dense.remove(np.asarray(plan.removed_rows, dtype=np.int64))
            self._dense.add(np.asarray([p.row for p in indexed], dtype=np.int64), vectors)
            clock.done("dense")
            rows, all_texts = self._store.indexed_texts(self.settings.titles)
            self._bm25 = BM25Index.build(all_texts, rows, stem=self.settings.stem)
            clock.done("bm25")
        except Exception as exc:
            if self.root is None:
                self._broken = f"a change failed half-way ({type(exc).__name__}: {exc}); rebuild the index"
            raise
        if self.root is not None:
            self._commit(generation)
            clock.done("commit")
        self.generation = generation
        self._store.recover(generation)
        if cache_dir is not None:
            clear_cache(cache_dir)
        clock.done("cleanup")
        logger.info("generation %d: %s; %s", generation, plan.summary, clock)
        return plan.summary

    def _write_store(self, plan: ChangePlan, generation: int) -> None:
        with self._store.transaction():
            self._store.delete_documents(plan.deleted_seqs, generation)
            self._store.delete_passages(plan.retired_rows, generation)
            self._store.insert_documents(plan.documents)
            self._store.insert_passages(p.record(generation) for p in plan.passages)

    def _commit(self, generation: int) -> None:
        """Write this generation's FAISS and BM25 files, then replace the manifest."""
        assert self.root is not None
        dense_file = files.write_dense(self.root, generation, self._dense)
        _after_step("dense")
        bm25_file = files.write_bm25(self.root, generation, self._bm25)
        _after_step("bm25")
        manifest = self._manifest(generation, self._files["store"], dense_file, bm25_file)
        write_manifest(self.root, manifest)
        self._files = manifest["files"]
        _after_step("manifest")
        files.remove_stale(self.root, set(self._files.values()))

    def _manifest(self, generation: int, store_file: str, dense_file: str, bm25_file: str) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "generation": generation,
            "created_at": self.created_at,
            "updated_at": now(),
            "counts": self._store.counts(),
            "dense": self._dense.describe(),
            "settings": {**self.settings.to_json(), "dense": self._dense.config.to_json()},
            "files": {"store": store_file, "dense": dense_file, "bm25": bm25_file},
        }

    # -- files ------------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the index to `directory` (created if needed); an index already there is replaced
        atomically (the manifest is written last). Returns the directory."""
        self._check_usable()
        root = Path(directory)
        if self.root is not None and root.resolve() == self.root.resolve():
            return root
        root.mkdir(parents=True, exist_ok=True)
        with locked(root):
            generation = max(files.existing_generation(root) + 1, self.generation, 1)
            store_file = files.write_store(root, generation, self._store)
            dense_file = files.write_dense(root, generation, self._dense)
            bm25_file = files.write_bm25(root, generation, self._bm25)
            manifest = self._manifest(generation, store_file, dense_file, bm25_file)
            write_manifest(root, manifest)
            files.remove_stale(root, set(manifest["files"].values()))
        return root

    @classmethod
    def load(cls, directory: str | Path, *, embedder: Embedder | None = None) -> HybridIndex:
        """Open the index saved in `directory`; later `add`/`delete` calls commit there.

        Undoes a change that a crash left unfinished. Raises IndexNotFoundError for a missing
        directory or file (naming it), IndexMismatchError when the index was built with another
        embedder than `embedder` (default: the bundled MiniLM) or format, and IndexCorruptError
        when the store, FAISS and BM25 files disagree.
        """
        root = Path(directory)
        embedder = embedder or default_embedder()
        if not root.is_dir():
            raise IndexNotFoundError(f"index directory not found: {root}")
        if not (root / MANIFEST).is_file():
            raise IndexNotFoundError(f"incomplete index at {root}: missing {MANIFEST}")
        with locked(root):
            manifest = read_manifest(root, embedder.name, embedder.dim)
            store, bm25, dense, settings = files.open_parts(root, manifest)
        generation = int(manifest["generation"])
        index = cls(
            store, bm25, dense, settings, embedder, root=root, generation=generation, created_at=manifest.get("created_at")
        )
        index._files = dict(manifest["files"])
        return index

    def _reopen(self) -> None:
        """After a failed change, return to the last committed state on disk."""
        assert self.root is not None
        fresh = HybridIndex.load(self.root, embedder=self.embedder)
        self._store.close()
        self.__dict__.update(fresh.__dict__)


@register_retriever("hybrid")
def open_hybrid_index(
    path: str | Path | None = None,
    documents: Iterable[Document] | None = None,
    max_chars: int | None = None,
    max_tokens: int | None = 128,
) -> HybridIndex:
    """Registry factory: load the index saved at `path`, or build one from `documents`."""
    if documents is not None and path is None:
        return HybridIndex.build(documents, max_chars=max_chars, max_tokens=max_tokens)
    if path is not None and documents is None:
        return HybridIndex.load(path)
    raise InvalidArgumentError("the 'hybrid' retriever takes exactly one of path= or documents=")
