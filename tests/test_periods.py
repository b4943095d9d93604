"""Tests for cpanalysis.periods (hand-computed dates and ages)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import periods
from cpanalysis.errors import ParameterError

T = pd.Timestamp


def test_year_labels_round_trip():
    assert periods.year_label(2025) == "2024-25"
    assert periods.year_label(2000) == "1999-00"
    assert periods.parse_year_label("2024-25") == 2025
    assert periods.parse_year_label("1999-00") == 2000
    assert periods.parse_year_label("2024/2025") == 2025
    assert periods.parse_year_label(2025) == 2025
    with pytest.raises(ParameterError, match="does not follow"):
        periods.parse_year_label("2024-26")
    with pytest.raises(ParameterError, match="not a collection year"):
        periods.parse_year_label("Q2")


def test_year_bounds_and_membership():
    assert periods.year_start(2025) == T("2024-04-01")
    assert periods.year_end(2025) == T("2025-03-31")
    assert periods.collection_year("2025-03-31") == 2025
    assert periods.collection_year("2025-04-01") == 2026
    assert periods.collection_year("2024-04-01") == 2025


def test_quarter_ends():
    assert periods.is_quarter_end("2025-06-30")
    assert not periods.is_quarter_end("2025-06-29")
    assert periods.quarter_ends("2024-05-01", "2025-03-31") == [
        T("2024-06-30"), T("2024-09-30"), T("2024-12-31"), T("2025-03-31")
    ]
    assert periods.latest_quarter_end("2025-09-30") == T("2025-09-30")
    assert periods.latest_quarter_end("2025-09-29") == T("2025-06-30")
    assert periods.latest_quarter_end("2025-01-15") == T("2024-12-31")
    assert periods.latest_quarter_end("2025-03-30") == T("2024-12-31")
    assert periods.previous_quarter_ends("2025-06-30", 3) == [T("2024-12-31"), T("2025-03-31"), T("2025-06-30")]
    with pytest.raises(ParameterError, match="not a quarter end"):
        periods.previous_quarter_ends("2025-06-29", 2)


def test_windows():
    w = periods.window("2025-03-31")
    assert (w.start, w.end, w.period_type) == (T("2024-04-01"), T("2025-03-31"), "year")
    r = periods.window("2025-03-31", "rolling_12m")
    assert (r.start, r.end) == (w.start, w.end)
    q = periods.window("2025-06-30", "rolling_12m")
    assert (q.start, q.end) == (T("2024-07-01"), T("2025-06-30"))
    assert periods.window("2024-12-31", "rolling_12m").start == T("2024-01-01")
    assert periods.window("2025-03-31", months=24).start == T("2023-04-01")
    assert w.day_before == T("2024-03-31")
    with pytest.raises(ParameterError, match="not 31 March"):
        periods.window("2025-06-30", "year")
    with pytest.raises(ParameterError, match="not a quarter end"):
        periods.window("2025-06-15", "rolling_12m")
    with pytest.raises(ParameterError, match="window must be"):
        periods.window("2025-03-31", "month")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="not a date"):
        periods.window("31/13/2025")


def test_age_at_scalars_and_edges():
    assert periods.age_at("2009-03-31", "2025-03-31") == 16  # turning 16 on the date
    assert periods.age_at("2009-04-01", "2025-03-31") == 15
    assert periods.age_at("2024-03-31", "2025-03-30") == 0
    assert periods.age_at("2008-02-29", "2025-02-28") == 16
    assert periods.age_at("2008-02-29", "2025-03-01") == 17
    assert periods.age_at(None, "2025-03-01") is None


def test_age_at_vectorised():
    dob = pd.Series(pd.to_datetime(["2009-03-31", "2009-04-01", None, "2020-12-25"]), index=[5, 6, 7, 8])
    ages = periods.age_at(dob, "2025-03-31")
    assert list(ages.index) == [5, 6, 7, 8]
    assert ages.tolist() == [16, 15, pd.NA, 4]
    per_row = periods.age_at(dob, pd.Series(pd.to_datetime(["2010-03-31", "2010-03-31", "2010-01-01", None])))
    assert per_row.tolist() == [1, 0, pd.NA, pd.NA]


def test_birthday_and_age_bands():
    assert periods.birthday("2007-04-01", 18) == T("2025-04-01")
    assert periods.birthday("2008-02-29", 17) == T("2025-03-01")
    assert periods.birthday("2008-02-29", 20) == T("2028-02-29")
    assert [periods.age_band(a) for a in (0, 1, 4, 5, 9, 10, 15, 16, 17)] == [
        "Under 1 year", "1 to 4 years", "1 to 4 years", "5 to 9 years", "5 to 9 years",
        "10 to 15 years", "10 to 15 years", "16 years and over", "16 years and over",
    ]
    bands = periods.age_band(pd.Series([0, 16, None], dtype="Int64"))
    assert bands.tolist() == ["Under 1 year", "16 years and over", None]


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()),
       st.integers(min_value=0, max_value=25))
def test_age_changes_exactly_on_the_birthday(dob, age):
    day = periods.birthday(dob, age)
    assert periods.age_at(dob, day) == age
    assert periods.age_at(dob, day - pd.Timedelta(days=1)) == age - 1
