"""Parametric maps in logit space: temperature scaling and Platt scaling."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike

from veracity.verifier.calibration_base import LOGIT_EPS, CalibrationError, FloatArray, _check_fit_data, _check_scores, _require

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
