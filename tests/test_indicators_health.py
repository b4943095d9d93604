"""Health (O1) and SDQ (O2) indicators of the 12-month cohort, values computed by hand (2024-25)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import indicators, stats
from tests.indicator_history import History, value


def flags(ha, imm, teeth, hc=None, subst=0, conv=None, sdq=None) -> dict:
    return {"health_assessment": ha, "immunisations": imm, "teeth_check": teeth, "health_check": hc,
            "substance_misuse": subst, "convicted": conv, "sdq_score": sdq}


def history() -> History:
    h = History()
    h.child("H1", "2021-06-01").stay("H1", "2023-01-01").oc2_row("H1", 2025, **flags(1, 1, 1, hc=1))
    # H2 started on 1 April 2024: 12 months at 31 March 2025
    h.child("H2", "2010-04-01").stay("H2", "2024-04-01").oc2_row("H2", 2025, **flags(0, 1, 1, subst=1, conv=1, sdq=18))
    h.child("H3", "2008-01-01").stay("H3", "2022-01-01").oc2_row("H3", 2025, **flags(1, 0, 0, conv=0))
    # H4 started on 2 April: not in the cohort, its OC2 row is ignored
    h.child("H4", "2014-01-01").stay("H4", "2024-04-02").oc2_row("H4", 2025, **flags(1, 1, 1, sdq=30))
    # H5 ceased on 31 March: not looked after on 31 March, so not in the cohort
    h.child("H5", "2012-05-05").stay("H5", "2020-01-01", "2025-03-31", rec="E13")
    h.oc2_row("H5", 2025, **flags(1, 1, 1, sdq=30))
    # H6 had a series of short breaks (V4) in the year before a care order: excluded
    h.child("H6", "2015-01-01")
    h.episode("H6", "2023-01-01", "2024-06-01", "X1", ls="V4")
    h.episode("H6", "2024-06-01", rne="L", ls="C2")
    # H7 has no OC2 row: in the denominators, not the numerators
    h.child("H7", "2016-03-31").stay("H7", "2019-01-01")
    h.child("H8", "2009-03-31").stay("H8", "2018-01-01").oc2_row("H8", 2025, **flags(1, 1, 1, conv=0, sdq=12))
    h.child("H9", "2020-03-31").stay("H9", "2021-01-01").oc2_row("H9", 2025, **flags(1, 1, 1, hc=1, sdq=16))
    h.child("H10", "2008-04-01").stay("H10", "2015-01-01").oc2_row("H10", 2025, **flags(0, 0, 0, conv=0))
    h.child("H11", "2023-01-01").stay("H11", "2023-06-01").oc2_row("H11", 2025, **flags(1, 1, 0, hc=0))
    return h


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    return indicators.compute(history().tables(), "2025-03-31", families=["health", "mental_health"])


def test_cohort(year):
    # H1, H2, H3, H7, H8, H9, H10, H11
    assert value(year, "cla_12m_cohort") == 8
    assert value(year, "cla_12m_cohort", "age_band", "1 to 4 years") == 2  # H1, H11 (H9 turns 5 on the date)


def test_health_flags(year):
    assert (value(year, "health_assessment_up_to_date", column="numerator"),
            value(year, "health_assessment_up_to_date", column="denominator")) == (5, 8)
    assert value(year, "immunisations_up_to_date") == pytest.approx(62.5)
    assert value(year, "dental_check") == pytest.approx(50.0)
    assert value(year, "substance_misuse") == pytest.approx(12.5)
    assert value(year, "substance_misuse", column="polarity") == "low_good"


def test_age_gated_health_measures(year):
    # under 5: H1 (assessed), H11 (not)
    assert value(year, "development_assessment_0_4", column="denominator") == 2
    assert value(year, "development_assessment_0_4") == pytest.approx(50.0)
    # 10-17: H2 (convicted), H3, H8 (turns 16 on the date), H10
    assert value(year, "convicted_10_17", column="denominator") == 4
    assert value(year, "convicted_10_17") == pytest.approx(25.0)


def test_sdq(year):
    # 5-16 on 31 March: H2 (18), H7 (none), H8 (12; turns 16 on the date), H9 (16; turns 5), H10 (none)
    assert value(year, "sdq_completed", column="denominator") == 5
    assert value(year, "sdq_completed") == pytest.approx(60.0)
    assert value(year, "sdq_mean") == pytest.approx(46 / 3)
    assert value(year, "sdq_mean", column="numerator") == 46
    _, lo, hi, _ = stats.mean_interval(np.array([18, 12, 16.0]))
    assert value(year, "sdq_mean", column="lower_95") == pytest.approx(lo)
    assert value(year, "sdq_mean", column="upper_95") == pytest.approx(hi)
    for band in ("sdq_normal", "sdq_borderline", "sdq_concern"):
        assert value(year, band, column="denominator") == 3
        assert value(year, band) == pytest.approx(100 / 3)


def test_sdq_band_denominator_parameter():
    out = indicators.compute(history().tables(), "2025-03-31", families=["mental_health"],
                             sdq_band_denominator="cohort")
    assert value(out, "sdq_concern", column="denominator") == 5
    assert value(out, "sdq_concern") == pytest.approx(20.0)


def test_in_year_quarter_end_carries_the_last_year_forward():
    out = indicators.compute(history().tables(), "2025-06-30", "rolling_12m", families=["health", "mental_health"])
    # the cohort count is computed at 30 June 2025: + H4 (from 2 Apr 2024) and H6 (short breaks ended)
    assert value(out, "cla_12m_cohort") == 10
    # OC2 has no 2025-26 rows, so the 2024-25 figures are carried forward
    assert value(out, "health_assessment_up_to_date", column="denominator") == 8
    assert value(out, "sdq_mean") == pytest.approx(46 / 3)
    assert (out["period_end"] == pd.Timestamp("2025-06-30")).all()


def test_in_year_extract_rows_are_used_when_present():
    h = history()
    h.oc2_row("H4", 2026, return_label="2025-26_Q1", **flags(1, 1, 1))
    out = indicators.compute(h.tables(), "2025-06-30", "rolling_12m", families=["health"])
    assert value(out, "health_assessment_up_to_date", column="denominator") == 10
    assert value(out, "health_assessment_up_to_date", column="numerator") == 1


def test_annual_rows_never_describe_an_earlier_quarter():
    # at 31 December 2024 the 2024-25 OC2 rows (the 31 March 2025 cohort) are not used:
    # the 2023-24 year is carried forward, and it has no rows here, so nothing is produced
    h = history()  # every OC2 row comes from the 2024-25 annual return
    out = indicators.compute(h.tables(), "2024-12-31", "rolling_12m", families=["health"])
    assert set(out["indicator_id"]) == {"cla_12m_cohort"}
    h.oc2_row("H1", 2024, return_label="2023-24", **flags(0, 1, 1, hc=1))
    out = indicators.compute(h.tables(), "2024-12-31", "rolling_12m", families=["health"])
    # the 31 March 2024 cohort: H1, H3, H5, H7, H8, H9, H10 (H2, H4, H11 started later; H6 had V4)
    assert value(out, "health_assessment_up_to_date", column="denominator") == 7
    assert value(out, "health_assessment_up_to_date", column="numerator") == 0


def test_no_oc2_rows_means_no_oc2_indicators():
    tables = history().tables()
    tables.pop("oc2")
    out = indicators.compute(tables, "2025-03-31", families=["health", "mental_health"])
    assert set(out["indicator_id"]) == {"cla_12m_cohort"}
