"""LLM-as-judge over `veracity.llm`: pointwise scores, pairwise preferences, cycle-free rankings."""

from veracity.judges.llm.pairwise import PairwiseJudge, combine_orders
from veracity.judges.llm.pointwise import PointwiseJudge, argmax_score, distribution_score, geval_score, score_value
from veracity.judges.llm.ranking import arank, fit_davidson, rank, ranking_from_preferences
from veracity.judges.llm.types import OrderJudgement, PairResult, Preference, Ranking, Score

__all__ = [
    "OrderJudgement",
    "PairResult",
    "PairwiseJudge",
    "PointwiseJudge",
    "Preference",
    "Ranking",
    "Score",
    "arank",
    "argmax_score",
    "combine_orders",
    "distribution_score",
    "fit_davidson",
    "geval_score",
    "rank",
    "ranking_from_preferences",
    "score_value",
]
