"""Comparison with England, region, neighbours and all authorities; reconciliation (methods.md §3-4)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cpanalysis import compare, stats
from cpanalysis.dfe import ees
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import TIDY_COLUMNS

LA, ENG, REG = "E10000018", "E92000001", "E12000004"


def row(indicator: str, geography: str, numerator: float, denominator: float, value: float | None = None,
        source: str = "dfe", unit: str = "%", polarity: str = "low_good", year: int = 2025,
        suppressed: str = "", period_type: str = "year", breakdown: str = "Total") -> dict:
    if value is None:
        value = 100 * numerator / denominator if unit == "%" and denominator else numerator
    return {
        "indicator_id": indicator, "period_end": pd.Timestamp(year, 3, 31), "period_type": period_type,
        "geography": geography, "breakdown": breakdown, "breakdown_value": "Total", "numerator": numerator,
        "denominator": denominator, "value": value, "unit": unit, "lower_95": np.nan, "upper_95": np.nan,
        "lower_998": np.nan, "upper_998": np.nan, "polarity": polarity, "source": source,
        "suppressed": suppressed,
    }


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))[list(TIDY_COLUMNS)]


# ------------------------------------------------------------------------------ the Fingertips rule
def test_worked_example_methods_3_2() -> None:
    # 31 NEET of 120 (25.8%) against England 38%: Wilson 95% 18.8-34.3, 99.8% 15.6-39.6, z=-2.75, p=0.006.
    lo, hi = stats.wilson_interval(31, 120, 0.95)
    lo9, hi9 = stats.wilson_interval(31, 120, 0.998)
    assert (round(100 * float(lo), 1), round(100 * float(hi), 1)) == (18.8, 34.3)
    assert (round(100 * float(lo9), 1), round(100 * float(hi9), 1)) == (15.6, 39.6)
    z, p = compare.score_test(31, 120, 0.38)
    assert (round(z, 2), round(p, 3)) == (-2.75, 0.006)
    assert round(compare.exact_binomial_p(31, 120, 0.38), 3) == 0.006
    args = (100 * lo, 100 * hi, 38.0, "low_good", 100 * lo9, 100 * hi9)
    assert compare.compare_to_benchmark(*args).tolist() == ["Better"]
    # "better than England at 95%, but not at 99.8%": the two-level mode stays Better, not Best.
    assert compare.compare_to_benchmark(*args, two_level=True).tolist() == ["Better"]
    assert compare.compare_to_benchmark(100 * lo, 100 * hi, 40.0, "low_good", 100 * lo9, 100 * hi9,
                                        two_level=True).tolist() == ["Best"]
    assert compare.compare_to_benchmark(100 * lo, 100 * hi, 40.0, "high_good", 100 * lo9, 100 * hi9,
                                        two_level=True).tolist() == ["Worst"]


def test_england_exactly_on_a_bound_is_similar() -> None:
    lo, hi = stats.wilson_interval(31, 120)
    on_upper = compare.compare_to_benchmark(100 * lo, 100 * hi, 100 * hi, "low_good")
    on_lower = compare.compare_to_benchmark(100 * lo, 100 * hi, 100 * lo, "high_good")
    assert on_upper.tolist() == on_lower.tolist() == ["Similar"]
    just_out = compare.compare_to_benchmark(100 * lo, 100 * hi, 100 * hi + 1e-9, "low_good")
    assert just_out.tolist() == ["Better"]


def test_labels_by_polarity_and_missing() -> None:
    out = compare.compare_to_benchmark([20, 20, 20, 20, np.nan], [30, 30, 30, 30, 30], [35, 15, 35, 25, 25],
                                       ["high_good", "high_good", "none", "none", "low_good"])
    assert out.tolist() == ["Worse", "Better", "Lower", "Similar", "Not compared"]
    with pytest.raises(ParameterError, match="99.8%"):
        compare.compare_to_benchmark(1, 2, 3, "none", two_level=True)


def test_compare_with_england_on_the_tidy_table() -> None:
    t = table(
        row("leavers_19_21_neet", LA, 31, 120, source="local"),
        row("leavers_19_21_neet", LA, 30, 120),  # the published row loses to the local one
        row("leavers_19_21_neet", ENG, 14000, 36842, value=38.0),
        row("leavers_17_18_neet", LA, 7, 50, source="local"),
        row("leavers_17_18_neet", ENG, 4000, 16000, value=25.0),
        row("sdq_concern", LA, 3, 8, source="local"),
        row("sdq_concern", ENG, 1, 3, value=42.0),
        row("long_term_stability", LA, np.nan, 219, value=np.nan, suppressed="c", polarity="high_good"),
        row("long_term_stability", ENG, 1, 2, value=69.0, polarity="high_good"),
        row("cla_on_date", LA, 694, np.nan, unit="count", polarity="none"),
        row("cla_on_date", ENG, 81770, np.nan, unit="count", polarity="none"),
        row("leavers_19_21_neet", LA, 30, 110, source="local", period_type="rolling_12m", year=2024),
    )
    out = compare.compare_with_england(t).set_index(["indicator_id", "period_type"])
    neet = out.loc[("leavers_19_21_neet", "year")]
    assert (neet["numerator"], neet["source"], neet["comparison"], neet["test"]) == (31, "local", "Better", "score")
    assert (round(neet["z"], 2), round(neet["p_value"], 3)) == (-2.75, 0.006)
    assert neet["lower_95"] == pytest.approx(18.837396, abs=1e-5)
    # 7/50 against 25%: Wilson 6.95-26.19 holds 25 -> Similar; n < 100 -> exact binomial p.
    small = out.loc[("leavers_17_18_neet", "year")]
    assert small["comparison"] == "Similar" and small["test"] == "exact binomial"
    assert small["p_value"] == pytest.approx(sps.binomtest(7, 50, 0.25).pvalue)
    assert small["z"] == pytest.approx(-0.11 / math.sqrt(0.25 * 0.75 / 50))
    assert out.loc[("sdq_concern", "year"), "reason"] == "fewer than 10 children"
    assert out.loc[("long_term_stability", "year"), "reason"] == "suppressed (c)"
    assert out.loc[("cla_on_date", "year"), "reason"] == "a count has no benchmark"
    rolling = out.loc[("leavers_19_21_neet", "rolling_12m")]
    assert (rolling["comparison"], rolling["reason"]) == ("Not compared", "no England figure for this period")


def test_rate_against_england_uses_byar_and_exact_poisson() -> None:
    t = table(row("cla_rate_per_10k", LA, 65, 10_000, value=65, unit="rate_per_10k", polarity="none"),
              row("cla_rate_per_10k", ENG, 81770, 12183016, value=67, unit="rate_per_10k", polarity="none"))
    out = compare.compare_with_england(t).iloc[0]
    assert (out["lower_95"], out["upper_95"]) == pytest.approx((50.16319, 82.84914), abs=1e-5)
    assert out["comparison"] == "Similar" and out["test"] == "exact Poisson"
    assert out["p_value"] > 0.5


# ------------------------------------------------------------------------------ region and neighbours
def newcombe(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    (l1, u1), (l2, u2) = (stats.wilson_interval(x, n) for x, n in ((x1, n1), (x2, n2)))
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    return 100 * (d - math.hypot(p1 - l1, u2 - p2)), 100 * (d + math.hypot(u1 - p1, p2 - l2))


def test_region_excluding_the_authority() -> None:
    base = [row("placements_3plus_12m", LA, 20, 100, source="local"),
            row("placements_3plus_12m", "A", 30, 100), row("placements_3plus_12m", "B", 50, 100)]
    t = table(*base, row("placements_3plus_12m", REG, 100, 300, value=33.0))
    exact = compare.compare_with_region(t, LA, REG, region_members=[LA, "A", "B"]).iloc[0]
    assert (exact["rest_numerator"], exact["rest_denominator"], exact["rest_value"]) == (80, 200, 40)
    assert exact["method"] == "sum of the other authorities in the region"
    assert exact["difference"] == pytest.approx(-20)
    assert (exact["difference_lower"], exact["difference_upper"]) == pytest.approx(newcombe(20, 100, 80, 200))
    assert exact["comparison"] == "Better" and exact["region_value"] == 33
    # Without the member list, the (rounded) region total minus the authority.
    approx = compare.compare_with_region(t, LA, REG).iloc[0]
    assert approx["method"].startswith("region total") and approx["rest_value"] == 40
    # A suppressed member forces the fallback.
    t2 = table(*base[:2], row("placements_3plus_12m", "B", np.nan, 100, value=np.nan, suppressed="c"),
               row("placements_3plus_12m", REG, 100, 300, value=33.0))
    assert compare.compare_with_region(t2, LA, REG, [LA, "A", "B"]).iloc[0]["method"].startswith("region total")


def test_neighbours_median_pooled_and_rank() -> None:
    t = table(
        row("placements_3plus_12m", LA, 5, 100, source="local"),
        row("placements_3plus_12m", "N1", 10, 100), row("placements_3plus_12m", "N2", 20, 100),
        row("placements_3plus_12m", "N3", 30, 100),
        row("placements_3plus_12m", "N4", np.nan, 100, value=np.nan, suppressed="c"),
        row("long_term_stability", LA, 75, 100, source="local", polarity="high_good"),
        row("long_term_stability", "N1", np.nan, np.nan, value=80, polarity="high_good"),  # LAIT: value only
        row("long_term_stability", "N2", 70, 100, polarity="high_good"),
    )
    out = compare.compare_with_neighbours(t, LA, ["N1", "N2", "N3", "N4"]).set_index("indicator_id")
    p = out.loc["placements_3plus_12m"]
    assert (p["neighbours_with_data"], p["neighbour_median"], p["neighbour_mean"]) == (3, 20, 20)
    assert (p["neighbours_numerator"], p["neighbours_denominator"], p["neighbours_value"]) == (60, 300, 20)
    assert (p["difference_lower"], p["difference_upper"]) == pytest.approx(newcombe(5, 100, 60, 300))
    assert p["comparison"] == "Better" and p["rank_among_neighbours"] == 1
    s = out.loc["long_term_stability"]
    assert s["neighbour_median"] == 75 and np.isnan(s["neighbours_value"])  # no pooled value without counts
    assert s["comparison"] == "Not compared" and s["rank_among_neighbours"] == 2


# ------------------------------------------------------------------------------ bands, ranks, funnel
def test_quartile_bands_type7_right_closed() -> None:
    # 1..8: type-7 quartiles 2.75, 4.5, 6.25
    bands = compare.quartile_bands(pd.Series(range(1, 9)), "low_good")
    assert bands["band"].tolist() == list("AABBCCDD")
    assert compare.quartile_bands(pd.Series(range(1, 9)), "high_good")["band"].tolist() == list("DDCCBBAA")
    # 1..5: quartiles exactly 2, 3, 4 -> a value on a boundary falls in the lower band (right-closed)
    five = compare.quartile_bands(pd.Series([1, 2, 3, 4, 5, np.nan]), "low_good")
    assert five["quartile"].tolist()[:5] == [1, 1, 2, 3, 4] and np.isnan(five["quartile"].iloc[5])
    assert five["band"].tolist() == ["A", "A", "B", "C", "D", ""]
    assert compare.quartile_bands(pd.Series([1, 2, 3]), "none")["band"].tolist() == ["", "", ""]


def test_rank_ties_at_minimum() -> None:
    values = pd.Series([5, 3, 3, 1, np.nan])
    assert compare.rank(values, "low_good").tolist()[:4] == [4, 2, 2, 1]
    assert compare.rank(values, "high_good").tolist()[:4] == [1, 2, 2, 4]
    assert np.isnan(compare.rank(values, "low_good").iloc[4])


def test_funnel_limits_by_hand() -> None:
    lo, hi, exact = compare.funnel_limits(0.2, [100], 0.95)
    assert (lo[0], hi[0]) == pytest.approx((0.2 - 1.959964 * 0.04, 0.2 + 1.959964 * 0.04), abs=1e-6)
    assert not exact[0]
    # n p0 = 2 < 5: exact binomial quantiles (P(X<=0)=0.107 > 0.025; P(X<=4)=0.967 < 0.975 <= P(X<=5))
    lo, hi, exact = compare.funnel_limits(0.2, [10], 0.95)
    assert (lo[0], hi[0], exact[0]) == (0.0, 0.5, True)
    lo, _, _ = compare.funnel_limits(0.2, [10], 0.95, small_n="not_assessed")
    assert np.isnan(lo[0])
    lo, _, _ = compare.funnel_limits(0.02, [300], 0.998)  # 0.02 - 3.09 * 0.00808 < 0: truncated
    assert lo[0] == 0.0


def test_funnel_positions_and_summary() -> None:
    rows = [row("placements_3plus_12m", ENG, 1, 10, value=20.0)]
    rows += [row("placements_3plus_12m", f"E0600000{i}", x, 100) for i, x in enumerate([20, 28, 31, 12, 21])]
    rows.append(row("placements_3plus_12m", REG, 50, 100))  # regions never plotted
    f = compare.funnel(table(*rows), "placements_3plus_12m", "2025-03-31")
    # 95% 12.16-27.84, 99.8% 7.64-32.36
    assert f.points["position"].tolist() == ["Inside", "Above 95%", "Above 95%", "Below 95%", "Inside"]
    assert f.summary["outside"].tolist() == [3, 0]
    assert f.summary["expected_by_chance"].tolist() == pytest.approx([0.25, 0.01])
    with pytest.raises(ParameterError, match="no England figure"):
        compare.funnel(table(*rows), "placements_3plus_12m", "2024-03-31")


@pytest.mark.dfe
def test_bands_on_real_authorities(shared_dfe: Path) -> None:
    rows = ees.load_file(shared_dfe / "csc_outcomes_and_enablers" / "2021_2025" / "la_cla_placement_stability.csv",
                         recompute_la=False)  # the published whole numbers, as LAIT bands them
    bands = compare.lait_bands(rows, "long_term_stability", "2025-03-31").set_index("geography")
    values = np.sort(bands["value"].dropna().to_numpy())
    assert 140 < len(values) < 160  # authorities only, no England or regions

    def type7(p: float) -> float:  # R quantile type 7 by hand
        h = (len(values) - 1) * p
        return values[int(h)] + (h - int(h)) * (values[min(int(h) + 1, len(values) - 1)] - values[int(h)])

    q1, q2, q3 = type7(0.25), type7(0.5), type7(0.75)
    for code in ("E10000018", "E10000024", "E10000014", "E06000024"):  # Leics, Notts, Hants, N Somerset
        v = bands.loc[code, "value"]
        expected = "D" if v <= q1 else "C" if v <= q2 else "B" if v <= q3 else "A"  # high is good
        assert bands.loc[code, "band"] == expected
        assert bands.loc[code, "rank"] == 1 + (values > v).sum()
    assert bands.loc["E10000018", "value"] == 75 and bands.loc["E10000024", "value"] == 86
    f = compare.funnel(rows, "long_term_stability", "2025-03-31")
    assert f.england == 69 and f.summary["authorities_assessed"].iloc[0] > 140


# ------------------------------------------------------------------------------ trend of a series
def test_trend_of_an_area() -> None:
    rows = [row("placements_3plus_12m", LA, x, 100, year=2021 + i, source="local") for i, x in enumerate([10, 15, 20, 25, 30])]
    out = compare.trend(table(*rows), "placements_3plus_12m", LA)
    assert out["years"] == [2021, 2022, 2023, 2024, 2025]
    assert out["recent_trend"].assessment == "Increasing and getting worse"
    assert out["glm"].odds_ratio > 1
    assert out["year_on_year"][0] == pytest.approx(5)
    assert out["kendall_theil"].slope == 5


def test_trend_keeps_the_year_a_rolling_window_shares() -> None:
    # the rolling 12 months to 31 March 2025 (listed first) must not hide the year ending that day
    rolling = row("placements_3plus_12m", LA, 30, 100, year=2025, source="local", period_type="rolling_12m")
    years = [row("placements_3plus_12m", LA, x, 100, year=2021 + i, source="local") for i, x in enumerate([10, 15, 20, 25, 30])]
    out = compare.trend(table(rolling, *years), "placements_3plus_12m", LA)
    assert out["years"] == [2021, 2022, 2023, 2024, 2025]


# ------------------------------------------------------------------------------ reconciliation
def test_reconciliation_explanations() -> None:
    t = table(
        row("placements_3plus_12m", LA, 66, 694, source="local"),
        row("placements_3plus_12m", LA, 66, 694),
        row("long_term_stability", LA, 160, 219, source="local", polarity="high_good"),
        row("long_term_stability", LA, 165, 219, polarity="high_good"),
        row("cla_on_date", LA, 690, np.nan, source="local", unit="count", polarity="none"),
        row("cla_on_date", LA, 694, np.nan, unit="count", polarity="none"),
        row("sdq_completed", LA, 280, 315, source="local", polarity="high_good"),
        row("sdq_completed", LA, 282, 319, polarity="high_good"),
        row("leavers_17_18_higher_education", LA, 4, 163, source="local", polarity="high_good"),
        row("leavers_17_18_higher_education", LA, np.nan, 163, value=np.nan, suppressed="c", polarity="high_good"),
        row("placements_3plus_12m", LA, 51, 583, source="local", year=2019),
        row("placements_3plus_12m", LA, np.nan, np.nan, value=9.0, year=2019),  # LAIT: rounded value only
        row("placed_inside_la", LA, 400, 694, source="local", polarity="high_good"),
        row("placements_3plus_12m", ENG, 8500, 81770, value=10.0),  # England is not reconciled
    )
    out = compare.reconcile(t, LA).set_index(["indicator_id", "period_end"])
    y = pd.Timestamp(2025, 3, 31)
    assert out.loc[("placements_3plus_12m", y), "status"] == "match"
    stab = out.loc[("long_term_stability", y)]
    assert stab["status"] == "differs" and "Same cohort of 219, but 5 fewer children" in stab["explanation"]
    assert out.loc[("cla_on_date", y), "explanation"].startswith("4 fewer locally (690 against DfE's 694)")
    assert "cohort differs by 4 fewer children" in out.loc[("sdq_completed", y), "explanation"]
    he = out.loc[("leavers_17_18_higher_education", y)]
    assert he["status"] == "suppressed by DfE" and "confidentiality" in he["explanation"]
    assert out.loc[("placements_3plus_12m", pd.Timestamp(2019, 3, 31)), "status"] == "match after rounding"
    assert out.loc[("placed_inside_la", y), "status"] == "not published"
    assert "same_carer_moves" in compare.reconcile(
        table(row("placements_3plus_12m", LA, 60, 694, source="local"), row("placements_3plus_12m", LA, 66, 694)),
        LA).iloc[0]["explanation"]
    assert len(compare.reconcile(t, LA, period_end="2019-03-31")) == 1


@pytest.mark.dfe
def test_leicestershire_against_published_figures(shared_dfe: Path) -> None:
    from cpanalysis.dfe import la_codes, statistical_neighbours

    published = ees.load_file(shared_dfe / "csc_outcomes_and_enablers" / "2021_2025" / "la_cla_placement_stability.csv")
    local = published[published["geography"] == LA].copy()
    local["source"] = "local"
    local["period_end"] = local["period_end"].astype("datetime64[ns]")  # as the indicators module writes it
    changed = (local["indicator_id"] == "long_term_stability") & (local["period_end"] == "2024-03-31")
    local.loc[changed, "numerator"] -= 2
    both = pd.concat([local, published], ignore_index=True)

    england = compare.compare_with_england(both, LA).set_index(["indicator_id", "period_end"])
    y = pd.Timestamp("2025-03-31")
    # 165/219: Wilson 95% 69.2-80.6 sits above England's 69 -> Better; 66/694 (7.5-11.9) holds 10 -> Similar
    assert england.loc[("long_term_stability", y), "comparison"] == "Better"
    assert england.loc[("placements_3plus_12m", y), "comparison"] == "Similar"

    recon = compare.reconcile(both, LA).set_index(["indicator_id", "period_end"])
    assert (recon["status"] == "match").sum() == len(recon) - 1
    assert recon.loc[("long_term_stability", pd.Timestamp("2024-03-31")), "status"] == "differs"

    flat = ees.load_file(shared_dfe / "csc_outcomes_and_enablers" / "2021_2025" / "la_cla_placement_stability.csv",
                         recompute_la=False)
    nb = compare.compare_with_neighbours(flat, LA, statistical_neighbours(LA, "2025", shared_dfe))
    lts = nb[(nb["indicator_id"] == "long_term_stability") & (nb["period_end"] == y)].iloc[0]
    # dfe_statistics.md §2c: neighbours 65 62 64 56 61 70 60 73 74 86 -> median 64.5
    assert (lts["neighbours_with_data"], lts["neighbour_median"]) == (10, 64.5)
    codes = la_codes(shared_dfe)
    members = codes.loc[(codes["region_code"] == REG) & codes["current"], "new_la_code"].tolist()
    region = compare.compare_with_region(published, LA, REG, members)
    row = region[(region["indicator_id"] == "long_term_stability") & (region["period_end"] == y)].iloc[0]
    assert row["method"] == "sum of the other authorities in the region" and row["region_value"] == 69
