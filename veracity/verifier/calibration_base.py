"""Shared parts of the calibration maps: the `Calibrator` protocol, its error, input checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from veracity.errors import VeracityError

MIN_CALIBRATION_POINTS = 10
LOGIT_EPS = 1e-6  # scores are clipped to [LOGIT_EPS, 1 - LOGIT_EPS] before taking logits
SCORE_DECIMALS = 6  # Venn-Abers keeps (and serialises) its calibration scores at this precision

FloatArray = NDArray[np.float64]


class CalibrationError(VeracityError, ValueError):
    """Bad calibration data, an unknown method, or an unusable serialised calibrator."""


@runtime_checkable
class Calibrator(Protocol):
    """A monotone map from a raw P(supported) score to a calibrated probability."""

    def fit(self, scores: ArrayLike, labels: ArrayLike) -> Self: ...

    def predict(self, scores: ArrayLike) -> FloatArray: ...

    def to_dict(self) -> dict[str, Any]: ...


# -- validation --------------------------------------------------------------------------------


def _check_scores(scores: ArrayLike, name: str = "scores") -> FloatArray:
    try:
        arr = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CalibrationError(f"{name} must be numbers in [0, 1]: {exc}") from None
    if arr.ndim != 1:
        raise CalibrationError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise CalibrationError(f"{name} contain NaN or infinite values")
    if arr.size and (arr.min() < 0.0 or arr.max() > 1.0):
        raise CalibrationError(f"{name} must lie in [0, 1], got range [{arr.min():g}, {arr.max():g}]")
    return arr


def _check_fit_data(scores: ArrayLike, labels: ArrayLike) -> tuple[FloatArray, NDArray[np.int64]]:
    s = _check_scores(scores)
    y = np.asarray(labels)
    if y.ndim != 1:
        raise CalibrationError(f"labels must be one-dimensional, got shape {y.shape}")
    if s.size != y.size:
        raise CalibrationError(f"scores and labels differ in length ({s.size} vs {y.size})")
    if s.size < MIN_CALIBRATION_POINTS:
        raise CalibrationError(f"calibration needs at least {MIN_CALIBRATION_POINTS} points, got {s.size}")
    if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise CalibrationError("labels must contain only 0 and 1")
    y = y.astype(np.int64)
    if y.min() == y.max():
        raise CalibrationError(f"calibration needs both labels 0 and 1; all {y.size} labels are {int(y[0])}")
    return s, y


def _require(d: Mapping[str, Any], key: str) -> Any:
    if key not in d:
        raise CalibrationError(f"serialised {d.get('method', '?')!s} calibrator lacks {key!r}")
    return d[key]
