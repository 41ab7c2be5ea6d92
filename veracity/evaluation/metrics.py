"""Binary classification metrics for verifier evaluation (numpy only, never NaN)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from veracity.metrics_core import binary_labels as _as_labels
from veracity.metrics_core import expected_calibration_error
from veracity.metrics_core import finite_scores as _as_scores

__all__ = ["balanced_accuracy", "expected_calibration_error", "roc_auc"]


def balanced_accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """Mean per-class recall over the classes present in ``y_true``.

    With a single class present this is that class's recall (plain accuracy).
    """
    t = _as_labels(y_true, "y_true")
    p = _as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length ({t.size} vs {p.size})")
    if t.size == 0:
        raise ValueError("balanced_accuracy needs at least one example")
    recalls = [float(np.mean(p[t == c] == c)) for c in (0, 1) if np.any(t == c)]
    return float(np.mean(recalls))


def _average_ranks(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based ranks of ``x``; tied values share the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    # Boundaries of runs of equal values in the sorted array.
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], x.size]
    mean_rank = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(x.size, dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def roc_auc(y_true: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve via the Mann-Whitney U statistic.

    Ties between a positive and a negative count one half. Returns ``None`` when
    ``y_true`` lacks either class (AUC is undefined).
    """
    t = _as_labels(y_true, "y_true")
    s = _as_scores(scores, "scores", t.size)
    n_pos = int(t.sum())
    n_neg = int(t.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = _average_ranks(s)
    u = float(ranks[t == 1].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)
