"""Judge panels: several pairwise judges (models, or one model with several prompts) acting as one.

    panel = PairwiseJudgePanel([PairwiseJudge("gpt-4o-mini"), PairwiseJudge("anthropic/claude-3-5-haiku")])
    result = panel.compare(question, a, b)          # PanelPreference: the panel's Preference + each member's
    rank(question, answers, panel)                  # Bradley-Terry over the panel's (averaged) pairwise votes
    panel_agreement(results)                        # Fleiss' kappa and Krippendorff's alpha of the members

Aggregation: ``mean`` averages the members' outcome distributions (each already averaged over both
presentation orders) and takes the most likely outcome; ``majority`` takes the most common member
verdict (a tie between outcomes is a "tie"). Members that could not judge a pair are left out of it;
a pair no member judged is unscored, with the members' reasons.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from veracity._model import FrozenModel
from veracity.judges.llm._client import run_sync
from veracity.judges.llm.pairwise import PairwiseJudge, most_likely
from veracity.judges.llm.types import Outcome, Preference
from veracity.judges.reliability import ReliabilityError, fleiss_kappa, krippendorff_alpha
from veracity.unscored import Unscored

__all__ = ["PairwiseJudgePanel", "PanelAgreement", "PanelPreference", "aggregate", "panel_agreement"]

Aggregation = Literal["mean", "majority"]


class PanelPreference(FrozenModel):
    """The panel's verdict (`preference`, usable wherever a `Preference` is) and each member's."""

    preference: Preference
    members: list[Preference]


class PanelAgreement(FrozenModel):
    """How much the members agree with each other over many pairs (None where undefined)."""

    fleiss_kappa: float | None
    """Over the pairs every member judged."""
    krippendorff_alpha: float | None
    """Nominal, over all pairs (members that could not judge a pair count as missing)."""
    unanimous: float | None
    """Share of pairs judged by every member on which all give the same verdict."""
    pairs: int


def aggregate(members: Sequence[Preference], how: Aggregation = "mean") -> Preference:
    """One `Preference` from the members' (pure; re-aggregate freely)."""
    judged = [m for m in members if m.outcome is not None]
    common = dict(model="panel:" + ",".join(m.model for m in members), method=members[0].method if members else "likelihood")
    if not judged:
        parts = [m.why_unscored for m in members if m.why_unscored is not None]
        details = "; ".join(sorted({p.detail for p in parts})) or "no member"
        why = Unscored.combine(parts, f"no member could judge: {details}")
        return Preference.unscored(why, **common)
    keys: list[Outcome] = ["A", "B", "tie"]
    mean = {o: sum(m.probabilities.get(o, 0.0) for m in judged) / len(judged) for o in keys}
    mean = {o: p for o, p in mean.items() if p > 0.0} or {"tie": 1.0}
    if how == "mean":
        return Preference(outcome=most_likely(mean), probabilities=mean, **common)
    if how == "majority":
        (top, n), *rest = Counter(m.outcome for m in judged).most_common()
        outcome = top if not rest or rest[0][1] < n else "tie"
        return Preference(outcome=outcome, probabilities=mean, **common)  # type: ignore[arg-type]
    raise ValueError(f"unknown aggregation {how!r}")


class PairwiseJudgePanel:
    """Pairwise judges asked concurrently, aggregated into one `Preference`; works with `rank`."""

    def __init__(self, judges: Sequence[PairwiseJudge], aggregation: Aggregation = "mean") -> None:
        if not judges:
            raise ValueError("a panel needs at least one judge")
        if aggregation not in ("mean", "majority"):
            raise ValueError(f"unknown aggregation {aggregation!r}")
        self.judges, self.aggregation = list(judges), aggregation

    async def acompare_panel(self, question: str, a: str, b: str) -> PanelPreference:
        members = list(await asyncio.gather(*(j.acompare(question, a, b) for j in self.judges)))
        return PanelPreference(preference=aggregate(members, self.aggregation), members=members)

    async def acompare(self, question: str, a: str, b: str) -> Preference:
        """The panel's preference (what `arank` / `rank` call)."""
        return (await self.acompare_panel(question, a, b)).preference

    def compare(self, question: str, a: str, b: str) -> PanelPreference:
        """Every member's preference and the panel's."""
        return run_sync(self.acompare_panel(question, a, b))


def panel_agreement(results: Sequence[PanelPreference]) -> PanelAgreement:
    """Fleiss' kappa, Krippendorff's alpha and unanimity of the members over many pairs."""
    rows = [[m.outcome for m in r.members] for r in results]
    complete = [row for row in rows if row and all(v is not None for v in row)]

    def safe(fn, data):
        try:
            return fn(data)
        except ReliabilityError:
            return None

    return PanelAgreement(
        fleiss_kappa=safe(fleiss_kappa, complete) if complete else None,
        krippendorff_alpha=safe(krippendorff_alpha, rows) if rows else None,
        unanimous=sum(len(set(row)) == 1 for row in complete) / len(complete) if complete else None,
        pairs=len(rows),
    )
