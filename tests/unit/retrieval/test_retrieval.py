"""Retrieval: passages, fusion, the hybrid BM25 + dense index (real models), document loading."""

from __future__ import annotations

import json
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from _paths import DATA

from veracity.errors import EmptyInputError, IndexNotFoundError, InputFormatError, VeracityError
from veracity.retrieval import (
    Document,
    HybridIndex,
    IndexMismatchError,
    Retriever,
    content_id,
    get_retriever,
    load_documents,
    parse_source,
    register_retriever,
    rrf,
    split_document,
    weighted_fusion,
)
from veracity.retrieval.ingest.sentences import sentence_spans
from veracity.retrieval.search.embedder import EMBEDDER_DIM, count_tokens, encode

CORPUS = DATA / "scifact_corpus_small.jsonl"
MODES = ("hybrid", "bm25", "dense")

# SciFact train claims (CC BY 4.0) whose single cited abstract is in the fixture: (claim id, text, doc id).
CLAIMS = [
    (22, "76-85% of people with severe mental disorder receive no treatment in low and middle income countries.", "6490571"),
    (30, "A breast cancer patient's capacity to metabolize tamoxifen influences treatment outcome.", "24341590"),
    (32, "A country's Vaccine Alliance (GAVI) eligibility is not indictivate of accelerated adoption of the Hub vaccine.", "12428497"),
    (34, "A deficiency of folate increases blood levels of homocysteine.", "11705328"),
    (71, "Activation of the Rac1 homolog CED-10 kills viable cells in SRGP-1 mutant Caenorhabditis elegans.", "1127562"),
    (104, "Allogeneic mechanical circulatory support is not as effective as autologous mechanical circulatory support for treating acute myocardial infarction.", "40164383"),
    (123, "Antiretroviral therapy increases rates of tuberculosis across a broad range of CD4 strata.", "4883040"),
    (152, "B cells go though plasmablast differentiation and antibody production by continuous expression of EBI2.", "15488881"),
    (159, "BRCA 1 mutation carriers' risk of breast and ovarian cancer depends on where the mutation is located.", "9394119"),
    (160, "Bacterial meningitis can be diagnosed on the basis of positive cerebrospinal fluid (CSF) cultures.", "52874170"),
    (177, "Binding of p53 to enhancer regions (p53BERs) regulates the activity of p53 transcription and cell cycle arrest through the production of p53-dependent eRNAs.", "9669099"),
    (181, "Blocking the interaction between TDP-43 and respiratory complex I proteins ND3 and ND6 prevents TDP-43-induced neuronal loss.", "16966326"),
]


@pytest.fixture(scope="module")
def corpus() -> list[Document]:
    return load_documents(CORPUS)


@pytest.fixture(scope="module")
def index(corpus: list[Document]) -> HybridIndex:
    started = time.perf_counter()
    built = HybridIndex.build(corpus)
    print(f"\nbuilt {built!r} in {time.perf_counter() - started:.1f}s")
    return built


# -- passages -------------------------------------------------------------------------------


def _check_offsets(doc: Document, passages: list) -> None:
    for i, passage in enumerate(passages):
        assert passage.id == f"{doc.id}#p{i}"
        assert passage.doc_id == doc.id
        assert doc.text[passage.start : passage.end] == passage.text
        assert passage.text == passage.text.strip()


def test_sentence_spans_keep_abbreviations_and_offsets() -> None:
    text = "Dr. Smith et al. measured 3.5 mg (see Fig. 2). Was it safe?  Yes!\n\nA new paragraph"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Dr. Smith et al. measured 3.5 mg (see Fig. 2).",
        "Was it safe?",
        "Yes!",
        "A new paragraph",
    ]


def test_split_document_windows_overlap_and_respect_offsets() -> None:
    sentences = [f"Sentence number {i} talks about topic {i} in some detail." for i in range(12)]
    doc = Document(id="doc", text="  " + "  ".join(sentences) + "\n")
    passages = split_document(doc, max_chars=200, overlap_sentences=1)
    assert len(passages) > 2
    _check_offsets(doc, passages)
    assert all(len(p.text) <= 200 for p in passages)
    for previous, current in pairwise(passages):
        assert current.start < previous.end  # overlapping windows
        last_sentence = previous.text[previous.text.rindex("Sentence") :]
        assert current.text.startswith(last_sentence)
    # every sentence is covered and the last window reaches the end of the text
    covered = " ".join(p.text for p in passages)
    assert all(sentence in covered for sentence in sentences)
    assert passages[-1].end == len(doc.text.rstrip())


def test_split_document_without_overlap_tiles_the_text() -> None:
    doc = Document(id="d", text=" ".join(f"Short sentence {i}." for i in range(30)))
    passages = split_document(doc, max_chars=80, overlap_sentences=0)
    _check_offsets(doc, passages)
    for previous, current in pairwise(passages):
        assert current.start > previous.end
        assert doc.text[previous.end : current.start].strip() == ""


def test_split_document_keeps_a_long_sentence() -> None:
    long_sentence = "This sentence " + "goes on and on " * 60 + "until it stops."
    doc = Document(id="long", text=f"A short start. {long_sentence} A short end.")
    passages = split_document(doc, max_chars=100, overlap_sentences=1)
    _check_offsets(doc, passages)
    assert long_sentence in [p.text for p in passages]
    assert passages[0].text == "A short start."
    assert passages[-1].text == "A short end."


def test_split_document_token_budget(corpus: list[Document]) -> None:
    doc = corpus[0]
    passages = split_document(doc, max_chars=None, max_tokens=96, overlap_sentences=1)
    _check_offsets(doc, passages)
    counts = count_tokens([p.text for p in passages])
    assert len(passages) > 3 and max(counts) <= 96
    overlaps = [current.start < previous.end for previous, current in pairwise(passages)]
    assert sum(overlaps) >= 2  # a shared sentence wherever the budget leaves room
    for (previous, current), overlap in zip(pairwise(passages), overlaps):
        assert overlap or doc.text[previous.end : current.start].strip() == ""  # nothing skipped
    assert passages[-1].end == len(doc.text.rstrip())
    # both budgets apply together
    both = split_document(doc, max_chars=150, max_tokens=64)
    assert all(len(p.text) <= 150 or len(sentence_spans(p.text)) == 1 for p in both)


def test_split_document_cuts_a_sentence_over_the_token_budget() -> None:
    long_sentence = "This sentence " + "goes on and on " * 60 + "until it stops."
    doc = Document(id="long", text=f"A short start. {long_sentence} A short end.")
    passages = split_document(doc, max_chars=None, max_tokens=40, overlap_sentences=0)
    _check_offsets(doc, passages)
    assert all(n <= 40 for n in count_tokens([p.text for p in passages]))
    assert " ".join(p.text for p in passages).split() == doc.text.split()  # every word, in order, once


def test_split_document_empty_and_invalid() -> None:
    assert split_document(Document(id="e", text="")) == []
    assert split_document(Document(id="w", text=" \n\t ")) == []
    with pytest.raises(VeracityError):
        split_document(Document(id="x", text="Hi."), max_chars=0)
    with pytest.raises(VeracityError):
        split_document(Document(id="x", text="Hi."), overlap_sentences=-1)
    with pytest.raises(VeracityError):
        split_document(Document(id="x", text="Hi."), max_chars=None, max_tokens=None)
    with pytest.raises(VeracityError):
        split_document(Document(id="x", text="Hi."), max_chars=None, max_tokens=0)


def test_split_scifact_corpus_offsets(corpus: list[Document]) -> None:
    for doc in corpus:
        passages = split_document(doc)
        assert passages
        _check_offsets(doc, passages)


# -- fusion ---------------------------------------------------------------------------------


def test_rrf_on_hand_made_rankings() -> None:
    fused = rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 62)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)
    assert [doc for doc, _ in fused] == ["b", "c", "a", "d"]
    assert [score for _, score in fused] == sorted(scores.values(), reverse=True)


def test_rrf_edge_cases() -> None:
    assert rrf([]) == []
    assert rrf([[], []]) == []
    # a repeated id counts once, at its best rank; ties break by best rank, then id
    assert rrf([["x", "x", "y"]], k=0) == [("x", 1.0), ("y", 1 / 3)]
    assert [doc for doc, _ in rrf([["p"], ["q"]])] == ["p", "q"]
    with pytest.raises(ValueError):
        rrf([["a"]], k=-1)
    # equal scores: the better best rank wins, then the rank in the first ranking
    assert [doc for doc, _ in rrf([["a", "b"], ["b", "a"]])] == ["a", "b"]
    assert [doc for doc, _ in rrf([[3, 1], [1, 3]])] == [3, 1]


def test_weighted_fusion_normalises_each_ranking() -> None:
    fused = weighted_fusion([[("a", 12.0), ("b", 4.0), ("c", 2.0)], [("c", 0.9), ("d", 0.7), ("a", 0.5)]], [0.5, 0.5])
    scores = dict(fused)
    assert scores["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert scores["c"] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)
    assert scores["b"] == pytest.approx(0.5 * 0.2)
    assert scores["d"] == pytest.approx(0.5 * 0.5)
    assert [doc for doc, _ in fused] == ["a", "c", "d", "b"]  # a and c tie: a has the better first-list rank
    assert weighted_fusion([[("x", 3.0)], []], [1.0, 0.0]) == [("x", 1.0)]
    with pytest.raises(ValueError):
        weighted_fusion([[("x", 1.0)]], [0.5, 0.5])
    with pytest.raises(ValueError):
        weighted_fusion([[("x", 1.0)], []], [0.0, 0.0])


# -- embedder -------------------------------------------------------------------------------


def test_encode_returns_normalised_float32() -> None:
    vectors = encode(["Folate lowers homocysteine.", "A completely different sentence about cars."])
    assert vectors.shape == (2, EMBEDDER_DIM)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encode([]).shape == (0, EMBEDDER_DIM)


# -- hybrid index ---------------------------------------------------------------------------


def test_index_shape(index: HybridIndex, corpus: list[Document]) -> None:
    assert len(index.documents) == len(corpus) == 40
    assert len(index) == len(index.passages) > len(corpus)
    assert set(index.documents) == {doc.id for doc in corpus}
    assert isinstance(index, Retriever)


@pytest.mark.parametrize("claim_id, claim, doc_id", CLAIMS[3:4])
def test_claim_finds_its_cited_abstract(index: HybridIndex, claim_id: int, claim: str, doc_id: str) -> None:
    results = index.search(claim, k=5)
    assert doc_id in [e.passage.doc_id for e in results], f"claim {claim_id}"
    sources = [parse_source(e.source) for e in results]
    assert all(mode == "hybrid" and set(ranks) == {"bm25", "dense"} for mode, ranks in sources)
    assert all(any(rank is not None for rank in ranks.values()) for _, ranks in sources)


def test_all_claims_hit_at_5_in_every_mode(index: HybridIndex) -> None:
    for mode in MODES:
        batches = index.search_many([claim for _, claim, _ in CLAIMS], k=5, mode=mode)
        hits = [doc_id in {e.passage.doc_id for e in results} for (_, _, doc_id), results in zip(CLAIMS, batches)]
        assert all(hits) if mode == "hybrid" else sum(hits) >= 10, (mode, hits)


@pytest.mark.parametrize("mode", MODES)
def test_search_results_are_sorted_and_bounded(index: HybridIndex, mode: str) -> None:
    results = index.search("homocysteine and folate deficiency", k=7, mode=mode)
    assert 0 < len(results) <= 7
    scores = [e.score for e in results]
    assert scores == sorted(scores, reverse=True)
    assert {parse_source(e.source)[0] for e in results} == {mode}
    if mode != "hybrid":
        assert [parse_source(e.source)[1][mode] for e in results] == list(range(1, len(results) + 1))
    assert len({e.passage.id for e in results}) == len(results)
    if mode == "dense":
        assert all(-1.0 <= s <= 1.0 + 1e-5 for s in scores)
    else:
        assert all(s > 0 for s in scores)


def test_search_many_matches_search(index: HybridIndex) -> None:
    queries = [claim for _, claim, _ in CLAIMS[:3]]
    for mode in MODES:
        batch = index.search_many(queries, k=5, mode=mode)
        single = [index.search(query, k=5, mode=mode) for query in queries]
        for got, want in zip(batch, single):
            assert [e.passage.id for e in got] == [e.passage.id for e in want]
            assert [e.score for e in got] == pytest.approx([e.score for e in want], abs=1e-5)
    assert index.search_many([], k=3) == []


def test_search_errors(index: HybridIndex) -> None:
    with pytest.raises(EmptyInputError):
        index.search("   ")
    with pytest.raises(EmptyInputError):
        index.search_many(["fine", ""])
    with pytest.raises(ValueError, match="hybrid, bm25, dense") as info:
        index.search("folate", mode="sparse")  # type: ignore[arg-type]
    assert isinstance(info.value, VeracityError)
    with pytest.raises(VeracityError):
        index.search("folate", k=0)


def test_bm25_with_unknown_words_returns_nothing(index: HybridIndex) -> None:
    assert index.search("zzqxv qqwxz", mode="bm25") == []
    assert index.search("the of and", mode="bm25") == []  # stopwords only
    assert len(index.search("zzqxv qqwxz", k=3, mode="hybrid")) == 3  # dense still answers


def test_small_corpus_returns_fewer_than_k() -> None:
    docs = [
        Document(id="a", text="Cats purr when they are content."),
        Document(id="b", text="The stock market fell sharply on Monday."),
    ]
    index = HybridIndex.build(docs)
    for mode in MODES:
        results = index.search("Why do cats purr?", k=10, mode=mode)
        assert 1 <= len(results) <= 2
        assert results[0].passage.doc_id == "a"


def test_default_passages_share_no_sentence_and_an_overlap_can_be_asked_for() -> None:
    text = " ".join(f"Sentence number {i} talks about topic {i} at some length to fill the passage budget." for i in range(40))
    tiled = HybridIndex.build([Document(id="d", text=text)])
    spans = sorted((p.start, p.end) for p in tiled.passages)
    assert len(spans) > 2 and all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))
    overlapping = HybridIndex.build([Document(id="d", text=text)], overlap_sentences=1)
    spans = sorted((p.start, p.end) for p in overlapping.passages)
    assert any(a_end > b_start for (_, a_end), (b_start, _) in pairwise(spans))


def test_build_from_nothing_raises() -> None:
    with pytest.raises(EmptyInputError, match="no passages to index"):
        HybridIndex.build([])
    with pytest.raises(EmptyInputError, match="no passages to index"):
        HybridIndex.build([Document(id="blank", text="  ")])
    with pytest.raises(InputFormatError, match="duplicate"):
        HybridIndex.build([Document(id="a", text="One."), Document(id="a", text="Two.")])


def test_save_load_round_trip(index: HybridIndex, tmp_path: Path) -> None:
    target = index.save(tmp_path / "idx")
    names = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    manifest = json.loads((target / "manifest.json").read_text())
    generation = manifest["generation"]
    assert manifest["files"] == {
        "store": f"store.{generation}.sqlite",
        "dense": f"dense.{generation}.faiss",
        "bm25": f"bm25.{generation}",
    }
    assert {"manifest.json", f"store.{generation}.sqlite", f"dense.{generation}.faiss"} <= names
    assert f"bm25.{generation}/rows.npy" in names
    assert not any(name.endswith((".pkl", ".pickle", ".tmp")) for name in names)
    assert manifest["format_version"] == 2
    assert manifest["embedder"] == "all-MiniLM-L6-v2"
    assert manifest["dim"] == EMBEDDER_DIM
    assert manifest["counts"] == {"documents": len(index.documents), "passages": len(index), "folded": 0}
    assert manifest["dense"]["kind"] == "flat" and manifest["dense"]["ntotal"] == len(index)
    assert manifest["created_at"] and manifest["settings"]["max_tokens"] == 128
    for npy in target.rglob("*.npy"):
        assert np.load(npy, allow_pickle=False).dtype != object

    loaded = HybridIndex.load(target)
    assert len(loaded) == len(index)
    assert loaded.passages == index.passages
    assert loaded.documents == index.documents
    queries = [claim for _, claim, _ in CLAIMS]
    for mode in MODES:
        before = index.search_many(queries, k=10, mode=mode)
        after = loaded.search_many(queries, k=10, mode=mode)
        assert before == after, mode


def test_load_missing_or_incomplete_index(index: HybridIndex, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="not found"):
        HybridIndex.load(tmp_path / "nowhere")
    target = index.save(tmp_path / "idx")
    dense = next(target.glob("dense.*.faiss"))
    dense.unlink()
    with pytest.raises(IndexNotFoundError, match=dense.name):
        HybridIndex.load(target)
    (target / "manifest.json").unlink()
    with pytest.raises(IndexNotFoundError, match="manifest.json"):
        HybridIndex.load(target)


def test_load_other_embedder_is_refused(index: HybridIndex, tmp_path: Path) -> None:
    target = index.save(tmp_path / "idx")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["embedder"] = "some-other-model"
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="some-other-model") as info:
        HybridIndex.load(target)
    assert isinstance(info.value, VeracityError)


def test_registry(index: HybridIndex, tmp_path: Path) -> None:
    target = index.save(tmp_path / "idx")
    loaded = get_retriever("hybrid", path=target)
    assert isinstance(loaded, HybridIndex) and len(loaded) == len(index)

    @register_retriever("test-fixed", replace=True)
    class Fixed:
        def __init__(self, evidence: list) -> None:
            self.evidence = evidence

        def search(self, query: str, k: int = 10) -> list:
            return self.evidence[:k]

    fixed = get_retriever("test-fixed", evidence=[])
    assert isinstance(fixed, Retriever) and fixed.search("anything") == []
    with pytest.raises(VeracityError, match="already registered"):
        register_retriever("test-fixed")(lambda: fixed)
    with pytest.raises(VeracityError, match="unknown retriever"):
        get_retriever("no-such-retriever")


# -- document loading -----------------------------------------------------------------------


def test_load_documents_from_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("Plain text. Two sentences.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.md").write_text("Intro line\n\n# The Title\n\nBody text.", encoding="utf-8")
    (tmp_path / "sub" / "plain.md").write_text("No heading here.", encoding="utf-8")
    records = [
        {"id": "x1", "text": "First record.", "title": "T1", "source": "web"},
        {"text": "No id here."},
        {"id": 7, "text": "Integer id."},
    ]
    (tmp_path / "sub" / "items.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records[:2]) + "\n\n" + json.dumps(records[2]) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "ignored.xml").write_text("<a>b</a>\n", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.txt").write_text("hidden", encoding="utf-8")

    docs = {doc.id: doc for doc in load_documents(tmp_path)}
    notes = content_id("notes", "Plain text. Two sentences.")
    page = content_id("page", "Intro line\n\n# The Title\n\nBody text.")
    plain = content_id("plain", "No heading here.")
    no_id = content_id("items", "No id here.")
    assert notes.startswith("notes-") and len(notes) == len("notes-") + 16
    assert set(docs) == {notes, page, plain, "x1", no_id, "7"}
    assert docs[notes].text == "Plain text. Two sentences."
    assert docs[notes].title == "notes" and docs[notes].metadata == {"path": "notes.txt", "format": "txt"}
    assert docs[page].title == "The Title" and docs[page].metadata["path"] == "sub/page.md"
    assert docs[plain].title == "plain"
    assert docs["x1"].title == "T1" and docs["x1"].metadata == {"source": "web"}
    assert docs[no_id].text == "No id here." and docs[no_id].title is None
    assert docs["7"].text == "Integer id."

    single = load_documents(tmp_path / "notes.txt")
    assert [doc.id for doc in single] == [notes]
    # ids are stable: unchanged content, same id; edited content, new id
    assert [doc.id for doc in load_documents(tmp_path / "notes.txt")] == [notes]
    (tmp_path / "notes.txt").write_text("Plain text. Edited.", encoding="utf-8")
    assert load_documents(tmp_path / "notes.txt")[0].id != notes


def test_load_documents_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": "broken"\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"bad\.jsonl, line 2"):
        load_documents(bad)
    bad.write_text('{"text": "ok"}\n{"title": "no text"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"line 2.*'text'"):
        load_documents(bad)
    bad.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="line 1"):
        load_documents(bad)


def test_load_documents_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="no such file"):
        load_documents(tmp_path / "missing")
    (tmp_path / "data.xml").write_text("<a/>", encoding="utf-8")
    with pytest.raises(InputFormatError, match="unsupported"):
        load_documents(tmp_path / "data.xml")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(InputFormatError, match="UTF-8"):
        load_documents(tmp_path / "latin1.txt")
    dup = tmp_path / "dups"
    dup.mkdir()
    (dup / "a.jsonl").write_text('{"id": "same", "text": "one"}\n{"id": "same", "text": "two"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match="same"):
        load_documents(dup)
    (dup / "a.jsonl").write_text('{"id": "same", "text": "one"}\n{"id": "same", "text": "one"}\n', encoding="utf-8")
    assert [doc.id for doc in load_documents(dup)] == ["same"]  # the same document twice is kept once


def test_scifact_fixture_loads(corpus: list[Document]) -> None:
    assert len(corpus) == 40
    assert all(doc.text and doc.title for doc in corpus)
    cited = {doc_id for _, _, doc_id in CLAIMS}
    assert cited <= {doc.id for doc in corpus}
