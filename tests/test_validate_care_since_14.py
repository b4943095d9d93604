"""DfE 1001's day count (care since the 14th birthday) against a day-by-day count.

The rule merges overlapping episodes of every return read; the vectorised merge must count
each day once. Checked against the plainest possible reference: the set of calendar days.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import periods
from cpanalysis.validate.care_leavers import _care_since_14

BIRTH = pd.Timestamp("2006-06-01")
FIRST_DAY = dt.date(2019, 1, 1)  # some care before the 14th birthday (1 June 2020)


def _reference(rows: list[tuple[str, int, int | None]]) -> tuple[dict[str, int], dict[str, bool]]:
    """Days since the 14th birthday and care after the 16th, from explicit sets of days."""
    from14 = periods.birthday(BIRTH, 14).date()
    from16 = periods.birthday(BIRTH, 16).date()
    year_end = dt.date(2025, 3, 31)
    days: dict[str, set[dt.date]] = {}
    after_16: dict[str, bool] = {}
    for child, start_offset, length in rows:
        start = FIRST_DAY + dt.timedelta(days=start_offset)
        end = year_end if length is None else start + dt.timedelta(days=length)
        covered = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
        days.setdefault(child, set()).update(d for d in covered if d >= from14)
        after_16[child] = after_16.get(child, False) or end >= from16
    return {c: len(d) for c, d in days.items()}, after_16


episode = st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 2000), st.one_of(st.none(), st.integers(0, 400)))


@settings(max_examples=150, deadline=None)
@given(st.lists(episode, min_size=1, max_size=8))
def test_days_since_14_match_a_day_by_day_count(rows) -> None:
    eps = pd.DataFrame({
        "child_id": [r[0] for r in rows],
        "decom": [pd.Timestamp(FIRST_DAY + dt.timedelta(days=r[1])) for r in rows],
        "dec": [pd.NaT if r[2] is None else pd.Timestamp(FIRST_DAY + dt.timedelta(days=r[1] + r[2])) for r in rows],
        "year_end": pd.Timestamp("2025-03-31"),
        "birth": BIRTH,
    })
    days, after_16 = _care_since_14(eps)
    expected_days, expected_after_16 = _reference(rows)
    assert days.to_dict() == expected_days
    assert after_16.to_dict() == expected_after_16


def test_hand_worked_overlap() -> None:
    """Two returns carry the same open-then-closed episode: 1 June 2020 (14th birthday) to
    30 June 2020 is 30 days, counted once, not twice; nothing after the 16th birthday."""
    eps = pd.DataFrame({
        "child_id": ["A", "A"],
        "decom": pd.to_datetime(["2020-05-01", "2020-05-01"]),
        "dec": pd.to_datetime(["2020-06-30", "2020-06-30"]),
        "year_end": pd.to_datetime(["2021-03-31", "2021-03-31"]),
        "birth": BIRTH,
    })
    days, after_16 = _care_since_14(eps)
    assert days.to_dict() == {"A": 30}
    assert after_16.to_dict() == {"A": False}
