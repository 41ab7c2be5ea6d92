"""Consistency metrics on hand-made relations: triads, NTR_k, conflict ratio, position bias, agreement."""

from __future__ import annotations

import itertools

import pytest

from veracity.judges.consistency import (
    conflict_ratio,
    non_transitivity_ratio,
    position_bias_rate,
    relation_from_outcome,
    relation_from_scores,
    run_agreement,
    triad_violation,
)
from veracity.judges.llm.types import OrderJudgement, Preference


def test_triads_split_into_13_weak_orders_2_cycles_12_equality_contradictions():
    kinds = [triad_violation(*rels) for rels in itertools.product(">=<", repeat=3)]
    assert kinds.count(None) == 13  # the 13 weak orders of three items
    assert kinds.count("cycle") == 2
    assert kinds.count("equality") == 12


@pytest.mark.parametrize(
    ("rels", "expected"),
    [
        ((">", ">", ">"), None),  # i > j > k, i > k
        ((">", "<", ">"), None),  # i > j, k > j, i > k: i > k > j
        (("=", "=", "="), None),
        ((">", "=", ">"), None),  # i > j = k
        ((">", ">", "<"), "cycle"),  # i > j > k > i
        (("<", "<", ">"), "cycle"),
        (("=", "=", ">"), "equality"),  # i = j = k but i > k
        ((">", ">", "="), "equality"),  # i > j > k but i = k
        ((">", "=", "<"), "equality"),  # i > j = k > i: a cycle through a tie
    ],
)
def test_triad_violation(rels, expected):
    assert triad_violation(*rels) == expected


def _cyclic_group() -> dict:
    # 0 > 1 > 2 > 0 is a cycle; 3 loses to everyone.
    return {(0, 1): ">", (1, 2): ">", (0, 2): "<", (0, 3): ">", (3, 1): "<", (2, 3): ">"}


def test_ntr_counts_subsets_containing_a_bad_triad():
    ntr3 = non_transitivity_ratio([_cyclic_group()], k=3)
    assert (ntr3.non_transitive, ntr3.total, ntr3.value) == (1, 4, 0.25)
    assert (ntr3.with_cycle, ntr3.with_equality_contradiction) == (1, 0)
    ntr4 = non_transitivity_ratio([_cyclic_group()], k=4)
    assert (ntr4.non_transitive, ntr4.total, ntr4.value) == (1, 1, 1.0)
    assert non_transitivity_ratio([_cyclic_group()], k=5).value is None  # no 5-subset: None, not NaN


def test_ntr_pools_groups_and_skips_subsets_with_unjudged_pairs():
    transitive = {("a", "b"): ">", ("b", "c"): "=", ("a", "c"): ">"}
    tie_contradiction = {("x", "y"): "=", ("y", "z"): "=", ("x", "z"): "<"}
    partial = {("p", "q"): ">", ("q", "r"): ">", ("p", "r"): None}
    ntr = non_transitivity_ratio([transitive, tie_contradiction, partial], k=3)
    assert (ntr.non_transitive, ntr.total) == (1, 2)
    assert (ntr.with_cycle, ntr.with_equality_contradiction) == (0, 1)
    with pytest.raises(ValueError):
        non_transitivity_ratio([transitive], k=2)


def test_conflict_ratio_uses_tolerance_for_equality():
    scores = {"a": 4.0, "b": 3.8, "c": 2.0, "d": None}
    relations = {("a", "b"): ">", ("a", "c"): ">", ("b", "c"): "=", ("a", "d"): ">", ("c", "a"): "<"}
    ratio = conflict_ratio(scores, relations, tolerance=0.5)
    # (a,b): scores say "=" -> conflict; (a,c) ok; (b,c): scores say ">" -> conflict; (a,d) unscored; (c,a) ok
    assert (ratio.count, ratio.total) == (2, 4)
    assert ratio.value == 0.5
    assert conflict_ratio(scores, relations, tolerance=0.1).count == 1
    assert conflict_ratio({}, {}).value is None


def test_relation_helpers():
    assert relation_from_scores(3.0, 3.4, 0.5) == "="
    assert relation_from_scores(3.0, 3.5, 0.5) == "<"
    assert [relation_from_outcome(o) for o in ("A", "B", "tie", None)] == [">", "<", "=", None]


def test_position_bias_rate_from_tuples_and_preferences():
    assert position_bias_rate([("A", "A"), ("A", "B"), ("tie", "A"), ("B", None)]).value == pytest.approx(2 / 3)
    flipped = Preference(
        outcome="tie",
        per_order=[OrderJudgement(order="AB", verdict="A"), OrderJudgement(order="BA", verdict="B")],
        method="baseline",
    )
    steady = Preference(
        outcome="B",
        per_order=[OrderJudgement(order="AB", verdict="B"), OrderJudgement(order="BA", verdict="B")],
        method="baseline",
    )
    rate = position_bias_rate([flipped, steady])
    assert (rate.count, rate.total) == (1, 2)
    assert position_bias_rate([]).value is None


def test_run_agreement():
    runs = [["A", "A", "B"], ["A", "B", "B"], ["A", "B", None]]
    agreement = run_agreement(runs)
    assert agreement.items == 3
    assert agreement.value == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert agreement.unanimous == pytest.approx(2 / 3)
    assert run_agreement([[1, 2], [1, 2]]).value == 1.0
    assert run_agreement([[None], [None]]).value is None
    with pytest.raises(ValueError):
        run_agreement([[1], [1, 2]])
