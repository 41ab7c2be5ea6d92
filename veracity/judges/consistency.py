"""Consistency metrics for LLM judges (TrustJudge's definitions, on plain relations).

A relation between items i and j is ">" (i better), "<" (j better) or "=" (equal/tie), keyed by the
pair ``(i, j)``; the reversed key is read as the flipped relation. Every ratio is a `Ratio` whose
`value` is None when nothing could be counted (never NaN), with `why_unscored` (reason
``insufficient_data``, `veracity.unscored`) saying so.

* `conflict_ratio`: share of judged pairs whose pairwise relation disagrees with the relation implied by
  the two single scores (equal when they differ by less than `tolerance`).
* `non_transitivity_ratio` (NTR_k): share of k-subsets, all of whose pairs are judged, that contain a
  non-transitive triad: a strict cycle (i > j > k > i) or an equality contradiction (e.g. i = j, j = k,
  i > k; any inconsistent triad involving a tie).
* `position_bias_rate`: share of pairs judged in both orders whose verdict changes with the order.
* `run_agreement`: agreement of repeated runs (samples) on the same items.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import model_validator

from veracity._model import FrozenModel as _Frozen
from veracity.unscored import Unscored

if TYPE_CHECKING:
    from veracity.judges.llm.types import Outcome, Preference

__all__ = [
    "Agreement",
    "NonTransitivity",
    "Ratio",
    "Relation",
    "conflict_ratio",
    "non_transitivity_ratio",
    "position_bias_rate",
    "relation_from_outcome",
    "relation_from_scores",
    "run_agreement",
    "triad_violation",
]

Relation = Literal[">", "<", "="]
Violation = Literal["cycle", "equality"]
_FLIP: dict[str, Relation] = {">": "<", "<": ">", "=": "="}
_RANKS = list(itertools.product(range(3), repeat=3))


def _nothing(detail: str) -> Unscored:
    return Unscored(reason="insufficient_data", detail=detail)


class _Valued(_Frozen):
    """A metric whose `value` is None exactly when `why_unscored` says why (filled in when not given)."""

    value: float | None
    why_unscored: Unscored | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_unscored(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("value") is None and data.get("why_unscored") is None:
            data = {**data, "why_unscored": _nothing("nothing could be counted")}
        return data

    @model_validator(mode="after")
    def _value_xor_reason(self) -> _Valued:
        if self.value is not None and self.why_unscored is not None:
            raise ValueError(f"a {type(self).__name__} with a value has no why_unscored")
        return self


class Ratio(_Valued):
    """`count` of `total`; `value` = count / total, or None (with `why_unscored`) when total is 0."""

    count: int
    total: int

    @classmethod
    def of(cls, count: int, total: int) -> Ratio:
        if not total:
            return cls(value=None, count=count, total=0, why_unscored=_nothing("no item could be counted (total 0)"))
        return cls(value=count / total, count=count, total=total)


class NonTransitivity(_Valued):
    """NTR_k with its breakdown; a subset may hold both kinds of violation."""

    k: int
    non_transitive: int
    total: int
    with_cycle: int
    with_equality_contradiction: int


class Agreement(_Valued):
    """Run-to-run agreement: mean share of agreeing run pairs per item, and share of unanimous items."""

    unanimous: float | None
    items: int


def relation_from_outcome(outcome: Outcome | None) -> Relation | None:
    """Pairwise outcome ("A" = the first item) as a relation of the first item to the second."""
    return {"A": ">", "B": "<", "tie": "="}.get(outcome) if outcome is not None else None  # type: ignore[return-value]


def relation_from_scores(first: float, second: float, tolerance: float) -> Relation:
    """ ">"/"<" when the scores differ by at least `tolerance`, else "="."""
    if abs(first - second) < tolerance:
        return "="
    return ">" if first > second else "<"


def _sign(a: int, b: int) -> Relation:
    return ">" if a > b else "<" if a < b else "="


def triad_violation(r_ij: Relation, r_jk: Relation, r_ik: Relation) -> Violation | None:
    """None if some weak order of {i, j, k} induces the three relations; else "cycle" or "equality"."""
    for x_i, x_j, x_k in _RANKS:
        if (_sign(x_i, x_j), _sign(x_j, x_k), _sign(x_i, x_k)) == (r_ij, r_jk, r_ik):
            return None
    return "equality" if "=" in (r_ij, r_jk, r_ik) else "cycle"


def _lookup(
    relations: Mapping[tuple[Hashable, Hashable], Relation | None], i: Hashable, j: Hashable
) -> Relation | None:
    if (i, j) in relations:
        return relations[(i, j)]
    reverse = relations.get((j, i))
    return _FLIP[reverse] if reverse is not None else None


def _items(relations: Mapping[tuple[Hashable, Hashable], Relation | None]) -> list[Hashable]:
    return list(dict.fromkeys(item for pair in relations for item in pair))


def non_transitivity_ratio(
    groups: Iterable[Mapping[tuple[Hashable, Hashable], Relation | None]], k: int = 3
) -> NonTransitivity:
    """NTR_k over every group (e.g. one question's answers): subsets with a missing relation are skipped."""
    if k < 3:
        raise ValueError("k must be >= 3")
    bad = total = cycles = equalities = 0
    for relations in groups:
        items = _items(relations)
        violations: dict[tuple[int, int, int], Violation | None] = {}
        for a, b, c in itertools.combinations(range(len(items)), 3):
            rels = (
                _lookup(relations, items[a], items[b]),
                _lookup(relations, items[b], items[c]),
                _lookup(relations, items[a], items[c]),
            )
            violations[(a, b, c)] = "missing" if None in rels else triad_violation(*rels)  # type: ignore[assignment,arg-type]
        for subset in itertools.combinations(range(len(items)), k):
            kinds = {violations[t] for t in itertools.combinations(subset, 3)}
            if "missing" in kinds:
                continue
            total += 1
            bad += bool(kinds - {None})
            cycles += "cycle" in kinds
            equalities += "equality" in kinds
    return NonTransitivity(
        k=k, value=bad / total if total else None, non_transitive=bad, total=total,
        with_cycle=cycles, with_equality_contradiction=equalities,
        why_unscored=None if total else _nothing(f"no {k}-subset of items has every pair judged"),
    )  # fmt: skip


def conflict_ratio(
    scores: Mapping[Hashable, float | None],
    relations: Mapping[tuple[Hashable, Hashable], Relation | None],
    *,
    tolerance: float = 0.5,
) -> Ratio:
    """Share of pairs (both scored, relation known) where the pairwise relation contradicts the scores."""
    conflicts = total = 0
    for (i, j), relation in relations.items():
        s_i, s_j = scores.get(i), scores.get(j)
        if relation is None or s_i is None or s_j is None:
            continue
        total += 1
        conflicts += relation != relation_from_scores(s_i, s_j, tolerance)
    return Ratio.of(conflicts, total)


def position_bias_rate(pairs: Iterable[Preference | tuple[Outcome | None, Outcome | None]]) -> Ratio:
    """Share of pairs whose verdict changes when the order flips.

    Each pair is a `Preference` (its two orders' verdicts) or a tuple of the two orders' verdicts, both
    already in the same frame. Pairs with an unread order are skipped.
    """
    flips = total = 0
    for pair in pairs:
        if not isinstance(pair, tuple):
            if len(pair.per_order) != 2:
                continue
            first, second = (o.verdict for o in pair.per_order)
        else:
            first, second = pair
        if first is None or second is None:
            continue
        total += 1
        flips += first != second
    return Ratio.of(flips, total)


def run_agreement(runs: Sequence[Sequence[Hashable | None]]) -> Agreement:
    """Agreement of repeated runs: ``runs[r][i]`` is run r's label for item i (None = unjudged, skipped)."""
    if len({len(run) for run in runs}) > 1:
        raise ValueError("every run must label the same items")
    shares: list[float] = []
    unanimous = 0
    for labels in zip(*runs):
        seen = [label for label in labels if label is not None]
        pairs = list(itertools.combinations(seen, 2))
        if not pairs:
            continue
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
        unanimous += len(set(seen)) == 1
    n = len(shares)
    if not n:
        return Agreement(value=None, unanimous=None, items=0, why_unscored=_nothing("no item was labelled by two runs"))
    return Agreement(value=sum(shares) / n, unanimous=unanimous / n, items=n)
