"""Assertions for evaluation code: fail a test when an answer is unsupported, judged poor, or not preferred.

    from veracity.testing import assert_supported, assert_judged, assert_preferred

    def test_answer():
        assert_supported(answer, contexts, min_precision=1.0)
        assert_judged(question, answer, rubric=Rubric.checklist(["Names the capital."]), min_score=0.5)
        assert_preferred(question, better, worse)

Each raises `AssertionError` with a readable message: the unsupported claims with their verdicts and
probabilities, the failed and unscored rubric items with the judge's reasons, the preference's
probabilities. Models and checkers are built once per process. The pytest plugin
(`veracity.pytest_plugin`, registered as a ``pytest11`` entry point) sets the model, the number of
resamples and a cache shared across runs from ``--veracity-model`` / ``--veracity-resamples``; without
it, `configure` does the same (default model ``local/smollm2``, offline).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veracity.judges.llm import PairwiseJudge, Preference
    from veracity.judges.rubric import Rubric, RubricScore
    from veracity.pipeline import FactChecker
    from veracity.types import Report

__all__ = ["assert_judged", "assert_preferred", "assert_supported", "configure", "settings"]

DEFAULT_MODEL = "local/smollm2"


class _Settings:
    """Process-wide defaults for the assertions (set by the pytest plugin or `configure`)."""

    def __init__(self) -> None:
        self.model = os.environ.get("VERACITY_TEST_MODEL", DEFAULT_MODEL)
        self.resamples = 1
        self.cache: Path | str | None = "default"
        self._objects: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], build: Any) -> Any:
        with self._lock:
            if key not in self._objects:
                self._objects[key] = build()
            return self._objects[key]

    def client(self, model: str | None = None) -> Any:
        from veracity.llm import LLMClient

        name = model or self.model
        return self.get(("client", name, str(self.cache)), lambda: LLMClient(name, cache=self.cache))

    def checker(self) -> FactChecker:
        from veracity.pipeline import FactChecker

        return self.get(("checker",), FactChecker)


settings = _Settings()


def configure(*, model: str | None = None, resamples: int | None = None, cache: Path | str | None = "unchanged") -> None:
    """Set the default judge model, resamples per judgement, and LLM cache (a path, "default" or None)."""
    if model is not None:
        settings.model = model
    if resamples is not None:
        if resamples < 1:
            raise ValueError("resamples must be >= 1")
        settings.resamples = resamples
    if cache != "unchanged":
        settings.cache = cache


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _fmt(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.2f}"


def assert_supported(
    answer: str | Report,
    contexts: Sequence[Any] | None = None,
    *,
    min_precision: float = 1.0,
    checker: FactChecker | None = None,
) -> Report:
    """Fail unless the share of supported claims among the scored ones is at least `min_precision`.

    `answer` is checked against `contexts` with `checker` (default: one offline `FactChecker` per
    process), or is an existing `Report`. An answer with no scored claim fails (nothing was shown to be
    supported). Returns the report.
    """
    __tracebackhide__ = True  # pytest shows the message, not this function
    if isinstance(answer, str):
        report = (checker or settings.checker()).check(answer, contexts=contexts)
    else:
        report = answer
    precision = report.summary.factual_precision
    if precision is not None and precision >= min_precision:
        return report
    lines = [
        f"answer is not supported by its contexts: factual precision {_fmt(precision)} < {min_precision:.2f} "
        f"({report.summary.counts.get('supported', 0)} of {report.summary.n_scored} scored claims supported)"
    ]
    for result in report.results:
        verdict = result.verdict
        if verdict.label == "supported":
            continue
        lines.append(f"  - {verdict.label} (P(supported)={_fmt(verdict.probability)}): {_short(result.claim.text)}")
        if verdict.evidence:
            lines.append(f"      closest evidence: {_short(verdict.evidence[0].passage.text)}")
        elif verdict.reason:
            lines.append(f"      reason: {_short(verdict.reason)}")
    if not report.results:
        lines.append("  (no checkable claim found in the answer)")
    raise AssertionError("\n".join(lines))


def assert_judged(
    question: str,
    answer: str,
    *,
    rubric: Rubric | Sequence[str] | str | Path | None = None,
    min_score: float = 0.5,
    reference: str | None = None,
    model: str | None = None,
    resamples: int | None = None,
) -> RubricScore | Any:
    """Fail unless the judge's score reaches `min_score`.

    With a `rubric` (a `Rubric`, a list of checklist items, or a .json/.yaml path), the score is the
    rubric's weighted total in 0..1 and the message lists failed and unscored items with the judge's
    reasons. Without one, a TrustJudge pointwise score on 1..5, resampled over prompt paraphrases when
    `resamples` (default: the plugin's ``--veracity-resamples``) is above 1. Returns the judgement.
    """
    __tracebackhide__ = True  # pytest shows the message, not this function
    k = resamples or settings.resamples
    client = settings.client(model)
    if rubric is None:
        from veracity.judges.resampled import ResampledJudge

        judge = settings.get(("resampled", id(client)), lambda: ResampledJudge(client))
        result = judge.score(question, answer, reference, k=k)
        if result.mean is not None and result.mean >= min_score:
            return result
        spread = f" +/- {result.std:.2f} over {result.k} prompt variants" if result.std is not None else ""
        got = f"{result.mean:.2f}{spread}" if result.mean is not None else f"unscored ({result.why_unscored})"
        raise AssertionError(f"judged score {got} < {min_score:.2f} (1..5, {result.model}) for answer: {_short(answer)}")
    from veracity.judges.rubric import Rubric, RubricJudge

    if isinstance(rubric, str | Path):
        rubric = Rubric.from_file(rubric)
    elif not isinstance(rubric, Rubric):
        rubric = Rubric.checklist(list(rubric))
    rubric_judge = settings.get(("rubric", id(client)), lambda: RubricJudge(client))
    scored = rubric_judge.score(question, answer, rubric, reference)
    if scored.total is not None and scored.total >= min_score and not scored.unscored:
        return scored
    total = "unscored" if scored.total is None else f"{scored.total:.2f} +/- {scored.std or 0.0:.2f}"
    lines = [f"rubric {rubric.name!r}: score {total} < {min_score:.2f} ({scored.model}; coverage {scored.coverage:.0%})"]
    for item in scored.items:
        if item.value is None:
            lines.append(f"  - unscored: {item.question} ({item.why_unscored})")
        elif item.verdict == "no":
            lines.append(f"  - failed ({item.value:.2f}): {item.question}" + (f" - {_short(item.reason)}" if item.reason else ""))
    raise AssertionError("\n".join(lines))


def assert_preferred(
    question: str,
    preferred: str,
    other: str,
    *,
    judge: PairwiseJudge | None = None,
    model: str | None = None,
    allow_tie: bool = False,
) -> Preference:
    """Fail unless the pairwise judge (both orders, TrustJudge likelihood) prefers `preferred` to `other`."""
    __tracebackhide__ = True  # pytest shows the message, not this function
    if judge is None:
        from veracity.judges.llm import PairwiseJudge

        client = settings.client(model)
        judge = settings.get(("pairwise", id(client)), lambda: PairwiseJudge(client))
    preference = judge.compare(question, preferred, other)
    if preference.outcome == "A" or (allow_tie and preference.outcome == "tie"):
        return preference
    got = preference.outcome or f"unscored ({preference.why_unscored})"
    probs = ", ".join(f"P({k})={v:.2f}" for k, v in preference.probabilities.items())
    orders = "; ".join(f"{o.order}: {o.verdict}" for o in preference.per_order)
    raise AssertionError(
        f"judge did not prefer the expected answer: outcome {got} ({probs}; per order {orders}; {preference.model})\n"
        f"  expected better: {_short(preferred)}\n  other: {_short(other)}"
    )
