"""Verdicts: `NLIJudge` (on the trained verifier in `veracity.verifier`, or any HF NLI / MiniCheck model by name),
the LLM verifier and the confidence-gated cascade of both, and LLM judges (TrustJudge pointwise scoring,
both-order pairwise comparison, cycle-free ranking).

Names are imported lazily: ``import veracity.judges.llm`` (or ``from veracity.judges import PointwiseJudge``)
never loads torch; only building an NLI judge does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity._lazy import lazy_getattr

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from veracity.judges.cascade import CascadeJudge, CascadeStats
    from veracity.judges.llm import PairwiseJudge, PointwiseJudge, Preference, Ranking, Score, rank
    from veracity.judges.llm_verifier import LLMVerifier
    from veracity.judges.nli import NLIJudge, NLIScores
    from veracity.judges.registry import Judge, get_judge, register_judge
    from veracity.judges.panel import PairwiseJudgePanel
    from veracity.judges.resampled import ResampledJudge, ResampledScore
    from veracity.judges.rubric import Criterion, Rubric, RubricJudge, RubricScore

_EXPORTS = {
    "CascadeJudge": "veracity.judges.cascade",
    "CascadeStats": "veracity.judges.cascade",
    "Criterion": "veracity.judges.rubric",
    "PairwiseJudgePanel": "veracity.judges.panel",
    "ResampledJudge": "veracity.judges.resampled",
    "ResampledScore": "veracity.judges.resampled",
    "Rubric": "veracity.judges.rubric",
    "RubricJudge": "veracity.judges.rubric",
    "RubricScore": "veracity.judges.rubric",
    "Judge": "veracity.judges.registry",
    "LLMVerifier": "veracity.judges.llm_verifier",
    "NLIJudge": "veracity.judges.nli",
    "NLIScores": "veracity.judges.nli",
    "PairwiseJudge": "veracity.judges.llm",
    "PointwiseJudge": "veracity.judges.llm",
    "Preference": "veracity.judges.llm",
    "Ranking": "veracity.judges.llm",
    "Score": "veracity.judges.llm",
    "get_judge": "veracity.judges.registry",
    "rank": "veracity.judges.llm",
    "register_judge": "veracity.judges.registry",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
