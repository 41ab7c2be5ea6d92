"""The one "unscored" contract (`veracity.unscored`) and every LLM stage's failure path.

The failing providers are real configurations, not stand-ins: an OpenAI-compatible endpoint on a closed
local port (every call fails to connect: ``provider_error``) and a hosted model without its API key
(``not_configured``). Each stage must answer with an unscored result carrying that code, never raise.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from veracity.claims.llm_extractor import LLMClaimExtractor
from veracity.judges.consistency import Ratio, non_transitivity_ratio, run_agreement
from veracity.judges.llm import PairwiseJudge, PointwiseJudge, Preference, Score
from veracity.judges.llm.pairwise import combine_orders
from veracity.judges.llm.types import OrderJudgement
from veracity.judges.llm_verifier import LLMVerifier
from veracity.judges.panel import PairwiseJudgePanel
from veracity.judges.reliability import ReliabilityError, bootstrap_ci
from veracity.judges.resampled import ResampledJudge
from veracity.judges.rubric import Rubric, RubricJudge
from veracity.llm import LLMClient, LLMProviderError, LLMUnavailable, Request
from veracity.types import Report, Verdict
from veracity.unscored import UNSCORED_REASONS, Fallback, Unscored

CONTEXT = "The Eiffel Tower is a wrought-iron lattice tower in Paris, France. It was completed in 1889."


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on exit: connecting is refused


@pytest.fixture(scope="module")
def down() -> Iterator[LLMClient]:
    """A client whose provider cannot be reached (no retries, so every call fails at once)."""
    with LLMClient(
        "openai/judge", api_base=f"http://127.0.0.1:{_closed_port()}/v1", api_key="sk-unused", max_retries=0,
        cache=None, timeout=5,
    ) as client:  # fmt: skip
        yield client


@pytest.fixture
def keyless(monkeypatch: pytest.MonkeyPatch) -> LLMClient:
    """A hosted model with no API key in the environment."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return LLMClient("gpt-4o-mini", cache=None, max_retries=0)


# -- the contract -------------------------------------------------------------------------------------


def test_reasons_are_a_closed_set() -> None:
    assert Unscored(reason="provider_error", detail="x").reason == "provider_error"
    with pytest.raises(ValidationError):
        Unscored(reason="timeout", detail="x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Unscored(reason="provider_error", detail="")
    assert UNSCORED_REASONS[:2] == ("not_configured", "provider_error")


def test_of_error_maps_unavailable_to_not_configured() -> None:
    assert Unscored.of_error(LLMUnavailable("no key")).reason == "not_configured"
    why = Unscored.of_error(LLMProviderError("503"), "llm:m")
    assert why.reason == "provider_error" and why.detail == "llm:m: LLMProviderError: 503"


def test_combine_keeps_the_first_reason_by_precedence() -> None:
    parts = [Unscored(reason="unparseable_output", detail="a"), Unscored(reason="provider_error", detail="b")]
    assert Unscored.combine(parts) == Unscored(reason="provider_error", detail="a; b")
    assert Unscored.combine(parts, "both").detail == "both"
    assert Unscored.combine([]).reason == "insufficient_data"


def test_older_free_text_reasons_are_still_accepted_and_serialised() -> None:
    score = Score(value=None, unscored_reason="judge timed out")
    assert score.why_unscored == Unscored(reason="unspecified", detail="judge timed out")
    dumped = score.model_dump(mode="json")
    assert dumped["unscored_reason"] == "judge timed out" and dumped["why_unscored"]["reason"] == "unspecified"
    assert Score.model_validate(dumped) == score
    assert Preference(outcome=None, unscored_reason="x").why_unscored is not None
    with pytest.raises(ValidationError):
        Score(value=None)
    with pytest.raises(ValidationError):
        Score(value=3.0, why_unscored=Unscored(reason="unspecified", detail="x"))


def test_verdict_carries_the_code_and_reads_older_json() -> None:
    why = Unscored(reason="provider_error", detail="llm:x: LLMTimeout: slow")
    verdict = Verdict.unscored(why)
    assert verdict.reason == why.detail and verdict.why_unscored == why
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict
    old = Verdict.model_validate(json.loads('{"label": "unscored", "reason": "model timed out"}'))
    assert old.why_unscored == Unscored(reason="unspecified", detail="model timed out")
    with pytest.raises(ValidationError):
        Verdict(label="supported", probability=0.9, why_unscored=why)


def test_ratios_say_why_they_have_no_value() -> None:
    assert Ratio.of(1, 2).why_unscored is None
    empty = Ratio.of(0, 0)
    assert empty.value is None and empty.why_unscored is not None and empty.why_unscored.reason == "insufficient_data"
    assert non_transitivity_ratio([{}]).why_unscored is not None
    assert run_agreement([[None], [None]]).why_unscored is not None


def test_undefined_reliability_statistic_is_insufficient_data() -> None:
    def never(labels: list[int]) -> float:
        raise ReliabilityError("undefined: one category only")

    result = bootstrap_ci(never, [1, 1, 1], n_boot=5)
    assert result.value is None and result.why_unscored is not None
    assert result.why_unscored.reason == "insufficient_data" and result.unscored_reason == "undefined: one category only"


def test_combined_orders_report_the_order_that_failed() -> None:
    ok = OrderJudgement(order="AB", probabilities={"A": 1.0}, verdict="A")
    bad = OrderJudgement(order="BA", why_unscored=Unscored(reason="unparseable_output", detail="no label"))
    pref = combine_orders([ok, bad], "likelihood")
    assert pref.outcome is None and pref.why_unscored is not None
    assert pref.why_unscored.reason == "unparseable_output" and pref.unscored_reason == "order BA: no label"


# -- every LLM stage's failure path, against a provider that cannot be reached ------------------------------


def test_client_helpers_return_provider_error(down: LLMClient) -> None:
    [result] = down.map([Request([{"role": "user", "content": "hi"}], prompt_version="t/v1")])
    assert result.why_unscored is not None and result.why_unscored.reason == "provider_error"
    structured = down.structured([{"role": "user", "content": "hi"}], Rubric, prompt_version="t/v1")
    assert structured.why_unscored is not None and structured.why_unscored.reason == "provider_error"


def test_pointwise_judge_provider_error_is_unscored(down: LLMClient) -> None:
    score = PointwiseJudge(down).score("What is 2+2?", "4")
    assert score.value is None and score.why_unscored is not None and score.why_unscored.reason == "provider_error"
    with pytest.raises(LLMProviderError):
        PointwiseJudge(down, on_provider_error="raise").score("What is 2+2?", "4")


def test_pairwise_judge_and_panel_provider_error_is_unscored(down: LLMClient) -> None:
    pref = PairwiseJudge(down).compare("Capital of France?", "Paris", "Lyon")
    assert pref.outcome is None and pref.why_unscored is not None and pref.why_unscored.reason == "provider_error"
    assert all(o.why_unscored is not None and o.why_unscored.reason == "provider_error" for o in pref.per_order)
    panel = PairwiseJudgePanel([PairwiseJudge(down), PairwiseJudge(down, method="baseline")]).compare("Q?", "a", "b")
    assert panel.preference.why_unscored is not None and panel.preference.why_unscored.reason == "provider_error"


def test_rubric_and_resampled_judges_provider_error_is_unscored(down: LLMClient) -> None:
    rubric = RubricJudge(down).score("Capital of France?", "Paris.", Rubric.checklist(["Names Paris.", "Is short."]))
    assert rubric.total is None and rubric.coverage == 0.0
    assert rubric.why_unscored is not None and rubric.why_unscored.reason == "provider_error"
    assert all(i.why_unscored is not None and i.why_unscored.reason == "provider_error" for i in rubric.items)
    resampled = ResampledJudge(down, k=2).score("What is 2+2?", "4")
    assert resampled.mean is None and resampled.n_unscored == 2
    assert resampled.why_unscored is not None and resampled.why_unscored.reason == "provider_error"


def test_llm_verifier_provider_error_is_an_unscored_verdict(down: LLMClient) -> None:
    verdict = LLMVerifier(down).verify("The Eiffel Tower is in Paris.", [CONTEXT])
    assert verdict.label == "unscored" and verdict.why_unscored is not None
    assert verdict.why_unscored.reason == "provider_error" and verdict.reason == verdict.why_unscored.detail


def test_missing_api_key_is_not_configured(keyless: LLMClient) -> None:
    assert PointwiseJudge(keyless).score("Q?", "A").why_unscored.reason == "not_configured"  # type: ignore[union-attr]
    verdict = LLMVerifier(keyless).verify("The Eiffel Tower is in Paris.", [CONTEXT])
    assert verdict.why_unscored is not None and verdict.why_unscored.reason == "not_configured"


def test_llm_extractor_fallback_is_recorded_with_its_reason(down: LLMClient) -> None:
    extractor = LLMClaimExtractor(down)
    extraction = extractor.extract_all("The Eiffel Tower was completed in 1889. It is in Paris.")
    assert extraction.claims, "spaCy took over"
    [record] = extraction.fallbacks
    assert record.stage == "claims" and record.used == "spacy" and record.cause.reason == "provider_error"
    assert extraction.fallback == f"spacy: {record.cause.detail}" == f"spacy: {extractor.last_fallback_reason}"


def test_fact_checker_report_records_the_fallback_and_the_reasons(down: LLMClient) -> None:
    from veracity import FactChecker

    checker = FactChecker(judge=LLMVerifier(down), extractor=LLMClaimExtractor(down))
    report = checker.check("The Eiffel Tower was completed in 1889.", contexts=[CONTEXT])
    assert [f.cause.reason for f in report.fallbacks] == ["provider_error"]
    assert report.results and all(r.verdict.why_unscored is not None for r in report.results)
    assert {r.verdict.why_unscored.reason for r in report.results} == {"provider_error"}  # type: ignore[union-attr]
    again = Report.model_validate_json(report.model_dump_json())
    assert again.fallbacks == report.fallbacks and isinstance(again.fallbacks[0], Fallback)
