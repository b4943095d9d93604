"""Re-entries to care (children starting to be looked after who had been looked after before),
on a crafted history, values by hand (year 2024-25), with a long and a short loaded history."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from tests.indicator_history import History, value

END = "2025-03-31"


def history(short: bool = False) -> History:
    """``short``: the returns before 2020-21 are not loaded, so R5's first period is not seen."""
    h = History()
    # R1: home in January 2023, back in care June 2024: a re-entry
    h.child("R1", "2012-01-01")
    h.stay("R1", "2022-01-01", "2023-01-01", rec="E13")
    h.stay("R1", "2024-06-01")
    # R2: first time in care
    h.child("R2", "2015-01-01").stay("R2", "2024-05-01")
    # R3: starts in April, goes home in May, comes back in September: counted once, as a re-entry
    h.child("R3", "2010-01-01")
    h.stay("R3", "2024-04-10", "2024-05-10", rec="E13")
    h.stay("R3", "2024-09-01")
    # R4: an earlier series of short breaks (V3) is not a period of care
    h.child("R4", "2013-01-01")
    h.stay("R4", "2023-02-01", "2023-02-03", rec="E13", ls="V3")
    h.stay("R4", "2024-07-01")
    # R5: looked after in 2018-19, back in August 2024
    h.child("R5", "2009-01-01")
    if not short:
        h.stay("R5", "2018-05-01", "2019-01-01", rec="E13")
    h.stay("R5", "2024-08-01")
    # R6: re-entered in 2023-24, not a starter in 2024-25
    h.child("R6", "2011-01-01")
    h.stay("R6", "2021-01-01", "2022-01-01", rec="E13")
    h.stay("R6", "2023-06-01")
    return h


def run(short: bool = False, end: str = END) -> pd.DataFrame:
    return indicators.compute(history(short).tables(), end, families=["profile"])


def test_reentries_long_history():
    out = run()
    # starters: R1, R2, R3, R4, R5 (R6 started in 2023-24); re-entries R1, R3, R5
    assert value(out, "cla_started_reentry", column="denominator") == 5
    assert value(out, "cla_started_reentry", column="numerator") == 3
    assert value(out, "cla_started_reentry") == pytest.approx(60.0)
    assert value(out, "cla_started", column="value") == 5  # the same cohort
    assert value(out, "cla_started_reentry", column="polarity") == "low_good"
    # by sex: all male
    assert value(out, "cla_started_reentry", "sex", "Male", "numerator") == 3


def test_reentries_short_history_miss_a_period_before_the_returns():
    out = run(short=True)
    assert value(out, "cla_started_reentry", column="numerator") == 2  # R1, R3
    assert value(out, "cla_started_reentry") == pytest.approx(40.0)


def test_reentry_in_the_previous_year():
    out = run(end="2024-03-31")
    # 2023-24 starters: R4's short breaks do not count; R6 (re-entry). R1's first period began 2022.
    assert value(out, "cla_started_reentry", column="denominator") == 1
    assert value(out, "cla_started_reentry", column="numerator") == 1
