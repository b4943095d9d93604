"""The cohort comparison's statistics (cpanalysis.cohort_stats, stats' two-group functions) against
hand calculations: Newcombe's worked example, the score test and Welch's test from their formulas."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm, t

from cpanalysis import cohort_stats, stats


def test_newcombe_interval_is_newcombes_worked_example():
    # Newcombe (1998), Table II: 56/70 against 48/80, method 10 (hybrid score): 0.0524 to 0.3339
    diff, lower, upper = stats.difference_of_proportions(56, 70, 48, 80)
    assert diff == pytest.approx(0.2)
    assert lower == pytest.approx(0.0524, abs=5e-5) and upper == pytest.approx(0.3339, abs=5e-5)


def test_newcombe_from_the_wilson_limits_by_hand():
    # lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    (l1, u1), (l2, u2) = stats.wilson_interval(9, 30), stats.wilson_interval(3, 40)
    p1, p2 = 9 / 30, 3 / 40
    d = p1 - p2
    expected = (d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    assert stats.difference_of_proportions(9, 30, 3, 40)[1:] == pytest.approx(expected, abs=1e-9)


def test_proportion_row_bounds_and_score_test_p_value():
    row = cohort_stats.proportion_row("leavers_eet", "EET", 56, 70, 48, 80, min_children=10)
    assert (row["difference"], row["diff_lower"], row["diff_upper"]) == pytest.approx((20.0, 5.243, 33.387), abs=1e-3)
    # Miettinen-Nurminen score test at no difference: Pearson's chi-square times (N - 1) / N
    pooled = 104 / 150
    z_pearson = 0.2 / math.sqrt(pooled * (1 - pooled) * (1 / 70 + 1 / 80))
    z = math.sqrt(z_pearson**2 * 149 / 150)
    assert row["p_value"] == pytest.approx(2 * norm.sf(z), rel=1e-6)
    assert row["p_value"] == pytest.approx(0.00826, abs=5e-5)
    assert cohort_stats.beyond_chance(row | {"comparison": row["comparison"]})


def test_mean_row_is_welchs_test_by_hand():
    a, b = [1.0, 2.0, 4.0, 7.0], [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    row = cohort_stats.mean_row("sdq_change", "SDQ", a, b, min_children=2)
    ma, mb = sum(a) / 4, sum(b) / 6
    va = sum((x - ma) ** 2 for x in a) / 3
    vb = sum((x - mb) ** 2 for x in b) / 5
    se = math.sqrt(va / 4 + vb / 6)
    df = (va / 4 + vb / 6) ** 2 / ((va / 4) ** 2 / 3 + (vb / 6) ** 2 / 5)  # Welch-Satterthwaite
    half = t.ppf(0.975, df) * se
    assert row["difference"] == pytest.approx(ma - mb)
    assert (row["diff_lower"], row["diff_upper"]) == pytest.approx((ma - mb - half, ma - mb + half), rel=1e-9)
    assert row["p_value"] == pytest.approx(2 * t.sf((ma - mb) / se, df), rel=1e-9)


def test_small_groups_get_a_note_and_no_comparison():
    row = cohort_stats.proportion_row("m", "M", 2, 4, 30, 60, min_children=10)
    assert row["note"] and "difference" not in row and "value_1" not in row and row["value_2"] == 50.0
    table = cohort_stats.as_table([row])
    assert list(table.columns) == cohort_stats.COLUMNS and not cohort_stats.beyond_chance(table.iloc[0])


def test_rate_ratio_interval_excluding_one_is_beyond_chance():
    row = cohort_stats.rate_row("moves_rate", "Moves", (40, 20), (20.0, 40.0), (30, 60), min_children=10)
    assert row["difference"] == pytest.approx(4.0)  # 2 a year against 0.5
    assert row["diff_lower"] > 1 and cohort_stats.beyond_chance(row)
