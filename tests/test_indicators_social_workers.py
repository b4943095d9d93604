"""Children looked after with 3 or more social workers in the year, from crafted social worker
episodes (values by hand), and the years with no figure (before 2023-24, before the loaded returns)."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from tests.indicator_history import History, value

END = "2025-03-31"  # the year 1 April 2024 - 31 March 2025
ID = "social_workers_3plus_12m"

SW = [  # child, SW_ID, SW_DECOM, SW_DEC
    ("W1", "SW1", "2023-05-01", "2024-06-01"), ("W1", "SW2", "2024-06-01", "2024-10-01"),
    ("W1", "SW3", "2024-10-01", None),  # three: counted
    ("W2", "SW1", "2023-01-01", "2024-04-01"),  # handed over on 1 April: not in the year
    ("W2", "SW2", "2024-04-01", "2024-12-01"), ("W2", "SW3", "2024-12-01", None),  # two
    ("W3", "SW1", "2024-01-01", "2024-05-01"), ("W3", "SW2", "2024-05-01", "2024-08-01"),
    ("W3", "sw1 ", "2024-08-01", None),  # back to the first worker (id as typed): two different
    ("W4", "XX0001", "2024-01-01", "2024-05-01"), ("W4", "SW7", "2024-05-01", "2024-09-01"),
    ("W4", "SW8", "2024-09-01", None),  # a placeholder is not a person: two
    ("W6", "SW1", "2024-04-02", "2024-06-01"), ("W6", "SW2", "2024-06-01", "2024-09-01"),
    ("W6", "SW3", "2024-09-01", "2025-01-01"),  # three, but not looked after on 31 March
    ("W7", "SW1", "2024-04-01", "2024-05-01"), ("W7", "SW2", "2024-05-01", "2024-07-01"),
    ("W7", "SW3", "2024-07-01", "2024-11-01"), ("W7", "SW4", "2024-11-01", None),  # four
]


def history() -> History:
    h = History()
    for child in ("W1", "W2", "W3", "W4", "W5", "W7"):  # W5 has no social worker episode
        h.child(child, "2012-01-01").stay(child, "2022-01-01")
    h.child("W6", "2012-01-01").stay("W6", "2022-01-01", "2025-01-01", rec="E13")
    return h


def sw_episodes() -> pd.DataFrame:
    frame = pd.DataFrame(SW, columns=["child_id", "sw_id", "sw_decom", "sw_dec"])
    return frame.assign(sw_decom=pd.to_datetime(frame["sw_decom"]), sw_dec=pd.to_datetime(frame["sw_dec"]))


def tables(first_year: int | None = None) -> dict[str, pd.DataFrame]:
    out = history().tables()
    out["sw_episodes"] = sw_episodes()
    if first_year is not None:
        out["episodes"] = out["episodes"].assign(collection_year=first_year)
    return out


def test_three_or_more_social_workers_by_hand():
    out = indicators.compute(tables(), END, families=["social_workers"])
    # looked after on 31 March: W1, W2, W3, W4, W5, W7; three or more: W1 (3), W7 (4)
    assert value(out, ID, column="denominator") == 6
    assert value(out, ID, column="numerator") == 2
    assert value(out, ID) == pytest.approx(100 * 2 / 6)


def test_no_figure_before_the_episodes_were_collected():
    # the year to 31 March 2024 is the first; 2022-23 has no social worker episodes
    first = indicators.compute(tables(), "2024-03-31", families=["social_workers"])
    # in 2023-24: W1 (SW1 only), W2 (SW1), W3 (SW1): none with three
    assert value(first, ID, column="numerator") == 0
    early = indicators.compute(tables(), "2023-03-31", families=["social_workers"])
    assert not (early["indicator_id"] == ID).any()


def test_short_history_gives_no_figure_for_a_window_before_it():
    # returns loaded from 2024-25 only: the year to 31 March 2025 is covered, the 12 months to
    # 31 December 2024 (from 1 January 2024) are not
    assert value(indicators.compute(tables(2025), END, families=["social_workers"]), ID, column="numerator") == 2
    out = indicators.compute(tables(2025), "2024-12-31", "rolling_12m", families=["social_workers"])
    assert not (out["indicator_id"] == ID).any()


def test_no_table_no_figure():
    no_table = tables()
    del no_table["sw_episodes"]
    out = indicators.compute(no_table, END, families=["social_workers"])
    assert not (out["indicator_id"] == ID).any()
