"""LangChain runnables that check a RAG answer inside an LCEL chain (`pip install 'veracity[langchain]'`).

Both take `{"question": str | None, "answer": str, "documents": [...]}` (`"context"` is accepted
for `"documents"`), the documents being LangChain `Document`s, text, or veracity `Document`s. `[n]`
in the answer cites the n-th document; a LangChain document's `id`, when set, is also a name that
markers such as `[doc-7]` resolve to.

* `VeracityRunnable` -> the `RAGReport` (claim verdicts, citation scores, answer metrics).
* `VeracityGuard` -> the input with `answer` cleaned of unsupported sentences (`mode="drop"`) or
  with them flagged (`mode="flag"`), and the report under `metadata["veracity_report"]`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from langchain_core.documents import Document as LCDocument
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict, PrivateAttr

from veracity.attribution.rag import RAGReport
from veracity.errors import InputFormatError, VeracityError
from veracity.pipeline import Context, FactChecker
from veracity.plugins import UNSUPPORTED, GuardMode, default_checker, guard_answer, unsupported_spans
from veracity.types import Document, Label, Passage

Output = TypeVar("Output")


def to_contexts(documents: Sequence[LCDocument | Document | Passage | str]) -> list[Context]:
    """LangChain documents as checker contexts: with an id a `Document` (markers may name it), else its text."""
    contexts: list[Context] = []
    for i, doc in enumerate(documents, 1):
        if isinstance(doc, LCDocument):
            title = doc.metadata.get("title")
            contexts.append(
                Document(id=str(doc.id), text=doc.page_content, title=title if isinstance(title, str) else None)
                if doc.id
                else doc.page_content
            )
        elif isinstance(doc, (str, Document, Passage)):
            contexts.append(doc)
        else:
            raise InputFormatError(f"document {i} must be a LangChain Document or text, not {type(doc).__name__}")
    return contexts


def _fields(value: Any) -> tuple[str | None, str, list[Context]]:
    if not isinstance(value, Mapping):
        raise InputFormatError(f"expected a dict with question, answer and documents, not {type(value).__name__}")
    answer, question = value.get("answer"), value.get("question")
    documents = value.get("documents", value.get("context"))
    if not isinstance(answer, str):
        raise InputFormatError("`answer` must be a string")
    if question is not None and not isinstance(question, str):
        raise InputFormatError("`question` must be a string")
    if not isinstance(documents, Sequence) or isinstance(documents, str):
        raise InputFormatError("`documents` must be a list of documents")
    return question, answer, to_contexts(documents)


class _CheckerRunnable(RunnableSerializable[dict[str, Any], Output], Generic[Output]):
    """Holds the `FactChecker` (given, or built on first use from `judge` and `k`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    checker: FactChecker | None = None
    judge: str = "default"
    k: int = 5
    at_most_citations: int = 3
    _loaded: FactChecker | None = PrivateAttr(default=None)

    @property
    def fact_checker(self) -> FactChecker:
        if self._loaded is None:
            self._loaded = default_checker(self.checker, self.judge, self.k)
        return self._loaded

    def _reports(self, inputs: list[dict[str, Any]]) -> list[RAGReport | Exception]:
        """One report per input, with one verifier pass; a bad input yields its error, not the batch's."""
        checker = self.fact_checker
        try:
            parsed = [_fields(value) for value in inputs]
            checked = checker.check_many([answer for _, answer, _ in parsed], [ctx for _, _, ctx in parsed])
        except VeracityError:
            return [self._one(value) for value in inputs]
        return [
            checker.rag_report(question, report, ctx, at_most_citations=self.at_most_citations)
            for (question, _, ctx), report in zip(parsed, checked)
        ]

    def _one(self, value: dict[str, Any]) -> RAGReport | Exception:
        try:
            question, answer, contexts = _fields(value)
            return self.fact_checker.check_rag(question, answer, contexts, at_most_citations=self.at_most_citations)
        except VeracityError as err:
            return err

    @abstractmethod
    def _finish(self, value: dict[str, Any], report: RAGReport) -> Output:
        """This runnable's output for `value`, given the report on its answer."""

    def _run_batch(self, inputs: list[dict[str, Any]]) -> list[Output | Exception]:
        return [r if isinstance(r, Exception) else self._finish(v, r) for v, r in zip(inputs, self._reports(inputs))]

    def _run(self, value: dict[str, Any]) -> Output:
        outcome = self._run_batch([value])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any) -> Output:
        return self._call_with_config(self._run, input, config, run_type="chain")

    def batch(
        self,
        inputs: list[dict[str, Any]],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output]:
        """All inputs in one batched verifier pass (LangChain's default would check them one by one)."""
        if not inputs:
            return []
        return self._batch_with_config(self._run_batch, inputs, config, return_exceptions=return_exceptions, run_type="chain")


class VeracityRunnable(_CheckerRunnable[RAGReport]):
    """`{"question", "answer", "documents"}` -> `RAGReport`: every claim of the answer checked
    against the documents, ALCE citation scores when it cites, and answer metrics."""

    @property
    def OutputType(self) -> type[RAGReport]:
        return RAGReport

    def _finish(self, value: dict[str, Any], report: RAGReport) -> RAGReport:
        return report


class VeracityGuard(_CheckerRunnable[dict[str, Any]]):
    """`{"question", "answer", "documents", ...}` -> the same dict with `answer` guarded.

    A sentence is unsupported when one of its claims is labelled one of `unsupported` (default:
    refuted or not enough info). `mode="drop"` removes such sentences; `mode="flag"` appends
    ` {flag}` to each. `metadata` gains `veracity_report` (the `RAGReport` on the original answer),
    `unsupported_sentences` and `original_answer`.
    """

    mode: GuardMode = "drop"
    flag: str = "[unsupported]"
    unsupported: tuple[Label, ...] = UNSUPPORTED

    @property
    def OutputType(self) -> type[dict[str, Any]]:
        return dict[str, Any]

    def _finish(self, value: dict[str, Any], report: RAGReport) -> dict[str, Any]:
        _, answer, contexts = _fields(value)
        spans = unsupported_spans(answer, report, contexts, self.unsupported)
        metadata = dict(value.get("metadata") or {})
        metadata.update(
            veracity_report=report,
            unsupported_sentences=[answer[start:end] for start, end in spans],
            original_answer=answer,
        )
        return {**value, "answer": guard_answer(answer, spans, self.mode, self.flag), "metadata": metadata}
