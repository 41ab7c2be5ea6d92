"""Trust-Score (Song et al., 2024): refusal detection, aggregation against hand-computed values, and
`FactChecker.check_rag` with our offline verifier on hand-written RAG cases."""

from __future__ import annotations

import pytest

from veracity.attribution.trust_score import (
    REFUSAL_PHRASES,
    TrustComponents,
    is_refusal,
    normalise_answer,
    trust_components,
    trust_score,
)
from veracity.errors import InvalidArgumentError

EIFFEL = [
    "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889.",
    "The Louvre is the world's most visited art museum, in Paris.",
]
COLOSSEUM = ["The Colosseum is an amphitheatre in Rome. Construction began under Vespasian in 72 AD."]
QUESTION = "When was the Eiffel Tower completed?"
REFUSAL = "I apologize, but I couldn't find an answer to your question in the search results."


@pytest.mark.parametrize(
    "answer",
    [
        REFUSAL,
        "I don\u2019t know.",
        "The provided documents do not contain the answer.",
        "Sorry, this cannot be answered from the context.",
        "I'm unable to answer this question with the given passages.",
        "There is no information about the tower in these documents.",
    ],
)
def test_refusals_are_detected(answer: str) -> None:
    assert is_refusal(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "The Eiffel Tower was completed in 1889 [1].",
        "The policy does not mention refunds.",  # a grounded answer, not a refusal
        "Nobody knows who built Stonehenge, but it was built in stages from 3000 BC.",
        "",
    ],
)
def test_answers_are_not_refusals(answer: str) -> None:
    assert not is_refusal(answer)


def test_phrases_are_data_in_normalised_form() -> None:
    assert all(normalise_answer(p) == " ".join(p.replace(" an ", " ").replace(" the ", " ").split()) for p in REFUSAL_PHRASES)
    assert is_refusal("It is all fine.", phrases=("all fine",)) and not is_refusal(REFUSAL, phrases=("all fine",))


def test_normalise_answer_matches_whole_words() -> None:
    assert normalise_answer("The Tower's height: 330\u2009m!") == "tower s height 330 m"
    short = trust_components("It opened in 18890.", ["Completed in 1889."], None, reference="1889")
    assert short.reference[0].in_contexts and short.reference[0].in_answer is False and short.correctness == 0.0


def _part(refused: bool, answerable: bool, correctness: float | None = None, recall: float = 0.0, precision: float = 0.0) -> TrustComponents:
    from veracity.attribution.trust_score import ReferenceFact

    fact = ReferenceFact(text="x", method="exact", in_contexts=answerable, in_answer=None if refused else bool(correctness))
    return TrustComponents(
        refused=refused, answerable=answerable, answerable_from="reference", reference=[fact],
        correctness=None if refused else correctness,
        citation_recall=None if refused else recall, citation_precision=None if refused else precision,
    )


def test_aggregate_matches_hand_computed_values() -> None:
    parts = [
        _part(False, True, 1.0, recall=1.0, precision=1.0),  # answered, answerable, correct
        _part(False, True, 0.5, recall=0.5, precision=1.0),  # answered, answerable, half correct
        _part(True, True),  # refused although answerable
        _part(True, False),  # refused, unanswerable: right
        _part(False, False, None, recall=0.0, precision=0.0),  # answered although unanswerable
    ]
    s = trust_score(parts)
    # refusing: precision 1/2, recall 1/2 -> F1 1/2; answering: precision 2/3, recall 2/3 -> F1 2/3
    assert s.refusal_f1 == pytest.approx(0.5) and s.answer_f1 == pytest.approx(2 / 3)
    assert s.grounded_refusal == pytest.approx((0.5 + 2 / 3) / 2)
    # answered: (1 + 0.5 + 0) / 3 = 0.5; answerable: (1 + 0.5 + 0) / 3 = 0.5 -> harmonic mean 0.5
    assert s.correctness_answered == pytest.approx(0.5) and s.correctness_answerable == pytest.approx(0.5)
    assert s.answer_correctness == pytest.approx(0.5)
    # citations over the 3 answered: recall 0.5, precision 2/3 -> F1 4/7
    assert s.citation_recall == pytest.approx(0.5) and s.citation_precision == pytest.approx(2 / 3)
    assert s.grounded_citation == pytest.approx(4 / 7)
    assert s.trust_score == pytest.approx(((0.5 + 2 / 3) / 2 + 0.5 + 4 / 7) / 3)
    assert s.missing == [] and s.n == 5 and s.n_refused == 2 and s.n_answerable == 3


def test_a_set_without_both_kinds_caps_grounded_refusal_at_half() -> None:
    s = trust_score([_part(False, True, 1.0, 1.0, 1.0)] * 2)
    assert s.answer_f1 == 1.0 and s.refusal_f1 == 0.0 and s.grounded_refusal == 0.5


def test_missing_components_leave_the_score_none() -> None:
    s = trust_score([trust_components("Paris is in France [1].", ["Paris is in France."], None)])
    assert s.trust_score is None and s.grounded_refusal is None and s.answer_correctness is None
    assert s.grounded_citation == 0.0 and len(s.missing) == 2
    with pytest.raises(InvalidArgumentError):
        trust_score([])
    with pytest.raises(InvalidArgumentError):
        trust_score(["not a report"])


def test_long_reference_without_a_judge_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="needs a judge"):
        trust_components("Yes.", ["ctx"], None, reference="The tower was completed in the year 1889.")
    with pytest.raises(InvalidArgumentError):
        trust_components("Yes.", ["ctx"], None, reference=[])


@pytest.fixture(scope="module")
def checker(judge):
    from veracity import FactChecker

    return FactChecker(judge=judge)


@pytest.fixture(scope="module")
def cases(checker):
    """An answerable/unanswerable pair for the same question, a refusal, and a claim-level reference."""
    return {
        "answered": checker.check_rag(QUESTION, "The Eiffel Tower was completed in 1889 [1].", EIFFEL, reference="1889"),
        "refused": checker.check_rag(QUESTION, REFUSAL, COLOSSEUM, reference="1889"),
        "ungrounded": checker.check_rag(QUESTION, "The Eiffel Tower was completed in 1889.", COLOSSEUM,
                                        reference="The Eiffel Tower was completed in 1889."),
        "partial": checker.check_rag("Where is the Eiffel Tower and when was it completed?",
                                     "The Eiffel Tower is in Paris [1]. It was completed in 1889 [1].", EIFFEL,
                                     reference="The Eiffel Tower is in Paris, France. It was completed in 1889."),
        "no_reference": checker.check_rag(QUESTION, "It was completed in 1889.", EIFFEL),
    }


def test_check_rag_components(cases) -> None:
    answered, refused, ungrounded, partial = (cases[k].trust for k in ("answered", "refused", "ungrounded", "partial"))
    assert (answered.refused, answered.answerable, answered.correctness) == (False, True, 1.0)
    assert (answered.citation_recall, answered.citation_precision) == (1.0, 1.0)
    assert refused.refused and refused.answerable is False and refused.correctness is None
    assert refused.citation_recall is None
    # the contexts hold no reference fact: unanswerable, and the uncited answer scores 0 for citations
    assert ungrounded.answerable is False and ungrounded.reference[0].method == "claim"
    assert ungrounded.reference[0].in_contexts is False and ungrounded.citation_recall == 0.0
    # two reference claims, both in the contexts; the answer never says "France"
    assert [f.in_contexts for f in partial.reference] == [True, True]
    assert [f.in_answer for f in partial.reference] == [False, True] and partial.correctness == 0.5
    nothing = cases["no_reference"].trust
    assert nothing.answerable is None and nothing.answerable_from is None and nothing.reference == []


def test_given_answerability_wins_over_the_reference(checker) -> None:
    report = checker.check_rag(QUESTION, REFUSAL, EIFFEL, answerable=True)
    assert report.trust.refused and report.trust.answerable is True and report.trust.answerable_from == "given"


def test_trust_score_over_check_rag_reports(cases) -> None:
    reports = [cases[k] for k in ("answered", "refused", "ungrounded", "partial")]
    s = trust_score(reports)
    # refusing: 1 of 1 refusals right, 1 of 2 unanswerable refused -> F1 2/3; answering: 2 of 3, 2 of 2 -> 0.8
    assert s.grounded_refusal == pytest.approx((2 / 3 + 0.8) / 2)
    # answered: (1 + 0 + 0.5) / 3; answerable: (1 + 0.5) / 2
    assert s.correctness_answered == pytest.approx(0.5) and s.correctness_answerable == pytest.approx(0.75)
    assert s.answer_correctness == pytest.approx(0.6)
    assert s.grounded_citation == pytest.approx(2 / 3)
    assert s.trust_score == pytest.approx((0.7333333333 + 0.6 + 2 / 3) / 3)
    # the report round-trips through JSON with its components
    from veracity.attribution.rag import RAGReport

    assert RAGReport.model_validate_json(reports[3].model_dump_json()).trust == reports[3].trust


def test_html_report_shows_the_components(cases) -> None:
    import re

    from veracity.reports import render_html

    def rows(report) -> dict[str, str]:
        page = render_html(report)
        return dict(re.findall(r'<tr data-metric="(trust_\w+)"><th scope="row">[^<]*</th><td class="num">([^<]*)</td>', page))

    assert rows(cases["partial"]) == {"trust_refused": "no", "trust_answerable": "yes", "trust_correctness": "0.500",
                                      "trust_citation_f1": "1.000"}
    assert rows(cases["refused"]) == {"trust_refused": "yes", "trust_answerable": "no", "trust_correctness": "—"}
    assert rows(cases["no_reference"]) == {"trust_refused": "no", "trust_answerable": "—", "trust_citation_f1": "0.000"}
    assert "trust_" not in render_html(cases["partial"].model_copy(update={"trust": None}))
