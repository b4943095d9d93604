"""Missing / away-from-placement indicators, values computed by hand (2024-25)."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from tests.indicator_history import History, value


def history() -> History:
    h = History()
    h.child("M1", "2010-01-01").stay("M1", "2023-01-01").missing_row("M1", "M", "2024-05-01")
    h.missing_row("M1", "M", "2024-06-01").missing_row("M1", "A", "2024-07-01")  # two incidents: one child
    h.child("M2", "2012-01-01").stay("M2", "2024-01-01", "2024-04-01", rec="E4A")  # looked after on 1 April only
    h.missing_row("M2", "A", "2024-04-01")
    # the year before: found on 31 March 2024 (an incident still going on 1 April would count, as DfE
    # counts it: test_indicators_parameters)
    h.child("M3", "2011-01-01").stay("M3", "2022-01-01")
    h.missing.append({"child_id": "M3", "missing": "M", "mis_start": pd.Timestamp("2024-03-30"),
                      "mis_end": pd.Timestamp("2024-03-31")})
    h.child("M4", "2013-01-01", sex="F").stay("M4", "2024-10-01").missing_row("M4", "M", "2025-03-31")
    h.child("M5", "2014-01-01").stay("M5", "2024-07-01", "2024-07-03", rec="E13", ls="V3")  # short break
    h.missing_row("M5", "M", "2024-07-02")
    h.child("M6", "2009-01-01").stay("M6", "2020-01-01", "2024-03-31", rec="E8")  # left the day before the year
    return h


def test_missing_and_away():
    out = indicators.compute(history().tables(), "2025-03-31", families=["missing"])
    # looked after during the year: M1, M2, M3, M4 (M5 short break only, M6 left 31 March 2024)
    assert value(out, "missing_episodes_children", column="denominator") == 4
    assert value(out, "missing_episodes_children", column="numerator") == 2  # M1, M4
    assert value(out, "missing_episodes_children") == pytest.approx(50.0)
    assert value(out, "missing_episodes_children", "sex", "Female", "numerator") == 1
    assert value(out, "away_episodes_children", column="numerator") == 2  # M1, M2
    assert value(out, "away_episodes_children", column="polarity") == "low_good"


def test_no_missing_table():
    tables = history().tables()
    tables.pop("missing")
    out = indicators.compute(tables, "2025-03-31", families=["missing"])
    assert value(out, "missing_episodes_children", column="numerator") == 0
