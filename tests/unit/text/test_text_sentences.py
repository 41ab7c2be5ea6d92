"""The one sentence splitter (`veracity.text.sentences`): each style's rules, and every stage uses it."""

from __future__ import annotations

import pytest

from veracity.text import sentence_spans

TEXT = 'George W. Bush met Dr. Smith, e.g. in Jan. 2001. "It rained." Then\nhe left.\n\nThe end'


def pieces(text: str, **options: object) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, **options)]  # type: ignore[arg-type]


def test_prose_keeps_abbreviations_and_splits_at_blank_lines() -> None:
    assert pieces(TEXT) == [
        "George W. Bush met Dr. Smith, e.g. in Jan. 2001.", '"It rained."', "Then\nhe left.", "The end",
    ]  # fmt: skip
    assert pieces("It needs vitamin D. The dose is low.") == ["It needs vitamin D.", "The dose is low."]


def test_answer_splits_at_lines_keeps_lower_case_continuations_and_markers() -> None:
    assert pieces(TEXT, style="answer") == [
        "George W. Bush met Dr. Smith, e.g. in Jan. 2001.", '"It rained."', "Then", "he left.", "The end",
    ]  # fmt: skip
    assert pieces("Built in 1889. and painted later.", style="answer") == ["Built in 1889. and painted later."]
    assert pieces("They met in the U.S. Then they left.", style="answer") == ["They met in the U.S. Then they left."]
    assert pieces("They met in the U.S. Then they left.") == ["They met in the U.S.", "Then they left."]
    marker = lambda text, pos: pos + 3 if text.startswith("[1]", pos) else pos  # noqa: E731
    assert pieces("It is tall.[1] It is old.", style="answer", trailing=marker) == ["It is tall.[1]", "It is old."]


def test_punctuation_has_no_abbreviations_and_leaves_closers_out() -> None:
    assert pieces('Dr. Smith left. "Yes." Then', style="punctuation") == ["Dr.", "Smith left.", '"Yes.', "Then"]
    assert sentence_spans("  One. Two  ", style="punctuation") == [(0, 6), (7, 12)]  # untrimmed edges
    assert pieces("One\nTwo. Three", style="punctuation") == ["One\nTwo.", "Three"]
    assert pieces("One\n  Two. Three  ", style="punctuation", lines=True) == ["One", "Two.", "Three"]


def test_unknown_style_is_an_error() -> None:
    with pytest.raises(ValueError):
        sentence_spans("x", style="poetry")  # type: ignore[arg-type]


def test_every_stage_splits_with_it() -> None:
    from veracity.attribution.sentences import sentence_spans as answers
    from veracity.claims.llm_extractor import text_sentences
    from veracity.retrieval.ingest.sentences import sentence_spans as documents
    from veracity.verifier.windows import sentence_spans as windows

    assert documents(TEXT) == sentence_spans(TEXT, style="prose")
    assert answers(TEXT) == sentence_spans(TEXT, style="answer")
    assert windows(TEXT) == sentence_spans(TEXT, style="punctuation")
    assert text_sentences(TEXT) == sentence_spans(TEXT, style="punctuation", lines=True)
