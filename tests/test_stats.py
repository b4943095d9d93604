"""Confidence intervals against PHEindicatormethods' reference vectors (methods/style docs §3.1)."""

from __future__ import annotations

import numpy as np
import pytest

from cpanalysis import stats


@pytest.mark.parametrize(
    ("x", "n", "conf", "lower", "upper"),
    [
        (65, 100, 0.95, 0.5525444, 0.7363575),
        (65, 100, 0.998, 0.4954947, 0.7783541),
        (1045, 5000, 0.95, 0.1979555, 0.2204913),
        (1045, 5000, 0.998, 0.1917938, 0.2273156),
        (7, 50, 0.95, 0.0695, 0.2619),  # methods.md §3.2, agrees with PHStatsMethods
    ],
)
def test_wilson_matches_phe(x, n, conf, lower, upper) -> None:
    lo, hi = stats.wilson_interval(x, n, conf)
    tol = 5e-5 if n == 50 else 5e-8
    assert float(lo) == pytest.approx(lower, abs=tol)
    assert float(hi) == pytest.approx(upper, abs=tol)


@pytest.mark.parametrize(
    ("count", "conf", "lower", "upper"),
    [
        (65, 0.95, 50.16319, 82.84914),
        (65, 0.998, 42.88026, 94.00029),
        (1045, 0.95, 982.5932, 1110.331),
        (1045, 0.998, 947.9407, 1148.806),
        (10, 0.998, 2.916318, 24.19372),
        (1, 0.95, 0.02532, 5.57164),  # exact Poisson below 10
        (0, 0.95, 0.0, 3.688879),  # exact: chi2(0.975, 2)/2
    ],
)
def test_count_interval_matches_phe(count, conf, lower, upper) -> None:
    lo, hi = stats.poisson_count_interval(count, conf)
    # references are given to 7 significant figures
    assert float(lo) == pytest.approx(lower, rel=1e-6, abs=1e-5)
    assert float(hi) == pytest.approx(upper, rel=1e-6, abs=1e-5)


def test_rate_interval_worked_example() -> None:
    # methods.md §4.1: 320 CLA in 45,000 children -> 71.1 (63.5-79.3) per 10,000
    lo, hi = stats.rate_interval(320, 45_000)
    assert round(float(lo), 1) == 63.5
    assert round(float(hi), 1) == 79.3


def test_wilson_vectorised_and_zero_denominator() -> None:
    lo, hi = stats.wilson_interval(np.array([0, 5, 0]), np.array([10, 5, 0]))
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert np.isnan(lo[2]) and np.isnan(hi[2])


def test_wilson_rejects_numerator_above_denominator() -> None:
    with pytest.raises(ValueError, match="between 0 and their denominator"):
        stats.wilson_interval(6, 5)


def test_mean_interval_t() -> None:
    mean, lo, hi, n = stats.mean_interval([10, 12, 14, 16, np.nan])
    # sd = 2.5820, se = 1.2910, t(0.975, 3) = 3.182446
    assert (mean, n) == (13.0, 4)
    assert lo == pytest.approx(13 - 3.182446 * 1.290994, abs=1e-5)
    assert hi == pytest.approx(13 + 3.182446 * 1.290994, abs=1e-5)


# ----------------------------------------------------------------------------- the same numbers as scipy.stats
@pytest.mark.parametrize("confidence", [0.95, 0.998, 0.9])
def test_intervals_are_scipy_and_statsmodels_to_the_last_bit(confidence) -> None:
    """The intervals avoid importing scipy.stats and statsmodels (0.5 s each); they must still be
    exactly what those compute, on every numerator, denominator and count, edges included."""
    from scipy import stats as sps
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(18)
    n = np.concatenate([np.arange(1, 301), rng.integers(1, 200_000, 3000)]).astype(float)
    x = np.floor(rng.random(n.size) * (n + 1))
    x[:40], x[40:80] = 0, n[40:80]  # 0% and 100%
    lower, upper = stats.wilson_interval(x, n, confidence)
    expected = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert np.array_equal(lower, expected[0]) and np.array_equal(upper, expected[1])

    counts = np.concatenate([np.arange(0, 40), rng.integers(0, 50_000, 2000)]).astype(float)
    lower, upper = stats.poisson_count_interval(counts, confidence)
    alpha = 1 - confidence
    exact = (np.where(counts > 0, sps.chi2.ppf(alpha / 2, 2 * np.maximum(counts, 1)) / 2, 0.0),
             sps.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2)
    small = counts < 10
    assert np.array_equal(lower[small], exact[0][small]) and np.array_equal(upper[small], exact[1][small])
    assert stats.z_value(confidence) == float(sps.norm.ppf(confidence + (1 - confidence) / 2))

    values = rng.normal(50, 20, 41)
    mean, lo, hi, size = stats.mean_interval(values, confidence)
    half = float(sps.t.ppf(confidence + alpha / 2, 40) * values.std(ddof=1) / np.sqrt(41))
    assert (lo, hi, size) == (mean - half, mean + half, 41)
    groups = np.array([0.0, 1.0, 2.0, 3.0, 25.0])
    totals = np.array([0.0, 7.0, 9.0, 30.0, 1000.0])
    squares = np.array([0.0, 49.0, 45.0, 326.0, 41_000.0])
    means, los, his = stats.mean_interval_from_sums(groups, totals, squares, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = squares - groups * (totals / groups) ** 2
        half = sps.t.ppf(confidence + alpha / 2, groups - 1) * np.sqrt(spread / (groups - 1) / groups)
        centre = totals / groups
    assert np.isnan(los[:2]).all() and np.isnan(his[:2]).all()  # below two values: no interval
    assert np.array_equal(means[1:], centre[1:])
    assert np.array_equal(los[2:], (centre - half)[2:]) and np.array_equal(his[2:], (centre + half)[2:])


def test_the_intervals_import_neither_scipy_stats_nor_statsmodels() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom cpanalysis import stats\n"
            "stats.wilson_interval([3, 0], [10, 5]); stats.rate_interval([4, 400], [1000, 1000])\n"
            "stats.mean_interval([1.0, 2.0, 4.0]); stats.mean_interval_from_sums([3], [7.0], [21.0])\n"
            "print(sorted(m for m in ('scipy.stats', 'statsmodels') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"
