"""Stability indicators (outcome 3) on a crafted history, values computed by hand (year 2024-25)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import indicators, stats
from tests.indicator_history import History, value


def history() -> History:
    h = History()
    # S1: three placements in the year (the one open on 1 April + two moves)
    h.child("S1", "2012-01-01")
    h.episode("S1", "2023-06-01", "2024-05-01", "X1", reason="CARPL")
    h.episode("S1", "2024-05-01", "2024-08-01", "X1", rne="P", reason="CREQB")
    h.episode("S1", "2024-08-01", rne="P", place="U4", provider="PR4", distance=25.0, location="OUT")
    # S2: long-term foster placement interrupted by a temporary move (T4) and a return
    h.child("S2", "2015-01-01")
    h.episode("S2", "2020-01-01", "2024-06-01", "X1", place="U4")
    h.episode("S2", "2024-06-01", "2024-06-05", "X1", rne="P", place="T4")
    h.episode("S2", "2024-06-05", rne="P", place="U4")
    # S3: placed for adoption with current foster carers (RNE T, A5): not a move by default
    h.child("S3", "2016-01-01")
    h.episode("S3", "2021-01-01", "2024-01-01", "X1")
    h.episode("S3", "2024-01-01", rne="T", ls="E1", place="A5")
    # S4: moved to new adopters (A6); foster + adoptive placement together exceed 2 years
    h.child("S4", "2017-01-01")
    h.episode("S4", "2022-01-01", "2024-02-01", "X1")
    h.episode("S4", "2024-02-01", rne="P", ls="E1", place="A6", distance=30.0)
    # S5: turns 16 on 31 March 2025, so outside the under-16 long-term cohort
    h.child("S5", "2009-03-31").stay("S5", "2020-01-01", place="U4")
    # S6: three placements in the two years, one in the last year; distance not known
    h.child("S6", "2010-01-01")
    h.episode("S6", "2023-01-01", "2023-05-01", "X1", reason="STAND")
    h.episode("S6", "2023-05-01", "2023-09-01", "X1", rne="P", reason="CHILD")
    h.episode("S6", "2023-09-01", rne="P", place="R1", provider="PR4", distance=None, location=None)
    # S7: series of short breaks open on the date: never counted
    h.child("S7", "2014-01-01").stay("S7", "2024-01-01", ls="V4")
    # S8: leaves home (E4A) and returns to care: placements of both periods count
    h.child("S8", "2011-01-01")
    h.stay("S8", "2024-04-10", "2024-06-01", rec="E4A")
    h.episode("S8", "2024-09-01", "2024-11-01", "X1", reason="ALLEG")
    h.episode("S8", "2024-11-01", rne="P", place="K2", provider="PR4", distance=40.0, location="OUT")
    # S9: in care 3+ years but moved in September 2023
    h.child("S9", "2013-01-01")
    h.episode("S9", "2021-06-01", "2023-09-01", "X1", reason="CARPL")
    h.episode("S9", "2023-09-01", rne="P", place="U4", provider="PR2")
    # Leavers: adoption by foster carers (P1), by new adopters (P2), SGO (P3), home (P4)
    h.child("P1", "2018-01-01")
    h.episode("P1", "2022-05-01", "2022-08-01", "X1", reason="CARPL")
    h.episode("P1", "2022-08-01", "2023-06-01", "X1", rne="P")
    h.episode("P1", "2023-06-01", "2024-10-01", "E11", rne="T", ls="E1", place="A5")
    h.child("P2", "2019-01-01")
    h.episode("P2", "2023-01-01", "2023-11-01", "X1", reason="CARPL")
    h.episode("P2", "2023-11-01", "2025-01-15", "E12", rne="P", ls="E1", place="A6")
    h.child("P3", "2010-01-01").stay("P3", "2022-01-01", "2024-07-01", rec="E45")
    h.child("P4", "2011-01-01").stay("P4", "2023-01-01", "2024-08-01", rec="E4A")
    return h


def run(**options) -> pd.DataFrame:
    tables = history().tables()
    return indicators.compute(tables, "2025-03-31", families=["stability"], **options)


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    return run()


def test_placements_3plus_12m(year):
    # cohort S1-S6, S8, S9 (S7 short breaks); 3+: S1 and S8 (earlier period counts)
    assert value(year, "placements_3plus_12m", column="denominator") == 8
    assert value(year, "placements_3plus_12m", column="numerator") == 2
    assert value(year, "placements_3plus_12m") == pytest.approx(25.0)
    lo, hi = stats.wilson_interval(2, 8)
    assert value(year, "placements_3plus_12m", column="lower_95") == pytest.approx(lo * 100)
    assert value(year, "placements_3plus_12m", column="upper_95") == pytest.approx(hi * 100)
    lo, hi = stats.wilson_interval(2, 8, 0.998)
    assert value(year, "placements_3plus_12m", column="upper_998") == pytest.approx(hi * 100)
    assert value(year, "placements_3plus_12m", column="polarity") == "low_good"


def test_placements_3plus_24m(year):
    # in care since 1 April 2023 or earlier: S2, S3, S4, S5, S6, S9; 3+ in two years: S6
    assert value(year, "placements_3plus_24m", column="denominator") == 6
    assert value(year, "placements_3plus_24m", column="numerator") == 1


def test_long_term_stability_with_adoption_rule(year):
    # under 16 and in care 2.5 years: S2, S3, S4, S9 (S5 turns 16 on the date)
    # stable: S2 (temporary move merged), S3 (foster carers became adopters), S4 (adoption rule)
    assert value(year, "long_term_stability", column="denominator") == 4
    assert value(year, "long_term_stability", column="numerator") == 3
    assert value(year, "long_term_stability") == pytest.approx(75.0)


def test_two_year_measures_need_the_returns_to_reach_back():
    tables = history().tables()

    def loaded_from(first_year: int) -> pd.DataFrame:
        eps = tables["episodes"].assign(collection_year=first_year)  # the earliest return loaded
        return indicators.compute({**tables, "episodes": eps}, "2025-03-31", families=["stability"])

    # from 2022-23 (1 April 2022): the 30 months from 1 October 2022 are covered, as the whole history
    whole = loaded_from(2023)
    assert value(whole, "long_term_stability", column="denominator") == 4
    assert value(whole, "long_term_stability", column="numerator") == 3
    assert value(whole, "placements_3plus_24m", column="denominator") == 6
    # from 2023-24 (1 April 2023): the 24 months from 1 April 2023 are covered, the 30 are not
    short = loaded_from(2024)
    assert "long_term_stability" not in set(short["indicator_id"])
    assert value(short, "placements_3plus_24m", column="denominator") == 6
    assert value(short, "placements_3plus_24m", column="numerator") == 1
    # from 2024-25 only: neither; the 12-month measure is unchanged (8 children, 2 with 3+)
    one = loaded_from(2025)
    assert not {"long_term_stability", "placements_3plus_24m"} & set(one["indicator_id"])
    assert value(one, "placements_3plus_12m", column="denominator") == 8
    assert value(one, "placements_3plus_12m", column="numerator") == 2


def test_counting_choices_change_the_answers():
    counted = run(temporary="count")
    # S2's hospital-style temporary move now makes 3 placements and breaks long-term stability
    assert value(counted, "placements_3plus_12m", column="numerator") == 3
    assert value(counted, "long_term_stability", column="numerator") == 2
    same_carers = run(same_carer_moves=True)
    # long-term stability always reads carer spells (S3's adoption by its foster carers is no move)
    assert value(same_carers, "long_term_stability", column="numerator") == 3
    # S3's RNE T change (1 January 2024) is before the year: still 2 with 3+ placements
    assert value(same_carers, "placements_3plus_12m", column="numerator") == 2


def test_distance_location_provider(year):
    assert value(year, "placed_over_20_miles", column="numerator") == 3  # S1 25, S4 30, S8 40
    assert value(year, "placed_over_20_miles") == pytest.approx(37.5)
    assert value(year, "placed_over_20_miles_outside_la", column="numerator") == 2  # S1, S8
    assert value(year, "distance_not_known", column="numerator") == 1  # S6
    assert value(year, "placed_inside_la", column="numerator") == 5
    assert value(year, "placed_in_house", column="numerator") == 4  # S2, S3, S4, S5
    assert value(year, "placed_in_house", "placement_type", "Foster placements", "denominator") == 4
    assert value(year, "placed_in_house", "placement_type", "Foster placements", "numerator") == 2
    assert value(year, "placed_in_house", "placement_type", "Placed for adoption") == pytest.approx(100.0)


def test_new_placements_and_moves(year):
    # new in the year: S1 x2, S8 x3 (the temporary move of S2 is merged): 2 over 20 miles
    assert value(year, "new_placements_over_20_miles", column="denominator") == 5
    assert value(year, "new_placements_over_20_miles") == pytest.approx(40.0)
    # changes: S1 (care plan, carer requests: behaviour), S8 (allegation)
    assert value(year, "placement_moves_reason", column="denominator") == 3
    assert value(year, "placement_moves_reason") == pytest.approx(100.0)
    reason = "placement_change_reason"
    assert value(year, "placement_moves_reason", reason, "Allegation (s47)", "numerator") == 1
    assert value(year, "placement_moves_reason", reason, "Change to/implementation of care plan") == pytest.approx(
        100 / 3)
    assert value(year, "placement_moves_reason", reason, "Other", "numerator") == 0


def test_permanence_and_adoption_days(year):
    # ceased: P1, P2 (adopted), P3 (SGO), P4 (home), S8 (home in June)
    assert value(year, "permanence_sgo_cao", column="denominator") == 5
    assert value(year, "permanence_sgo_cao", column="numerator") == 1
    # P1: 1 May 2022 -> 1 Aug 2022 (moved in with the foster carers who adopted) = 92 days;
    # P2: 1 Jan 2023 -> 1 Nov 2023 = 304 days; mean 198
    assert value(year, "adoption_days_entry_to_placement") == pytest.approx(198.0)
    assert value(year, "adoption_days_entry_to_placement", column="denominator") == 2
    _, lo, hi, _ = stats.mean_interval(np.array([92.0, 304.0]))
    assert lo == pytest.approx(-1148.86, abs=0.01)  # two values, 1 df: the t limit falls below 0 days
    assert value(year, "adoption_days_entry_to_placement", column="lower_95") == 0.0  # cut at 0
    assert value(year, "adoption_days_entry_to_placement", column="unit") == "days"
    # same_carer_moves only changes "3 or more placements": adoption timing always ignores the
    # carers' change to adopters (counting it would give P1 1 May 2022 -> 1 Jun 2023 = 396 days)
    same_carers = run(same_carer_moves=True)
    assert value(same_carers, "adoption_days_entry_to_placement") == pytest.approx(198.0)


def changes_history() -> History:
    """Same-carer changes in 2024-25, to tell the three views apart."""
    h = History()
    # N1: foster carers since 2023 become the adopters on 1 June 2024 (RNE T, A5); the foster
    # episode records the reason "Change in the status of placement only" (PLACE).
    h.child("N1", "2020-01-01")
    h.episode("N1", "2023-01-01", "2024-06-01", "X1", place="U4", distance=10.0, reason="PLACE")
    h.episode("N1", "2024-06-01", rne="T", ls="E1", place="A5", distance=10.0)
    # N2: starts on 1 May 2024 (U6, 5 miles), moves to agency carers 25 miles away on 1 August
    # (RNE P, care plan), who transfer to the authority on 1 January 2025 (RNE T, PLACE).
    h.child("N2", "2012-01-01")
    h.episode("N2", "2024-05-01", "2024-08-01", "X1", place="U6", distance=5.0, reason="CARPL")
    h.episode("N2", "2024-08-01", "2025-01-01", "X1", rne="P", place="U4", provider="PR4", distance=25.0,
              location="OUT", reason="PLACE")
    h.episode("N2", "2025-01-01", rne="T", place="U4", provider="PR1", distance=25.0, location="OUT")
    # N3: short breaks only, never counted
    h.child("N3", "2014-01-01").stay("N3", "2024-07-01", ls="V4")
    return h


def test_placement_changes_count_same_carer_changes():
    out = indicators.compute(changes_history().tables(), "2025-03-31", families=["stability"])
    reason = "placement_change_reason"
    # changes in the year: N1's T (PLACE), N2's P (CARPL), N2's T (PLACE): 3, the reasons sum to it.
    # (Reading carer spells would give 1 change, CARPL 100%.)
    assert value(out, "placement_moves_reason", column="denominator") == 3
    assert value(out, "placement_moves_reason", reason, "Change in the status of placement only",
                 "numerator") == 2
    assert value(out, "placement_moves_reason", reason, "Change to/implementation of care plan",
                 "numerator") == 1
    rows = out[(out["indicator_id"] == "placement_moves_reason") & (out["breakdown"] == reason)]
    assert rows["numerator"].sum() == 3
    # new placements = starts (N2's first) + changes (3) = 4; over 20 miles: N2's agency
    # placement and the same carers after the transfer (2 of 4; carer spells would give 1 of 2)
    assert value(out, "new_placements_over_20_miles", column="denominator") == 4
    assert value(out, "new_placements_over_20_miles", column="numerator") == 2


def test_same_carer_changes_only_in_three_plus_when_asked():
    tables = changes_history().tables()
    default = indicators.compute(tables, "2025-03-31", families=["stability"])
    counted = indicators.compute(tables, "2025-03-31", families=["stability"], same_carer_moves=True)
    # cohort N1, N2. Carer spells in the year: N1 1, N2 2 -> none has 3. Counting same-carer
    # changes: N1 2, N2 3 -> N2.
    assert value(default, "placements_3plus_12m", column="denominator") == 2
    assert value(default, "placements_3plus_12m", column="numerator") == 0
    assert value(counted, "placements_3plus_12m", column="numerator") == 1
    # the change tables do not depend on the parameter
    assert value(counted, "placement_moves_reason", column="denominator") == 3


def test_derive_placement_changes_view():
    from cpanalysis import episodes
    view = episodes.derive_placement_changes(changes_history().tables()["episodes"])
    n2 = view[view["child_id"] == "N2"]
    assert n2["is_change"].tolist() == [False, True, True]
    assert n2["change_reason"].tolist() == [None, "CARPL", "PLACE"]
    assert n2["start_rne"].tolist() == ["S", "P", "T"]
    # new placements = starts + changes
    starts = (~view["is_change"] & ~view["is_short_break"]).sum()
    changes = (view["is_change"] & ~view["is_short_break"]).sum()
    assert (starts, changes) == (2, 3)  # N1's and N2's first placements; three changes
