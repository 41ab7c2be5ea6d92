"""Judge confidence: verbalised (the judge writes it) next to token-probability (read from logprobs).

"Just Ask for Calibration" found verbalised confidence of RLHF models often better calibrated than
their token probabilities; which holds for your judge is an empirical question these helpers answer
on labelled data:

    verbal = [parse_verbalized_confidence(p.raw[0]) for p in judgements]   # "Confidence: 80%" -> 0.8
    token = [token_confidence(p) for p in judgements]                       # P of the chosen outcome
    compare_confidence({"verbal": verbal, "token": token}, correct)         # ECE / Brier, raw and calibrated
    reliability_diagram(token, correct)                                     # bins for a plot

Calibration uses the verifier's calibrators (`veracity.verifier.calibration.fit_calibrator`, isotonic by
default) fitted on the first half of the data and scored on the second, so no figure is in-sample.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from veracity._model import FrozenModel
from veracity.metrics_core import expected_calibration_error

__all__ = ["Bin", "compare_confidence", "parse_verbalized_confidence", "reliability_diagram", "token_confidence"]

_CONFIDENCE = re.compile(r"confidence\s*[:=]?\s*\[?\s*(\d+(?:\.\d+)?)\s*(%?)", re.I)


class Bin(FrozenModel):
    """One bin of a reliability diagram."""

    low: float
    high: float
    n: int
    confidence: float | None
    """Mean confidence in the bin (None when empty)."""
    accuracy: float | None


def parse_verbalized_confidence(text: str) -> float | None:
    """The confidence a judge wrote ("Confidence: 80%", "confidence = 0.8", "Confidence: [80]") in 0..1."""
    match = _CONFIDENCE.search(text or "")
    if match is None:
        return None
    value = float(match.group(1))
    if match.group(2) == "%" or value > 1.0:
        value /= 100.0
    return value if 0.0 <= value <= 1.0 else None


def token_confidence(judgement: Any) -> float | None:
    """Probability of the judge's own verdict: a `Preference`'s outcome, or a `Score`'s most likely rating."""
    outcome = getattr(judgement, "outcome", None)
    if outcome is not None:
        return float(judgement.probabilities.get(outcome, 0.0))
    distribution = getattr(judgement, "distribution", None)
    if distribution:
        return float(max(distribution.values()))
    return None


def reliability_diagram(confidence: Sequence[float | None], correct: Sequence[bool], n_bins: int = 10) -> list[Bin]:
    """Equal-width bins of confidence with mean confidence and accuracy (missing confidences left out)."""
    pairs = [(float(c), bool(y)) for c, y in zip(confidence, correct, strict=True) if c is not None]
    bins = []
    for b in range(n_bins):
        low, high = b / n_bins, (b + 1) / n_bins
        inside = [(c, y) for c, y in pairs if low <= c < high or (b == n_bins - 1 and c == 1.0)]
        bins.append(Bin(
            low=low, high=high, n=len(inside),
            confidence=float(np.mean([c for c, _ in inside])) if inside else None,
            accuracy=float(np.mean([y for _, y in inside])) if inside else None,
        ))  # fmt: skip
    return bins


def compare_confidence(
    sources: Mapping[str, Sequence[float | None]], correct: Sequence[bool], *, method: str = "isotonic", n_bins: int = 10
) -> dict[str, dict[str, float | int]]:
    """Per source: ECE and Brier of the raw confidence and of a calibrator fitted on the first half.

    Items where any source has no confidence are left out of every source, so all are compared on the
    same items. Raw figures are on all kept items; calibrated ones on the second half only.
    """
    from veracity.verifier.calibration import fit_calibrator

    keep = [i for i in range(len(correct)) if all(s[i] is not None for s in sources.values())]
    y = np.array([int(bool(correct[i])) for i in keep])
    if len(keep) < 4:
        raise ValueError("need at least 4 items with every confidence")
    half = len(keep) // 2
    out: dict[str, dict[str, float | int]] = {}
    for name, values in sources.items():
        c = np.array([float(values[i]) for i in keep])  # type: ignore[arg-type]
        row: dict[str, float | int] = {
            "n": len(keep),
            "ece": expected_calibration_error(y, c, n_bins=n_bins),
            "brier": float(np.mean((c - y) ** 2)),
        }
        if len(set(y[:half].tolist())) == 2:
            p = fit_calibrator(method, c[:half], y[:half]).predict(c[half:])
            row.update(
                n_heldout=len(keep) - half,
                ece_heldout_raw=expected_calibration_error(y[half:], c[half:], n_bins=n_bins),
                ece_heldout_calibrated=expected_calibration_error(y[half:], p, n_bins=n_bins),
            )
        out[name] = row
    return out
