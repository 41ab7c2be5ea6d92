"""Answer-level metrics from claim verdicts. `unscored` claims are left out and counted apart.

* factual precision = S / scored (FActScore without penalty; Min et al., 2023).
* FActScore = factual precision x exp(1 - gamma / n) when n < gamma scored claims, as in FActScore's
  `factscorer.py` (`penalty = 1.0 if len(facts) > gamma else np.exp(1 - gamma / len(facts))`);
  `gamma=None` (or 0) turns the penalty off.
* F1@K (SAFE; Wei et al., 2024, "Long-form factuality in large language models"): precision
  S / (S + N) with N the scored claims not supported (refuted or not enough info), recall
  min(1, S / K), F1 = 2PR / (P + R), and 0 when S = 0.
* faithfulness = supported / scored (RAGAS's definition: the share of claims the given contexts
  support). Against the contexts a RAG pipeline supplied it measures faithfulness; against a
  corpus it equals factual precision.
* hallucination rate = refuted / scored: the share of claims the evidence contradicts. Claims the
  evidence merely does not support are `1 - faithfulness - hallucination_rate`.

Every ratio is None, never NaN, when no claim was scored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from veracity._model import FrozenModel
from veracity.types import ClaimResult, Report


class AnswerMetrics(FrozenModel):
    """Metrics of one answer (see the module doc for each formula)."""

    n_claims: int
    n_scored: int
    n_unscored: int
    n_supported: int
    n_refuted: int
    n_not_enough_info: int
    factual_precision: float | None
    factscore: float | None
    f1_at_k: float | None
    faithfulness: float | None
    hallucination_rate: float | None
    gamma: float | None
    k: int


def answer_metrics(report: Report | Sequence[ClaimResult], gamma: float | None = 10, k: int = 64) -> AnswerMetrics:
    """Factual precision, FActScore (length penalty `gamma`), F1@K, faithfulness and hallucination rate."""
    if k < 1:
        raise ValueError("k must be at least 1")
    results = report.results if isinstance(report, Report) else report
    labels = [r.verdict.label for r in results]
    supported, refuted, nei = labels.count("supported"), labels.count("refuted"), labels.count("not_enough_info")
    scored = supported + refuted + nei
    precision = supported / scored if scored else None
    return AnswerMetrics(
        n_claims=len(labels),
        n_scored=scored,
        n_unscored=len(labels) - scored,
        n_supported=supported,
        n_refuted=refuted,
        n_not_enough_info=nei,
        factual_precision=precision,
        factscore=precision * _length_penalty(scored, gamma) if precision is not None else None,
        f1_at_k=_f1_at_k(supported, scored - supported, k) if scored else None,
        faithfulness=precision,
        hallucination_rate=refuted / scored if scored else None,
        gamma=gamma,
        k=k,
    )


def _length_penalty(n: int, gamma: float | None) -> float:
    """FActScore's penalty for answers with fewer than `gamma` facts."""
    if not gamma or n > gamma:
        return 1.0
    return math.exp(1.0 - gamma / n)


def _f1_at_k(supported: int, not_supported: int, k: int) -> float:
    if supported == 0:
        return 0.0
    precision = supported / (supported + not_supported)
    recall = min(1.0, supported / k)
    return 2 * precision * recall / (precision + recall)
