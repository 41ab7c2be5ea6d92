"""Calibration maps for a binary P(supported) score, fitted on labelled (score, label) pairs.

Every calibrator is monotone non-decreasing in the score, returns probabilities in [0, 1]
(never NaN) and serialises to plain JSON via ``to_dict`` / :func:`calibrator_from_dict`.

* :class:`IsotonicCalibrator` -- weighted pool-adjacent-violators (Ayer et al., 1955;
  Barlow et al., "Statistical Inference under Order Restrictions", 1972), interpolated
  linearly between block centres (as in Zadrozny & Elkan, KDD 2002).
* :class:`VennAbersCalibrator` -- inductive Venn-Abers predictor (Vovk & Petej, "Venn-Abers
  predictors", UAI 2014; Vovk, Petej & Fedorova, "Large-scale probabilistic predictors with
  and without guarantees of validity", NeurIPS 2015), merged as ``p1 / (1 - p0 + p1)``.
* :class:`TemperatureCalibrator` -- ``sigmoid(logit(p) / T)`` (Guo et al., "On Calibration
  of Modern Neural Networks", ICML 2017).
* :class:`PlattCalibrator` -- ``sigmoid(a * logit(p) + b)`` (Platt, 1999, with his smoothed
  targets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from veracity.metrics_core import expected_calibration_error
from veracity.verifier.calibration_base import (
    LOGIT_EPS,
    MIN_CALIBRATION_POINTS,
    SCORE_DECIMALS,
    CalibrationError,
    Calibrator,
    FloatArray,
    _check_scores,
)
from veracity.verifier.calibration_isotonic import (
    InterpolatedVennAbersCalibrator,
    IsotonicCalibrator,
    VennAbersCalibrator,
    isotonic_regression,
)
from veracity.verifier.calibration_parametric import PlattCalibrator, TemperatureCalibrator

__all__ = [
    "CALIBRATION_METHODS",
    "CHOSEN_METHODS",
    "MIN_CALIBRATION_POINTS",
    "CalibrationError",
    "Calibrator",
    "InterpolatedVennAbersCalibrator",
    "IsotonicCalibrator",
    "PlattCalibrator",
    "TemperatureCalibrator",
    "VennAbersCalibrator",
    "calibration_report",
    "calibrator_from_dict",
    "fit_calibrator",
    "isotonic_regression",
]

# -- entry points --------------------------------------------------------------------------------

_AnyCalibrator = IsotonicCalibrator | VennAbersCalibrator | TemperatureCalibrator | PlattCalibrator
_CLASSES: dict[str, type[_AnyCalibrator]] = {
    cls.method: cls
    for cls in (IsotonicCalibrator, VennAbersCalibrator, InterpolatedVennAbersCalibrator, TemperatureCalibrator, PlattCalibrator)
}
CALIBRATION_METHODS: tuple[str, ...] = tuple(_CLASSES)
# The methods a calibration recipe chooses among (by held-out ECE): every map that keeps resolution.
# The step Venn-Abers map stays loadable (older metadata) but is not chosen: its few levels tie claims.
CHOSEN_METHODS: tuple[str, ...] = ("isotonic", "venn_abers_interpolated", "temperature", "platt")


def _class_for(method: object) -> type[_AnyCalibrator]:
    if not isinstance(method, str) or method not in _CLASSES:
        raise CalibrationError(f"unknown calibration method {method!r}; choose one of: {', '.join(CALIBRATION_METHODS)}")
    return _CLASSES[method]


def fit_calibrator(method: str, scores: ArrayLike, labels: ArrayLike) -> Calibrator:
    """Fit a calibrator of ``method`` (one of :data:`CALIBRATION_METHODS`) on (score, label) pairs."""
    return _class_for(method)().fit(scores, labels)


def calibrator_from_dict(d: Mapping[str, Any]) -> Calibrator:
    """Rebuild a calibrator from its ``to_dict()`` output (dispatch on ``d["method"]``)."""
    if not isinstance(d, Mapping) or "method" not in d:
        raise CalibrationError("a serialised calibrator must be a mapping with a 'method' key")
    return _class_for(d["method"]).from_dict(d)


def calibration_report(
    scores: ArrayLike, labels: ArrayLike, calibrated: Calibrator | Sequence[float] | FloatArray, n_bins: int = 10
) -> dict[str, float | int]:
    """ECE (``n_bins`` equal-width bins) and Brier score of the raw scores and calibrated probabilities.

    ``calibrated`` is a fitted calibrator (applied to ``scores``) or the calibrated
    probabilities themselves.
    """
    s = _check_scores(scores)
    y = np.asarray(labels)
    if y.shape != s.shape or y.size == 0 or y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise CalibrationError("labels must be 0/1, non-empty and as long as scores")
    y = y.astype(np.int64)
    p = calibrated.predict(s) if isinstance(calibrated, Calibrator) else _check_scores(calibrated, "calibrated")
    if p.shape != s.shape:
        raise CalibrationError(f"calibrated has {p.size} values for {s.size} scores")
    return {
        "n": int(s.size),
        "n_bins": n_bins,
        "ece_before": expected_calibration_error(y, s, n_bins=n_bins),
        "ece_after": expected_calibration_error(y, p, n_bins=n_bins),
        "brier_before": float(np.mean((s - y) ** 2)),
        "brier_after": float(np.mean((p - y) ** 2)),
    }
