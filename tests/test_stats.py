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
