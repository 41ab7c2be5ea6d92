"""`KGJudge`: the knowledge graph decides the claims it can; a fallback judge reads its triples for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from veracity.errors import VeracityError
from veracity.judges.decision import whole_passage
from veracity.judges.registry import Judge, StagedJudgeBase, StagedVerdicts, get_judge, register_judge, verify_with_stats
from veracity.kg.load import as_kg_retriever
from veracity.types import Claim, Evidence, JudgeStats, Verdict

if TYPE_CHECKING:
    from veracity.retrieval.kg import KGDecision

__all__ = ["KGJudge", "decision_verdict"]

KG_REASON = "decided by the knowledge graph"


def decision_verdict(decision: "KGDecision") -> Verdict:
    """The verdict of a claim the graph decided (its triple is present, or a functional relation holds another object)."""
    if decision.label is None:
        raise VeracityError("the knowledge graph did not decide this claim")
    return Verdict(
        label=decision.label,
        probability=1.0 if decision.label == "supported" else 0.0,
        reason=f"{KG_REASON}: {decision.reason}",
        evidence=decision.evidence,
        decided_by=whole_passage(0, decision.evidence[0].passage) if decision.evidence else None,
    )


class KGJudge(StagedJudgeBase):
    """A `Judge` staged like the cascade: the knowledge graph first, `fallback` for the claims it cannot decide.

    `kg`: a `KnowledgeGraph`, a `KGRetriever` or a saved graph's path (`veracity.kg.load_kg`).
    `fallback`: a `Judge` or a `get_judge` spec (default: our offline verifier); it reads each open
    claim's evidence followed by the graph's verbalised triples (at most `k`). `verify_staged` also
    returns the fallback's per-claim stage counts (None for a claim the graph decided), when it has any.
    """

    def __init__(self, kg: object, fallback: Judge | str = "default", k: int = 5) -> None:
        if k < 1:
            raise VeracityError(f"k must be at least 1, got {k}")
        self.retriever = as_kg_retriever(kg)
        self.fallback: Judge = get_judge(fallback)
        self.k = k

    @property
    def name(self) -> str:
        return f"kg+{getattr(self.fallback, 'name', type(self.fallback).__name__)}"

    def verify_staged(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> StagedVerdicts:
        """The verdicts, and per-claim stage counts from the fallback (None when it counts none)."""
        if len(claims) != len(evidence):
            raise VeracityError(f"{len(claims)} claims but {len(evidence)} evidence lists")
        if not claims:
            return verify_with_stats(self.fallback, [], [])
        texts = [c.text if isinstance(c, Claim) else c for c in claims]
        decisions = self.retriever.decide_many(texts, k=self.k)
        open_claims = [i for i, d in enumerate(decisions) if d.label is None]
        judged, counted = verify_with_stats(
            self.fallback,
            [claims[i] for i in open_claims],
            [list(evidence[i]) + self.retriever.evidence_for(decisions[i], self.k) for i in open_claims],
        )
        verdicts = [decision_verdict(d) if d.label is not None else None for d in decisions]
        per_claim: list[JudgeStats | None] | None = None if counted is None else [None] * len(claims)
        for n, i in enumerate(open_claims):
            verdicts[i] = judged[n]
            if per_claim is not None and counted is not None:
                per_claim[i] = counted[n]
        return [v for v in verdicts if v is not None], per_claim


@register_judge("kg")
def kg_from_spec(model: str = "", **kwargs: object) -> KGJudge:
    """`get_judge("kg:<graph path>")`: the graph at that path, then the default verifier (or `fallback=`)."""
    if not model:
        raise VeracityError("the 'kg' judge needs a graph: kg:<saved graph directory or .tsv/.nt/.jsonl file>")
    return KGJudge(model, **kwargs)  # type: ignore[arg-type]
