"""Reliability statistics against published worked examples and second implementations (to 1e-6)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from veracity.judges.reliability import (
    ICC_FORMS,
    ReliabilityError,
    bootstrap_ci,
    cohen_kappa,
    fleiss_kappa,
    icc,
    krippendorff_alpha,
    percent_agreement,
    position_consistency,
    preference_fairness,
    test_retest,
)

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
# Their Table 4 (two decimals), and R psych::ICC on the same data (seven decimals).
ICC_PUBLISHED = {"ICC(1,1)": 0.17, "ICC(2,1)": 0.29, "ICC(3,1)": 0.71, "ICC(1,k)": 0.44, "ICC(2,k)": 0.62, "ICC(3,k)": 0.91}
ICC_PSYCH = {
    "ICC(1,1)": 0.1657418, "ICC(2,1)": 0.2897638, "ICC(3,1)": 0.7148407,
    "ICC(1,k)": 0.4427971, "ICC(2,k)": 0.6200505, "ICC(3,k)": 0.9093155,
}  # fmt: skip

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units example
# with missing values; published alphas: nominal .743, ordinal .815, interval .849, ratio .797.
_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
KRIPPENDORFF_UNITS = [list(unit) for unit in zip(*_OBSERVERS)]
ALPHA_PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories (counts per category).
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def _fleiss_ratings() -> list[list[int]]:
    return [[label for label, c in enumerate(row) for _ in range(c)] for row in FLEISS_COUNTS]


@pytest.mark.parametrize("form", sorted(ICC_FORMS))
def test_icc_matches_shrout_fleiss_and_psych(form: str) -> None:
    value = icc(SHROUT_FLEISS, form)  # type: ignore[arg-type]
    assert value == pytest.approx(ICC_PSYCH[form], abs=1e-6)
    assert round(value, 2) == ICC_PUBLISHED[form]


def test_icc_exact_from_mean_squares() -> None:
    """ICC(2,1) computed by hand with exact fractions from the ANOVA of the same table."""
    x = [[Fraction(v) for v in row] for row in SHROUT_FLEISS]
    n, k = len(x), len(x[0])
    grand = sum(map(sum, x)) / (n * k)
    rows = [sum(r) / k for r in x]
    cols = [sum(r[j] for r in x) / n for j in range(k)]
    ss_r = k * sum((r - grand) ** 2 for r in rows)
    ss_c = n * sum((c - grand) ** 2 for c in cols)
    ss_t = sum((v - grand) ** 2 for r in x for v in r)
    bms, jms, ems = ss_r / (n - 1), ss_c / (k - 1), (ss_t - ss_r - ss_c) / ((n - 1) * (k - 1))
    exact = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    assert icc(SHROUT_FLEISS, "ICC(2,1)") == pytest.approx(float(exact), abs=1e-12)


def test_icc_rejects_unknown_form_and_constant_units() -> None:
    with pytest.raises(ValueError):
        icc(SHROUT_FLEISS, "ICC(4,1)")  # type: ignore[arg-type]
    with pytest.raises(ReliabilityError):
        icc([[1, 1], [1, 1]], "ICC(3,1)")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_published_example(level: str) -> None:
    assert round(krippendorff_alpha(KRIPPENDORFF_UNITS, level), 3) == ALPHA_PUBLISHED[level]  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_reference_package(level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    matrix = np.array([[np.nan if v is None else v for v in obs] for obs in _OBSERVERS], dtype=float)
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert krippendorff_alpha(KRIPPENDORFF_UNITS, level) == pytest.approx(expected, abs=1e-6)  # type: ignore[arg-type]
    rng = np.random.default_rng(7)
    random = rng.integers(1, 6, size=(3, 40)).astype(float)
    random[rng.random(random.shape) < 0.2] = np.nan
    units = [[None if np.isnan(v) else float(v) for v in col] for col in random.T]
    expected = krippendorff.alpha(reliability_data=random, level_of_measurement=level)
    assert krippendorff_alpha(units, level) == pytest.approx(expected, abs=1e-6)  # type: ignore[arg-type]


def test_krippendorff_undefined_without_variation() -> None:
    with pytest.raises(ReliabilityError):
        krippendorff_alpha([[1, 1], [1, 1, None]])


def test_fleiss_kappa_worked_example() -> None:
    # Fleiss (1971) / Wikipedia: sum of squared counts 828, category totals 20, 28, 39, 21, 32 of 140.
    p_bar = Fraction(828 - 10 * 14, 10 * 14 * 13)
    p_e = sum(Fraction(t, 140) ** 2 for t in (20, 28, 39, 21, 32))
    expected = (p_bar - p_e) / (1 - p_e)
    assert fleiss_kappa(_fleiss_ratings()) == pytest.approx(float(expected), abs=1e-9)
    assert round(fleiss_kappa(_fleiss_ratings()), 3) == 0.210  # the published figure


def test_fleiss_kappa_needs_equal_raters() -> None:
    with pytest.raises(ReliabilityError):
        fleiss_kappa([[1, 2], [1, 2, 2]])


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(weights: str | None) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    a = rng.integers(1, 6, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 1, 5)
    expected = sklearn_metrics.cohen_kappa_score(a, b, weights=weights)
    assert cohen_kappa(list(a), list(b), weights=weights) == pytest.approx(expected, abs=1e-6)  # type: ignore[arg-type]


def test_cohen_kappa_textbook_and_missing() -> None:
    # 2x2 table [[20, 5], [10, 15]] (Wikipedia's worked example): p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)
    assert percent_agreement(a, b) == pytest.approx(0.7)
    assert cohen_kappa(a + [None], b + ["yes"]) == pytest.approx(0.4, abs=1e-12)  # missing ratings are left out
    with pytest.raises(ReliabilityError):
        cohen_kappa(["x", "x"], ["x", "x"])


def test_percent_agreement_overstates_chance_agreement() -> None:
    """A judge that always says "A" agrees 90% with humans who say "A" 90% of the time, kappa 0."""
    humans = ["A"] * 9 + ["B"]
    judge = ["A"] * 10
    assert percent_agreement(humans, judge) == pytest.approx(0.9)
    assert cohen_kappa(humans, judge) == pytest.approx(0.0)


def test_position_consistency_and_fairness() -> None:
    pairs = [("A", "A"), ("B", "B"), ("A", "B"), ("A", "B"), ("B", "A"), ("tie", "tie"), (None, "A")]
    assert position_consistency(pairs) == pytest.approx(3 / 6)
    # primacy (first shown wins both times): 2 pairs; recency: 1 pair -> (1 - 2) / 6
    assert preference_fairness(pairs) == pytest.approx(-1 / 6)
    with pytest.raises(ReliabilityError):
        position_consistency([(None, None)])


def test_position_consistency_reads_preferences() -> None:
    from veracity.judges.llm import OrderJudgement, Preference

    def pref(ab: str, ba: str) -> Preference:
        orders = [
            OrderJudgement(order="AB", probabilities={ab: 1.0}, verdict=ab),  # type: ignore[arg-type]
            OrderJudgement(order="BA", probabilities={ba: 1.0}, verdict=ba),  # type: ignore[arg-type]
        ]
        return Preference(outcome=ab, per_order=orders)  # type: ignore[arg-type]

    assert position_consistency([pref("A", "A"), pref("A", "B")]) == pytest.approx(0.5)
    assert preference_fairness([pref("A", "A"), pref("B", "A")]) == pytest.approx(0.5)


def test_test_retest_is_alpha_of_two_runs() -> None:
    first, second = [1, 2, 3, 4, 5, 3], [1, 2, 4, 4, 5, 2]
    units = [[x, y] for x, y in zip(first, second)]
    assert test_retest(first, second, "interval") == pytest.approx(krippendorff_alpha(units, "interval"))
    assert test_retest(first, first, "nominal") == pytest.approx(1.0)


def test_bootstrap_ci_brackets_value_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    a = list(rng.integers(0, 3, 120))
    b = [x if rng.random() < 0.7 else int(rng.integers(0, 3)) for x in a]
    est = bootstrap_ci(cohen_kappa, a, b, n_boot=300, seed=1)
    assert est.value is not None and est.ci is not None
    assert est.ci.low < est.value < est.ci.high
    assert est.statistic == "cohen_kappa" and est.n_units == 120 and est.ci.n_boot == 300
    assert bootstrap_ci(cohen_kappa, a, b, n_boot=300, seed=1) == est
    wide = bootstrap_ci(cohen_kappa, a[:30], b[:30], n_boot=300, seed=1)
    assert wide.ci is not None and (wide.ci.high - wide.ci.low) > (est.ci.high - est.ci.low)


def test_bootstrap_ci_of_matrix_statistic_and_undefined() -> None:
    est = bootstrap_ci(icc, SHROUT_FLEISS, n_boot=200, form="ICC(3,1)")
    assert est.value == pytest.approx(ICC_PSYCH["ICC(3,1)"], abs=1e-6)
    undefined = bootstrap_ci(cohen_kappa, ["x"] * 5, ["x"] * 5)
    assert undefined.value is None and undefined.ci is None and "undefined" in (undefined.unscored_reason or "")
