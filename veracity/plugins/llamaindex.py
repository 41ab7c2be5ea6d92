"""A LlamaIndex evaluator backed by veracity (`pip install 'veracity[llamaindex]'`).

`VeracityEvaluator` is a `BaseEvaluator`: `evaluate(query, response, contexts)`,
`evaluate_response(query, Response)` (contexts from the response's source nodes) and their async
forms all return a `VeracityEvaluationResult`, an `EvaluationResult` whose `score` is the answer's
factual precision against the contexts, `feedback` lists every claim with its verdict, and
`report` holds the full `RAGReport` (claims, evidence, citation scores, answer metrics).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from llama_index.core.evaluation import BaseEvaluator, EvaluationResult
from llama_index.core.prompts.mixin import PromptDictType

from veracity.attribution.rag import RAGReport
from veracity.errors import VeracityError
from veracity.pipeline import FactChecker
from veracity.plugins import default_checker
from veracity.types import Report


class VeracityEvaluationResult(EvaluationResult):
    """LlamaIndex's `EvaluationResult` plus veracity's report on the response."""

    report: RAGReport | Report | None = None


class VeracityEvaluator(BaseEvaluator):
    """Claim-level faithfulness: `score` = supported / scored claims, `passing` = score >= `threshold`.

    Without contexts the response is checked against the checker's index (when it has one). A
    response with no checkable claim gives an invalid result (`invalid_result=True`).
    """

    def __init__(self, checker: FactChecker | None = None, *, judge: str = "default", k: int = 5, threshold: float = 1.0) -> None:
        self._given, self._judge, self._k = checker, judge, k
        self._checker: FactChecker | None = None
        self._lock = threading.Lock()
        self.threshold = threshold

    @property
    def checker(self) -> FactChecker:
        if self._checker is None:
            self._checker = default_checker(self._given, self._judge, self._k)
        return self._checker

    def _get_prompts(self) -> PromptDictType:
        return {}

    def _update_prompts(self, prompts_dict: PromptDictType) -> None:
        """Veracity uses no prompts; nothing to update."""

    async def aevaluate(
        self,
        query: str | None = None,
        response: str | None = None,
        contexts: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> VeracityEvaluationResult:
        """Check every claim of `response` against `contexts` (off the event loop, in a thread)."""
        if response is None:
            raise ValueError("response must be provided")
        return await asyncio.to_thread(self._evaluate, query, response, list(contexts) if contexts is not None else None)

    def _evaluate(self, query: str | None, response: str, contexts: list[str] | None) -> VeracityEvaluationResult:
        result = {"query": query, "response": response, "contexts": contexts}
        try:
            with self._lock:  # one model, one pass at a time
                report: RAGReport | Report = (
                    self.checker.check_rag(query, response, contexts) if contexts is not None else self.checker.check(response)
                )
        except VeracityError as err:
            return VeracityEvaluationResult(**result, invalid_result=True, invalid_reason=str(err))
        precision = report.summary.factual_precision
        if precision is None:
            return VeracityEvaluationResult(
                **result, report=report, invalid_result=True, invalid_reason="no checkable claim", feedback=feedback(report)
            )
        return VeracityEvaluationResult(
            **result, report=report, score=precision, passing=precision >= self.threshold, feedback=feedback(report)
        )


def feedback(report: Report) -> str:
    """A summary line, then one line per claim: its label, P(supported) and text."""
    s = report.summary
    lines = [
        f"factual precision {s.factual_precision:.2f} ({s.counts['supported']}/{s.n_scored} scored claims supported)"
        if s.factual_precision is not None
        else f"no scored claim ({s.n_claims} claims)"
    ]
    for result in report.results:
        verdict = result.verdict
        p = f" p={verdict.probability:.2f}" if verdict.probability is not None else ""
        why = f" ({verdict.reason})" if verdict.reason else ""
        lines.append(f"- {verdict.label}{p}: {result.claim.text}{why}")
    citations = getattr(report, "citations", None)
    if citations is not None:
        lines.append(f"citation recall {citations.recall:.2f}, precision {citations.precision:.2f}")
    return "\n".join(lines)
