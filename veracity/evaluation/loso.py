"""Leave-one-set-out (LOSO) estimates for what the verifier fits on dev data.

The shipped calibration map and decision threshold are fitted on dev sets that users never bring
(`veracity.verifier.calibrate`). To see how that recipe does on a set it has never seen, it is
refitted on every dev set but one and scored on the one left out, for each set in turn:

* the method (isotonic, Venn-Abers, temperature, Platt) is chosen by held-out ECE on a seeded half split
  of the fitting pairs, then refitted on all of them (as `calibrate_verifier.calibrate` does);
* the threshold on calibrated P(supported) maximises the mean balanced accuracy over the fitting sets
  (`calibrate_verifier.best_threshold`).

Sets in ``never_fit`` (non-commercial ones) are scored but never fitted on, like the shipped map.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from veracity.evaluation.metrics import balanced_accuracy, expected_calibration_error
from veracity.verifier.calibration import CHOSEN_METHODS, MIN_CALIBRATION_POINTS, Calibrator, fit_calibrator

__all__ = ["Fitted", "LosoScore", "SetScores", "fit_map_and_threshold", "leave_one_set_out"]


@dataclass(frozen=True)
class SetScores:
    """Raw P(supported) scores (in [0, 1]) and gold labels of one dev set."""

    scores: Sequence[float]
    labels: Sequence[int]


@dataclass(frozen=True)
class Fitted:
    """A calibration map and a threshold on its output, with the method chosen."""

    calibrator: Calibrator
    method: str
    threshold: float

    def probabilities(self, scores: Sequence[float]) -> list[float]:
        return [float(p) for p in self.calibrator.predict(np.asarray(scores, dtype=float))]


@dataclass(frozen=True)
class LosoScore:
    """One left-out set scored by the map and threshold fitted without it."""

    ece: float
    bacc: float
    threshold: float
    method: str
    fitted_on: tuple[str, ...]


def best_threshold(scores: np.ndarray, labels: np.ndarray, groups: list[str]) -> float:
    """The threshold on `scores` maximising balanced accuracy averaged over `groups` (dev sets).

    The shipped rule (`calibrate_verifier.best_threshold`, which loads torch on import): candidates are
    the scores rounded to 3 decimals; ties go to the threshold nearest 0.5.
    """
    members = [np.flatnonzero(np.asarray(groups) == g) for g in sorted(set(groups))]

    def mean_bacc(t: float) -> float:
        accs = []
        for idx in members:
            y, pred = labels[idx], scores[idx] >= t
            accs.append(float(np.mean([np.mean(pred[y == c] == c) for c in (0, 1) if np.any(y == c)])))
        return float(np.mean(accs))

    return float(max(np.unique(np.round(scores, 3)), key=lambda t: (mean_bacc(t), -abs(t - 0.5))))


def fit_map_and_threshold(sets: Mapping[str, SetScores], seed: int = 13) -> Fitted:
    """Fit the calibration map and threshold on ``sets`` pooled, as the shipped model's were fitted."""
    scores = np.array([s for v in sets.values() for s in v.scores], dtype=float)
    labels = np.array([y for v in sets.values() for y in v.labels], dtype=int)
    groups = [name for name, v in sets.items() for _ in v.labels]
    if len(labels) < 2 * MIN_CALIBRATION_POINTS or len(set(labels.tolist())) < 2:
        raise ValueError(f"need >= {2 * MIN_CALIBRATION_POINTS} pairs of both labels to fit, got {len(labels)}")
    order = list(range(len(labels)))
    random.Random(seed).shuffle(order)
    fit_half, test_half = np.array(order[: len(order) // 2]), np.array(order[len(order) // 2 :])
    held_out: dict[str, float] = {}
    for method in CHOSEN_METHODS:
        try:
            cal = fit_calibrator(method, scores[fit_half], labels[fit_half])
        except ValueError:  # a half with one class only: the method cannot be fitted on it
            continue
        held_out[method] = expected_calibration_error(labels[test_half].tolist(), cal.predict(scores[test_half]).tolist())
    method = min(held_out, key=lambda m: held_out[m]) if held_out else "isotonic"
    calibrator = fit_calibrator(method, scores, labels)
    calibrated = np.asarray(calibrator.predict(scores), dtype=float)
    return Fitted(calibrator, method, best_threshold(calibrated, labels, groups))


def leave_one_set_out(
    sets: Mapping[str, SetScores], never_fit: frozenset[str] = frozenset(), seed: int = 13
) -> dict[str, tuple[Fitted, LosoScore]]:
    """For each set: the map and threshold fitted on the others (minus ``never_fit``) and its scores."""
    out: dict[str, tuple[Fitted, LosoScore]] = {}
    for held in sets:
        train = {name: v for name, v in sets.items() if name != held and name not in never_fit}
        fitted = fit_map_and_threshold(train, seed)
        target = sets[held]
        probs = fitted.probabilities(target.scores)
        out[held] = (
            fitted,
            LosoScore(
                ece=expected_calibration_error(list(target.labels), probs),
                bacc=balanced_accuracy(list(target.labels), [int(p >= fitted.threshold) for p in probs]),
                threshold=fitted.threshold,
                method=fitted.method,
                fitted_on=tuple(train),
            ),
        )
    return out
