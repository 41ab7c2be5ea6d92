"""The persistent index: add/delete/reload equals a fresh build, crash safety, embedder checks,
filters, fusion, duplicate folding, approximate search. Real MiniLM vectors, memoised per text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from _paths import DATA

from veracity.errors import EmptyInputError, InputFormatError, VeracityError
from veracity.retrieval import (
    ClaimQuery,
    DenseConfig,
    Document,
    HybridIndex,
    IndexCorruptError,
    IndexMismatchError,
    load_documents,
    parse_source,
)
from veracity.retrieval import hybrid as hybrid_module
from veracity.retrieval.search.dense import DenseIndex
from veracity.retrieval.search.embedder import EMBEDDER_DIM, EMBEDDER_NAME, count_tokens, encode
from veracity.retrieval.storage.encoding import encode_resumable

CORPUS = load_documents(DATA / "scifact_corpus_small.jsonl")
QUERIES = [
    "A deficiency of folate increases blood levels of homocysteine.",
    "A breast cancer patient's capacity to metabolize tamoxifen influences treatment outcome.",
    "Antiretroviral therapy increases rates of tuberculosis across a broad range of CD4 strata.",
    "BRCA 1 mutation carriers' risk of breast and ovarian cancer depends on where the mutation is located.",
    "glioma stem cells",
]
MODES = ("bm25", "dense", "hybrid")
_MEMO: dict[str, np.ndarray] = {}


class MemoEmbedder:
    """The real MiniLM, each text encoded once per test session; counts texts it is asked for."""

    def __init__(self, name: str = EMBEDDER_NAME) -> None:
        self.name = name
        self.dim = EMBEDDER_DIM
        self.asked = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.asked += len(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in _MEMO))
        for text, vector in zip(missing, encode(missing)):
            _MEMO[text] = vector
        return np.stack([_MEMO[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return count_tokens(texts)


class SimulatedCrash(BaseException):
    """Stands for the process dying: nothing in the index code catches it."""


def _snapshot(index: HybridIndex) -> dict:
    return {
        "documents": dict(index.documents),
        "passages": index.passages,
        "results": {
            mode: [[(e.passage.id, round(e.score, 5), e.source) for e in hits] for hits in index.search_many(QUERIES, k=8, mode=mode)]
            for mode in MODES
        },
    }


def _files(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


@pytest.fixture
def embedder() -> MemoEmbedder:
    return MemoEmbedder()


# -- add / delete / reload ---------------------------------------------------------------------


def test_add_delete_reload_equals_a_fresh_build(tmp_path: Path, embedder: MemoEmbedder) -> None:
    a, b, c = CORPUS[:8], CORPUS[8:12], CORPUS[12:16]
    index = HybridIndex.create(tmp_path / "idx", a + b, embedder=embedder)
    assert index.root == tmp_path / "idx" and index.generation >= 1

    added = index.add(c)
    assert (added.added, added.replaced, added.unchanged) == (4, 0, 0) and added.passages > 0
    deleted = index.delete([d.id for d in b] + ["no-such-document"])
    assert deleted.deleted == 4
    edited = a[0].model_copy(update={"text": a[0].text + " An added closing sentence about folate."})
    assert index.add([edited]).replaced == 1
    asked = embedder.asked
    unchanged = index.add([a[1], c[0]])
    assert unchanged.unchanged == 2 and embedder.asked == asked  # nothing re-encoded

    fresh = HybridIndex.build(a[1:] + c + [edited], embedder=embedder)
    reloaded = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    want = _snapshot(fresh)
    assert _snapshot(index) == want
    assert _snapshot(reloaded) == want
    assert reloaded.documents[edited.id] == edited
    assert len(reloaded) == len(fresh) and reloaded.stats()["generation"] == index.generation
    assert _files(tmp_path / "idx") == {
        "manifest.json",
        ".lock",
        *json.loads((tmp_path / "idx" / "manifest.json").read_text())["files"].values(),
    }


def test_in_memory_index_add_delete_then_save(tmp_path: Path, embedder: MemoEmbedder) -> None:
    index = HybridIndex.build(CORPUS[:5], embedder=embedder)
    index.add(CORPUS[5:8])
    index.delete([CORPUS[0].id])
    index.save(tmp_path / "idx")
    loaded = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    assert _snapshot(loaded) == _snapshot(HybridIndex.build(CORPUS[1:8], embedder=embedder))
    # saving again over it replaces the index atomically
    HybridIndex.build(CORPUS[20:22], embedder=embedder).save(tmp_path / "idx")
    assert set(HybridIndex.load(tmp_path / "idx", embedder=embedder).documents) == {d.id for d in CORPUS[20:22]}


def test_delete_everything_then_add(tmp_path: Path, embedder: MemoEmbedder) -> None:
    index = HybridIndex.create(tmp_path / "idx", CORPUS[:2], embedder=embedder)
    index.delete([d.id for d in CORPUS[:2]])
    assert len(index) == 0 and index.search("folate") == []
    empty = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    assert len(empty) == 0 and len(empty.documents) == 0
    empty.add(CORPUS[2:3])
    assert {e.passage.doc_id for e in empty.search("vaccine adoption", k=3)} == {CORPUS[2].id}


def test_bad_changes_are_refused(embedder: MemoEmbedder) -> None:
    index = HybridIndex.build(CORPUS[:2], embedder=embedder)
    with pytest.raises(InputFormatError, match="duplicate"):
        index.add([Document(id="x", text="One."), Document(id="x", text="Two.")])
    with pytest.raises(VeracityError):
        index.delete("a-single-string")
    with pytest.raises(VeracityError):
        index.add(["not a document"])  # type: ignore[list-item]
    assert len(index.documents) == 2


# -- crash safety ------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["store", "dense", "bm25", "manifest"])
def test_crash_during_add_leaves_a_consistent_index(
    tmp_path: Path, embedder: MemoEmbedder, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    root = tmp_path / "idx"
    before = _snapshot(HybridIndex.create(root, CORPUS[:6], embedder=embedder))
    index = HybridIndex.load(root, embedder=embedder)

    def crash(at: str) -> None:
        if at == step:
            raise SimulatedCrash(at)

    monkeypatch.setattr(hybrid_module, "_after_step", crash)
    with pytest.raises(SimulatedCrash):
        index.add(CORPUS[6:10])
    monkeypatch.undo()

    recovering = MemoEmbedder()
    reloaded = HybridIndex.load(root, embedder=recovering)  # verifies store, FAISS and BM25 agree
    after = HybridIndex.build(CORPUS[:10], embedder=embedder)
    if step == "manifest":  # committed: the new index, stale files cleaned on load
        assert _snapshot(reloaded) == _snapshot(after)
    else:  # not committed: exactly the previous index
        assert _snapshot(reloaded) == before
        asked = recovering.asked
        summary = reloaded.add(CORPUS[6:10])
        assert summary.added == 4
        assert recovering.asked == asked  # encoding resumed from the cache left by the crashed add
        assert _snapshot(reloaded) == _snapshot(after)
    manifest = json.loads((root / "manifest.json").read_text())
    assert _files(root) - {".encode-cache"} == {"manifest.json", ".lock", *manifest["files"].values()}


def test_failed_add_rolls_back_in_process(tmp_path: Path, embedder: MemoEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "idx"
    index = HybridIndex.create(root, CORPUS[:4], embedder=embedder)
    before = _snapshot(index)

    def fail(at: str) -> None:
        if at == "bm25":
            raise OSError("disk full")

    monkeypatch.setattr(hybrid_module, "_after_step", fail)
    with pytest.raises(OSError, match="disk full"):
        index.add(CORPUS[4:6])
    monkeypatch.undo()
    assert _snapshot(index) == before  # the open index went back to the committed state
    index.add(CORPUS[4:6])
    assert len(index.documents) == 6


def test_resumable_encoding(tmp_path: Path) -> None:
    texts = [d.title or "" for d in CORPUS[:20]]

    class Flaky(MemoEmbedder):
        def __init__(self, fail_on_call: int | None) -> None:
            super().__init__()
            self.calls = 0
            self.fail_on_call = fail_on_call

        def encode(self, batch: Sequence[str]) -> np.ndarray:
            self.calls += 1
            if self.calls == self.fail_on_call:
                raise SimulatedCrash("interrupted")
            return super().encode(batch)

    first = Flaky(fail_on_call=3)
    with pytest.raises(SimulatedCrash):
        encode_resumable(first, texts, tmp_path / "cache", chunk=6)
    second = Flaky(fail_on_call=None)
    vectors = encode_resumable(second, texts, tmp_path / "cache", chunk=6)
    assert second.asked == 20 - 12  # the two finished chunks were not encoded again
    assert np.array_equal(vectors, MemoEmbedder().encode(texts))


# -- load checks -------------------------------------------------------------------------------


def test_embedder_mismatch_is_refused(tmp_path: Path, embedder: MemoEmbedder) -> None:
    other = MemoEmbedder(name="test-other-embedder")
    HybridIndex.build(CORPUS[:3], embedder=other).save(tmp_path / "idx")
    with pytest.raises(IndexMismatchError, match="test-other-embedder") as info:
        HybridIndex.load(tmp_path / "idx")
    assert EMBEDDER_NAME in str(info.value) and isinstance(info.value, VeracityError)
    assert len(HybridIndex.load(tmp_path / "idx", embedder=other)) > 0
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    manifest["dim"] = 768
    (tmp_path / "idx" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="768"):
        HybridIndex.load(tmp_path / "idx", embedder=other)


def test_inconsistent_parts_are_refused(tmp_path: Path, embedder: MemoEmbedder) -> None:
    root = tmp_path / "idx"
    HybridIndex.create(root, CORPUS[:3], embedder=embedder)
    manifest = json.loads((root / "manifest.json").read_text())
    with sqlite3.connect(root / manifest["files"]["store"]) as db:  # a passage lost behind the index's back
        db.execute("DELETE FROM passages WHERE row = (SELECT MAX(row) FROM passages)")
    with pytest.raises(IndexCorruptError, match="counts"):
        HybridIndex.load(root, embedder=embedder)
    other = tmp_path / "other"
    HybridIndex.create(other, CORPUS[:2], embedder=embedder)
    HybridIndex.create(root, CORPUS[:3], embedder=embedder)
    manifest = json.loads((root / "manifest.json").read_text())
    other_dense = json.loads((other / "manifest.json").read_text())["files"]["dense"]
    (root / manifest["files"]["dense"]).write_bytes((other / other_dense).read_bytes())
    with pytest.raises(IndexCorruptError, match="FAISS"):
        HybridIndex.load(root, embedder=embedder)


# -- search features ---------------------------------------------------------------------------


def test_filters_on_metadata_and_ids(embedder: MemoEmbedder) -> None:
    docs = [d.model_copy(update={"metadata": {"half": "first" if i < 5 else "second", "n": i}}) for i, d in enumerate(CORPUS[:10])]
    index = HybridIndex.build(docs, embedder=embedder)
    first = {d.id for d in docs[:5]}
    for mode in MODES:
        hits = index.search("cancer risk and treatment", k=6, mode=mode, filters={"half": "first"})
        assert hits and {e.passage.doc_id for e in hits} <= first
    picked = index.search("cancer", k=20, filters={"doc_id": [docs[1].id, docs[7].id]})
    assert {e.passage.doc_id for e in picked} <= {docs[1].id, docs[7].id} and picked
    assert {e.passage.doc_id for e in index.search("cancer", k=20, filters={"n": [2, 3]})} <= {docs[2].id, docs[3].id}
    assert index.search("cancer", filters={"half": "third"}) == []
    with pytest.raises(VeracityError):
        index.search("cancer", filters={"half": {"nested": 1}})


def test_weighted_fusion_and_ranks(embedder: MemoEmbedder) -> None:
    index = HybridIndex.build(CORPUS[:12], embedder=embedder)
    query = QUERIES[0]
    bm25 = [e.passage.id for e in index.search(query, k=5, mode="bm25")]
    only_bm25 = index.search(query, k=5, fusion="weighted", weights={"bm25": 1.0, "dense": 0.0})
    assert [e.passage.id for e in only_bm25] == bm25
    dense = [e.passage.id for e in index.search(query, k=5, mode="dense")]
    only_dense = index.search(query, k=5, fusion="weighted", weights={"dense": 1.0})
    assert [e.passage.id for e in only_dense] == dense
    for e in index.search(query, k=5, fusion="weighted"):
        mode, ranks = parse_source(e.source)
        assert mode == "hybrid" and set(ranks) == {"bm25", "dense"}
        if ranks["bm25"] is not None:
            assert bm25[ranks["bm25"] - 1] == e.passage.id if ranks["bm25"] <= 5 else True
    with pytest.raises(VeracityError, match="fusion"):
        index.search(query, fusion="max")  # type: ignore[arg-type]
    with pytest.raises(VeracityError):
        index.search(query, fusion="weighted", weights={"sparse": 1.0})


def test_claim_query_weighs_names() -> None:
    terms = ClaimQuery(name_weight=2.0, number_weight=1.0).terms("BRCA 1 carriers and TDP-43 in 76-85% of Patients")
    weights = dict(zip(terms.tokens, terms.weights))
    assert weights["brca"] == 2.0 and weights["brca1"] == 2.0
    assert weights["tdp"] == 2.0 and weights["43"] == 2.0 and weights["tdp43"] == 2.0
    assert weights["carriers"] == 1.0 and weights["76"] == 1.0 and weights["patients"] == 2.0
    assert "and" not in weights


def test_near_duplicate_passages_are_folded(embedder: MemoEmbedder) -> None:
    source = CORPUS[12]
    near = Document(id="near-copy", text=source.text.replace("deadly", "lethal", 1), title=source.title)
    exact = Document(id="exact-copy", text=source.text.upper(), title="Shouting copy")
    index = HybridIndex.build([source, near, exact, CORPUS[13]], embedder=embedder)
    stats = index.stats()
    own = len(HybridIndex.build([source], embedder=embedder))
    assert stats["folded"] == 2 * own and len(index) == own + len(HybridIndex.build([CORPUS[13]], embedder=embedder))
    hits = index.search("glioblastoma stem cells A20", k=10)
    assert {e.passage.doc_id for e in hits} <= {source.id, CORPUS[13].id}
    first = index.passages[0]
    assert {p.doc_id for p in index.duplicates(first.id)} == {"near-copy", "exact-copy"}
    # a filter on a folded copy's document shows that copy's passage
    assert {e.passage.doc_id for e in index.search("glioblastoma", k=3, filters={"doc_id": "near-copy"})} == {"near-copy"}
    # deleting the kept passages brings the copies back as passages of their own
    index.delete([source.id])
    assert _snapshot(index)["results"] == _snapshot(HybridIndex.build([near, exact, CORPUS[13]], embedder=embedder))["results"]
    assert index.stats()["folded"] == own


def test_approximate_dense_search_and_conversions(tmp_path: Path, embedder: MemoEmbedder) -> None:
    config = DenseConfig(exact_limit=60, nprobe=64)
    index = HybridIndex.build(CORPUS[:20], embedder=embedder, dense=config)
    assert index.stats()["dense"]["kind"] == "ivf"
    exact = HybridIndex.build(CORPUS[:20], embedder=embedder)
    for got, want in zip(index.search_many(QUERIES, k=5, mode="dense"), exact.search_many(QUERIES, k=5, mode="dense")):
        assert [e.passage.id for e in got] == [e.passage.id for e in want]  # nprobe covers every list
    index.save(tmp_path / "idx")
    loaded = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    assert loaded.stats()["dense"]["kind"] == "ivf" and _snapshot(loaded) == _snapshot(index)
    assert loaded.stats()["dense"]["trained_on"] == len(index)  # no retraining on the next add
    loaded.delete([d.id for d in CORPUS[3:20]])
    assert loaded.stats()["dense"]["kind"] == "flat"
    assert _snapshot(loaded)["results"] == _snapshot(HybridIndex.build(CORPUS[:3], embedder=embedder))["results"]
    assert loaded.memory_usage()["dense"] > 0


@pytest.mark.parametrize("ann", ["ivf", "hnsw"])
def test_dense_index_kinds(ann: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = np.arange(400, dtype=np.int64) * 3
    config = DenseConfig(exact_limit=100, ann=ann, nprobe=1000, ef_search=400)
    dense = DenseIndex.build(rows, vectors, config)
    flat = DenseIndex.build(rows, vectors, DenseConfig(exact_limit=10_000))
    assert dense.kind == ann and flat.kind == "flat"
    got_rows, got_vectors = dense.contents()
    assert np.array_equal(got_rows, rows) and np.allclose(got_vectors, vectors)
    queries = vectors[:10] + 0.05
    approx, truth = dense.top_many(queries, 10), flat.top_many(queries, 10)
    recall = np.mean([len({r for r, _ in a} & {r for r, _ in t}) / 10 for a, t in zip(approx, truth)])
    assert recall >= 0.95
    allowed = rows[::50]
    for hits in dense.top_many(queries, 5, allowed=allowed):
        assert len(hits) == 5 and {r for r, _ in hits} <= set(allowed.tolist())
    dense.remove(rows[:350])
    assert dense.kind == "flat" and np.array_equal(dense.rows(), rows[350:])
    dense.add(rows[:350], vectors[:350])
    assert dense.kind == ann and len(dense) == 400


def test_build_with_progress_and_cache(tmp_path: Path, embedder: MemoEmbedder, capsys: pytest.CaptureFixture) -> None:
    index = HybridIndex.build(CORPUS[:2], embedder=embedder, progress=True, cache_dir=tmp_path / "cache")
    assert "encoding" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()  # cleared once the build succeeded
    assert len(index) > 0
    with pytest.raises(EmptyInputError):
        HybridIndex.build([Document(id="blank", text=" ")], embedder=embedder)
