"""Small-number suppression: primary, secondary (no recovery by subtraction), dependent statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import disclosure
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import TIDY_COLUMNS


def tidy_row(breakdown: str, value_label: str, num: float, den: float, unit: str = "%",
             indicator: str = "placements_3plus_12m", suppressed: str = "") -> dict:
    value = 100 * num / den if unit == "%" else num
    return {
        "indicator_id": indicator, "period_end": pd.Timestamp("2025-03-31"), "period_type": "year",
        "geography": "E10000018", "breakdown": breakdown, "breakdown_value": value_label, "numerator": num,
        "denominator": den, "value": value, "unit": unit, "lower_95": value - 1, "upper_95": value + 1,
        "lower_998": value - 2, "upper_998": value + 2, "polarity": "low_good", "source": "local",
        "suppressed": suppressed,
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))[list(TIDY_COLUMNS)]


def test_crosstab_cell_cannot_be_recovered_from_the_total() -> None:
    # Boys 3 (primary) would be Total 43 - Girls 40: Girls must go too.
    t = pd.DataFrame({"Boys": [3], "Girls": [40], "Total": [43]}, index=["Children"])
    out = disclosure.suppress_crosstab(t, total_row=None)
    assert out.loc["Children"].isna().tolist() == [True, True, False]
    assert out.loc["Children", "Total"] == 43


def test_crosstab_two_way_secondary_suppression() -> None:
    t = pd.DataFrame(
        {"A": [2, 10, 12], "B": [20, 30, 50], "C": [8, 9, 17], "Total": [30, 49, 79]},
        index=["Foster", "Residential", "Total"],
    )
    out = disclosure.suppress_crosstab(t)
    hidden = out.isna()
    # Primary: Foster/A = 2. Row line: smallest other non-zero is Foster/C (8).
    # Column A: Residential/A (10). Column C: Residential/C (9). Row Residential then has 2 hidden.
    assert set(zip(*np.nonzero(hidden.to_numpy()), strict=True)) == {(0, 0), (0, 2), (1, 0), (1, 2)}
    for line in [*hidden.to_numpy(), *hidden.to_numpy().T]:
        assert line.sum() != 1  # no line with exactly one hidden cell


def test_zero_is_shown_and_total_hidden_when_no_other_cell() -> None:
    t = pd.DataFrame({"Boys": [0], "Girls": [12], "Total": [12]}, index=["n"])
    assert disclosure.suppress_crosstab(t, total_row=None).notna().all().all()
    t = pd.DataFrame({"Boys": [4], "Girls": [0], "Total": [4]}, index=["n"])
    out = disclosure.suppress_crosstab(t, total_row=None)
    assert out.isna().loc["n"].tolist() == [True, False, True]


def test_rounding_and_errors() -> None:
    t = pd.DataFrame({"A": [12], "B": [31], "Total": [43]}, index=["n"])
    out = disclosure.suppress_crosstab(t, total_row=None, round_to=5)
    assert out.loc["n"].tolist() == [10, 30, 45]
    with pytest.raises(ParameterError, match="'All' is not in the table"):
        disclosure.suppress_crosstab(t, total_row=None, total_column="All")
    with pytest.raises(ParameterError):
        disclosure.suppress_crosstab(t, threshold=0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=2, max_size=4))
def test_no_line_reveals_a_single_hidden_cell(inner: list[list[int]]) -> None:
    body = np.array(inner, dtype=float)
    full = np.vstack([np.column_stack([body, body.sum(1)]), np.append(body.sum(0), body.sum())])
    t = pd.DataFrame(full, index=[*range(len(inner)), "Total"], columns=["a", "b", "c", "Total"])
    hidden = disclosure.suppress_crosstab(t).isna().to_numpy()
    primary = (full >= 1) & (full <= 5)
    assert hidden[primary].all()
    assert all(line.sum() != 1 for line in [*hidden, *hidden.T])
    if not primary.any():
        assert not hidden.any()  # nothing is hidden without a small number to protect


def test_tidy_breakdown_and_dependent_statistics() -> None:
    rows = frame(
        tidy_row("Total", "Total", 43, 300),
        tidy_row("sex", "M", 3, 140),
        tidy_row("sex", "F", 40, 160),
    )
    rows["comparison"] = ["Worse", "Similar", "Better"]
    out = disclosure.protect(rows).set_index("breakdown_value")
    # M numerator 3 is primary; F's numerator is hidden so M cannot be worked out as 43 - 40.
    assert np.isnan(out.loc["M", "numerator"]) and np.isnan(out.loc["F", "numerator"])
    assert out.loc["Total", "numerator"] == 43 and out.loc["M", "denominator"] == 140
    for col in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        assert np.isnan(out.loc["M", col]) and np.isnan(out.loc["F", col])
    assert out.loc["M", "comparison"] == "Not compared" and out.loc["F", "comparison"] == "Not compared"
    assert out.loc["M", "suppressed"] == out.loc["F", "suppressed"] == "c"
    assert out.loc["Total", "suppressed"] == "" and out.loc["Total", "comparison"] == "Worse"
    # internal outputs are untouched
    assert disclosure.protect(rows, audience="internal").equals(rows)


def test_complement_of_a_small_number_is_protected() -> None:
    # 48 of 50 tells the reader 2 children did not have the outcome.
    out = disclosure.protect(frame(tidy_row("Total", "Total", 48, 50, indicator="health_assessment_up_to_date")))
    assert np.isnan(out.loc[0, "numerator"]) and np.isnan(out.loc[0, "value"]) and out.loc[0, "denominator"] == 50
    kept = disclosure.protect(frame(tidy_row("Total", "Total", 48, 50)), complement=False)
    assert kept.loc[0, "numerator"] == 48


def test_counts_means_and_existing_symbols() -> None:
    rows = frame(
        tidy_row("Total", "Total", 12, np.nan, unit="count", indicator="uasc_on_date"),
        tidy_row("sex", "M", 9, np.nan, unit="count", indicator="uasc_on_date"),
        tidy_row("sex", "F", 3, np.nan, unit="count", indicator="uasc_on_date"),
        {**tidy_row("Total", "Total", np.nan, 4, unit="mean", indicator="sdq_mean"), "value": 15.2},
        {**tidy_row("Total", "Total", np.nan, 163, indicator="leavers_17_18_higher_education"), "value": np.nan,
         "suppressed": "k"},
    )
    out = disclosure.protect(rows)
    counts = out[out["indicator_id"] == "uasc_on_date"].set_index("breakdown_value")
    assert counts["value"].isna().tolist() == [False, True, True] and counts.loc["Total", "value"] == 12
    sdq = out[out["indicator_id"] == "sdq_mean"].iloc[0]
    assert np.isnan(sdq["value"]) and sdq["suppressed"] == "c"  # a mean of 4 children
    he = out[out["indicator_id"] == "leavers_17_18_higher_education"].iloc[0]
    assert he["suppressed"] == "k"  # DfE's own symbol is kept


def test_round_counts_to_five_keeps_percentages() -> None:
    out = disclosure.protect(frame(tidy_row("Total", "Total", 66, 694)), round_to=5)
    assert (out.loc[0, "numerator"], out.loc[0, "denominator"]) == (65, 695)
    assert out.loc[0, "value"] == pytest.approx(100 * 66 / 694)


def test_bad_audience() -> None:
    with pytest.raises(ParameterError, match="audience"):
        disclosure.protect(frame(tidy_row("Total", "Total", 6, 60)), audience="public")
