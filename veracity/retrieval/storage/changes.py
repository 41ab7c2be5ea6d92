"""Plan a change to an index: which documents come and go, their passages, and duplicate folding."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from veracity.errors import InputFormatError
from veracity.retrieval.errors import InvalidArgumentError
from veracity.retrieval.ingest.dedup import fingerprint, near_duplicates, normalise
from veracity.retrieval.ingest.passages import Chunker
from veracity.retrieval.storage.settings import DedupMode
from veracity.retrieval.storage.store import DocumentRow, PassageRow, Store, indexed_text, metadata_json
from veracity.types import Document


@dataclass(frozen=True)
class ChangeSummary:
    """What `build`, `add` or `delete` did: documents added, replaced (new text under a known id),
    left unchanged (identical), deleted; passages indexed and folded into duplicates."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    deleted: int = 0
    passages: int = 0
    folded: int = 0


@dataclass
class PendingPassage:
    row: int
    id: str
    doc_seq: int
    start: int
    stop: int
    text: str
    title: str | None = None
    canonical: int | None = None
    norm: str = field(init=False)
    fingerprint: int = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)
        self.fingerprint = fingerprint(self.norm, normalised=True)

    def record(self, generation: int) -> PassageRow:
        return (self.row, self.id, self.doc_seq, self.start, self.stop, self.text, self.fingerprint,
                self.canonical, generation)


@dataclass
class ChangePlan:
    documents: list[DocumentRow] = field(default_factory=list)
    deleted_seqs: list[int] = field(default_factory=list)
    removed_rows: list[int] = field(default_factory=list)  # indexed rows that leave FAISS and BM25
    retired_rows: list[int] = field(default_factory=list)  # folded rows re-inserted under new rows
    passages: list[PendingPassage] = field(default_factory=list)
    summary: ChangeSummary = field(default_factory=ChangeSummary)

    @property
    def empty(self) -> bool:
        return not self.documents and not self.deleted_seqs

    @property
    def indexed(self) -> list[PendingPassage]:
        return [p for p in self.passages if p.canonical is None]


def _unique_documents(documents: Iterable[Document]) -> dict[str, Document]:
    incoming: dict[str, Document] = {}
    for doc in documents:
        if not isinstance(doc, Document):
            raise InvalidArgumentError(f"expected Document objects, got {type(doc).__name__}")
        seen = incoming.get(doc.id)
        if seen is not None and seen != doc:
            raise InputFormatError(f"duplicate document id {doc.id!r} with different content")
        incoming.setdefault(doc.id, doc)
    return incoming


def plan_change(
    store: Store,
    chunker: Chunker,
    dedup: DedupMode,
    documents: Iterable[Document],
    delete_ids: Iterable[str],
    generation: int,
) -> ChangePlan:
    """Resolve `documents` (upserts) and `delete_ids` against the store into rows to write.

    A document whose id is live with identical content is left alone; with other content it is
    replaced. Deleting an indexed passage that others were folded into re-inserts those others
    (under new rows) so they are folded or indexed afresh.
    """
    incoming = _unique_documents(documents)
    doomed = [doc_id for doc_id in dict.fromkeys(delete_ids) if doc_id not in incoming]
    live = store.live_documents([*incoming, *doomed])
    unchanged = [doc_id for doc_id, doc in incoming.items() if doc_id in live and live[doc_id][1] == doc]
    replaced = [doc_id for doc_id in incoming if doc_id in live and doc_id not in unchanged]
    deleted = [doc_id for doc_id in doomed if doc_id in live]
    new_docs = [doc for doc_id, doc in incoming.items() if doc_id not in unchanged]
    plan = ChangePlan(deleted_seqs=[live[doc_id][0] for doc_id in [*deleted, *replaced]])
    if plan.deleted_seqs:
        plan.removed_rows = store.indexed_rows_of(plan.deleted_seqs)
    gone = set(plan.deleted_seqs)
    orphans = [o for o in store.orphans(plan.removed_rows) if o[2] not in gone] if plan.removed_rows else []
    plan.retired_rows = [o[0] for o in orphans]

    seq, row = store.next_keys()
    pending: list[PendingPassage] = []
    for _, pid, doc_seq, start, stop, text, title in orphans:
        pending.append(PendingPassage(row, pid, doc_seq, start, stop, text, title))
        row += 1
    for doc, spans in zip(new_docs, chunker.spans_many([doc.text for doc in new_docs])):
        plan.documents.append((seq, doc.id, doc.title, doc.text, metadata_json(doc.metadata), generation))
        for i, (start, stop) in enumerate(spans):
            text = doc.text[start:stop]
            pending.append(PendingPassage(row, f"{doc.id}#p{i}", seq, start, stop, text, doc.title))
            row += 1
        seq += 1
    if dedup != "off":
        _fold(store, pending, set(plan.removed_rows), near=dedup == "near")
    plan.passages = pending
    folded = sum(p.canonical is not None for p in pending)
    plan.summary = ChangeSummary(
        added=len(new_docs) - len(replaced),
        replaced=len(replaced),
        unchanged=len(unchanged),
        deleted=len(deleted),
        passages=len(pending) - folded,
        folded=folded,
    )
    return plan


def _fold(store: Store, pending: list[PendingPassage], removed: set[int], near: bool) -> None:
    """Point duplicates at the passage they repeat: equal normalised text index-wide, near within `pending`."""
    known = store.indexed_by_fingerprint([p.fingerprint for p in pending])
    first: dict[int, list[PendingPassage]] = {}
    for passage in pending:
        for row, text in known.get(passage.fingerprint, []):
            if row not in removed and normalise(text) == passage.norm:
                passage.canonical = row
                break
        else:
            for earlier in first.get(passage.fingerprint, []):
                if earlier.norm == passage.norm:
                    passage.canonical = earlier.row
                    break
            else:
                first.setdefault(passage.fingerprint, []).append(passage)
    if not near:
        return
    kept = [p for p in pending if p.canonical is None]
    for passage, duplicate_of in zip(kept, near_duplicates([p.norm for p in kept], normalised=True)):
        if duplicate_of is not None:
            passage.canonical = kept[duplicate_of].row


def check_delete_ids(doc_ids: Iterable[str] | str) -> list[str]:
    if isinstance(doc_ids, str):
        raise InvalidArgumentError("delete takes a collection of document ids, not a single string")
    ids = list(doc_ids)
    if not all(isinstance(doc_id, str) for doc_id in ids):
        raise InvalidArgumentError("document ids must be strings")
    return ids


def texts_to_encode(passages: Sequence[PendingPassage], titles: bool) -> list[str]:
    return [indexed_text(p.title, p.text) if titles else p.text for p in passages]


class StageClock:
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
