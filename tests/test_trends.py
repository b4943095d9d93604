"""Trend tests (methods.md §3.3, §5) on hand-worked series."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import Table

from cpanalysis import trends
from cpanalysis.errors import ParameterError

X = np.array([10, 15, 20, 25, 30.0])
N = np.array([100.0] * 5)


def test_chi2_linear_trend_by_hand() -> None:
    # N=500, X=100, sum(xt)=350, sum(nt)=1500, sum(nt^2)=5500:
    # chi2 = 500 (500*350 - 100*1500)^2 / [100*400*(500*5500 - 1500^2)] = 3.125e11 / 2e10 = 15.625
    chi2, sign = trends.chi2_linear_trend(X, N)
    assert chi2 == pytest.approx(15.625) and sign == 1


def test_chi2_equals_cochran_armitage_times_n_over_n_minus_1() -> None:
    table = Table(np.column_stack([X, N - X]))
    z = table.test_ordinal_association(row_scores=np.arange(1, 6), col_scores=np.array([1, 0])).zscore
    chi2, _ = trends.chi2_linear_trend(X, N)
    assert chi2 * (N.sum() - 1) / N.sum() == pytest.approx(z**2)


def test_fingertips_trend_significant_with_polarity() -> None:
    result = trends.fingertips_trend(X, N, "high_good")
    assert (result.direction, result.assessment) == ("Increasing", "Increasing and getting better")
    assert result.signs_agree and result.n_points == 5
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(15.625 / 2)))
    assert trends.fingertips_trend(X, N, "low_good").assessment == "Increasing and getting worse"
    assert trends.fingertips_trend(X[::-1], N, "none").assessment == "Decreasing"


def test_below_99_8_threshold_is_no_change() -> None:
    # 10,12,14,16,18 of 100: sum(xt)=230, X=70 -> chi2 = 500*(115000-105000)^2 / (70*430*5e5) = 3.3223
    result = trends.fingertips_trend([10, 12, 14, 16, 18], N)
    assert result.chi2 == pytest.approx(5e10 / 15.05e9)
    assert result.direction == "No significant change"


def test_leave_one_out_sign_check_blocks_a_single_spike() -> None:
    # One huge last point drives chi2 far above 9.55, but dropping it reverses the slope.
    result = trends.fingertips_trend([30, 28, 26, 24, 90], N)
    assert result.chi2 > trends.z_value(0.998) ** 2
    assert not result.signs_agree and result.direction == "No significant change"


def test_fewer_than_five_points_cannot_be_calculated() -> None:
    result = trends.fingertips_trend([10, np.nan, 20, 25, 30], N)
    assert result.direction == "Cannot be calculated" and result.n_points == 4


def test_wls_branch_by_hand() -> None:
    # Equal SE = 2/3.92 at every point; slope 0.5, SE_slope = SE/sqrt(10): chi2 = 0.25*10*3.92^2/4 = 9.604
    values = np.array([14, 14.5, 15, 15.5, 16])
    result = trends.fingertips_trend_values(values, values - 1, values + 1, "low_good")
    z95 = trends.z_value(0.95)
    assert result.chi2 == pytest.approx(0.25 * 10 * (2 * z95) ** 2 / 4)
    assert result.assessment == "Increasing and getting worse"


def test_glm_slope() -> None:
    fit = trends.glm_trend(X, N, [2021, 2022, 2023, 2024, 2025])
    assert not fit.quasi_binomial and fit.dispersion < 1.5
    assert fit.odds_ratio == pytest.approx(1.381777, rel=1e-5)
    assert fit.odds_ratio > 1 and fit.or_lower > 1 and fit.p_value < 0.001
    # about 5 percentage points a year, as the data rise 5 points a year
    assert fit.pp_per_year == pytest.approx(5.0, abs=0.1)


def test_glm_goes_quasi_binomial_when_overdispersed() -> None:
    fit = trends.glm_trend([10, 40, 12, 45, 15, 50], [100] * 6, range(6))
    assert fit.quasi_binomial and fit.dispersion > 1.5
    plain = trends.glm_trend([10, 40, 12, 45, 15, 50], [100] * 6, range(6), overdispersion_threshold=1e9)
    wide = math.log(fit.or_upper / fit.or_lower) / math.log(plain.or_upper / plain.or_lower)
    assert wide == pytest.approx(math.sqrt(fit.dispersion))


def test_kendall_exact_and_theil_sen() -> None:
    kt = trends.kendall_theil([1, 2, 3, 4, 5], [2021, 2022, 2023, 2024, 2025])
    assert kt.tau == pytest.approx(1) and kt.p_value == pytest.approx(2 / math.factorial(5))
    assert kt.slope == 1
    with pytest.raises(ParameterError):
        trends.kendall_theil([1, 2], [1, 2])


def test_kendall_with_tied_values_uses_the_tie_corrected_normal_approximation() -> None:
    # 9 concordant pairs, 0 discordant, 1 tied in the values (14.7 twice):
    # tau-b = 9 / sqrt(10 * 9) = 0.94868; var(C - D) = (5*4*15 - 2*1*9) / 18 = 15.667,
    # z = 9 / sqrt(15.667) = 2.2738, two-sided p = 0.02298
    kt = trends.kendall_theil([14.7, 14.7, 15.0, 15.3, 15.9], [2021, 2022, 2023, 2024, 2025])
    assert kt.tau == pytest.approx(9 / math.sqrt(90))
    assert kt.p_value == pytest.approx(0.02298, abs=1e-5)


def test_year_on_year_newcombe_by_hand() -> None:
    # Wilson 95%: 30/100 -> 0.2189-0.3958, 20/100 -> 0.1334-0.2888.
    # lower = 0.1 - sqrt(0.0811^2 + 0.0888^2) = -0.0203; upper = 0.1 + sqrt(0.0958^2 + 0.0666^2) = 0.2167
    diff, lo, hi = trends.year_on_year(20, 100, 30, 100)
    assert diff == pytest.approx(10)
    assert lo == pytest.approx(-2.03, abs=0.01) and hi == pytest.approx(21.67, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=5, max_size=5))
def test_trend_is_symmetric_in_time(counts: list[int]) -> None:
    forward = trends.fingertips_trend(counts, [50] * 5)
    backward = trends.fingertips_trend(counts[::-1], [50] * 5)
    if forward.direction == "Cannot be calculated":
        assert backward.direction == "Cannot be calculated"
    else:
        assert backward.chi2 == pytest.approx(forward.chi2)
        swap = {"Increasing": "Decreasing", "Decreasing": "Increasing"}
        assert backward.direction == swap.get(forward.direction, forward.direction)
