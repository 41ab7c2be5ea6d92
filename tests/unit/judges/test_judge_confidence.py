"""Verbalised vs token-probability confidence: parsing, reliability diagram, calibration comparison."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.evaluation.metrics import expected_calibration_error
from veracity.judges.confidence import (
    compare_confidence,
    parse_verbalized_confidence,
    reliability_diagram,
    token_confidence,
)
from veracity.judges.llm.types import Preference, Score


@pytest.mark.parametrize(
    ("text", "value"),
    [("Output: [A]\nConfidence: 80%", 0.8), ("confidence = 0.35", 0.35), ("Confidence: [90]", 0.9), ("no idea", None),
     ("Confidence: 250%", None)],
)  # fmt: skip
def test_parse_verbalized_confidence(text, value):
    assert parse_verbalized_confidence(text) == (pytest.approx(value) if value is not None else None)


def test_token_confidence_reads_preferences_and_scores():
    pref = Preference(outcome="B", probabilities={"A": 0.3, "B": 0.6, "tie": 0.1})
    assert token_confidence(pref) == pytest.approx(0.6)
    assert token_confidence(Score(value=4.0, distribution={3: 0.25, 4: 0.75})) == pytest.approx(0.75)
    assert token_confidence(Preference(outcome=None, unscored_reason="x")) is None


def test_reliability_diagram_by_hand():
    bins = reliability_diagram([0.05, 0.15, 0.95, 1.0, None], [False, True, True, False, True], n_bins=10)
    assert [b.n for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9].confidence == pytest.approx(0.975) and bins[9].accuracy == pytest.approx(0.5)
    assert bins[2].confidence is None


def test_compare_confidence_same_items_and_heldout():
    rng = np.random.default_rng(0)
    correct = rng.random(400) < 0.7
    token = np.where(correct, 0.95, 0.9).tolist()  # overconfident, ranks well
    verbal = [0.7] * 400  # the base rate: calibrated, ranks nothing
    verbal[3] = None
    out = compare_confidence({"verbal": verbal, "token": token}, correct.tolist())
    kept = [i for i in range(400) if i != 3]
    y = correct[kept].astype(int)
    assert out["token"]["n"] == out["verbal"]["n"] == 399
    assert out["token"]["ece"] == pytest.approx(expected_calibration_error(y, np.array(token)[kept]))
    assert out["verbal"]["ece"] < out["token"]["ece"]
    assert out["token"]["ece_heldout_calibrated"] < out["token"]["ece_heldout_raw"]
