"""The shared types: frozen, strict, and a summary that never counts `unscored`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from veracity.types import Claim, ClaimResult, Passage, Report, Verdict


def _result(label: str, **kw) -> ClaimResult:
    claim = Claim(id="c1", text="X.", start=0, end=2, sentence="X.")
    verdict = Verdict.unscored("model timed out") if label == "unscored" else Verdict(label=label, probability=kw.get("p", 0.5))
    return ClaimResult(claim=claim, verdict=verdict)


def test_summary_counts_and_factual_precision():
    report = Report.of("text", [_result("supported"), _result("refuted"), _result("not_enough_info"), _result("unscored")])
    assert report.summary.counts == {"supported": 1, "refuted": 1, "not_enough_info": 1, "unscored": 1}
    assert report.summary.n_scored == 3
    assert report.summary.factual_precision == pytest.approx(1 / 3)


def test_all_unscored_or_empty_has_no_precision():
    assert Report.of("t", [_result("unscored")]).summary.factual_precision is None
    assert Report.of("t", []).summary.factual_precision is None


def test_unscored_needs_a_reason_and_no_probability():
    with pytest.raises(ValidationError):
        Verdict(label="unscored")
    with pytest.raises(ValidationError):
        Verdict(label="unscored", reason="x", probability=0.3)


def test_models_are_frozen_and_strict():
    passage = Passage(id="p", doc_id="d", text="abc", start=0, end=3)
    with pytest.raises(ValidationError):
        passage.text = "changed"
    with pytest.raises(ValidationError):
        Passage(id="p", doc_id="d", text="abc", start=0, end=3, extra="no")
    with pytest.raises(ValidationError):
        Passage(id="p", doc_id="d", text="abc", start=5, end=3)
    with pytest.raises(ValidationError):
        Verdict(label="supported", probability=1.5)


def test_report_round_trips_through_json():
    report = Report.of("text", [_result("supported", p=0.9)])
    assert Report.model_validate_json(report.model_dump_json()) == report
