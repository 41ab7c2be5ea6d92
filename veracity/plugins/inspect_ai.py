"""Inspect AI scorers backed by veracity (`pip install 'veracity[inspect]'`).

Both score `state.output.completion` against the passages in the sample's metadata (key
`contexts`: a list of strings or of `{"id", "text", "title"}` dicts), `[n]` citing the n-th one.

* `factual_precision_scorer()`: value = supported / scored claims (FActScore without penalty);
  `metadata` holds every claim with its verdict. No checkable claim -> an unscored sample.
* `citation_quality_scorer()`: value = `{"citation_recall", "citation_precision"}` as ALCE
  computes them; `metadata` holds the status of each sentence.

An empty answer is unscored (`reason="no_response"`), and so is an answer that cites nothing and makes
no statement needing a citation (`reason="no_citation_needed"`); unscored samples are left out of the metrics.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import anyio
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState

from veracity.attribution import answer_metrics, citation_scores
from veracity.errors import EmptyInputError, InputFormatError
from veracity.pipeline import Context, FactChecker
from veracity.plugins import default_checker
from veracity.types import Document, Report

T = TypeVar("T")


class _Shared:
    """One `FactChecker` per scorer, built on first use, used by one sample at a time."""

    def __init__(self, checker: FactChecker | None, judge: str, k: int) -> None:
        self._given, self._judge, self._k = checker, judge, k
        self._checker: FactChecker | None = None
        self._lock = threading.Lock()

    def _call(self, work: Callable[[FactChecker], T]) -> T:
        with self._lock:
            if self._checker is None:
                self._checker = default_checker(self._given, self._judge, self._k)
            return work(self._checker)

    async def run(self, work: Callable[[FactChecker], T]) -> T:
        """`work(checker)` in a worker thread, so the event loop keeps serving other samples."""
        return await anyio.to_thread.run_sync(self._call, work)


def sample_contexts(state: TaskState, key: str = "contexts") -> list[Context] | None:
    """The sample's contexts from `state.metadata[key]` (None when absent)."""
    raw = (state.metadata or {}).get(key)
    if raw is None:
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InputFormatError(f"sample metadata {key!r} must be a list of passages")
    contexts: list[Context] = []
    for i, item in enumerate(raw, 1):
        if isinstance(item, str):
            contexts.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
            contexts.append(Document(id=str(item.get("id") or f"ctx{i}"), text=item["text"], title=item.get("title")))
        else:
            raise InputFormatError(f"sample metadata {key!r}[{i - 1}] must be text or a dict with `text`")
    return contexts


def _claims(report: Report) -> list[dict[str, Any]]:
    return [
        {"claim": r.claim.text, "label": r.verdict.label, "probability": r.verdict.probability, "reason": r.verdict.reason}
        for r in report.results
    ]


@scorer(metrics=[mean(), stderr()])
def factual_precision_scorer(
    checker: FactChecker | None = None, *, judge: str = "default", k: int = 5, contexts_key: str = "contexts"
) -> Scorer:
    """Share of the answer's scored claims that its contexts (or the checker's index) support.

    `checker`: a ready `FactChecker` (default: one built from `judge` and `k` on first use).
    """
    shared = _Shared(checker, judge, k)

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion
        if not answer.strip():
            return Score.unscored(reason="no_response", explanation="empty answer")
        contexts = sample_contexts(state, contexts_key)
        report = await shared.run(lambda c: c.check(answer, contexts=contexts))
        metrics = answer_metrics(report)
        metadata = {"claims": _claims(report), "metrics": metrics.model_dump(mode="json")}
        if metrics.factual_precision is None:
            return Score.unscored(
                reason="no_claims", answer=answer, explanation="no claim was scored", metadata=metadata
            )
        return Score(
            value=metrics.factual_precision,
            answer=answer,
            explanation=(
                f"{metrics.n_supported}/{metrics.n_scored} claims supported "
                f"({metrics.n_refuted} refuted, {metrics.n_not_enough_info} not enough info)"
            ),
            metadata=metadata,
        )

    return score


@scorer(metrics={"citation_recall": [mean(), stderr()], "citation_precision": [mean(), stderr()]})
def citation_quality_scorer(
    checker: FactChecker | None = None,
    *,
    judge: str = "default",
    contexts_key: str = "contexts",
    at_most_citations: int = 3,
) -> Scorer:
    """ALCE citation recall (sentences their citations support) and precision (relevant citations).

    `checker`: whose judge decides entailment (default: one built from `judge` on first use).
    """
    shared = _Shared(checker, judge, 5)

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion
        contexts = sample_contexts(state, contexts_key)
        if contexts is None:
            raise InputFormatError(f"citation quality needs the sample's passages in metadata[{contexts_key!r}]")
        try:
            scores = await shared.run(
                lambda c: citation_scores(answer, contexts, entails=c.entails, at_most_citations=at_most_citations)
            )
        except EmptyInputError:
            return Score.unscored(reason="no_response", explanation="empty answer")
        if scores.n_citations == 0 and not scores.citation_needed:
            # Nothing cited and nothing that needed a citation: as the factual scorer, leave it out.
            return Score.unscored(
                reason="no_citation_needed", answer=answer, explanation="the answer makes no statement that needs a citation"
            )
        sentences = [
            {
                "sentence": s.sentence.text,
                "status": s.status,
                "cited": s.counted,
                "relevant": s.relevant,
                "citation_needed": s.citation_needed,
            }
            for s in scores.sentences
        ]
        return Score(
            value={"citation_recall": scores.recall, "citation_precision": scores.precision},
            answer=answer,
            explanation=(
                f"recall {scores.recall:.2f} ({scores.n_supported}/{scores.n_sentences} sentences supported by their citations), "
                f"precision {scores.precision:.2f} ({scores.n_relevant}/{scores.n_citations} citations relevant)"
            ),
            metadata={"sentences": sentences},
        )

    return score
