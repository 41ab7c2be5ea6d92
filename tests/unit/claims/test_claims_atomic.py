"""Atomic decomposition, decontextualisation and check-worthiness of the offline extractor (real spaCy model)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _paths import DATA, REPO

from veracity.claims import extract_claims, extract_claims_and_skipped
from veracity.claims.checkworthiness import SKIP_RULES, SkipRule, match_rule
from veracity.claims.spacy_extractor import RULES, SpacyClaimExtractor
from veracity.errors import VeracityError

DEMO = REPO / "examples" / "answer.txt"


def texts(text: str) -> list[str]:
    return [c.text for c in extract_claims(text)]


def test_appositive_becomes_its_own_claim_with_two_spans() -> None:
    text = "Wole Soyinka, a Nigerian playwright and poet, won the Nobel Prize in Literature in 1986."
    claims = extract_claims(text)
    assert [c.text for c in claims] == [
        "Wole Soyinka is a Nigerian playwright and poet.",
        "Wole Soyinka won the Nobel Prize in Literature in 1986.",
    ]
    assert [text[s:e] for s, e in claims[0].spans] == ["Wole Soyinka", "a Nigerian playwright and poet"]
    assert [text[s:e] for s, e in claims[1].spans] == ["Wole Soyinka", "won the Nobel Prize in Literature in 1986"]


def test_participial_clause_and_quantity_in_brackets() -> None:
    assert texts("The largest waterfall in the world is the Victoria Falls, located on the border of Zambia and Zimbabwe.") == [
        "The largest waterfall in the world is the Victoria Falls.",
        "The Victoria Falls is located on the border of Zambia and Zimbabwe.",
    ]
    claims = texts("The Nile River is approximately 4,135 miles (6,650 kilometers) long.")
    assert claims == ["The Nile River is approximately 4,135 miles long.", "The Nile River is 6,650 kilometers long."]


def test_such_as_list_replaces_the_noun_it_exemplifies() -> None:
    claims = texts("The US has a lower level of income inequality than some developing countries, such as Brazil and India.")
    assert claims == [
        "The US has a lower level of income inequality than Brazil.",
        "The US has a lower level of income inequality than India.",
    ]


def test_separable_time_and_place_become_claims_with_their_spans() -> None:
    text = "X was born in 1950 in Paris."
    claims = extract_claims(text)
    assert [c.text for c in claims] == ["X was born in 1950.", "X was born in Paris."]
    assert [[text[s:e] for s, e in c.spans] for c in claims] == [[], ["X was born", "in Paris"]]
    assert (text[claims[1].start : claims[1].end]) == "X was born in 1950 in Paris"
    off = SpacyClaimExtractor(rules=[r for r in RULES if r != "attributes"])
    assert [c.text for c in off.extract(text)] == ["X was born in 1950 in Paris."]


def test_nested_place_in_an_aside_and_single_attribute_kept_whole() -> None:
    text = "The largest waterfall in the world is the Victoria Falls, located on the border of Zambia and Zimbabwe in Africa."
    claims = extract_claims(text)
    assert [c.text for c in claims][1:] == [
        "The Victoria Falls is located on the border of Zambia and Zimbabwe.",
        "The Victoria Falls is located in Africa.",
    ]
    assert [text[s:e] for s, e in claims[2].spans] == ["the Victoria Falls", "located", "in Africa"]
    assert texts("The Louisiana Purchase was signed by President Thomas Jefferson on April 30, 1803.") == [
        "The Louisiana Purchase was signed by President Thomas Jefferson on April 30, 1803."
    ]
    assert texts("In 1867, Marie Curie was born in Warsaw.") == ["In 1867, Marie Curie was born in Warsaw."]


def test_comma_set_with_quantity_is_what_the_subject_has() -> None:
    text = "The United States has the highest number of nuclear power plants in the world, with 94 operating reactors."
    claims = extract_claims(text)
    assert [c.text for c in claims] == [
        "The United States has the highest number of nuclear power plants in the world.",
        "The United States has 94 operating reactors.",
    ]
    assert [text[s:e] for s, e in claims[1].spans] == ["The United States", "94 operating reactors"]
    assert texts("Tokyo is the largest city in Japan, with a population of 37 million.")[1] == "Tokyo has a population of 37 million."


def test_place_narrowed_by_its_region_is_no_appositive_claim() -> None:
    assert texts("The company is based in Menlo Park, California.") == ["The company is based in Menlo Park, California."]


def test_restrictive_relative_clause_stays() -> None:
    assert texts("Marie Curie was the first woman who won a Nobel Prize.") == ["Marie Curie was the first woman who won a Nobel Prize."]


def test_demo_pronoun_names_il33_and_replacement_is_recorded() -> None:
    text = DEMO.read_text(encoding="utf-8")
    extraction = extract_claims_and_skipped(text)
    promotes = [c for c in extraction.claims if "promotes the pathogenesis of asthma" in c.text]
    assert len(promotes) == 1 and promotes[0].text.startswith("Interleukin-33 promotes")
    (replacement,) = promotes[0].replacements
    assert text[replacement.start : replacement.end] == "It" and replacement.text == "Interleukin-33"
    assert not promotes[0].unresolved
    assert [(s.text, s.reason) for s in extraction.skipped] == [("I hope this summary helps!", "meta")]


def test_definite_and_demonstrative_anaphora() -> None:
    assert texts("Microsoft was founded in 1975. The company is based in Redmond.")[1] == "Microsoft is based in Redmond."
    assert texts("Insulin is a hormone made by the pancreas. This hormone regulates blood sugar.")[1] == (
        "Insulin regulates blood sugar."
    )


def test_copular_sentence_gives_the_named_antecedent() -> None:
    claims = texts("The smallest ocean in the world is the Arctic Ocean. It is located in the far north.")
    assert claims[1] == "The Arctic Ocean is located in the far north."


def test_unresolved_pronoun_is_flagged() -> None:
    (claim,) = extract_claims("They were released in 1990.")
    assert claim.unresolved and claim.text == "They were released in 1990."
    (claim,) = extract_claims("The Eiffel Tower was completed in 1889.")
    assert not claim.unresolved


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("What is the capital of France?", "question"),
        ("I hope this helps!", "meta"),
        ("As an AI language model, I cannot browse the internet.", "meta"),
        ("I think Paris is the most beautiful city.", "opinion"),
        ("You should drink plenty of water.", "advice"),
        ("Consult a doctor before taking this medicine.", "advice"),
        ("Hello there!", "greeting"),
        ("It is difficult to say which team will win.", "hedge"),
    ],
)
def test_skipped_sentences_carry_a_reason(text: str, reason: str) -> None:
    extraction = extract_claims_and_skipped(text)
    assert extraction.claims == []
    assert [s.reason for s in extraction.skipped] == [reason]
    assert extraction.skipped[0].text == text


def test_note_that_wrapper_keeps_the_fact() -> None:
    assert texts("However, it's worth noting that some European trains have a snowplow.") == [
        "Some European trains have a snowplow."
    ]


def test_skip_rules_are_data() -> None:
    assert match_rule("In my opinion, the film was too long.").reason == "opinion"  # type: ignore[union-attr]
    assert match_rule("The film was 3 hours long.") is None
    extra = (*SKIP_RULES, SkipRule("rumour", "hedge", r"\brumou?red\b"))
    extractor = SpacyClaimExtractor(skip_rules=extra)
    extraction = extractor.extract_all("It is rumoured that the band will split. The band formed in 1990.")
    assert [c.text for c in extraction.claims] == ["The band formed in 1990."]
    assert extraction.skipped[0].rule == "rumour"


def test_rules_switch_off_and_unknown_rules_raise() -> None:
    text = "Wole Soyinka, a Nigerian poet, won the Nobel Prize."
    assert len(SpacyClaimExtractor(rules=[r for r in RULES if r != "appositives"]).extract(text)) == 1
    with pytest.raises(VeracityError, match="unknown claim rules"):
        SpacyClaimExtractor(rules=["no-such-rule"])


def test_hand_labelled_sets_are_well_formed() -> None:
    pronouns = [json.loads(line) for line in (DATA / "claims_pronouns.jsonl").read_text().splitlines()]
    assert len(pronouns) >= 95 and all(p["pronoun"] in p["sentence"] for p in pronouns)
    checkworthy = [json.loads(line) for line in (DATA / "claims_checkworthy.jsonl").read_text().splitlines()]
    assert {r["check_worthy"] for r in checkworthy} == {True, False}


_WORDS = st.sampled_from(
    ["It", "is", "the", "company", "which", "was", "founded", "in", "1990", ",", "and", "Paris", "a", "city",
     "They", "won", "prizes", "such", "as", "gold", "silver", "(", ")", ".", "?", "He", "said", "that",
     "located", "near", "Rome", "I", "think", "this", "protein", "\n", "Marie", "Curie", "physicist",
     "with", "94", "born", "on", "Africa", "May"]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=40))
def test_every_claim_span_is_inside_the_text_and_non_empty(words: list[str]) -> None:
    text = " ".join(words)
    if not text.strip():
        return
    extraction = extract_claims_and_skipped(text)
    for claim in extraction.claims:
        assert 0 <= claim.start < claim.end <= len(text)
        for s, e in claim.spans or [(claim.start, claim.end)]:
            assert claim.start <= s < e <= claim.end and text[s:e].strip()
        for r in claim.replacements:
            assert text[r.start : r.end].strip()
    for skipped in extraction.skipped:
        assert text[skipped.start : skipped.end] == skipped.text
