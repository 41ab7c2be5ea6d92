"""A per-answer attribution score: supported claims raise it, contradicted claims lower it.

In the spirit of ClaimVer's KG attribution score (Dammu et al., 2024, "ClaimVer: Explainable
Claim-Level Verification and Evidence Attribution of Text Through Knowledge Graphs", Findings of
EMNLP 2024), where attributable claims add, contradictory claims subtract and extrapolatory
(not enough information) claims are neutral. ClaimVer weights each claim by knowledge-graph
triplet match scores we do not have; we weight it by the verifier's confidence instead:

    score = mean over scored claims of  +p        if supported
                                        -(1 - p)  if refuted
                                         0        if not_enough_info

where p = P(supported) (taken as 1 for supported, 0 for refuted when a verdict has no probability).
The score lies in [-1, 1]; it is None when no claim was scored. `unscored` claims are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from veracity.types import ClaimResult, Report, Verdict


def attribution_score(report: Report | Sequence[ClaimResult]) -> float | None:
    """Confidence-weighted support minus contradiction, averaged over scored claims (see module doc)."""
    results = report.results if isinstance(report, Report) else report
    values = [_claim_value(r.verdict) for r in results if r.verdict.label != "unscored"]
    return sum(values) / len(values) if values else None


def _claim_value(verdict: Verdict) -> float:
    if verdict.label == "supported":
        return verdict.probability if verdict.probability is not None else 1.0
    if verdict.label == "refuted":
        return -(1.0 - verdict.probability) if verdict.probability is not None else -1.0
    return 0.0
