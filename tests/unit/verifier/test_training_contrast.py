"""The verifier's contrastive training pairs: counterfactual swaps, sentence deletions, identity (no training)."""

from __future__ import annotations

import random

from veracity.verifier.training_contrast import (
    contrast_words,
    counterfactual_swaps,
    identity_pairs,
    negate,
    sentence_deletions,
    swap_word,
)
from veracity.verifier.training_data import TrainingPair, swap_number

EVIDENCE = "MYC weakens the circadian clock in cancer cells. Expression increased in 12 of 40 tumours."
PAIRS = [
    TrainingPair(EVIDENCE, "MYC weakens the circadian clock.", "entailment", "check_covid"),
    TrainingPair(EVIDENCE, "Expression increased in 12 tumours.", "entailment", "check_covid"),
    TrainingPair("The Nile flows north through Egypt.", "The Nile flows north.", "entailment", "fever"),
    TrainingPair("Mount Everest is 8,849 metres tall.", "Mount Everest is under 5,000 metres tall.", "contradiction", "fever"),
    TrainingPair("Penicillin was discovered by Alexander Fleming in 1928.", "Penicillin was discovered in 1928.", "entailment", "fever"),
] + [TrainingPair(f"Filler sentence number {i} talks about gardens.", f"Gardens {i}.", "neutral", "fever") for i in range(30)]


def test_word_list_swaps_both_ways() -> None:
    words = contrast_words()
    assert words.swaps["weakens"] == "strengthens" and words.swaps["strengthens"] == "weakens"
    assert "is" in words.auxiliaries


def test_swap_word_changes_only_a_word_the_evidence_uses() -> None:
    rng = random.Random(0)
    assert swap_word("MYC weakens the circadian clock.", EVIDENCE, rng) == "MYC strengthens the circadian clock."
    # "decreased" is in the list but the evidence never says "increased"/"decreased" about this: no swap.
    assert swap_word("The rate decreased.", "The rate was measured.", rng) is None


def test_swap_keeps_capitalisation() -> None:
    assert swap_word("Increased expression was seen.", "expression increased", random.Random(0)) == "Decreased expression was seen."


def test_negation_inserts_not_after_a_grounded_auxiliary_and_drops_an_ungrounded_not() -> None:
    rng = random.Random(0)
    assert negate("Penicillin was discovered in 1928.", "Penicillin was discovered by Fleming.", rng) == "Penicillin was not discovered in 1928."
    assert negate("Penicillin was not discovered in 1928.", "Penicillin was discovered in 1928.", rng) == "Penicillin was discovered in 1928."
    assert negate("Penicillin was discovered.", "A mould killed bacteria.", rng) is None


def test_number_swap_needs_the_number_in_the_evidence() -> None:
    rng = random.Random(0)
    assert swap_number("It happened in 1928.", rng, premise="No year is given.") is None
    changed = swap_number("It happened in 1928.", rng, premise="Discovered in 1928.")
    assert changed is not None and "1928" not in changed


def test_counterfactual_swaps_are_contradictions_of_entailed_claims() -> None:
    made = counterfactual_swaps(PAIRS, 50, random.Random(1))
    assert made, "no swap made"
    entailed = {(p.premise, p.hypothesis) for p in PAIRS if p.label == "entailment"}
    for pair in made:
        assert pair.label == "contradiction" and pair.source.startswith("counterfactual_")
        assert (pair.premise, pair.hypothesis) not in entailed


def test_sentence_deletion_makes_minimal_pairs() -> None:
    made = sentence_deletions(PAIRS, 10, random.Random(2))
    kept = [p for p in made if p.source.startswith("deletion_kept/")]
    removed = [p for p in made if p.source.startswith("deletion_removed/")]
    assert kept and len(kept) == len(removed)
    for with_core, without in zip(kept, removed):
        assert with_core.hypothesis == without.hypothesis
        assert without.label == "neutral" and with_core.label in ("entailment", "contradiction")
        original = next(p.premise for p in PAIRS if p.hypothesis == with_core.hypothesis)
        assert original in with_core.premise and original not in without.premise


def test_identity_pairs_are_entailed_and_contain_the_claim() -> None:
    made = identity_pairs(PAIRS, 20, random.Random(3))
    assert made and all(p.label == "entailment" and p.hypothesis in p.premise for p in made)
    assert {p.source for p in made} <= {"identity/self", "identity/quoted"}
