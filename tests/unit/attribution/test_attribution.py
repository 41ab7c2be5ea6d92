"""Citation parsing, ALCE citation scores, evidence spans and answer-level metrics."""

from __future__ import annotations

import math

import pytest

from _paths import REPO

from veracity.attribution import (
    AnswerMetrics,
    CitationScores,
    answer_metrics,
    attribution_score,
    citation_scores,
    evidence_span,
    parse_citations,
)
from veracity.errors import EmptyInputError, InputFormatError
from veracity.judges.nli import NLIScores
from veracity.types import Claim, ClaimResult, Document, Passage, Report, Verdict

DEFAULT_MODEL = REPO / "veracity" / "verifier" / "models" / "default"

# ------------------------------------------------------------------------------------ parsing


def one(answer: str, ids: list[str] | int = 3):
    sentences = parse_citations(answer, ids)
    assert len(sentences) == 1, sentences
    return sentences[0]


@pytest.mark.parametrize(
    ("answer", "citations", "markers"),
    [
        ("Paris is the capital of France [1].", [0], ["[1]"]),
        ("Paris is the capital of France [1, 2].", [0, 1], ["[1, 2]"]),
        ("Paris is the capital of France [1;3].", [0, 2], ["[1;3]"]),
        ("Paris is the capital of France [1][3].", [0, 2], ["[1]", "[3]"]),
        ("Paris is the capital of France [1-3].", [0, 1, 2], ["[1-3]"]),
        ("Paris is the capital of France [3][1].", [2, 0], ["[3]", "[1]"]),
        ("Paris is the capital of France [1][1].", [0], ["[1]", "[1]"]),
    ],
)
def test_numeric_marker_styles(answer: str, citations: list[int], markers: list[str]) -> None:
    sentence = one(answer)
    assert sentence.citations == citations
    assert sentence.markers == markers
    assert sentence.out_of_range == []
    assert sentence.text == "Paris is the capital of France."
    assert (sentence.start, sentence.end) == (0, len(answer))


def test_named_ids_match_the_supplied_passage_ids() -> None:
    sentence = one("The tower opened in 1889 [doc-7][a1].", ["a1", "doc-7"])
    assert sentence.citations == [1, 0]
    assert sentence.markers == ["[doc-7]", "[a1]"]
    assert sentence.text == "The tower opened in 1889."


def test_named_id_is_out_of_range_when_only_a_count_is_given() -> None:
    sentence = one("The tower opened in 1889 [doc-7].", 3)
    assert sentence.citations == []
    assert sentence.out_of_range == ["doc-7"]


@pytest.mark.parametrize(
    ("marker", "citations", "bad"),
    [("[4]", [], ["4"]), ("[0]", [], ["0"]), ("[2-5]", [1, 2], ["2-5"]), ("[doc-9]", [], ["doc-9"]), ("[1, 7]", [0], ["7"])],
)
def test_out_of_range_ids_are_reported(marker: str, citations: list[int], bad: list[str]) -> None:
    sentence = one(f"The tower opened in 1889 {marker}.", ["p1", "p2", "p3"])
    assert sentence.citations == citations
    assert sentence.out_of_range == bad
    assert sentence.text == "The tower opened in 1889."


def test_markers_after_the_period_belong_to_the_sentence_before() -> None:
    answer = "The tower was finished in 1889.[1] It is in Paris [2]."
    first, second = parse_citations(answer, 3)
    assert answer[first.start : first.end] == "The tower was finished in 1889.[1]"
    assert (first.text, first.citations) == ("The tower was finished in 1889.", [0])
    assert answer[second.start : second.end] == "It is in Paris [2]."
    assert (second.text, second.citations) == ("It is in Paris.", [1])


def test_markers_after_the_period_and_a_space_or_on_their_own_line() -> None:
    first, second = parse_citations("Built in 1889. [1][2] Designed by Eiffel.\n[3]", 3)
    assert (first.text, first.citations) == ("Built in 1889.", [0, 1])
    assert (second.text, second.citations, second.markers) == ("Designed by Eiffel.", [2], ["[3]"])


def test_markers_mid_sentence() -> None:
    sentence = one("Paris [1] is the capital of France,[2] and its largest city [3].")
    assert sentence.citations == [0, 1, 2]
    assert sentence.text == "Paris is the capital of France, and its largest city."


def test_brackets_that_are_not_markers_stay_in_the_text() -> None:
    sentence = one("He wrote [sic] that it was [citation needed] true [1].")
    assert sentence.markers == ["[1]"]
    assert sentence.text == "He wrote [sic] that it was [citation needed] true."


def test_sentence_splitting_keeps_abbreviations_decimals_and_spans() -> None:
    answer = "Dr. Smith paid 3.5 dollars, e.g. for bread [1]. He met J. R. R. Tolkien in the U.S. once. Why?\n- A list item [2]"
    sentences = parse_citations(answer, 3)
    assert [s.text for s in sentences] == [
        "Dr. Smith paid 3.5 dollars, e.g. for bread.",
        "He met J. R. R. Tolkien in the U.S. once.",
        "Why?",
        "- A list item",
    ]
    assert [s.citations for s in sentences] == [[0], [], [], [1]]
    for s in sentences:
        assert answer[s.start : s.end].strip() == answer[s.start : s.end]


def test_empty_answer_has_no_sentences() -> None:
    assert parse_citations("   ", 3) == []


# ------------------------------------------------------------------------ ALCE citation scores

KEYWORDS = ("alpha", "beta", "gamma", "delta")
PASSAGES = list(KEYWORDS)  # passage [n] holds the n-th keyword


def keyword_entails(premise: str, hypothesis: str) -> bool:
    """Entailed iff the hypothesis names at least one keyword and the premise holds every one it names."""
    needed = [k for k in KEYWORDS if k in hypothesis]
    return bool(needed) and all(k in premise for k in needed)


ANSWER = " ".join(
    [
        "One needs alpha [1].",  # single citation, supported
        "Two needs beta [1].",  # single citation, unsupported
        "Three needs alpha [1][2].",  # supported; [2] is redundant (irrelevant)
        "Four needs alpha and beta [1][2].",  # supported; each citation needed
        "Five has no citation at all.",  # no citation: 0, citation needed
        "Six needs alpha [1][9].",  # out of range: 0, citations not counted
        "Seven needs gamma [1][2][3][4].",  # only [1][2][3] counted: supported, only [3] relevant
        "Eight needs delta [1][2][3][4].",  # [4] dropped by at_most_citations: unsupported
    ]
)


def test_alce_scores_every_branch() -> None:
    scores = citation_scores(ANSWER, PASSAGES, entails=keyword_entails)
    assert isinstance(scores, CitationScores)
    detail = [(s.status, s.supported, s.counted, s.relevant) for s in scores.sentences]
    assert detail == [
        ("supported", True, [0], [True]),
        ("unsupported", False, [0], [False]),
        ("supported", True, [0, 1], [True, False]),
        ("supported", True, [0, 1], [True, True]),
        ("no_citation", False, [], []),
        ("out_of_range", False, [], []),
        ("supported", True, [0, 1, 2], [False, False, True]),
        ("unsupported", False, [0, 1, 2], [False, False, False]),
    ]
    assert (scores.n_sentences, scores.n_supported, scores.n_citations, scores.n_relevant) == (8, 4, 12, 5)
    assert scores.recall == pytest.approx(4 / 8)
    assert scores.precision == pytest.approx(5 / 12)
    assert [s.sentence.text for s in scores.citation_needed] == ["Five has no citation at all."]


def test_alce_without_a_citation_limit() -> None:
    scores = citation_scores(ANSWER, PASSAGES, entails=keyword_entails, at_most_citations=None)
    assert scores.sentences[6].relevant == [False, False, True, False]
    assert (scores.sentences[7].supported, scores.sentences[7].relevant) == (True, [False, False, False, True])
    assert scores.recall == pytest.approx(5 / 8)
    assert scores.precision == pytest.approx(6 / 14)


def test_no_citations_at_all_gives_precision_zero() -> None:
    scores = citation_scores("Alpha is a letter. So is beta.", PASSAGES, entails=keyword_entails)
    assert (scores.recall, scores.precision, scores.n_citations) == (0.0, 0.0, 0)
    assert len(scores.citation_needed) == 2


def test_repeated_citation_is_counted_twice_as_in_alce() -> None:
    scores = citation_scores("It needs alpha [1][1].", PASSAGES, entails=keyword_entails)
    sentence = scores.sentences[0]
    assert sentence.sentence.citations == [0]
    assert (sentence.counted, sentence.relevant) == ([0, 0], [True, True])
    assert (scores.recall, scores.precision) == (1.0, 1.0)


def test_premises_are_formatted_and_joined_as_in_alce() -> None:
    calls: list[tuple[str, str]] = []

    def entails(premise: str, hypothesis: str) -> bool:
        calls.append((premise, hypothesis))
        return False

    passages = [
        Document(id="d1", title="Eiffel Tower", text="Built in 1889."),
        {"id": "doc-7", "title": "Paris", "text": "Capital of France."},
        Passage(id="p3", doc_id="d3", text="Untitled text.", start=0, end=14),
        "Plain text.",
    ]
    citation_scores("The tower is in Paris [1][doc-7].", passages, entails=entails)
    assert calls == [("Title: Eiffel Tower\nBuilt in 1889.\nTitle: Paris\nCapital of France.", "The tower is in Paris.")]


def test_citation_needed_skips_questions_fillers_and_short_fragments() -> None:
    answer = "Is alpha a letter? I hope this helps. Thanks! The tower is 330 metres tall."
    scores = citation_scores(answer, PASSAGES, entails=keyword_entails)
    assert [s.sentence.text for s in scores.citation_needed] == ["The tower is 330 metres tall."]


def test_bad_inputs_are_clear_errors() -> None:
    with pytest.raises(EmptyInputError):
        citation_scores("  ", PASSAGES, entails=keyword_entails)
    with pytest.raises(InputFormatError):
        citation_scores("It needs alpha [1].", [42], entails=keyword_entails)  # type: ignore[list-item]
    with pytest.raises(ValueError):
        citation_scores("It needs alpha [1].", PASSAGES, entails=keyword_entails, at_most_citations=0)


@pytest.mark.skipif(not (DEFAULT_MODEL / "config.json").exists(), reason="packaged verifier not present")
def test_default_entails_runs_our_verifier() -> None:
    answer = "The Eiffel Tower is in Paris [1]. It was completed in 1889 [2]."
    passages = ["The Eiffel Tower is a landmark in Paris, France.", "The tower was completed in 1889."]
    scores = citation_scores(answer, passages)
    assert 0.0 <= scores.recall <= 1.0
    assert 0.0 <= scores.precision <= 1.0
    assert scores.n_citations == 2


# ------------------------------------------------------------------------------ evidence spans

PASSAGE_TEXT = "Paris is in France. The Eiffel Tower was completed in 1889. It is made of iron."


def test_evidence_span_by_word_overlap() -> None:
    start, end = evidence_span("The Eiffel Tower was finished in 1889.", PASSAGE_TEXT)
    assert PASSAGE_TEXT[start:end] == "The Eiffel Tower was completed in 1889."


def test_evidence_span_of_a_passage_indexes_its_document() -> None:
    passage = Passage(id="p", doc_id="d", text=PASSAGE_TEXT, start=100, end=100 + len(PASSAGE_TEXT))
    start, end = evidence_span("The tower is made of iron.", passage)
    assert (start - 100, end - 100) == (PASSAGE_TEXT.index("It is made"), len(PASSAGE_TEXT))


class FakeJudge:
    """Entailment 0.9 for sentences mentioning iron, contradiction 0.8 for those mentioning France."""

    def predict(self, premises: list[str], hypotheses: list[str]) -> list[NLIScores]:
        out = []
        for premise in premises:
            e, c = (0.9 if "iron" in premise else 0.05), (0.8 if "France" in premise else 0.05)
            out.append(NLIScores(entailment=e, neutral=1 - e - c, contradiction=c))
        return out


def test_evidence_span_with_a_judge() -> None:
    judge = FakeJudge()
    start, end = evidence_span("It was built in 1889.", PASSAGE_TEXT, judge)  # type: ignore[arg-type]
    assert PASSAGE_TEXT[start:end] == "It is made of iron."
    start, end = evidence_span("It was built in 1889.", PASSAGE_TEXT, judge, refuting=True)  # type: ignore[arg-type]
    assert PASSAGE_TEXT[start:end] == "Paris is in France."


def test_evidence_span_of_empty_text_is_an_error() -> None:
    with pytest.raises(EmptyInputError):
        evidence_span("A claim.", "   ")
    with pytest.raises(EmptyInputError):
        evidence_span(" ", PASSAGE_TEXT)


# ------------------------------------------------------------------------------------ metrics


def result(i: int, label: str, p: float | None) -> ClaimResult:
    claim = Claim(id=f"c{i}", text=f"Claim {i}.", start=0, end=8, sentence=f"Claim {i}.")
    verdict = Verdict.unscored("judge failed") if label == "unscored" else Verdict(label=label, probability=p)
    return ClaimResult(claim=claim, verdict=verdict)


MIXED = Report.of(
    "text",
    [
        result(1, "supported", 0.9),
        result(2, "supported", 0.8),
        result(3, "supported", 0.7),
        result(4, "refuted", 0.1),
        result(5, "not_enough_info", 0.3),
        result(6, "unscored", None),
    ],
)


def assert_no_nan(metrics: AnswerMetrics) -> None:
    for value in metrics.model_dump().values():
        assert not (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize("results", [[], [result(1, "unscored", None), result(2, "unscored", None)]])
def test_metrics_are_none_when_nothing_is_scored(results: list[ClaimResult]) -> None:
    metrics = answer_metrics(Report.of("text", results))
    assert_no_nan(metrics)
    assert (metrics.n_claims, metrics.n_scored, metrics.n_unscored) == (len(results), 0, len(results))
    assert metrics.factual_precision is None
    assert metrics.factscore is None
    assert metrics.f1_at_k is None
    assert metrics.faithfulness is None
    assert metrics.hallucination_rate is None
    assert attribution_score(Report.of("text", results)) is None


def test_metrics_on_a_mixed_report() -> None:
    metrics = answer_metrics(MIXED)
    assert_no_nan(metrics)
    assert (metrics.n_claims, metrics.n_scored, metrics.n_unscored) == (6, 5, 1)
    assert (metrics.n_supported, metrics.n_refuted, metrics.n_not_enough_info) == (3, 1, 1)
    assert metrics.factual_precision == pytest.approx(0.6)
    assert metrics.factscore == pytest.approx(0.6 * math.exp(1 - 10 / 5))  # 5 scored facts < gamma = 10
    precision, recall = 3 / 5, 3 / 64
    assert metrics.f1_at_k == pytest.approx(2 * precision * recall / (precision + recall))
    assert metrics.f1_at_k == pytest.approx(0.0869565, abs=1e-6)
    assert metrics.faithfulness == pytest.approx(0.6)
    assert metrics.hallucination_rate == pytest.approx(0.2)


def test_factscore_penalty_and_f1_at_small_k() -> None:
    assert answer_metrics(MIXED, gamma=None).factscore == pytest.approx(0.6)
    assert answer_metrics(MIXED, gamma=5).factscore == pytest.approx(0.6)  # n == gamma: exp(0) = 1
    assert answer_metrics(MIXED, gamma=4).factscore == pytest.approx(0.6)  # n > gamma: no penalty
    assert answer_metrics(MIXED, k=3).f1_at_k == pytest.approx(2 * 0.6 * 1.0 / 1.6)


def test_f1_at_k_is_zero_without_supported_claims() -> None:
    metrics = answer_metrics([result(1, "refuted", 0.1), result(2, "not_enough_info", 0.4)])
    assert (metrics.factual_precision, metrics.factscore, metrics.f1_at_k) == (0.0, 0.0, 0.0)
    assert metrics.hallucination_rate == pytest.approx(0.5)


def test_attribution_score_rewards_support_and_penalises_contradiction() -> None:
    assert attribution_score(MIXED) == pytest.approx((0.9 + 0.8 + 0.7 - 0.9 + 0.0) / 5)
    assert attribution_score([result(1, "supported", None), result(2, "refuted", None)]) == pytest.approx(0.0)
    assert attribution_score([result(1, "refuted", 0.0)]) == pytest.approx(-1.0)
