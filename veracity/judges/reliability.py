"""Reliability statistics for judges (LLM or human): agreement beyond chance, consistency, stability.

Pure functions over plain sequences. Data are laid out **units x raters** everywhere: one row per judged
item, one column per rater (judge, run, prompt variant), ``None`` for a missing rating where allowed.

* `percent_agreement`, `cohen_kappa` (unweighted, linear or quadratic weights; Cohen 1960/1968): two raters.
* `fleiss_kappa` (Fleiss 1971): any fixed number of raters per unit, nominal labels.
* `krippendorff_alpha` (Krippendorff 2011; nominal, ordinal, interval, ratio): any raters, missing values.
* `icc` (Shrout & Fleiss 1979): the six forms ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k);
  the form is always named, never guessed.
* `position_consistency`, `preference_fairness` (Shi et al. 2024, "Judging the Judges"): pairwise judges
  judged in both presentation orders.
* `test_retest`: the same judge twice on the same items.
* `bootstrap_ci`: a percentile bootstrap interval for any of them, resampling units.

A statistic that is undefined on its data (e.g. kappa when both raters use one label only) raises
`ReliabilityError`; `bootstrap_ci` turns that into ``value=None`` with a reason. Nothing returns NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from veracity._model import FrozenModel as _Frozen
from veracity.errors import VeracityError
from veracity.unscored import Unscorable, Unscored

__all__ = [
    "ICC_FORMS",
    "Interval",
    "Reliability",
    "ReliabilityError",
    "bootstrap_ci",
    "cohen_kappa",
    "fleiss_kappa",
    "icc",
    "krippendorff_alpha",
    "percent_agreement",
    "position_consistency",
    "preference_fairness",
    "test_retest",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weights = Literal["linear", "quadratic"] | None
IccForm = Literal["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
ICC_FORMS: dict[str, str] = {
    "ICC(1,1)": "one-way random effects, single rater (each unit rated by different raters)",
    "ICC(2,1)": "two-way random effects, absolute agreement, single rater",
    "ICC(3,1)": "two-way mixed effects, consistency, single rater (these raters only)",
    "ICC(1,k)": "one-way random effects, mean of k raters",
    "ICC(2,k)": "two-way random effects, absolute agreement, mean of k raters",
    "ICC(3,k)": "two-way mixed effects, consistency, mean of k raters",
}


class ReliabilityError(VeracityError, ValueError):
    """A reliability statistic is undefined on the given data (too few units, no variation, bad shape)."""


class Interval(_Frozen):
    """A percentile bootstrap interval."""

    low: float
    high: float
    level: float
    n_boot: int
    """Bootstrap resamples on which the statistic was defined (the others are left out)."""


class Reliability(Unscorable):
    """A statistic's value on the data with its bootstrap interval; `value` None exactly when undefined
    (`why_unscored`, reason ``insufficient_data``)."""

    statistic: str
    value: float | None
    ci: Interval | None = None
    n_units: int


# ------------------------------------------------------------------ two raters


def _paired(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[Hashable, Hashable]]:
    if len(a) != len(b):
        raise ReliabilityError(f"the two raters rated {len(a)} and {len(b)} units")
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not pairs:
        raise ReliabilityError("no unit rated by both raters")
    return pairs


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Share of units (rated by both) on which the two raters give the same label."""
    pairs = _paired(a, b)
    return sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(
    a: Sequence[Hashable], b: Sequence[Hashable], *, weights: Weights = None, labels: Sequence[Hashable] | None = None
) -> float:
    """Cohen's kappa of two raters; `weights` "linear"/"quadratic" for ordered labels (weighted kappa).

    Weights use the positions of `labels` (default: the sorted labels seen), as scikit-learn's
    `cohen_kappa_score` does. Units missing either rating (None) are left out.
    """
    pairs = _paired(a, b)
    order = list(labels) if labels is not None else sorted({v for p in pairs for v in p}, key=_sort_key)
    index = {label: i for i, label in enumerate(order)}
    pairs = [(x, y) for x, y in pairs if x in index and y in index]
    if not pairs:
        raise ReliabilityError("no unit has both ratings among `labels`")
    m = len(order)
    observed = np.zeros((m, m))
    for x, y in pairs:
        observed[index[x], index[y]] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    grid = np.abs(np.subtract.outer(np.arange(m), np.arange(m))).astype(float)
    if weights is None:
        w = (grid > 0).astype(float)
    elif weights == "linear":
        w = grid
    elif weights == "quadratic":
        w = grid**2
    else:
        raise ValueError(f"unknown weights {weights!r}")
    denominator = float((w * expected).sum())
    if denominator <= 0.0:
        raise ReliabilityError("kappa is undefined: chance agreement is perfect (one label only)")
    return 1.0 - float((w * observed).sum()) / denominator


def _sort_key(value: Hashable) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


# ------------------------------------------------------------------ many raters, nominal


def fleiss_kappa(ratings: Sequence[Sequence[Hashable]]) -> float:
    """Fleiss' kappa: units x raters labels, the same number (>= 2) of ratings for every unit."""
    if not ratings:
        raise ReliabilityError("no units")
    n = len(ratings[0])
    if n < 2 or any(len(row) != n for row in ratings) or any(v is None for row in ratings for v in row):
        raise ReliabilityError("Fleiss' kappa needs the same number (>= 2) of ratings for every unit, none missing")
    labels = sorted({v for row in ratings for v in row}, key=_sort_key)
    counts = np.array([[sum(v == label for v in row) for label in labels] for row in ratings], dtype=float)
    p_j = counts.sum(0) / counts.sum()
    p_i = ((counts**2).sum(1) - n) / (n * (n - 1))
    p_bar, p_e = float(p_i.mean()), float((p_j**2).sum())
    if p_e >= 1.0:
        raise ReliabilityError("Fleiss' kappa is undefined: every rating has the same label")
    return (p_bar - p_e) / (1.0 - p_e)


# ------------------------------------------------------------------ Krippendorff's alpha


def krippendorff_alpha(data: Sequence[Sequence[Any]], level: Level = "nominal") -> float:
    """Krippendorff's alpha over units x raters values (None = missing), from the coincidence matrix.

    `level`: "nominal" (labels), "ordinal" (ranks; distances from the marginal frequencies), "interval"
    (squared difference) or "ratio" (squared relative difference). Units with fewer than two values
    are not pairable and are left out, as Krippendorff (2011) prescribes.
    """
    units = [[v for v in row if v is not None] for row in data]
    units = [u for u in units if len(u) >= 2]
    if not units:
        raise ReliabilityError("no unit has two or more values")
    values = sorted({v for u in units for v in u}, key=_sort_key)
    if len(values) < 2:
        raise ReliabilityError("Krippendorff's alpha is undefined: every value is the same")
    index = {v: i for i, v in enumerate(values)}
    m = len(values)
    coincidence = np.zeros((m, m))
    for u in units:
        counts = np.zeros(m)
        for v in u:
            counts[index[v]] += 1
        coincidence += (np.outer(counts, counts) - np.diag(counts)) / (len(u) - 1)
    n_c = coincidence.sum(1)
    n = n_c.sum()
    delta = _alpha_distance(values, n_c, level)
    observed = float((coincidence * delta).sum())
    expected = float((np.outer(n_c, n_c) * delta).sum()) / (n - 1)
    if expected <= 0.0:
        raise ReliabilityError("Krippendorff's alpha is undefined: no expected disagreement")
    return 1.0 - observed / expected


def _alpha_distance(values: list[Any], n_c: np.ndarray, level: Level) -> np.ndarray:
    m = len(values)
    if level == "nominal":
        return 1.0 - np.eye(m)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        delta = np.zeros((m, m))
        for c in range(m):
            for k in range(m):
                lo, hi = min(c, k), max(c, k)
                delta[c, k] = (cum[hi + 1] - cum[lo] - (n_c[c] + n_c[k]) / 2) ** 2
        return delta
    try:
        x = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"{level} alpha needs numeric values") from exc
    if level == "interval":
        return np.subtract.outer(x, x) ** 2
    if level == "ratio":
        total = np.add.outer(x, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(total == 0, 0.0, (np.subtract.outer(x, x) / total) ** 2)
        return delta
    raise ValueError(f"unknown level {level!r}")


# ------------------------------------------------------------------ ICC


def icc(data: Sequence[Sequence[float]], form: IccForm = "ICC(2,1)") -> float:
    """Intra-class correlation of a complete units x raters matrix, in a named Shrout & Fleiss (1979) form.

    See `ICC_FORMS`. ICC(2,1) (absolute agreement of single ratings, raters a random sample) is the
    default: the right one for "would another run / another judge give the same score?". Use ICC(3,1)
    when only consistency (same order, any offset) of these fixed raters matters, ICC(.,k) for the
    reliability of the mean of the k ratings.
    """
    if form not in ICC_FORMS:
        raise ValueError(f"unknown ICC form {form!r}; one of {sorted(ICC_FORMS)}")
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or not np.isfinite(x).all():
        raise ReliabilityError("ICC needs a complete numeric matrix of >= 2 units x >= 2 raters")
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * float(((x.mean(1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    bms = ss_rows / (n - 1)
    jms = ss_cols / (k - 1)
    wms = (ss_total - ss_rows) / (n * (k - 1))
    ems = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    numerator, denominator = {
        "ICC(1,1)": (bms - wms, bms + (k - 1) * wms),
        "ICC(2,1)": (bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC(3,1)": (bms - ems, bms + (k - 1) * ems),
        "ICC(1,k)": (bms - wms, bms),
        "ICC(2,k)": (bms - ems, bms + (jms - ems) / n),
        "ICC(3,k)": (bms - ems, bms),
    }[form]
    if denominator <= 0.0:
        raise ReliabilityError(f"{form} is undefined: no variance between units")
    return numerator / denominator


# ------------------------------------------------------------------ pairwise position bias

OrderPair = tuple[Hashable | None, Hashable | None]


def _order_pairs(pairs: Iterable[Any]) -> list[tuple[Hashable, Hashable]]:
    """(verdict shown as given, verdict shown swapped), both in the caller's frame; unjudged left out."""
    out = []
    for p in pairs:
        if hasattr(p, "per_order"):  # a veracity.judges.llm.Preference
            if len(p.per_order) != 2:
                continue
            p = (p.per_order[0].verdict, p.per_order[1].verdict)
        ab, ba = p
        if ab is not None and ba is not None:
            out.append((ab, ba))
    if not out:
        raise ReliabilityError("no pair judged in both orders")
    return out


def position_consistency(pairs: Iterable[Any]) -> float:
    """Share of pairs whose verdict is the same in both presentation orders (Shi et al. 2024).

    `pairs`: `Preference` objects or (verdict AB, verdict BA) tuples, both already in the caller's frame
    ("A" = the first answer given, whatever position it was shown in).
    """
    judged = _order_pairs(pairs)
    return sum(ab == ba for ab, ba in judged) / len(judged)


def preference_fairness(pairs: Iterable[Any]) -> float:
    """Which position an inconsistent judge favours: (recency - primacy) / pairs, in [-1, 1]; 0 is fair.

    A pair is primacy-preferred when the answer shown first wins in both orders (AB says "A", BA says
    "B" in the caller's frame), recency-preferred when the answer shown second wins in both. This is
    Shi et al.'s raw count difference (recency minus primacy) divided by the pairs judged, so it
    compares across data sets; positive values favour the second position.
    """
    judged = _order_pairs(pairs)
    primacy = sum(ab == "A" and ba == "B" for ab, ba in judged)
    recency = sum(ab == "B" and ba == "A" for ab, ba in judged)
    return (recency - primacy) / len(judged)


# ------------------------------------------------------------------ test-retest


def test_retest(first: Sequence[Any], second: Sequence[Any], level: Level = "nominal") -> float:
    """Agreement of one judge with itself on the same units: Krippendorff's alpha of the two runs.

    Alpha (not kappa) because the runs are exchangeable (no rater has its own marginals) and it takes
    the measurement `level`: "nominal" for verdicts, "interval" for scores. For scores, ``icc(...,
    "ICC(2,1)")`` on the two columns answers the same question.
    """
    if len(first) != len(second):
        raise ReliabilityError(f"the two runs rated {len(first)} and {len(second)} units")
    return krippendorff_alpha([[x, y] for x, y in zip(first, second)], level)


test_retest.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


# ------------------------------------------------------------------ bootstrap


def bootstrap_ci(
    statistic: Callable[..., float],
    *data: Sequence[Any],
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    **options: Any,
) -> Reliability:
    """`statistic(*data, **options)` with a percentile bootstrap interval over units.

    Every argument in `data` is indexed by unit (rows of a units x raters matrix, or the two raters'
    label lists); the same resampled units are taken from each. Resamples on which the statistic is
    undefined are left out and `Interval.n_boot` counts the others. Deterministic for a given `seed`.
    """
    if not data:
        raise ValueError("no data")
    n_units = len(data[0])
    if any(len(d) != n_units for d in data):
        raise ReliabilityError("all data arguments must have one entry per unit")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be in (0, 1)")
    name = getattr(statistic, "__name__", "statistic")
    try:
        value = float(statistic(*data, **options))
    except ReliabilityError as exc:
        why = Unscored(reason="insufficient_data", detail=str(exc) or f"{name} is undefined on these data")
        return Reliability(statistic=name, value=None, n_units=n_units, why_unscored=why)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        idx = rng.integers(0, n_units, n_units)
        try:
            draws.append(float(statistic(*([d[i] for i in idx] for d in data), **options)))
        except ReliabilityError:
            continue
    ci = None
    if draws:
        tail = (1.0 - level) / 2 * 100
        low, high = np.percentile(draws, [tail, 100 - tail])
        ci = Interval(low=float(low), high=float(high), level=level, n_boot=len(draws))
    return Reliability(statistic=name, value=value, ci=ci, n_units=n_units)
