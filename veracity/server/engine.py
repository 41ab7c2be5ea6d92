"""The loaded models, shared by all requests: one `FactChecker` per worker, one index for all."""

from __future__ import annotations

import copy
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from veracity.claims import extract_claims
from veracity.claims.limits import ClaimLimits
from veracity.judges import Judge
from veracity.pipeline import Context, FactChecker
from veracity.provenance import RunSpec
from veracity.server.budget import BudgetedJudge
from veracity.server.settings import Settings
from veracity.types import Claim, Evidence, Report, Verdict

if TYPE_CHECKING:
    from veracity.attribution import CitationScores

WARM_UP_TEXT = "The Eiffel Tower was completed in 1889."
ModelCalls = Callable[[str, int], None]


class _LockedIndex:
    """An index searched by one thread at a time (its query encoder is not thread-safe)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self._lock = threading.Lock()

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Evidence]]:
        with self._lock:
            return self.index.search_many(queries, k=k)


class _SerialJudge:
    """A judge that cannot be copied, shared by the workers one call at a time."""

    def __init__(self, judge: Judge, lock: threading.Lock) -> None:
        self.judge = judge
        self._lock = lock

    def verify(self, claim: Claim | str, evidence: Sequence[Evidence | str]) -> Verdict:
        with self._lock:
            return self.judge.verify(claim, evidence)

    def verify_many(self, claims: Sequence[Claim | str], evidence: Sequence[Sequence[Evidence | str]]) -> list[Verdict]:
        with self._lock:
            return self.judge.verify_many(claims, evidence)


def _worker_judges(judge: Judge, n: int) -> list[Judge]:
    """`n` judges for `n` threads: the first, then private copies (a tokenizer is not thread-safe)."""
    try:
        return [judge] + [copy.deepcopy(judge) for _ in range(n - 1)]
    except Exception:  # not copyable: share it, serialised
        lock = threading.Lock()
        return [_SerialJudge(judge, lock) for _ in range(n)]


class Engine:
    """Runs the library for the server; every method blocks, so call it from a worker thread.

    `model_calls(model, n)` is told of each model call, for the metrics. `budget_s`: seconds of model
    work per request (`TimeBudgetExceeded` past it; None: no limit). `max_evidence`: evidence passages
    kept per verdict in the reports it returns (None: all). `claim_limits`: for `claims`.
    """

    def __init__(
        self,
        checkers: list[FactChecker],
        judge_name: str,
        model_calls: ModelCalls | None = None,
        *,
        budget_s: float | None = None,
        max_evidence: int | None = None,
        claim_limits: ClaimLimits | None = None,
    ) -> None:
        self._idle: queue.SimpleQueue[FactChecker] = queue.SimpleQueue()
        for checker in checkers:
            if not isinstance(checker.judge, BudgetedJudge):
                checker.judge = BudgetedJudge(checker.judge)
            self._idle.put(checker)
        self.budget_s = budget_s
        self.max_evidence = max_evidence
        self.claim_limits = claim_limits
        self.has_index = checkers[0].index is not None
        self.extractor = checkers[0].extractor
        self.judge_name = judge_name
        self.run_spec: RunSpec | None = None
        self.model_calls = model_calls or (lambda model, n: None)

    @classmethod
    def load(cls, settings: Settings, model_calls: ModelCalls | None = None) -> Engine:
        """Load the index and verifier once (a copy of the verifier per worker) and warm them up."""
        import torch

        # Workers x intra-op threads = the CPUs: more threads only fight over the cores.
        torch.set_num_threads(settings.torch_threads or max(1, (os.cpu_count() or 1) // settings.max_concurrency))
        index = None
        if settings.index is not None:
            from veracity.retrieval import HybridIndex

            index = _LockedIndex(HybridIndex.load(settings.index))
        limits = settings.claim_limits
        first = FactChecker(index=index, judge=settings.judge, k=settings.k, claim_limits=limits)
        judges = _worker_judges(first.judge, settings.max_concurrency)
        checkers = [FactChecker(index=index, judge=judge, k=settings.k, claim_limits=limits) for judge in judges]
        judge_name = str(getattr(first.judge, "name", settings.judge))
        engine = cls(
            checkers, judge_name, model_calls,
            budget_s=settings.time_budget_s, max_evidence=settings.max_evidence, claim_limits=limits,
        )  # fmt: skip
        for checker in checkers:
            checker.check(WARM_UP_TEXT, contexts=[WARM_UP_TEXT])
        engine.run_spec = first.run_spec()  # what every report is made with (`/v1/info`)
        return engine

    @contextmanager
    def checker(self) -> Iterator[FactChecker]:
        """A checker no other thread is using (the caller bounds threads to the number of checkers),
        its judge's time budget started."""
        checker = self._idle.get()
        budgeted = checker.judge if isinstance(checker.judge, BudgetedJudge) else None
        try:
            if budgeted is not None:
                budgeted.start(self.budget_s)
            yield checker
        finally:
            if budgeted is not None:
                budgeted.start(None)
            self._idle.put(checker)

    def verify(self, text: str, contexts: Sequence[Context] | None, rag: tuple[str | None, int] | None = None) -> Report:
        """`check(text, contexts)`; with `rag` = (question, at_most_citations), the `RAGReport` of `check_rag`."""
        with self.checker() as checker:
            report = checker.check(text, contexts=contexts)
            if rag is not None:
                question, at_most = rag
                report = checker.rag_report(question, report, contexts or [], at_most_citations=at_most)
        report = self._bounded(report)
        self.model_calls("spacy", 1)
        if report.results:
            self.model_calls(self.judge_name, 1)
        return report

    def _bounded(self, report: Report) -> Report:
        """The report with at most `max_evidence` evidence passages per verdict (the deciding one first)."""
        n = self.max_evidence
        if n is None or all(len(r.verdict.evidence) <= n for r in report.results):
            return report
        results = [
            r if len(r.verdict.evidence) <= n else r.model_copy(update={"verdict": r.verdict.model_copy(update={"evidence": r.verdict.evidence[:n]})})
            for r in report.results
        ]
        return report.model_copy(update={"results": results})

    def claims(self, text: str) -> list[Claim]:
        claims = extract_claims(text, extractor=self.extractor, limits=self.claim_limits)
        self.model_calls("spacy", 1)
        return claims

    def citations(self, answer: str, passages: Sequence[Context], at_most_citations: int | None) -> CitationScores:
        """ALCE citation scores, entailment decided by this server's verifier."""
        from veracity.attribution import citation_scores

        with self.checker() as checker:
            judge = checker.judge

            def entails(premise: str, hypothesis: str) -> bool:
                if not premise.strip() or not hypothesis.strip():
                    return False
                self.model_calls(self.judge_name, 1)
                return judge.verify(hypothesis, [premise]).label == "supported"

            return citation_scores(answer, list(passages), entails=entails, at_most_citations=at_most_citations)
