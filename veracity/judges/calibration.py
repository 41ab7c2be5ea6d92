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

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from veracity.errors import VeracityError
from veracity.evaluation.metrics import expected_calibration_error

__all__ = [
    "CALIBRATION_METHODS",
    "MIN_CALIBRATION_POINTS",
    "CalibrationError",
    "Calibrator",
    "IsotonicCalibrator",
    "PlattCalibrator",
    "TemperatureCalibrator",
    "VennAbersCalibrator",
    "calibration_report",
    "calibrator_from_dict",
    "fit_calibrator",
    "isotonic_regression",
]

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


# -- pool adjacent violators ---------------------------------------------------------------------


def _pool_ties(x: FloatArray, y: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct sorted ``x``, and per distinct value the total weight and the weighted sum of ``y``."""
    ux, inverse = np.unique(x, return_inverse=True)
    sw = np.bincount(inverse, weights=w, minlength=ux.size)
    swy = np.bincount(inverse, weights=w * y, minlength=ux.size)
    return ux, sw, swy


def _pav(sw: FloatArray, swy: FloatArray) -> NDArray[np.int64]:
    """Weighted PAV on ordered groups (weight ``sw``, weighted label sum ``swy``).

    Returns the exclusive end index of each block. Adjacent blocks are pooled while the left
    mean is >= the right mean, so block means are strictly increasing.
    """
    wts: list[float] = []
    sums: list[float] = []
    ends: list[int] = []
    for i, (wi, si) in enumerate(zip(sw.tolist(), swy.tolist())):
        # Pool while mean(previous block) >= mean(current block) (cross-multiplied, weights > 0).
        while wts and sums[-1] * wi >= si * wts[-1]:
            wi += wts.pop()
            si += sums.pop()
            ends.pop()
        wts.append(wi)
        sums.append(si)
        ends.append(i + 1)
    return np.asarray(ends, dtype=np.int64)


def isotonic_regression(x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> FloatArray:
    """Weighted least-squares non-decreasing fit of ``y`` on ``x``; tied ``x`` share one value.

    Returns the fitted value at each input point (in input order).
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    wa = np.ones_like(xa) if weights is None else np.asarray(weights, dtype=np.float64)
    if not (xa.ndim == 1 and xa.shape == ya.shape == wa.shape):
        raise CalibrationError("x, y and weights must be one-dimensional and of equal length")
    if xa.size == 0:
        return np.empty(0, dtype=np.float64)
    if not (np.isfinite(xa).all() and np.isfinite(ya).all() and np.isfinite(wa).all() and (wa > 0).all()):
        raise CalibrationError("x and y must be finite and weights finite and positive")
    ux, sw, swy = _pool_ties(xa, ya, wa)
    ends = _pav(sw, swy)
    starts = np.r_[0, ends[:-1]]
    block_means = np.add.reduceat(swy, starts) / np.add.reduceat(sw, starts)
    per_group = np.repeat(block_means, ends - starts)
    return per_group[np.searchsorted(ux, xa)]


# -- isotonic ------------------------------------------------------------------------------------


class IsotonicCalibrator:
    """Isotonic regression (weighted PAV, ties pooled), linear between block centres.

    Each PAV block becomes a knot at its weighted mean score with its mean label; predictions
    interpolate linearly between knots (constant beyond the end knots) and are clipped to
    ``[eps, 1 - eps]``.
    """

    method: ClassVar[str] = "isotonic"

    def __init__(self, eps: float = 0.0) -> None:
        if not 0.0 <= eps < 0.5:
            raise CalibrationError(f"eps must be in [0, 0.5), got {eps}")
        self.eps = float(eps)
        self.x_: FloatArray | None = None
        self.y_: FloatArray | None = None

    def fit(self, scores: ArrayLike, labels: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        s, y = _check_fit_data(scores, labels)
        w = np.ones_like(s) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if w.shape != s.shape or not np.isfinite(w).all() or (w <= 0).any():
            raise CalibrationError("sample_weight must be finite, positive and as long as scores")
        ux, sw, swy = _pool_ties(s, y.astype(np.float64), w)
        ends = _pav(sw, swy)
        starts = np.r_[0, ends[:-1]]
        block_w = np.add.reduceat(sw, starts)
        self.x_ = np.add.reduceat(sw * ux, starts) / block_w
        self.y_ = np.clip(np.add.reduceat(swy, starts) / block_w, 0.0, 1.0)
        return self

    def predict(self, scores: ArrayLike) -> FloatArray:
        if self.x_ is None or self.y_ is None:
            raise CalibrationError("IsotonicCalibrator is not fitted; call fit() first")
        s = _check_scores(scores)
        return np.clip(np.interp(s, self.x_, self.y_), self.eps, 1.0 - self.eps)

    def to_dict(self) -> dict[str, Any]:
        if self.x_ is None or self.y_ is None:
            raise CalibrationError("IsotonicCalibrator is not fitted; call fit() first")
        return {"method": self.method, "eps": self.eps, "x": self.x_.tolist(), "y": self.y_.tolist()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IsotonicCalibrator:
        raw_x, raw_y = _require(d, "x"), _require(d, "y")
        try:
            eps = float(d.get("eps", 0.0))
            x = np.asarray(raw_x, dtype=np.float64)
            y = np.asarray(raw_y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"bad serialised isotonic calibrator: {exc}") from None
        cal = cls(eps=eps)
        if (
            x.ndim != 1
            or x.shape != y.shape
            or x.size == 0
            or not (np.isfinite(x).all() and np.isfinite(y).all())
            or (np.diff(x) < 0).any()
            or (np.diff(y) < 0).any()
            or y.min() < 0.0
            or y.max() > 1.0
        ):
            raise CalibrationError("serialised isotonic calibrator needs sorted x and non-decreasing y in [0, 1]")
        cal.x_, cal.y_ = x, y
        return cal


# -- Venn-Abers ----------------------------------------------------------------------------------


def _ivap_tables(w: FloatArray, s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Isotonic value at a test point for every place it can take among k sorted distinct scores.

    ``w[j]``, ``s[j]``: count and label sum of distinct calibration score j. Returns
    ``(between0, between1, tie0, tie1)``: ``between{y}[a]`` (a = 0..k) is the fitted value of
    a test point labelled y lying strictly between distinct scores a-1 and a (0-based);
    ``tie{y}[i]`` (i = 0..k-1) that of a test point equal to score i (pooled into its group).

    Exact and equivalent to refitting PAV on calibration set + test point: prefix PAV stacks
    (built left to right) and suffix stacks (right to left) are stored persistently as parent
    pointers over the cumulative sums; a query starts with the test point's block and absorbs
    neighbouring blocks from either stack while they violate monotonicity (the idea of Vovk et
    al. 2015's fast IVAP, recast as block merging; ties handled exactly).
    """
    k = w.size
    cw = [0.0, *np.cumsum(w).tolist()]
    cs = [0.0, *np.cumsum(s).tolist()]
    # left[a]: start boundary of the top block of the PAV stack of groups [0, a).
    left = [0] * (k + 1)
    for a in range(1, k + 1):
        j = a - 1
        while j > 0:
            p = left[j]
            if (cs[j] - cs[p]) * (cw[a] - cw[j]) >= (cs[a] - cs[j]) * (cw[j] - cw[p]):
                j = p
            else:
                break
        left[a] = j
    # right[c]: end boundary of the first block of the PAV stack of groups [c, k).
    right = [k] * (k + 1)
    for c in range(k - 1, -1, -1):
        j = c + 1
        while j < k:
            n = right[j]
            if (cs[j] - cs[c]) * (cw[n] - cw[j]) >= (cs[n] - cs[j]) * (cw[j] - cw[c]):
                j = n
            else:
                break
        right[c] = j

    def value(a: int, c: int, label: float) -> float:
        # Block = test point plus groups [a, c); absorb violating neighbours until stable.
        tw, ts = cw[c] - cw[a] + 1.0, cs[c] - cs[a] + label
        lo, hi = a, c
        moved = True
        while moved:
            moved = False
            while lo > 0:
                p = left[lo]
                bw, bs = cw[lo] - cw[p], cs[lo] - cs[p]
                if bs * tw < ts * bw:
                    break
                tw, ts, lo, moved = tw + bw, ts + bs, p, True
            while hi < k:
                n = right[hi]
                bw, bs = cw[n] - cw[hi], cs[n] - cs[hi]
                if bs * tw > ts * bw:
                    break
                tw, ts, hi, moved = tw + bw, ts + bs, n, True
        return ts / tw

    between0 = np.array([value(a, a, 0.0) for a in range(k + 1)])
    between1 = np.array([value(a, a, 1.0) for a in range(k + 1)])
    tie0 = np.array([value(i, i + 1, 0.0) for i in range(k)])
    tie1 = np.array([value(i, i + 1, 1.0) for i in range(k)])
    return between0, between1, tie0, tie1


class VennAbersCalibrator:
    """Inductive Venn-Abers predictor (IVAP) on a held-out calibration set.

    For a test score s: ``p0`` / ``p1`` are the isotonic fits at s on the calibration set
    plus (s, 0) / (s, 1) (Vovk & Petej 2014); the point prediction is the log-loss merge
    ``p = p1 / (1 - p0 + p1)`` (Vovk, Petej & Fedorova 2015, eq. 4). Calibration scores are
    rounded to 6 decimals at fit time, so a serialised predictor predicts identically.
    All placements of s are precomputed at fit time; prediction is a binary search.
    """

    method: ClassVar[str] = "venn_abers"

    def __init__(self) -> None:
        self.scores_: FloatArray | None = None
        self.labels_: NDArray[np.int64] | None = None
        self._grid: FloatArray = np.empty(0)
        self._tables: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None

    def fit(self, scores: ArrayLike, labels: ArrayLike) -> Self:
        s, y = _check_fit_data(scores, labels)
        s = np.round(s, SCORE_DECIMALS)
        order = np.argsort(s, kind="mergesort")
        self.scores_, self.labels_ = s[order], y[order]
        ux, sw, swy = _pool_ties(self.scores_, self.labels_.astype(np.float64), np.ones_like(self.scores_))
        self._grid = ux
        self._tables = _ivap_tables(sw, swy)
        return self

    def predict_interval(self, scores: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """``(p0, p1)`` per score, with ``0 <= p0 <= p1 <= 1``."""
        if self._tables is None:
            raise CalibrationError("VennAbersCalibrator is not fitted; call fit() first")
        s = _check_scores(scores)
        between0, between1, tie0, tie1 = self._tables
        idx = np.searchsorted(self._grid, s, side="left")
        tie = idx < self._grid.size
        tie[tie] = self._grid[idx[tie]] == s[tie]
        tie_idx = np.minimum(idx, self._grid.size - 1)
        p0 = np.where(tie, tie0[tie_idx], between0[idx])
        p1 = np.where(tie, tie1[tie_idx], between1[idx])
        return np.clip(p0, 0.0, 1.0), np.clip(p1, 0.0, 1.0)

    def predict(self, scores: ArrayLike) -> FloatArray:
        p0, p1 = self.predict_interval(scores)
        return p1 / (1.0 - p0 + p1)

    def to_dict(self) -> dict[str, Any]:
        if self.scores_ is None or self.labels_ is None:
            raise CalibrationError("VennAbersCalibrator is not fitted; call fit() first")
        return {"method": self.method, "scores": self.scores_.tolist(), "labels": self.labels_.tolist()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VennAbersCalibrator:
        return cls().fit(_require(d, "scores"), _require(d, "labels"))


# -- parametric (logit-space) maps -------------------------------------------------------------


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, LOGIT_EPS, 1.0 - LOGIT_EPS)
    return np.log(q) - np.log1p(-q)


def _sigmoid(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


def _nll(z: FloatArray, t: FloatArray) -> float:
    """Mean binary cross-entropy of logits ``z`` against targets ``t``: softplus(z) - t z."""
    return float(np.mean(np.logaddexp(0.0, z) - t * z))


def _golden_min(f: Callable[[float], float], lo: float, hi: float, iters: int = 120) -> float:
    """Minimiser of a unimodal ``f`` on [lo, hi] by golden-section search."""
    inv_phi = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = lo, hi
    c, d = b - inv_phi * (b - a), a + inv_phi * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - inv_phi * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + inv_phi * (b - a)
            fd = f(d)
    return (a + b) / 2.0


class TemperatureCalibrator:
    """``sigmoid(logit(p) / T)`` with T > 0 minimising the NLL (Guo et al. 2017).

    The NLL is convex in 1/T, so it is unimodal in log T; T is found by golden-section search
    on ``[t_min, t_max]``.
    """

    method: ClassVar[str] = "temperature"

    def __init__(self, temperature: float | None = None, t_min: float = 1e-2, t_max: float = 1e2) -> None:
        if not 0.0 < t_min < t_max:
            raise CalibrationError(f"need 0 < t_min < t_max, got {t_min}, {t_max}")
        if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
            raise CalibrationError(f"temperature must be finite and > 0, got {temperature}")
        self.temperature = temperature
        self.t_min, self.t_max = float(t_min), float(t_max)

    def fit(self, scores: ArrayLike, labels: ArrayLike) -> Self:
        s, y = _check_fit_data(scores, labels)
        z, t = _logit(s), y.astype(np.float64)
        log_t = _golden_min(lambda lt: _nll(z * math.exp(-lt), t), math.log(self.t_min), math.log(self.t_max))
        self.temperature = math.exp(log_t)
        return self

    def predict(self, scores: ArrayLike) -> FloatArray:
        if self.temperature is None:
            raise CalibrationError("TemperatureCalibrator is not fitted; call fit() first")
        return _sigmoid(_logit(_check_scores(scores)) / self.temperature)

    def to_dict(self) -> dict[str, Any]:
        if self.temperature is None:
            raise CalibrationError("TemperatureCalibrator is not fitted; call fit() first")
        return {"method": self.method, "temperature": self.temperature}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TemperatureCalibrator:
        raw = _require(d, "temperature")
        try:
            return cls(temperature=float(raw))
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"bad serialised temperature calibrator: {exc}") from None


class PlattCalibrator:
    """``sigmoid(a * logit(p) + b)`` (Platt 1999), a >= 0, fitted by damped Newton on the NLL.

    Targets are Platt's smoothed labels ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)``, which keep
    the optimum finite on separable data. A negative slope is replaced by a = 0 (constant map).
    """

    method: ClassVar[str] = "platt"

    def __init__(self, a: float | None = None, b: float | None = None) -> None:
        self.a, self.b = a, b

    def fit(self, scores: ArrayLike, labels: ArrayLike) -> Self:
        s, y = _check_fit_data(scores, labels)
        n_pos = float(y.sum())
        n_neg = float(y.size - n_pos)
        t = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
        z = _logit(s)
        design = np.stack([z, np.ones_like(z)], axis=1)
        theta = np.array([1.0, 0.0])
        loss = _nll(design @ theta, t)
        for _ in range(100):
            p = _sigmoid(design @ theta)
            grad = design.T @ (p - t) / z.size
            hess = (design * (p * (1.0 - p))[:, None]).T @ design / z.size + 1e-12 * np.eye(2)
            step = np.linalg.solve(hess, grad)
            scale = 1.0
            while scale > 1e-10:
                cand = theta - scale * step
                cand_loss = _nll(design @ cand, t)
                if cand_loss <= loss:
                    break
                scale /= 2.0
            else:
                break
            converged = abs(loss - cand_loss) < 1e-14
            theta, loss = cand, cand_loss
            if converged:
                break
        a, b = float(theta[0]), float(theta[1])
        if a < 0.0:
            a, b = 0.0, float(_logit(np.array([t.mean()]))[0])
        self.a, self.b = a, b
        return self

    def predict(self, scores: ArrayLike) -> FloatArray:
        if self.a is None or self.b is None:
            raise CalibrationError("PlattCalibrator is not fitted; call fit() first")
        return _sigmoid(self.a * _logit(_check_scores(scores)) + self.b)

    def to_dict(self) -> dict[str, Any]:
        if self.a is None or self.b is None:
            raise CalibrationError("PlattCalibrator is not fitted; call fit() first")
        return {"method": self.method, "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlattCalibrator:
        raw_a, raw_b = _require(d, "a"), _require(d, "b")
        try:
            a, b = float(raw_a), float(raw_b)
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"bad serialised platt calibrator: {exc}") from None
        if not (math.isfinite(a) and math.isfinite(b) and a >= 0.0):
            raise CalibrationError(f"platt calibrator needs finite a >= 0 and finite b, got a={a}, b={b}")
        return cls(a=a, b=b)


# -- entry points --------------------------------------------------------------------------------

_AnyCalibrator = IsotonicCalibrator | VennAbersCalibrator | TemperatureCalibrator | PlattCalibrator
_CLASSES: dict[str, type[_AnyCalibrator]] = {
    cls.method: cls for cls in (IsotonicCalibrator, VennAbersCalibrator, TemperatureCalibrator, PlattCalibrator)
}
CALIBRATION_METHODS: tuple[str, ...] = tuple(_CLASSES)


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
