"""Metrics that runtime code needs (numpy only, never NaN): expected calibration error and its input checks.

`veracity.evaluation.metrics` re-exports these; runtime modules (judges, calibration) import them from
here so that no runtime code imports `veracity.evaluation`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["binary_labels", "expected_calibration_error", "finite_scores"]


def binary_labels(y: Sequence[int], name: str) -> NDArray[np.int64]:
    """`y` as a 1-d int array of 0/1 labels; ValueError naming `name` otherwise."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1")
    return arr.astype(np.int64)


def finite_scores(s: Sequence[float], name: str, n: int) -> NDArray[np.float64]:
    """`s` as a float array of shape (n,) with no NaN or infinity; ValueError naming `name` otherwise."""
    arr = np.asarray(s, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}, expected ({n},)")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def expected_calibration_error(
    y_true: Sequence[int], probs: Sequence[float], n_bins: int = 10
) -> float:
    """Expected calibration error of ``probs`` = predicted P(label == 1).

    ``n_bins`` equal-width bins over [0, 1] (the last bin includes 1.0). In each
    non-empty bin, accuracy is the observed fraction of label 1 and confidence the
    mean predicted probability; ECE is the sample-weighted mean of
    ``|accuracy - confidence|``.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    t = binary_labels(y_true, "y_true")
    p = finite_scores(probs, "probs", t.size)
    if t.size == 0:
        raise ValueError("expected_calibration_error needs at least one example")
    if (p < 0).any() or (p > 1).any():
        raise ValueError("probs must lie in [0, 1]")
    bins = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    ece = 0.0
    for b in np.unique(bins):
        mask = bins == b
        ece += mask.mean() * abs(float(t[mask].mean()) - float(p[mask].mean()))
    return float(ece)
