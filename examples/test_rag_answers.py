"""Evaluation tests with veracity's pytest plugin: run offline with

    pytest examples/test_rag_answers.py                      # local/smollm2, cached in .pytest_cache
    pytest examples/test_rag_answers.py --veracity-model gpt-4o-mini --veracity-resamples 5

`test_unsupported_answer_fails` fails on purpose: its message lists the claim its context does not support.
"""

import pytest

from veracity.testing import assert_judged, assert_supported, settings

CONTEXTS = [
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France. "
    "It was completed in 1889 for the World's Fair."
]


def test_supported_answer(veracity_checker):
    assert_supported("The Eiffel Tower was completed in 1889.", CONTEXTS, checker=veracity_checker)


def test_unsupported_answer_fails(veracity_checker):
    # Fails: the tower is in Paris, not Berlin.
    assert_supported("The Eiffel Tower was completed in 1889. It stands in Berlin.", CONTEXTS, checker=veracity_checker)


@pytest.mark.xfail(
    settings.model == "local/smollm2",
    reason="the offline 135M model answers 'No' to nearly every checklist item; use --veracity-model for a real gate",
)
def test_answer_meets_checklist():
    # One LLM call per item with the --veracity-model judge; a second run answers from the cache.
    assert_judged(
        "Where is the Eiffel Tower?", "The Eiffel Tower is in Paris, France.",
        rubric=["The answer mentions Paris."], min_score=0.5,
    )
