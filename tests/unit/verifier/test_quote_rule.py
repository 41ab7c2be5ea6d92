"""The quotation rule: a claim stated word for word in the evidence is entailed (KNOWN-FAILURES identity case)."""

from __future__ import annotations

import pytest

from veracity.verifier.quotes import QUOTED_ENTAILMENT, is_quoted

CURIE = "Marie Curie won the Nobel Prize in Physics in 1903."


def test_identity_and_quotation_are_quoted() -> None:
    assert is_quoted(CURIE, CURIE)
    assert is_quoted(f"She was a physicist. {CURIE.lower()} She died in 1934.", CURIE)
    assert is_quoted("Marie Curie won the Nobel Prize in Physics in 1903 (shared).", CURIE)


def test_denied_questioned_or_changed_claims_are_not_quoted() -> None:
    assert not is_quoted(f"It is false that {CURIE}", CURIE)
    assert not is_quoted(f"Some ask whether {CURIE}", CURIE)
    assert not is_quoted("That vaccines cause autism is a myth.", "Vaccines cause autism.")
    assert not is_quoted("Vaccines cause autism: this was debunked long ago.", "Vaccines cause autism.")
    assert not is_quoted("Marie Curie won the Nobel Prize in Physics in 1911.", CURIE)
    assert not is_quoted("Marie Curie won the Nobel Prize.", CURIE)
    assert not is_quoted("It is.", "It is.")  # too short to decide by words alone


@pytest.fixture(scope="module")
def judge():
    from veracity.judges import NLIJudge

    return NLIJudge()


def test_the_verifier_entails_a_claim_against_itself(judge) -> None:
    [scores] = judge.predict([CURIE], [CURIE])
    assert scores.entailment >= QUOTED_ENTAILMENT and abs(scores.entailment + scores.neutral + scores.contradiction - 1) < 1e-6
    assert judge.verify(CURIE, [CURIE]).label == "supported"


def test_the_rule_can_be_switched_off_and_never_touches_changed_claims(judge) -> None:
    from veracity.judges import NLIJudge

    changed = "Marie Curie won the Nobel Prize in Physics in 1911."
    [with_rule] = judge.predict([CURIE], [changed])
    assert with_rule.entailment < QUOTED_ENTAILMENT
    plain = NLIJudge(quote_rule=False)
    assert plain.predict([CURIE], [changed])[0].entailment == pytest.approx(with_rule.entailment, abs=1e-6)
