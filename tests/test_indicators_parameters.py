"""Named parameters where DfE's definition leaves a choice open, each hand-worked on 2024-25.

Every parameter's default is DfE's reading; the tests show what each choice changes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.indicators import catalogue
from tests.indicator_history import History, value

END = "2025-03-31"


def test_oc2_ceased_on_period_end():
    # O1 in care since 2022, ceases on 31 March 2025: not looked after on 31 March (DEC on the
    # date), so not in DfE's 12-month cohort; DfE's validator still expects an OC2 row (185).
    # O2 in care since 2022, still looked after.
    h = History()
    h.child("O1", "2012-01-01").stay("O1", "2022-01-01", "2025-03-31", rec="E13")
    h.child("O2", "2013-01-01").stay("O2", "2022-01-01")
    h.oc2_row("O1", 2025, health_assessment=1)
    h.oc2_row("O2", 2025, health_assessment=0)
    default = indicators.compute(h.tables(), END, families=["health"])
    assert value(default, "cla_12m_cohort") == 1
    assert value(default, "health_assessment_up_to_date", column="numerator") == 0
    assert value(default, "health_assessment_up_to_date", column="denominator") == 1
    kept = indicators.compute(h.tables(), END, families=["health"], oc2_ceased_on_period_end=True)
    assert value(kept, "cla_12m_cohort") == 2
    assert value(kept, "health_assessment_up_to_date", column="numerator") == 1
    assert value(kept, "health_assessment_up_to_date", column="denominator") == 2


def test_placement_ending_on_first_day():
    # Q1 moves on 1 April 2024 (A ends that day, B starts) and again on 1 October: B and C are
    # in the year; A is only when a placement ending on the first day counts as open on it.
    h = History()
    h.child("Q1", "2012-01-01")
    h.episode("Q1", "2023-01-01", "2024-04-01", "X1", reason="CARPL")
    h.episode("Q1", "2024-04-01", "2024-10-01", "X1", rne="P", reason="CARPL")
    h.episode("Q1", "2024-10-01", rne="P")
    default = indicators.compute(h.tables(), END, families=["stability"])
    assert value(default, "placements_3plus_12m", column="numerator") == 0
    counted = indicators.compute(h.tables(), END, families=["stability"], placement_ending_on_first_day=True)
    assert value(counted, "placements_3plus_12m", column="numerator") == 1
    assert value(counted, "placements_3plus_12m", column="denominator") == 1


def test_missing_started_before_window():
    # M1 went missing on 25 March 2024 and was still missing on 1 April (no end recorded);
    # M2's incident ended before the year; M3 went missing in the year.
    h = History()
    for cid in ("M1", "M2", "M3"):
        h.child(cid, "2010-01-01").stay(cid, "2023-01-01")
    h.missing_row("M1", "M", "2024-03-25")
    h.missing.append({"child_id": "M2", "missing": "M", "mis_start": pd.Timestamp("2024-02-01"),
                      "mis_end": pd.Timestamp("2024-02-05")})
    h.missing_row("M3", "M", "2024-09-01")
    # DfE (LAIT's methodology) counts an incident still going on 1 April: the default
    default = indicators.compute(h.tables(), END, families=["missing"])
    assert value(default, "missing_episodes_children", column="numerator") == 2  # M1, M3
    assert value(default, "missing_episodes_children", column="denominator") == 3
    started = indicators.compute(h.tables(), END, families=["missing"], missing_started_before_window=False)
    assert value(started, "missing_episodes_children", column="numerator") == 1  # M3


def test_activity_not_known_is_neither_eet_nor_neet():
    # A care leaver who refused contact but whose activity a third party reported (G4, NEET)
    # counts as NEET, not as "not known": "not known" is ACTIV neither EET nor NEET, in the code
    # and in the catalogue alike.
    h = History()
    h.child("A1", "2005-06-01").stay("A1", "2020-01-01", "2023-06-01", rec="E5")
    h.oc3_row("A1", 2025, "REFU", "G4", "B1")
    h.child("A2", "2005-07-01").stay("A2", "2020-01-01", "2023-07-01", rec="E5")
    h.oc3_row("A2", 2025, "NO", "0", "0")
    out = indicators.compute(h.tables(), END, families=["care_leavers"])
    assert value(out, "leavers_19_21_neet", column="numerator") == 1  # A1
    assert value(out, "leavers_19_21_activity_not_known", column="numerator") == 1  # A2
    assert "neither" in catalogue.get("leavers_19_21_activity_not_known").numerator


def test_every_published_measure_says_whether_its_definition_is_dfes():
    for record in catalogue.CATALOGUE.values():
        # records computed from the 903 (local measures and DfE-only attainment ids are not)
        if record.family not in indicators.FAMILIES or not record.dfe_equivalent:
            continue
        assert record.dfe_definition.startswith(("published definition", "reading:", "differs:")), record.id


@pytest.mark.parametrize("name", ["oc2_ceased_on_period_end", "placement_ending_on_first_day"])
def test_defaults_are_false(name):
    assert getattr(indicators.Options(), name) is False


def test_missing_incidents_going_on_1_april_count_by_default():
    assert indicators.Options().missing_started_before_window is True
