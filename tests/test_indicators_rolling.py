"""Property: the rolling 12 months to 31 March equals the year ending 31 March, for any history."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpanalysis import indicators
from tests.indicator_history import History

BASE = pd.Timestamp("2021-01-01")
PLACES = ("U6", "U4", "K2", "A5", "A6", "T4", "R1", "H5")
ENDINGS = ("E13", "E11", "E41", "E45", "E4A", "E17", "E5", "E8")


@st.composite
def histories(draw) -> History:
    h = History()
    for n in range(draw(st.integers(1, 6))):
        cid = f"C{n}"
        dob = BASE - pd.Timedelta(days=draw(st.integers(0, 21 * 365)))
        h.child(cid, str(dob.date()), sex=draw(st.sampled_from("MF")), uasc=draw(st.booleans()))
        day = BASE + pd.Timedelta(days=draw(st.integers(0, 1500)))
        for _period in range(draw(st.integers(1, 2))):
            ls = draw(st.sampled_from(("C2", "V2", "C1", "V3", "V4")))
            episodes = draw(st.integers(1, 4))
            for k in range(episodes):
                length = draw(st.integers(1, 500))
                last = k == episodes - 1
                still_open = last and draw(st.booleans())
                end = None if still_open else day + pd.Timedelta(days=length)
                rne = "S" if k == 0 else draw(st.sampled_from("PBLTU"))
                h.episode(cid, str(day.date()), str(end.date()) if end is not None else None,
                          None if end is None else (draw(st.sampled_from(ENDINGS)) if last else "X1"),
                          rne=rne, ls=ls, place=draw(st.sampled_from(PLACES)),
                          distance=draw(st.sampled_from((None, 3.0, 25.0))),
                          location=draw(st.sampled_from(("IN", "OUT", None))),
                          reason=draw(st.sampled_from((None, "CARPL", "CREQB"))))
                if end is None:
                    break
                day = end
            if still_open:
                break
            day = day + pd.Timedelta(days=draw(st.integers(1, 200)))
        for year in (2024, 2025):
            if draw(st.booleans()):
                h.oc2_row(cid, year, sdq_score=draw(st.integers(0, 40)), health_assessment=draw(st.sampled_from((0, 1))),
                          immunisations=1, teeth_check=0, health_check=1, substance_misuse=0, convicted=0)
            if draw(st.booleans()):
                h.oc3_row(cid, year, draw(st.sampled_from(("YES", "NO", "DIED"))), draw(st.sampled_from(("F1", "G5", "0"))),
                          draw(st.sampled_from(("B1", "Z1", "G2", "0"))))
        if draw(st.booleans()):
            h.missing_row(cid, draw(st.sampled_from("MA")), str((BASE + pd.Timedelta(days=draw(st.integers(0, 1600)))).date()))
    return h


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_rolling_to_31_march_equals_the_year(history):
    tables = history.tables()
    population = pd.DataFrame({"la_code": ["E1"], "year": [2025], "population_under18": [5000]})
    year = indicators.compute(tables, "2025-03-31", "year", population=population)
    rolling = indicators.compute(tables, "2025-03-31", "rolling_12m", population=population)
    assert set(rolling["period_type"]) == {"rolling_12m"}
    pd.testing.assert_frame_equal(year.drop(columns="period_type"), rolling.drop(columns="period_type"))
    assert len(year) > 0
