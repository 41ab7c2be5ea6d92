"""Verdicts: the NLI verifier (ours offline by default, any HF NLI model by name)."""

from veracity.judges.nli import NLIJudge, NLIScores
from veracity.judges.registry import Judge, get_judge, register_judge

__all__ = ["Judge", "NLIJudge", "NLIScores", "get_judge", "register_judge"]
