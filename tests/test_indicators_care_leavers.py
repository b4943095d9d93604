"""Care-leaver (O5) indicators on a crafted history, values computed by hand (2024-25)."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from tests.indicator_history import History, value


def history() -> History:
    h = History()
    # L1: left foster care on the 18th birthday (1 Jun 2024) and stays put
    h.child("L1", "2006-06-01").stay("L1", "2020-01-01", "2024-06-01", rec="E17", place="U4")
    h.oc3_row("L1", 2025, "YES", "F2", "Z1")
    # L2: 17th birthday on 1 April 2024, the first day of the year
    h.child("L2", "2007-04-01", sex="F").stay("L2", "2021-01-01", "2024-02-01", rec="E13")
    h.oc3_row("L2", 2025, "YES", "G5", "B2")
    # L3: 18th birthday on 1 April 2024 (so the 19th falls in 2025-26); left a children's home that day
    h.child("L3", "2006-04-01").stay("L3", "2021-01-01", "2024-04-01", rec="E5", place="K2")
    h.oc3_row("L3", 2025, "NO", "0", "0")
    h.child("L4", "2004-09-01").stay("L4", "2019-01-01", "2022-09-01", rec="E17", place="U6")
    h.oc3_row("L4", 2025, "YES", "F1", "Z1")
    h.child("L5", "2003-12-01").stay("L5", "2018-01-01", "2021-12-01", rec="E5")
    h.oc3_row("L5", 2025, "DIED", "0", "0")
    h.child("L6", "2005-01-15").stay("L6", "2020-01-01", "2023-01-15", rec="E5")
    h.oc3_row("L6", 2025, "RHOM", "0", "0")
    h.child("L7", "2005-07-01", sex="F").stay("L7", "2020-01-01", "2023-07-01", rec="E17", place="U4")
    h.oc3_row("L7", 2025, "REFU", "0", "G1")
    # L8 is still looked after on the 17th birthday: not a care leaver yet
    h.child("L8", "2007-08-01").stay("L8", "2020-01-01")
    h.oc3_row("L8", 2025, "YES", "F2", "B1")
    # L9 was only ever in short-break care
    h.child("L9", "2006-10-01").stay("L9", "2021-05-01", "2021-05-03", rec="E13", ls="V3")
    h.oc3_row("L9", 2025, "YES", "F2", "B1")
    # L10: 20th birthday on 31 March 2025, the last day of the year
    h.child("L10", "2005-03-31").stay("L10", "2020-01-01", "2023-03-31", rec="E5", place="K2")
    h.oc3_row("L10", 2025, "YES", "P5", "D1")
    return h


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    return indicators.compute(history().tables(), "2025-03-31", families=["care_leavers"])


def test_cohort_and_exclusions(year):
    # L1, L2, L3 (17-18); L4, L7, L10 (19-21). Out: L5 died, L6 home 6+ months, L8 in care, L9 short breaks
    assert value(year, "care_leavers_cohort") == 6
    assert value(year, "care_leavers_cohort", "care_leaver_age", "17 to 18 years") == 3
    assert value(year, "care_leavers_cohort", "care_leaver_age", "19 to 21 years") == 3
    assert value(year, "care_leavers_cohort", "sex", "Female") == 2


@pytest.mark.parametrize(
    ("indicator_id", "numerator", "denominator"),
    [
        ("leavers_17_18_in_touch", 2, 3),
        ("leavers_17_18_not_in_touch", 1, 3),
        ("leavers_17_18_eet", 1, 3),
        ("leavers_17_18_neet", 1, 3),
        ("leavers_17_18_higher_education", 0, 3),
        ("leavers_17_18_activity_not_known", 1, 3),
        ("leavers_17_18_suitable_accommodation", 1, 3),  # "no information" (0) stays in
        ("leavers_19_21_in_touch", 2, 3),
        ("leavers_19_21_not_in_touch", 0, 3),  # refused contact is not "not in touch"
        ("leavers_19_21_eet", 2, 3),
        ("leavers_19_21_neet", 0, 3),
        ("leavers_19_21_higher_education", 1, 3),
        ("leavers_19_21_activity_not_known", 1, 3),
        ("leavers_19_21_suitable_accommodation", 2, 2),  # gone abroad (G) leaves the denominator
        ("leavers_17_neet", 1, 1),
        ("leavers_18_in_touch", 1, 2),
        ("leavers_19_activity_not_known", 1, 1),
        ("leavers_20_eet", 2, 2),
        ("leavers_21_eet", 0, 0),
        ("staying_put_18", 1, 1),  # L1; L3 left a children's home
        ("staying_put_19_20", 1, 2),  # L4 stays put, L7 does not; L10 left a children's home
    ],
)
def test_measures(year, indicator_id, numerator, denominator):
    assert value(year, indicator_id, column="numerator") == numerator
    assert value(year, indicator_id, column="denominator") == denominator


def test_staying_put_at_19_20_needs_the_18th_birthdays_loaded():
    tables = history().tables()

    def loaded_from(first_year: int) -> pd.DataFrame:
        eps = tables["episodes"].assign(collection_year=first_year)  # the earliest return loaded
        return indicators.compute({**tables, "episodes": eps}, "2025-03-31", families=["care_leavers"])

    # 20th birthdays from 1 April 2024 mean 18th birthdays from 1 April 2022: 2022-23 covers them
    assert value(loaded_from(2023), "staying_put_19_20", column="numerator") == 1
    assert value(loaded_from(2023), "staying_put_19_20", column="denominator") == 2
    # from 2023-24 only (L4 left care on 1 September 2022, before it): not produced
    short = loaded_from(2024)
    assert "staying_put_19_20" not in set(short["indicator_id"])
    assert value(short, "staying_put_18", column="denominator") == 1  # L1, 18 in the year: still shown


def test_percentages_and_sex_breakdown(year):
    assert value(year, "leavers_19_21_eet") == pytest.approx(200 / 3)
    assert value(year, "leavers_19_21_eet", column="polarity") == "high_good"
    assert value(year, "leavers_17_18_eet", "sex", "Female", "denominator") == 1
    assert pd.isna(value(year, "leavers_21_eet"))


def test_rolling_window_uses_each_birthday_in_its_own_year():
    h = history()
    h.oc3_row("L3", 2026, "YES", "F2", "B1")  # 19th birthday on 1 April 2025, in the in-year extract
    out = indicators.compute(h.tables(), "2025-06-30", "rolling_12m", families=["care_leavers"])
    # birthdays 1 Jul 2024 - 30 Jun 2025: L3 (2026 row), L4, L7, L10; L1/L2's next rows are not in yet
    assert value(out, "care_leavers_cohort") == 4
    assert value(out, "leavers_19_in_touch", column="denominator") == 2  # L3, L7


def test_rolling_window_without_current_rows_carries_the_year_forward():
    out = indicators.compute(history().tables(), "2025-06-30", "rolling_12m", families=["care_leavers"])
    assert value(out, "care_leavers_cohort") == 6


def test_birthday_lag_parameter():
    out = indicators.compute(history().tables(), "2025-03-31", families=["care_leavers"],
                             oc3_birthday_lag_months=1)
    # birthdays 1 Mar 2024 - 28 Feb 2025: L10's 20th (31 March 2025) drops out
    assert value(out, "care_leavers_cohort") == 5


def test_care_leaver_without_episodes_in_the_loaded_returns_stays_in():
    # DfE counts the OC3 rows returned. L11 (21st birthday 1 Dec 2024) left care in 2021, before
    # the returns loaded here, so no episode of theirs is loaded: no evidence of short breaks
    # alone, so they stay in. L9, whose only loaded care is V3, is still excluded.
    h = history()
    h.child("L11", "2003-12-01", sex="F")
    h.oc3_row("L11", 2025, "YES", "G4", "B1")
    out = indicators.compute(h.tables(), "2025-03-31", families=["care_leavers"])
    assert value(out, "care_leavers_cohort") == 7  # the six of test_cohort_and_exclusions + L11
    assert value(out, "care_leavers_cohort", "care_leaver_age", "19 to 21 years") == 4
    assert value(out, "leavers_21_neet", column="numerator") == 1
    assert value(out, "leavers_21_neet", column="denominator") == 1
    assert value(out, "leavers_19_21_neet", column="denominator") == 4


def test_care_leavers_same_from_recent_returns_as_from_the_whole_history():
    # The same young people with the care episodes that ended before 1 April 2022 removed (an
    # authority loading only its last three returns): the cohort and every measure are unchanged.
    # (L9's V3 stay is kept: short-break care that ended before the loaded returns leaves no
    # evidence, so such a young person would enter the cohort; the module docstring says so.)
    full = history()
    recent = history()
    recent.episodes = [e for e in recent.episodes if pd.isna(e["dec"]) or e["dec"] >= pd.Timestamp("2022-04-01")
                       or e["ls"] == "V3"]
    assert len(recent.episodes) == len(full.episodes) - 1  # L5's care ended in December 2021
    a = indicators.compute(full.tables(), "2025-03-31", families=["care_leavers"])
    b = indicators.compute(recent.tables(), "2025-03-31", families=["care_leavers"])
    key = ["indicator_id", "breakdown", "breakdown_value"]
    merged = a.merge(b, on=key, suffixes=("_all", "_recent"))
    assert len(merged) == len(a) == len(b)
    assert (merged["numerator_all"].fillna(-1) == merged["numerator_recent"].fillna(-1)).all()
    assert (merged["denominator_all"].fillna(-1) == merged["denominator_recent"].fillna(-1)).all()
