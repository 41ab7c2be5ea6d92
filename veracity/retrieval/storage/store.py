"""SQLite store of documents and passages: the source of truth of an index, versioned by generation.

Rows carry the generation that added them and, once deleted, the generation that deleted them.
The manifest names the committed generation G: rows added after G, and deletions after G, belong
to an unfinished change and are undone by `recover(G)`; rows deleted at or before G are purged.
A passage whose `canonical` is set was folded into that (near-)duplicate passage and is not indexed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from veracity.retrieval.errors import IndexCorruptError, InvalidArgumentError
from veracity.types import Document, Passage

_CHUNK = 900  # parameters per IN (...) list, under every SQLite build's limit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, title TEXT, text TEXT NOT NULL, metadata TEXT NOT NULL,
    added INTEGER NOT NULL, deleted INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_live_id ON documents(id) WHERE deleted IS NULL;
CREATE TABLE IF NOT EXISTS passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL, doc_seq INTEGER NOT NULL, start INTEGER NOT NULL,
    stop INTEGER NOT NULL, text TEXT NOT NULL, fingerprint INTEGER NOT NULL, canonical INTEGER,
    added INTEGER NOT NULL, deleted INTEGER
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_seq);
CREATE INDEX IF NOT EXISTS passages_fingerprint ON passages(fingerprint) WHERE canonical IS NULL;
CREATE INDEX IF NOT EXISTS passages_canonical ON passages(canonical) WHERE canonical IS NOT NULL;
"""
DocumentRow = tuple[int, str, str | None, str, str, int]  # seq, id, title, text, metadata json, added
PassageRow = tuple[int, str, int, int, int, str, int, int | None, int]
# row, id, doc_seq, start, stop, text, fingerprint, canonical, added
_PASSAGE_COLUMNS = "p.row, p.id, d.id, p.text, p.start, p.stop"


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def metadata_json(metadata: Mapping[str, Any]) -> str:
    return json.dumps(metadata, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def indexed_text(title: str | None, text: str) -> str:
    """What BM25 and the embedder see for a passage shown under a document title."""
    return f"{title}\n{text}" if title else text


def _passage(record: tuple[Any, ...]) -> tuple[int, Passage]:
    row, pid, doc_id, text, start, stop = record
    return int(row), Passage(id=pid, doc_id=doc_id, text=text, start=start, end=stop)


class Store:
    """Documents and passages in one SQLite database (a file, or memory for an unsaved index)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._db.executescript(_SCHEMA)

    @classmethod
    def open(cls, path: Path | None) -> Store:
        """The store at `path` (memory for None); IndexCorruptError naming the file when it is not a database."""
        try:
            connection = sqlite3.connect(
                ":memory:" if path is None else str(path), isolation_level=None, check_same_thread=False
            )
            return cls(connection)
        except sqlite3.DatabaseError as err:
            raise IndexCorruptError(f"corrupt index store {path}: {err}") from err

    def close(self) -> None:
        self._db.close()

    def backup(self, path: Path) -> None:
        """Copy the whole database to a new file at `path`."""
        target = sqlite3.connect(str(path))
        try:
            self._db.backup(target)
        finally:
            target.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- generations ------------------------------------------------------------------------

    def recover(self, generation: int) -> bool:
        """Undo changes after `generation` and purge rows deleted by it; True if anything changed."""
        changed = 0
        with self.transaction():
            for table in ("passages", "documents"):
                changed += self._db.execute(f"DELETE FROM {table} WHERE added > ?", (generation,)).rowcount
                changed += self._db.execute(
                    f"UPDATE {table} SET deleted = NULL WHERE deleted > ?", (generation,)
                ).rowcount
                changed += self._db.execute(f"DELETE FROM {table} WHERE deleted IS NOT NULL").rowcount
        return changed > 0

    def next_keys(self) -> tuple[int, int]:
        """The next free document seq and passage row."""
        seq = self._db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM documents").fetchone()[0]
        row = self._db.execute("SELECT COALESCE(MAX(row), -1) + 1 FROM passages").fetchone()[0]
        return int(seq), int(row)

    # -- writes -----------------------------------------------------------------------------

    def insert_documents(self, rows: Iterable[DocumentRow]) -> None:
        self._db.executemany(
            "INSERT INTO documents (seq, id, title, text, metadata, added) VALUES (?, ?, ?, ?, ?, ?)", rows
        )

    def insert_passages(self, rows: Iterable[PassageRow]) -> None:
        self._db.executemany(
            "INSERT INTO passages (row, id, doc_seq, start, stop, text, fingerprint, canonical, added) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def delete_documents(self, seqs: Sequence[int], generation: int) -> None:
        """Mark documents and all their passages deleted by `generation`."""
        for part in _chunks(seqs):
            marks = _marks(len(part))
            self._db.execute(f"UPDATE documents SET deleted = ? WHERE seq IN ({marks})", (generation, *part))
            self._db.execute(
                f"UPDATE passages SET deleted = ? WHERE deleted IS NULL AND doc_seq IN ({marks})", (generation, *part)
            )

    def delete_passages(self, rows: Sequence[int], generation: int) -> None:
        for part in _chunks(rows):
            self._db.execute(
                f"UPDATE passages SET deleted = ? WHERE deleted IS NULL AND row IN ({_marks(len(part))})",
                (generation, *part),
            )

    # -- reads ------------------------------------------------------------------------------

    def live_documents(self, ids: Sequence[str]) -> dict[str, tuple[int, Document]]:
        """The live documents among `ids`: id -> (seq, document)."""
        found: dict[str, tuple[int, Document]] = {}
        for part in _chunks(list(ids)):
            for seq, doc_id, title, text, metadata in self._db.execute(
                f"SELECT seq, id, title, text, metadata FROM documents "
                f"WHERE deleted IS NULL AND id IN ({_marks(len(part))})",
                part,
            ):
                found[doc_id] = (int(seq), Document(id=doc_id, title=title, text=text, metadata=json.loads(metadata)))
        return found

    def documents(self) -> Iterator[Document]:
        """Live documents in the order they were added."""
        query = "SELECT id, title, text, metadata FROM documents WHERE deleted IS NULL ORDER BY seq"
        for doc_id, title, text, metadata in self._db.execute(query):
            yield Document(id=doc_id, title=title, text=text, metadata=json.loads(metadata))

    def document_ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM documents WHERE deleted IS NULL ORDER BY seq")]

    def has_document(self, doc_id: str) -> bool:
        query = "SELECT 1 FROM documents WHERE deleted IS NULL AND id = ?"
        return self._db.execute(query, (doc_id,)).fetchone() is not None

    def counts(self) -> dict[str, int]:
        """Live documents, indexed passages and folded (duplicate) passages."""
        documents = self._db.execute("SELECT COUNT(*) FROM documents WHERE deleted IS NULL").fetchone()[0]
        indexed, folded = self._db.execute(
            "SELECT COALESCE(SUM(canonical IS NULL), 0), COALESCE(SUM(canonical IS NOT NULL), 0) "
            "FROM passages WHERE deleted IS NULL"
        ).fetchone()
        return {"documents": int(documents), "passages": int(indexed), "folded": int(folded)}

    def indexed_rows(self) -> np.ndarray:
        """Rows of live, not folded passages, ascending."""
        query = "SELECT row FROM passages WHERE deleted IS NULL AND canonical IS NULL ORDER BY row"
        return np.fromiter((r[0] for r in self._db.execute(query)), dtype=np.int64)

    def indexed_texts(self, titles: bool) -> tuple[np.ndarray, list[str]]:
        """(rows, texts) of live, not folded passages, rows ascending; with `titles`, each text is
        prefixed by its document's title line (see `indexed_text`)."""
        text = "CASE WHEN d.title IS NULL OR d.title = '' THEN p.text ELSE d.title || char(10) || p.text END"
        query = (
            f"SELECT p.row, {text if titles else 'p.text'} FROM passages p JOIN documents d ON p.doc_seq = d.seq "
            "WHERE p.deleted IS NULL AND p.canonical IS NULL ORDER BY p.row"
        )
        records = self._db.execute(query).fetchall()
        return np.fromiter((r[0] for r in records), dtype=np.int64, count=len(records)), [r[1] for r in records]

    def indexed_rows_of(self, seqs: Sequence[int]) -> list[int]:
        """Rows of the live, not folded passages of these documents."""
        rows: list[int] = []
        for part in _chunks(seqs):
            rows.extend(
                r[0]
                for r in self._db.execute(
                    f"SELECT row FROM passages WHERE deleted IS NULL AND canonical IS NULL "
                    f"AND doc_seq IN ({_marks(len(part))})",
                    part,
                )
            )
        return rows

    def orphans(self, canonical_rows: Sequence[int]) -> list[tuple[int, str, int, int, int, str, str | None]]:
        """Live folded passages pointing at these rows: (row, id, doc_seq, start, stop, text, title), by row."""
        found: list[tuple[int, str, int, int, int, str, str | None]] = []
        for part in _chunks(canonical_rows):
            found.extend(
                self._db.execute(
                    f"SELECT p.row, p.id, p.doc_seq, p.start, p.stop, p.text, d.title "
                    f"FROM passages p JOIN documents d ON p.doc_seq = d.seq "
                    f"WHERE p.deleted IS NULL AND p.canonical IN ({_marks(len(part))})",
                    part,
                )
            )
        return sorted(found)

    def indexed_by_fingerprint(self, fingerprints: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """Live, not folded passages with these fingerprints: fingerprint -> [(row, text)] by row."""
        found: dict[int, list[tuple[int, str]]] = {}
        for part in _chunks(sorted(set(fingerprints))):
            for fp, row, text in self._db.execute(
                f"SELECT fingerprint, row, text FROM passages WHERE canonical IS NULL AND deleted IS NULL "
                f"AND fingerprint IN ({_marks(len(part))}) ORDER BY row",
                part,
            ):
                found.setdefault(int(fp), []).append((int(row), text))
        return found

    def passages(self, rows: Iterable[int]) -> dict[int, Passage]:
        """Passages by row (any that exist, live or not)."""
        found: dict[int, Passage] = {}
        for part in _chunks(sorted(set(rows))):
            for record in self._db.execute(
                f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON p.doc_seq = d.seq "
                f"WHERE p.row IN ({_marks(len(part))})",
                part,
            ):
                row, passage = _passage(record)
                found[row] = passage
        return found

    def indexed_passages(self) -> list[Passage]:
        """Live, not folded passages in row order."""
        query = (
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON p.doc_seq = d.seq "
            "WHERE p.deleted IS NULL AND p.canonical IS NULL ORDER BY p.row"
        )
        return [_passage(record)[1] for record in self._db.execute(query)]

    def row_of(self, passage_id: str) -> tuple[int, int | None] | None:
        """(row, canonical row or None) of a live passage id."""
        query = "SELECT row, canonical FROM passages WHERE deleted IS NULL AND id = ?"
        found = self._db.execute(query, (passage_id,)).fetchone()
        return None if found is None else (int(found[0]), None if found[1] is None else int(found[1]))

    def folded_into(self, row: int) -> list[Passage]:
        """Live passages folded into `row`, by row."""
        query = (
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON p.doc_seq = d.seq "
            "WHERE p.deleted IS NULL AND p.canonical = ? ORDER BY p.row"
        )
        return [_passage(record)[1] for record in self._db.execute(query, (row,))]

    def filtered_rows(self, filters: Mapping[str, Any]) -> tuple[np.ndarray, dict[int, int]]:
        """Indexed rows whose passage, or a passage folded into it, belongs to a matching document.

        `filters`: key -> value or list of values (any of them); "doc_id" matches the document id,
        other keys the document's metadata. Returns (rows ascending, {indexed row: row of a matching
        folded passage to show instead, where the indexed passage's own document does not match}).
        """
        clauses: list[str] = []
        params: list[Any] = []
        for key, value in filters.items():
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            if not values or not all(v is None or isinstance(v, (str, int, float)) for v in values):
                raise InvalidArgumentError(f"filter {key!r}: expected a string, number or bool, or a list of them")
            if not isinstance(key, str) or not key or '"' in key or "\\" in key:
                raise InvalidArgumentError(f"invalid filter key {key!r}")
            column = "d.id" if key == "doc_id" else f"json_extract(d.metadata, '$.\"{key}\"')"
            parts = []
            if any(v is None for v in values):
                parts.append(f"{column} IS NULL")
            concrete = [int(v) if isinstance(v, bool) else v for v in values if v is not None]
            if concrete:
                parts.append(f"{column} IN ({_marks(len(concrete))})")
                params.extend(concrete)
            clauses.append("(" + " OR ".join(parts) + ")")
        where = " AND ".join(clauses) or "1"
        query = (
            "SELECT p.row, p.canonical FROM passages p JOIN documents d ON p.doc_seq = d.seq "
            f"WHERE p.deleted IS NULL AND d.deleted IS NULL AND {where} ORDER BY p.row"
        )
        direct: set[int] = set()
        via: dict[int, int] = {}
        for row, canonical in self._db.execute(query, params):
            if canonical is None:
                direct.add(int(row))
            else:
                via.setdefault(int(canonical), int(row))
        substitutes = {canonical: row for canonical, row in via.items() if canonical not in direct}
        rows = np.array(sorted(direct | set(substitutes)), dtype=np.int64)
        return rows, substitutes

    def size_bytes(self) -> int:
        page_count = self._db.execute("PRAGMA page_count").fetchone()[0]
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int(page_count) * int(page_size)


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
