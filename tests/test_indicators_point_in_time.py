"""Point-in-time fields on the period end come from the episode open that day (hand-worked, 31 March 2025).

DfE's tables "on 31 March" (placement type, distance, location, provider) describe the episode
open on 31 March. A placement can span several episodes without the child moving: carers move
house with the child, an agency placement transfers to the authority (RNE T), a postcode is
recorded late. Reading those fields from the first episode of the placement gives stale values.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.errors import ParameterError
from tests.indicator_history import History, value

FAMILIES = ["profile", "stability"]


def history() -> History:
    h = History()
    # C1: agency foster carers 30 miles away, outside; they move house with the child in June
    # 2024 (RNE T, same carers): on 31 March the child is 5 miles away, inside the authority.
    h.child("C1", "2012-01-01")
    h.episode("C1", "2022-01-01", "2024-06-01", "X1", place="U4", provider="PR4", distance=30.0, location="OUT",
              reason="PLACE")
    h.episode("C1", "2024-06-01", rne="T", place="U4", provider="PR4", distance=5.0, location="IN")
    # C2: agency carers transfer to the authority in September 2024 (RNE T, PR4 -> PR1): in-house on 31 March.
    h.child("C2", "2013-01-01")
    h.episode("C2", "2022-01-01", "2024-09-01", "X1", place="U4", provider="PR4", distance=8.0, location="IN",
              reason="PLACE")
    h.episode("C2", "2024-09-01", rne="T", place="U4", provider="PR1", distance=8.0, location="IN")
    # C3: distance and location unknown when placed, recorded at the next episode (legal status change, RNE L).
    h.child("C3", "2014-01-01")
    h.episode("C3", "2023-01-01", "2024-05-01", "X1", ls="V2", place="U4", provider="PR1", distance=None,
              location=None)
    h.episode("C3", "2024-05-01", rne="L", ls="C2", place="U4", provider="PR1", distance=22.0, location="OUT")
    # C4: in-house carers 25 miles away (outside); in hospital (T1, a temporary move) on 31 March.
    h.child("C4", "2015-01-01")
    h.episode("C4", "2023-01-01", "2025-03-28", "X1", place="U4", provider="PR1", distance=25.0, location="OUT")
    h.episode("C4", "2025-03-28", rne="P", place="T1", distance=None, location=None)
    # C5: an unaccompanied asylum-seeking child: no home postcode, so no distance.
    h.child("C5", "2009-06-01", uasc=True)
    h.episode("C5", "2024-01-01", place="U4", provider="PR1", distance=None, location="IN")
    return h


def run(**options) -> pd.DataFrame:
    return indicators.compute(history().tables(), "2025-03-31", families=FAMILIES, **options)


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    return run()


@pytest.mark.parametrize(
    ("indicator_id", "numerator", "denominator"),
    [
        # Cohort C1-C5. Reading the first episode of each placement would give: over 20 miles
        # C1 and C4 (2), outside C1 and C4 (2), not known C3 and C5 (2), inside C2 and C5 (2),
        # in-house C3, C4, C5 (3). From the episode open on 31 March:
        ("placed_over_20_miles", 1, 5),  # C3 (22 miles, recorded late)
        ("placed_over_20_miles_outside_la", 1, 5),  # C3
        ("distance_not_known", 2, 5),  # C4 (the hospital episode has none), C5 (UASC)
        ("placed_inside_la", 3, 5),  # C1 (carers moved), C2, C5
        ("placed_in_house", 3, 5),  # C2 (transferred), C3, C5; C4's temporary episode has no provider
    ],
)
def test_fields_of_the_episode_open_on_the_period_end(year, indicator_id, numerator, denominator):
    assert value(year, indicator_id, column="numerator") == numerator
    assert value(year, indicator_id, column="denominator") == denominator


def test_placement_type_is_the_open_episodes(year):
    # C4 is in a temporary placement (T1) on 31 March, not in foster care
    assert value(year, "cla_on_date", "placement_type", "Foster placements") == 4


@pytest.mark.parametrize(
    ("indicator_id", "numerator", "denominator"),
    [
        # C4 measured at the foster placement the hospital stay interrupted: 25 miles, outside, PR1
        ("placed_over_20_miles", 2, 5),  # C3, C4
        ("placed_over_20_miles_outside_la", 2, 5),
        ("distance_not_known", 1, 5),  # C5
        ("placed_inside_la", 3, 5),
        ("placed_in_house", 4, 5),  # C2, C3, C4, C5
    ],
)
def test_temporary_on_period_end_interrupted(indicator_id, numerator, denominator):
    out = run(temporary_on_period_end="interrupted")
    assert value(out, indicator_id, column="numerator") == numerator
    assert value(out, indicator_id, column="denominator") == denominator
    if indicator_id == "placed_over_20_miles":
        assert value(out, "cla_on_date", "placement_type", "Foster placements") == 5


def test_uasc_distance_exclude():
    out = run(uasc_distance="exclude")
    # C5 leaves the distance indicators only
    assert value(out, "distance_not_known", column="numerator") == 1  # C4
    assert value(out, "distance_not_known", column="denominator") == 4
    assert value(out, "placed_over_20_miles", column="denominator") == 4
    assert value(out, "placed_inside_la", column="denominator") == 5


def test_unknown_choices_are_refused():
    with pytest.raises(ParameterError, match="temporary_on_period_end"):
        run(temporary_on_period_end="latest")
    with pytest.raises(ParameterError, match="uasc_distance"):
        run(uasc_distance="blank")
