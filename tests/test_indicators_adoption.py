"""Adoption scorecard A1, A2 and A10 over DfE's three years, on a crafted history (values by hand).

Period end 31 March 2025: the three years are 1 April 2022 to 31 March 2025.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.errors import ParameterError
from tests.indicator_history import History, value

END = "2025-03-31"
IDS = ("adoption_a1_days", "adoption_a2_days", "adoption_a10_days")


def history() -> History:
    h = History()
    # D1: foster carers from entry; placement order 1 Jul 2022; placed for adoption with the same
    # carers (RNE T, A5) 1 Jan 2023; adopted 1 Sep 2023. Match 1 Dec 2022.
    h.child("D1", "2021-06-01")
    h.episode("D1", "2022-01-01", "2022-07-01", "X1", place="U4")
    h.episode("D1", "2022-07-01", "2023-01-01", "X1", rne="L", ls="E1", place="U4")
    h.episode("D1", "2023-01-01", "2023-09-01", "E12", rne="T", ls="E1", place="A5")
    # D2: placement order 1 Mar 2022; moved to new adopters (RNE P, A6) 1 Mar 2023; adopted 1 Feb 2024.
    h.child("D2", "2020-01-01")
    h.episode("D2", "2021-06-01", "2022-03-01", "X1")
    h.episode("D2", "2022-03-01", "2023-03-01", "X1", rne="L", ls="E1")
    h.episode("D2", "2023-03-01", "2024-02-01", "E11", rne="P", ls="E1", place="A6")
    # D3: adopted with parental consent, no placement order (no E1): in A1/A10, not in A2.
    h.child("D3", "2023-01-01")
    h.episode("D3", "2023-05-01", "2024-01-10", "X1", ls="V2", place="U4")
    h.episode("D3", "2024-01-10", "2024-11-01", "E11", rne="P", ls="V2", place="A4")
    # D4: adopted 1 Feb 2022, before the three years: in none.
    h.child("D4", "2018-01-01")
    h.episode("D4", "2020-01-01", "2021-01-01", "X1", ls="E1")
    h.episode("D4", "2021-01-01", "2022-02-01", "E11", rne="P", ls="E1", place="A6")
    # D5: matched (1 May 2023) before the placement order (1 Jun 2023); with adopters 1 Jul 2023.
    h.child("D5", "2021-01-01")
    h.episode("D5", "2022-06-01", "2023-06-01", "X1")
    h.episode("D5", "2023-06-01", "2023-07-01", "X1", rne="L", ls="E1")
    h.episode("D5", "2023-07-01", "2024-06-01", "E11", rne="P", ls="E1", place="A6")
    # D6: still looked after, placed for adoption: not adopted, in none.
    h.child("D6", "2022-01-01")
    h.episode("D6", "2022-05-01", "2024-05-01", "X1", ls="E1")
    h.episode("D6", "2024-05-01", rne="P", ls="E1", place="A6")
    return h


AD1 = pd.DataFrame({
    "child_id": ["D1", "D2", "D3", "D4", "D5"],
    "date_match": pd.to_datetime(["2022-12-01", "2023-01-15", "2023-12-01", "2020-12-01", "2023-05-01"]),
    "collection_year": [2024, 2024, 2025, 2022, 2025],
})


def tables(first_year: int | None = None) -> dict[str, pd.DataFrame]:
    out = history().tables()
    out["ad1"] = AD1
    if first_year is not None:  # the earliest return loaded
        out["episodes"] = out["episodes"].assign(collection_year=first_year)
    return out


def run(first_year: int | None = None, **options) -> pd.DataFrame:
    return indicators.compute(tables(first_year), END, families=["adoption"], **options)


def test_a1_a10_a2_by_hand():
    out = run()
    # A1 (days to the first adoptive episode): D1 1 Jan 2022 -> 1 Jan 2023 = 365; D2 1 Jun 2021 ->
    # 1 Mar 2023 = 638; D3 1 May 2023 -> 10 Jan 2024 = 254; D5 1 Jun 2022 -> 1 Jul 2023 = 395.
    assert value(out, "adoption_a1_days", column="denominator") == 4
    assert value(out, "adoption_a1_days", column="numerator") == 365 + 638 + 254 + 395
    assert value(out, "adoption_a1_days") == pytest.approx(413.0)
    # A10: D1 moved in with the carers who adopted on the day care began (0 days); the rest as A1.
    assert value(out, "adoption_a10_days") == pytest.approx((0 + 638 + 254 + 395) / 4)
    # A2 (placement order -> match): D1 1 Jul -> 1 Dec 2022 = 153; D2 1 Mar 2022 -> 15 Jan 2023 =
    # 320; D5 matched a month before the order: 0 days; D3 has no placement order.
    assert value(out, "adoption_a2_days", column="denominator") == 3
    assert value(out, "adoption_a2_days") == pytest.approx((153 + 320 + 0) / 3)
    assert value(out, "adoption_a2_days", column="unit") == "days"
    assert value(out, "adoption_a2_days", column="polarity") == "low_good"


def test_a2_match_before_the_order_left_out():
    out = run(a2_match_before_authority="exclude")
    assert value(out, "adoption_a2_days", column="denominator") == 2
    assert value(out, "adoption_a2_days") == pytest.approx((153 + 320) / 2)
    with pytest.raises(ParameterError, match="a2_match_before_authority"):
        run(a2_match_before_authority="negative")


def test_long_history_covers_the_three_years():
    # returns loaded from 2021-22 (first day 1 April 2021): the window is covered
    assert value(run(first_year=2022), "adoption_a1_days") == pytest.approx(413.0)


def test_short_history_gives_no_three_year_figure():
    # returns loaded from 2023-24 only: 1 April 2022 - 31 March 2023 is missing, so no figure
    out = run(first_year=2024)
    assert not out["indicator_id"].isin(IDS).any()
    # two years later the three years from 1 April 2024 are covered (D3 and D5 adopted in them)
    later = indicators.compute(tables(2024), "2027-03-31", families=["adoption"])
    assert value(later, "adoption_a1_days", column="denominator") == 2
    assert value(later, "adoption_a1_days") == pytest.approx((254 + 395) / 2)


def test_rolling_window_is_36_months_to_the_quarter_end():
    # 1 July 2022 - 30 June 2025: the same four adoptions (D1 adopted 1 Sep 2023)
    out = indicators.compute(tables(), "2025-06-30", "rolling_12m", families=["adoption"])
    assert value(out, "adoption_a1_days", column="denominator") == 4
    # 1 Oct 2023 - 30 Sep 2026 leaves D1 out
    out = indicators.compute(tables(), "2026-09-30", "rolling_12m", families=["adoption"])
    assert value(out, "adoption_a1_days", column="denominator") == 3
