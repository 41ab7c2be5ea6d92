"""Claim extraction with the real spaCy model (no mocks)."""

from __future__ import annotations

import json

import pytest

from _paths import SHARED_DATA

from veracity.claims import (
    ClaimExtractor,
    InvalidInputTypeError,
    UnknownComponentError,
    extract_claims,
    get_extractor,
    register_extractor,
)
from veracity.claims.spacy_nlp import load_nlp
from veracity.errors import EmptyInputError, VeracityError
from veracity.types import Claim

HALUEVAL = SHARED_DATA / "halueval_general" / "general_data.dev_sample.jsonl"

# ChatGPT responses from HaluEval "general" (RUCAIBox/HaluEval, MIT licence), IDs 9, 294, 373.
REAL_RESPONSES = [
    "I'm sorry, as an AI language model, I don't have the capability to create a visual chart. "
    "However, I can describe to you how the bar chart will look like:\n\nThe chart will have four "
    "bars with the heights proportional to the data values 10, 20, 30, and 40. The vertical axis of "
    "the chart will represent the values, while the horizontal axis will represent the categories to "
    "which the values belong. Each bar will be of equal width and will be evenly spaced from each other.",
    "The coach stood at the edge of the bridge, watching as his team crossed over to the other side. "
    "He had given them specific instructions and he felt confident they would follow them. But as he "
    "watched them move forward, he couldn't help but feel a sense of pride in how far they had come "
    "under his guidance. And as they reached the other side, he knew they were ready to face whatever "
    "challenges lay ahead.",
    "Jill loved taking her cat, Harry, for walks in the forest behind her house. Today was no "
    "different. As they walked, the sun filtering through the trees, Harry suddenly darted off the "
    "path and into the underbrush. Jill was worried and called out to him. To her surprise, Harry "
    "emerged moments later, dragging a small, injured rabbit with him. Jill knew she had to help. She "
    "scooped up the rabbit and took him home, where she and Harry nursed him back to health. From "
    "then on, the trio became inseparable forest friends.",
]


def texts(claims: list[Claim]) -> list[str]:
    return [c.text for c in claims]


def assert_well_formed(text: str, claims: list[Claim]) -> None:
    """Spans valid and inside their sentence, ids c1.., ordered by start, clean claim text."""
    assert [c.id for c in claims] == [f"c{n}" for n in range(1, len(claims) + 1)]
    assert [c.start for c in claims] == sorted(c.start for c in claims)
    for c in claims:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end].strip()
        starts = [i for i in range(len(text)) if text.startswith(c.sentence, i)]
        assert any(s <= c.start and c.end <= s + len(c.sentence) for s in starts), c
        assert c.text[0].isupper() or not c.text[0].isalpha()
        assert c.text.endswith((".", '."', ".'", ".)"))
        assert "\n" not in c.text


def test_coordinated_verb_phrases_split_with_shared_subject() -> None:
    text = "She was born in 1950 in Oslo and won the Nobel Prize in 1990."
    claims = extract_claims(text)
    assert texts(claims) == ["She was born in 1950.", "She was born in Oslo.", "She won the Nobel Prize in 1990."]
    assert [text[s:e] for s, e in claims[1].spans] == ["She was born", "in Oslo"]  # time and place apart
    assert [text[s:e] for s, e in claims[2].spans] == ["She", "won the Nobel Prize in 1990"]
    assert (claims[2].start, claims[2].end) == (0, len(text) - 1)  # the covering span
    assert all(c.sentence == text for c in claims)
    assert_well_formed(text, claims)


def test_independent_clauses_split() -> None:
    text = "Paris is the capital of France, but Berlin is the capital of Germany."
    claims = extract_claims(text)
    assert texts(claims) == ["Paris is the capital of France.", "Berlin is the capital of Germany."]
    assert text[claims[1].start : claims[1].end] == "Berlin is the capital of Germany"


def test_object_list_split() -> None:
    text = "He speaks English, French and German."
    assert texts(extract_claims(text)) == ["He speaks English.", "He speaks French.", "He speaks German."]


@pytest.mark.parametrize(
    "text",
    [
        "The company sells salt and pepper shakers.",
        "Paris is the capital and largest city of France.",
        "The treaty was signed in Paris or in London.",
    ],
)
def test_no_split_inside_noun_phrases_or_alternatives(text: str) -> None:
    claims = extract_claims(text)
    assert len(claims) == 1
    assert claims[0].text == text


def test_leading_pronoun_replaced_but_span_kept() -> None:
    text = "Marie Curie was a physicist. She won two Nobel Prizes. Her husband was Pierre Curie."
    claims = extract_claims(text)
    assert texts(claims) == [
        "Marie Curie was a physicist.",
        "Marie Curie won two Nobel Prizes.",
        "Marie Curie's husband was Pierre Curie.",
    ]
    assert text[claims[1].start : claims[1].end] == "She won two Nobel Prizes"
    assert claims[1].sentence == "She won two Nobel Prizes."
    assert text[claims[2].start : claims[2].end].startswith("Her husband")


def test_pronoun_in_split_clauses_and_non_referential_it() -> None:
    text = (
        "Google was founded in 1998. It is based in Mountain View and employs thousands of people. "
        "It is important to note that search is hard."
    )
    claims = texts(extract_claims(text))
    assert claims[:3] == [
        "Google was founded in 1998.",
        "Google is based in Mountain View.",
        "Google employs thousands of people.",
    ]
    assert claims[3] == "Search is hard."  # "It is important to note that X" states X


def test_pronoun_kept_when_gender_or_number_disagrees() -> None:
    claims = extract_claims("France is a country in Europe. She won the race.")
    assert claims[1].text == "She won the race."


@pytest.mark.parametrize(
    "text",
    [
        "Hi! Sure! Great question.",
        "What is the capital of France?",
        "I think Paris is the most beautiful city.",
        "In my opinion, the film was too long.",
        "I believe the earth is warming.",
        "Please consult a doctor before taking this medicine.",
        "Let me know if you have more questions.",
        "As an AI language model, I cannot browse the internet.",
        "I'm not a doctor, but rest is usually helpful.",
        "Thank you for asking!",
        "A list of capitals.",
    ],
)
def test_uncheckable_sentences_skipped(text: str) -> None:
    assert extract_claims(text) == []


def test_uncheckable_sentences_skipped_among_facts() -> None:
    text = (
        "Great question! The Eiffel Tower is in Paris. Would you like to know more? "
        "As an AI, I cannot visit it. I think it is lovely. It was completed in 1889."
    )
    claims = extract_claims(text)
    assert texts(claims) == ["The Eiffel Tower is in Paris.", "The Eiffel Tower was completed in 1889."]
    assert_well_formed(text, claims)


def test_discourse_markers_and_relative_clauses_split_off() -> None:
    text = "However, the Eiffel Tower, which was built in 1889, is in Paris and attracts many visitors."
    claims = extract_claims(text)
    assert texts(claims) == [
        "The Eiffel Tower was built in 1889.",
        "The Eiffel Tower is in Paris.",
        "The Eiffel Tower attracts many visitors.",
    ]
    assert [text[s:e] for s, e in claims[0].spans] == ["the Eiffel Tower", "was built in 1889"]
    assert [text[s:e] for s, e in claims[2].spans] == ["the Eiffel Tower", "attracts many visitors"]
    assert_well_formed(text, claims)


@pytest.mark.parametrize("text", REAL_RESPONSES)
def test_real_responses_structure(text: str) -> None:
    claims = extract_claims(text)
    assert claims
    assert_well_formed(text, claims)


def test_real_responses_drop_disclaimers() -> None:
    claims = extract_claims(REAL_RESPONSES[0])
    assert not any("AI language model" in c.text or c.text.startswith("I ") for c in claims)
    assert "Each bar will be of equal width." in texts(claims)
    assert "Each bar will be evenly spaced from each other." in texts(claims)


@pytest.mark.skipif(not HALUEVAL.exists(), reason="shared HaluEval sample not present")
def test_halueval_sample_structure() -> None:
    extractor = get_extractor()
    with HALUEVAL.open(encoding="utf-8") as lines:
        responses = [json.loads(line)["chatgpt_response"] for line in lines][:60]
    total = 0
    for text in responses:
        if text.strip():
            claims = extractor.extract(text)
            assert_well_formed(text, claims)
            total += len(claims)
    assert total > 60


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_raises(text: str) -> None:
    with pytest.raises(EmptyInputError, match="text to check is empty"):
        extract_claims(text)


def test_non_str_raises_type_error() -> None:
    with pytest.raises(InvalidInputTypeError) as info:
        extract_claims(b"bytes")  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError) and isinstance(info.value, VeracityError)


def test_registry() -> None:
    extractor = get_extractor("spacy")
    assert isinstance(extractor, ClaimExtractor)
    with pytest.raises(UnknownComponentError, match="spacy") as info:
        get_extractor("no-such-extractor")
    assert isinstance(info.value, VeracityError) and isinstance(info.value, ValueError)

    @register_extractor("test-whole-text")
    class WholeText:
        def extract(self, text: str) -> list[Claim]:
            return [Claim(id="c1", text=text, start=0, end=len(text), sentence=text)]

    assert extract_claims("Water boils.", extractor="test-whole-text")[0].text == "Water boils."
    assert extract_claims("Water boils.", extractor=WholeText())[0].end == len("Water boils.")


def test_pipeline_loaded_once_with_parser_and_ner() -> None:
    nlp = load_nlp()
    assert nlp is load_nlp()
    assert {"parser", "ner"} <= set(nlp.pipe_names)
    assert get_extractor().nlp is nlp  # type: ignore[attr-defined]


def test_line_breaks_end_sentences() -> None:
    text = "Oslo is the capital of Norway\nBergen is a city on the coast"
    claims = extract_claims(text)
    assert texts(claims) == ["Oslo is the capital of Norway.", "Bergen is a city on the coast."]
    assert_well_formed(text, claims)
