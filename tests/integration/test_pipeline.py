"""The FactChecker end to end: real claim extraction, retrieval and verifier."""

from __future__ import annotations

import pytest

from _paths import DATA

from veracity import FactChecker
from veracity.errors import EmptyInputError, VeracityError
from veracity.types import Document

CONTEXTS = [
    "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on radioactivity. "
    "She was the first woman to win a Nobel Prize.",
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
]


@pytest.fixture(scope="module")
def checker(judge):
    return FactChecker(judge=judge)


def test_check_against_contexts(checker):
    text = "Marie Curie did pioneering research on radioactivity. The Eiffel Tower was completed in 1889. Hi there!"
    report = checker.check(text, contexts=CONTEXTS)
    assert [r.claim.text for r in report.results][:2] == [
        "Marie Curie did pioneering research on radioactivity.",
        "The Eiffel Tower was completed in 1889.",
    ]
    assert len(report.results) == 2, "the greeting is not a claim"
    for result in report.results:
        assert result.verdict.label == "supported"
        assert text[result.claim.start : result.claim.end] in text
        assert result.verdict.evidence and result.verdict.evidence[0].source == "context"
    assert report.summary.counts["supported"] == 2 and report.summary.factual_precision == 1.0


def test_check_against_an_index(judge, scifact_documents):
    from veracity.retrieval import HybridIndex

    index = HybridIndex.build(scifact_documents[:20])
    checker = FactChecker(index=index, judge=judge, k=3)
    first = scifact_documents[0]
    sentence = first.text.split(". ")[1].strip().rstrip(".") + "."
    report = checker.check(sentence)
    assert report.results, "a real abstract sentence yields claims"
    top = report.results[0].verdict.evidence
    assert top and all(e.passage.doc_id in {d.id for d in scifact_documents[:20]} for e in top)


def test_check_many_matches_check(checker):
    texts = ["The Eiffel Tower was completed in 1889.", "Marie Curie was a chemist."]
    batched = checker.check_many(texts, [CONTEXTS, CONTEXTS])
    single = [checker.check(t, contexts=CONTEXTS) for t in texts]
    # the same but for when each report was made
    assert [r.model_dump(exclude={"provenance": {"created_at"}}) for r in batched] == [r.model_dump(exclude={"provenance": {"created_at"}}) for r in single]


def test_empty_text_is_an_error(checker):
    with pytest.raises(EmptyInputError):
        checker.check("   ", contexts=CONTEXTS)


def test_no_evidence_source_is_an_error(checker):
    with pytest.raises(VeracityError, match="no evidence"):
        checker.check("The Eiffel Tower was completed in 1889.")


def test_text_without_claims_gives_an_empty_report(checker):
    report = checker.check("Hello! How are you?", contexts=CONTEXTS)
    assert report.results == [] and report.summary.factual_precision is None


def test_documents_are_accepted_as_contexts(checker):
    report = checker.check("The Eiffel Tower was completed in 1889.", contexts=[Document(id="eiffel", text=CONTEXTS[1])])
    assert report.results[0].verdict.evidence[0].passage.doc_id == "eiffel"


def test_knowledge_graph_decides_or_passes_evidence(judge):
    """Real FB13 triples: the graph decides what it can, the verifier reads its triples for the rest."""
    from veracity.retrieval.kg import load_fb13

    kg = load_fb13(DATA / "kg" / "fb13", files=("dev.tsv",))
    checker = FactChecker(kg=kg, judge=judge)
    report = checker.check(
        "River Phoenix died of a heroin overdose. Eliot Ness died of oral cancer. Eliot Ness enjoyed jazz music."
    )
    supported, refuted, open_claim = (r.verdict for r in report.results)
    assert supported.label == "supported" and supported.reason.startswith("decided by the knowledge graph")
    assert refuted.label == "refuted" and "Myocardial Infarction" in refuted.reason
    assert all(e.source == "kg" for e in supported.evidence + refuted.evidence)
    assert not (open_claim.reason or "").startswith("decided by the knowledge graph"), "the verifier decides this one"
    assert open_claim.evidence and open_claim.evidence[0].source == "kg"
