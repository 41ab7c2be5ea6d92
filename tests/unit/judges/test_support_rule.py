"""NLIJudge support rules: how an evidence text's window scores give its raw P(supported)."""

from __future__ import annotations

import pytest

from veracity.errors import InvalidArgumentError
from veracity.judges import NLIJudge
from veracity.judges.nli import SUPPORT_RULES
from veracity.text.words import lexical_overlap

DOCUMENT = (
    "The committee met in Geneva in March. "
    "It approved a budget of four million francs for the new laboratory. "
    "Construction is expected to start next year."
)
CLAIM = "The committee approved a budget of four million francs."


@pytest.fixture(scope="module")
def judges() -> dict[str, NLIJudge]:
    return {rule: NLIJudge("default", support_rule=rule) for rule in SUPPORT_RULES}


def test_unknown_rule_is_a_typed_error() -> None:
    with pytest.raises(InvalidArgumentError, match="support_rule"):
        NLIJudge("default", support_rule="max")


def test_entailment_rule_is_the_decisive_windows_entailment(judges: dict[str, NLIJudge]) -> None:
    judge = judges["entailment"]
    premises, claims = [DOCUMENT, "Paris is the capital of France."], [CLAIM, "Paris is in Germany."]
    assert judge.raw_support(premises, claims) == [s.entailment for s in judge.predict(premises, claims)]


def test_coverage_rule_scales_the_entailment_by_the_claims_words_found(judges: dict[str, NLIJudge]) -> None:
    judge = judges["entailment_x_coverage"]
    assert len(judge._windows(DOCUMENT, CLAIM)) == 1  # short evidence: one window, the whole text
    partly = "The committee in Zurich approved a budget of four million francs."  # "Zurich" is not in the evidence
    [scores] = judge.predict([DOCUMENT], [partly])
    [raw] = judge.raw_support([DOCUMENT], [partly])
    assert lexical_overlap(DOCUMENT, partly) == pytest.approx(6 / 7)
    assert raw == pytest.approx(scores.entailment * 6 / 7, abs=1e-9)
    # Delete the sentence that states it: the claim's words are gone, and so is most of its support.
    without = DOCUMENT.replace("It approved a budget of four million francs for the new laboratory. ", "")
    full, deleted = judge.raw_support([DOCUMENT, without], [CLAIM, CLAIM])
    assert lexical_overlap(without, CLAIM) < lexical_overlap(DOCUMENT, CLAIM)
    assert deleted < full


def test_claim_of_stopwords_only_has_nothing_to_cover(judges: dict[str, NLIJudge]) -> None:
    judge = judges["entailment_x_coverage"]
    premise, claim = "It was there and it is here.", "It is here."
    [scores] = judge.predict([premise], [claim])
    assert judge.raw_support([premise], [claim]) == [pytest.approx(scores.entailment, abs=1e-9)]


def test_verdict_probability_is_p_supported(judges: dict[str, NLIJudge]) -> None:
    for judge in judges.values():
        verdict = judge.verify(CLAIM, [DOCUMENT])
        assert verdict.probability == pytest.approx(judge.p_supported([DOCUMENT], [CLAIM])[0], abs=1e-6)
        assert judge.p_supported([DOCUMENT], [CLAIM]) == judge.calibrate_support(judge.raw_support([DOCUMENT], [CLAIM]))


def test_each_rule_has_its_own_shipped_calibration(judges: dict[str, NLIJudge]) -> None:
    plain, coverage = judges["entailment"], judges["entailment_x_coverage"]
    assert plain.calibration_spec is not None and coverage.calibration_spec is not None
    assert plain.calibration_spec != coverage.calibration_spec and plain.threshold != coverage.threshold


def test_a_rule_without_calibration_needs_recalibrating(tmp_path) -> None:
    import json
    import shutil

    from veracity.verifier.model import DEFAULT_MODEL_DIR

    model = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    meta = json.loads((model / "metadata.json").read_text())
    meta.pop("support_rules")
    (model / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(InvalidArgumentError, match="--support-rule entailment_x_coverage"):
        NLIJudge(str(model), support_rule="entailment_x_coverage")
    uncalibrated = NLIJudge(str(model), support_rule="entailment_x_coverage", calibrated=False)
    assert uncalibrated.calibrator is None and uncalibrated.threshold == 0.5
