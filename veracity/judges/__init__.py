"""Verdicts: the NLI verifier (ours offline by default, any HF NLI / MiniCheck model by name), calibration,
the LLM verifier and the confidence-gated cascade of both, and LLM judges (TrustJudge pointwise scoring,
both-order pairwise comparison, cycle-free ranking)."""

from veracity.judges.cascade import CascadeJudge, CascadeStats
from veracity.judges.llm import Preference, PairwiseJudge, PointwiseJudge, Ranking, Score, rank
from veracity.judges.llm_verifier import LLMVerifier
from veracity.judges.nli import NLIJudge, NLIScores
from veracity.judges.registry import Judge, get_judge, register_judge

__all__ = [
    "CascadeJudge",
    "CascadeStats",
    "Judge",
    "LLMVerifier",
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
