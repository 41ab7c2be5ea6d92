"""Per-document search: k distinct documents, each shown by its best passage (real models)."""

from __future__ import annotations

import pytest

from veracity.retrieval import Document, HybridIndex, parse_source
from veracity.retrieval.search.by_document import collapse, fused, single

MODES = ("hybrid", "bm25", "dense")


def _long_document(i: int, topic: str) -> Document:
    sentences = [f"Sentence {j} of report {i} discusses {topic} in some detail, with finding number {j}." for j in range(12)]
    return Document(id=f"doc{i}", title=f"Report {i} on {topic}", text=" ".join(sentences))


@pytest.fixture(scope="module")
def index() -> HybridIndex:
    # Long documents split into several passages each, all about the same topic: a passage search
    # returns several passages of one document, a per-document search one passage each.
    documents = [_long_document(i, "glacier melting and sea level rise") for i in range(8)]
    documents += [_long_document(100 + i, "protein folding in yeast cells") for i in range(4)]
    built = HybridIndex.build(documents, max_tokens=48, overlap_sentences=0)
    assert len(built) > 3 * len(documents)  # several passages per document
    return built


@pytest.mark.parametrize("mode", MODES)
def test_per_document_returns_k_distinct_documents(index: HybridIndex, mode: str) -> None:
    query = "a report on glacier melting and sea level"  # every document is a "report": bm25 matches all
    passages = index.search(query, k=10, mode=mode)
    documents = index.search(query, k=10, mode=mode, per_document=True)
    assert len({e.passage.doc_id for e in passages}) < 10  # the problem: repeated documents
    assert len(documents) == 10
    assert len({e.passage.doc_id for e in documents}) == 10
    assert [e.score for e in documents] == sorted((e.score for e in documents), reverse=True)
    for evidence in documents:
        text = index.documents[evidence.passage.doc_id].text
        assert text[evidence.passage.start : evidence.passage.end] == evidence.passage.text


def test_per_document_ranks_topic_documents_first(index: HybridIndex) -> None:
    found = index.search("glacier melting raises the sea level", k=8, per_document=True)
    assert {e.passage.doc_id for e in found} == {f"doc{i}" for i in range(8)}
    mode, ranks = parse_source(found[0].source)
    assert mode == "hybrid" and set(ranks) == {"bm25", "dense"}


def test_per_document_with_fewer_documents_than_k(index: HybridIndex) -> None:
    found = index.search("protein folding in yeast", k=50, per_document=True)
    assert len(found) == len({e.passage.doc_id for e in found}) == 12


def test_per_document_respects_filters(index: HybridIndex) -> None:
    found = index.search("sea level", k=5, per_document=True, filters={"doc_id": ["doc1", "doc2", "doc101"]})
    assert {e.passage.doc_id for e in found} == {"doc1", "doc2", "doc101"}


def test_search_many_per_document_matches_search(index: HybridIndex) -> None:
    queries = ["glacier melting", "protein folding"]
    many = index.search_many(queries, k=4, per_document=True)
    assert many == [index.search(q, k=4, per_document=True) for q in queries]


def test_collapse_keeps_each_documents_best_passage() -> None:
    doc_of = {1: "a", 2: "a", 3: "b", 4: "c", 5: "b"}
    assert collapse([(2, 0.9), (1, 0.8), (5, 0.7), (3, 0.6), (4, 0.5)], doc_of) == [
        ("a", 2, 0.9),
        ("b", 5, 0.7),
        ("c", 4, 0.5),
    ]
    assert single([(2, 0.9), (1, 0.8), (5, 0.7)], doc_of, "bm25", 1) == [(2, 0.9, {"bm25": 1})]


def test_fused_documents_prefer_agreement_and_the_shared_passage() -> None:
    doc_of = {1: "a", 2: "a", 3: "b", 4: "c"}
    # "a" is first in both rankings, through different passages; passage 2 is found by both.
    lexical = [(1, 5.0), (2, 4.0), (3, 3.0)]
    dense = [(2, 0.9), (4, 0.8), (3, 0.7)]
    hits = fused(lexical, dense, doc_of, 3, "rrf", (0.5, 0.5))
    assert [row for row, _, _ in hits] == [2, 3, 4]
    assert hits[0][2] == {"bm25": 1, "dense": 1}
    assert hits[2][2] == {"bm25": None, "dense": 2}
