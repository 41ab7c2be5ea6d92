"""Verdicts: the NLI verifier (ours offline by default, any HF NLI / MiniCheck model by name), calibration,
and LLM judges (TrustJudge pointwise scoring, both-order pairwise comparison, cycle-free ranking)."""

from veracity.judges.llm import Preference, PairwiseJudge, PointwiseJudge, Ranking, Score, rank
from veracity.judges.nli import NLIJudge, NLIScores
from veracity.judges.registry import Judge, get_judge, register_judge

__all__ = [
    "Judge",
    "NLIJudge",
    "NLIScores",
    "PairwiseJudge",
    "PointwiseJudge",
    "Preference",
    "Ranking",
    "Score",
    "get_judge",
    "rank",
    "register_judge",
]
