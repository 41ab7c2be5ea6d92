"""`HybridIndex`: BM25 + dense passage retrieval with rank fusion; persistent, incremental, crash-safe.

An index directory holds `manifest.json` (format version, embedder name and dimension, counts,
generation, file names), the SQLite store of documents and passages (`store.<g>.sqlite`), the FAISS
file (`dense.<g>.faiss`) and the BM25 folder (`bm25.<g>/`). A change (`add`, `delete`) writes
store rows tagged with the next generation, then that generation's FAISS and BM25 files, and
commits by replacing the manifest; `load` undoes store rows of an uncommitted generation, so a
crash at any point leaves the last committed index, and `load` checks that store, FAISS and BM25
agree on every indexed row.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from veracity.errors import EmptyInputError, IndexNotFoundError
from veracity.retrieval import by_document, files
from veracity.retrieval.changes import ChangePlan, ChangeSummary, check_delete_ids, plan_change, texts_to_encode
from veracity.retrieval.dense import DenseConfig, DenseIndex
from veracity.retrieval.embedder import Embedder, default_embedder
from veracity.retrieval.encoding import clear_cache, encode_resumable
from veracity.retrieval.errors import IndexCorruptError, InvalidArgumentError
from veracity.retrieval.fusion import RRF_K, format_source, rrf, weighted_fusion
from veracity.retrieval.lexical import BM25Index, QueryTerms
from veracity.retrieval.locking import locked
from veracity.retrieval.manifest import FORMAT_VERSION, MANIFEST, fsync_tree, now, read_manifest, write_manifest
from veracity.retrieval.passages import Chunker
from veracity.retrieval.protocol import register_retriever
from veracity.retrieval.query import ClaimQuery
from veracity.retrieval.settings import DedupMode, IndexSettings
from veracity.retrieval.store import Store
from veracity.types import Document, Evidence, Passage

SearchMode = Literal["hybrid", "bm25", "dense"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
Fusion = Literal["rrf", "weighted"]
FUSIONS: tuple[str, ...] = get_args(Fusion)
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 0.5, "dense": 0.5}
MIN_FUSION_DEPTH = 50
DOCUMENT_DEPTH = 10  # per_document: passages taken per wanted document before collapsing (deepened as needed)
Hit = tuple[int, float, dict[str, int | None]]  # row, score, rank per retriever
logger = logging.getLogger(__name__)


class _StageClock:
    """Wall time of the steps of a change, for the log."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def done(self, stage: str) -> None:
        now_ = time.perf_counter()
        self.stages[stage] = now_ - self._last
        self._last = now_

    def __str__(self) -> str:
        return ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in self.stages.items())


def _after_step(step: str) -> None:
    """Called after each durable step of a change ("store", "dense", "bm25", "manifest"); a fault-injection seam."""


class DocumentsView(Mapping[str, Document]):
    """The live documents of an index, read from its store, in the order they were added."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getitem__(self, doc_id: str) -> Document:
        found = self._store.live_documents([doc_id])
        if doc_id not in found:
            raise KeyError(doc_id)
        return found[doc_id][1]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._store.has_document(doc_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._store.document_ids())

    def __len__(self) -> int:
        return self._store.counts()["documents"]

    def __repr__(self) -> str:
        return f"DocumentsView({len(self)} documents)"


class HybridIndex:
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
        overlap_sentences: int = 1,
        *,
        max_tokens: int | None = 128,
        dedup: DedupMode = "near",
        titles: bool = True,
        stem: bool = False,
        dense: DenseConfig | None = None,
        embedder: Embedder | None = None,
        progress: bool = False,
        cache_dir: str | Path | None = None,
    ) -> HybridIndex:
        """Split `documents` into passages and index them in memory (`save` writes them out).

        Passages are sentence windows of at most `max_tokens` embedder tokens (and `max_chars`
        characters, if given) sharing `overlap_sentences`; duplicates are folded per `dedup`;
        with `titles`, BM25 and the embedder see each passage under its document's title; with
        `stem`, BM25 folds plural endings (`plural_stem`) of passages and queries.
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
        clock = _StageClock()
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

    # -- search -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        mode: SearchMode = "hybrid",
        *,
        fusion: Fusion = "rrf",
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
        fusion: Fusion = "rrf",
        weights: Mapping[str, float] | None = None,
        filters: Mapping[str, Any] | None = None,
        per_document: bool = False,
    ) -> list[list[Evidence]]:
        """Search every query; dense queries are embedded in one encoder call.

        mode "bm25": passages with a positive BM25 score (claim names weigh double, see
        `ClaimQuery`); "dense": cosine similarity; "hybrid": each taken to depth max(4k, 50),
        fused by reciprocal rank fusion (`fusion="rrf"`) or by `weights`-weighted min-max
        normalised scores (`fusion="weighted"`, default 0.5/0.5). `filters` keeps passages of
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
            hits = [_fuse(lex, den, k, fusion, fusion_weights) for lex, den in zip(lexical, dense)]
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
        n = len(self) if allowed is None else len(allowed)
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
            generation = max(_existing_generation(root) + 1, self.generation, 1)
            store_file = files.store_name(generation)
            tmp = root / f"{store_file}.tmp"
            tmp.unlink(missing_ok=True)
            self._store.backup(tmp)
            fsync_tree(tmp)
            os.replace(tmp, root / store_file)
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
            named = manifest["files"]
            for key in ("store", "dense", "bm25"):
                if not (root / str(named.get(key))).exists():
                    raise IndexNotFoundError(f"incomplete index at {root}: missing {named.get(key)}")
            generation = int(manifest["generation"])
            settings = IndexSettings.from_json(manifest.get("settings", {}))
            store = Store.open(root / named["store"])
            store.recover(generation)
            files.remove_stale(root, set(named.values()))
            try:
                dense = DenseIndex.load(root / named["dense"], settings.dense)
                bm25 = BM25Index.load(root / named["bm25"], stem=settings.stem)
            except (OSError, ValueError, RuntimeError) as exc:
                raise IndexCorruptError(f"corrupt index at {root}: {exc}") from exc
            _verify(root, manifest, store, dense, bm25)
        index = cls(
            store, bm25, dense, settings, embedder, root=root, generation=generation, created_at=manifest.get("created_at")
        )
        index._files = dict(named)
        return index

    def _reopen(self) -> None:
        """After a failed change, return to the last committed state on disk."""
        assert self.root is not None
        fresh = HybridIndex.load(self.root, embedder=self.embedder)
        self._store.close()
        self.__dict__.update(fresh.__dict__)


def _existing_generation(root: Path) -> int:
    try:
        return int(json.loads((root / MANIFEST).read_text(encoding="utf-8")).get("generation", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def _verify(root: Path, manifest: dict[str, Any], store: Store, dense: DenseIndex, bm25: BM25Index) -> None:
    """Refuse an index whose store, FAISS and BM25 parts disagree with each other or the manifest."""
    counts = store.counts()
    expected = {key: manifest["counts"].get(key) for key in counts}
    if counts != expected:
        raise IndexCorruptError(f"corrupt index at {root}: manifest counts {expected} but the store holds {counts}")
    if dense.dim != manifest["dim"]:
        raise IndexCorruptError(f"corrupt index at {root}: FAISS vectors have dim {dense.dim}, manifest {manifest['dim']}")
    rows = store.indexed_rows()
    if len(dense) != len(rows) or len(bm25) != len(rows):
        raise IndexCorruptError(
            f"corrupt index at {root}: {len(rows)} indexed passages in the store, "
            f"{len(dense)} FAISS vectors, {len(bm25)} BM25 rows"
        )
    if not np.array_equal(bm25.rows, rows) or not np.array_equal(dense.rows(), rows):
        raise IndexCorruptError(f"corrupt index at {root}: FAISS or BM25 rows differ from the store's passages")


def _fuse(
    lexical: list[tuple[int, float]],
    dense: list[tuple[int, float]],
    k: int,
    fusion: Fusion,
    weights: tuple[float, float],
) -> list[Hit]:
    ranks: dict[int, dict[str, int | None]] = {}
    for name, hits in (("bm25", lexical), ("dense", dense)):
        for rank, (row, _) in enumerate(hits, start=1):
            ranks.setdefault(row, {"bm25": None, "dense": None})[name] = rank
    if fusion == "rrf":
        fused = rrf([[row for row, _ in lexical], [row for row, _ in dense]], k=RRF_K)
    else:
        fused = weighted_fusion([lexical, dense], weights)
    return [(row, score, ranks[row]) for row, score in fused[:k]]


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
