"""The verifier's training mixture: licence filter and the synthetic pairs (no training run here)."""

from __future__ import annotations

import random

from veracity.verifier.training_data import (
    TrainingPair,
    claims_in_documents,
    hard_negatives,
    is_permitted,
    random_neutrals,
)

PAIRS = [
    TrainingPair("Marie Curie was born in Warsaw in 1867 and moved to Paris.", "Marie Curie was born in 1867.", "entailment", "fever"),
    TrainingPair("The Nile flows north through Egypt into the Mediterranean Sea.", "The Nile flows into the Mediterranean.", "entailment", "fever"),
    TrainingPair("Mount Everest is 8,849 metres tall.", "Mount Everest is under 5,000 metres tall.", "contradiction", "fever"),
    TrainingPair("Penicillin was discovered by Alexander Fleming in 1928.", "Penicillin was discovered in 1928.", "entailment", "scifact"),
    TrainingPair("The Great Wall of China is visible from many nearby hills.", "The wall was built in one year.", "neutral", "fever"),
]


def test_licence_filter_excludes_non_commercial_sources() -> None:
    assert not is_permitted("anli_r1") and not is_permitted("HealthVer") and is_permitted("fever_nli_2way(DocNLI)")


def test_hard_negatives_change_one_value_and_contradict() -> None:
    made = hard_negatives(PAIRS, 10, random.Random(0))
    assert made and all(p.label == "contradiction" and p.source.startswith("hard_negative/") for p in made)
    originals = {p.premise: p.hypothesis for p in PAIRS}
    assert all(p.hypothesis != originals[p.premise] for p in made)


def test_random_neutrals_pair_a_claim_with_other_evidence() -> None:
    made = random_neutrals(PAIRS, 20, random.Random(0))
    assert len(made) >= 10
    owner = {p.hypothesis: p.premise for p in PAIRS}
    assert all(p.label == "neutral" and p.premise != owner[p.hypothesis] for p in made)
    assert random_neutrals(PAIRS[:1], 5, random.Random(0)) == []


def test_claims_in_documents_keep_the_deciding_sentence_and_label() -> None:
    made = claims_in_documents(PAIRS, 3, random.Random(0), max_chars=300)
    by_claim = {p.hypothesis: p for p in PAIRS}
    assert len(made) == 3
    for pair in made:
        source = by_claim[pair.hypothesis]
        assert source.premise in pair.premise and len(pair.premise) > len(source.premise)
        assert pair.label == source.label and pair.label in ("entailment", "contradiction")
