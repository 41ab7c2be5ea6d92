"""Adapters for RAG and evaluation frameworks, each behind its optional extra.

* `veracity.plugins.langchain` (`veracity[langchain]`): `VeracityRunnable`, `VeracityGuard`.
* `veracity.plugins.llamaindex` (`veracity[llamaindex]`): `VeracityEvaluator`.
* `veracity.plugins.inspect_ai` (`veracity[inspect]`): `factual_precision_scorer`, `citation_quality_scorer`.

Import the submodule you need; this package itself imports none of the frameworks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from veracity.pipeline import Context, FactChecker
from veracity.types import Document, Label, Passage, Report

GuardMode = Literal["drop", "flag"]
UNSUPPORTED: tuple[Label, ...] = ("refuted", "not_enough_info")


def passage_ids(contexts: Sequence[Context]) -> list[str]:
    """The ids citation markers resolve against: a Document's/Passage's id, else `ctx1`, `ctx2`, ..."""
    return [c.id if isinstance(c, (Passage, Document)) else f"ctx{i}" for i, c in enumerate(contexts, 1)]


def default_checker(checker: FactChecker | None, judge: str, k: int) -> FactChecker:
    """`checker` itself, or a new `FactChecker(judge=judge, k=k)`."""
    return checker if checker is not None else FactChecker(judge=judge, k=k)


def unsupported_spans(
    answer: str, report: Report, contexts: Sequence[Context], unsupported: Collection[Label] = UNSUPPORTED
) -> list[tuple[int, int]]:
    """`(start, end)` in `answer` of each sentence (citation markers included) with a claim labelled
    one of `unsupported`; sentences without claims (greetings, hedges) are never unsupported."""
    from veracity.attribution import parse_citations

    sentences = parse_citations(answer, passage_ids(contexts))
    spans = []
    for sentence in sentences:
        labels = [r.verdict.label for r in report.results if sentence.start <= r.claim.start < sentence.end]
        if any(label in unsupported for label in labels):
            spans.append((sentence.start, sentence.end))
    return spans


def guard_answer(answer: str, spans: Sequence[tuple[int, int]], mode: GuardMode = "drop", flag: str = "[unsupported]") -> str:
    """`answer` with the sentences at `spans` removed (`drop`, with the whitespace after each) or
    followed by ` {flag}` (`flag`). Unchanged when `spans` is empty."""
    if not spans:
        return answer
    if mode == "flag":
        for _, end in sorted(spans, reverse=True):
            answer = f"{answer[:end]} {flag}{answer[end:]}"
        return answer
    kept, pos = [], 0
    for start, end in sorted(spans):
        kept.append(answer[pos:start])
        pos = end + (len(answer[end:]) - len(answer[end:].lstrip()))
    kept.append(answer[pos:])
    return "".join(kept).strip()
