"""The tidy-row builders of cpanalysis.indicators.table, on tiny frames computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import stats
from cpanalysis.indicators import TIDY_COLUMNS
from cpanalysis.indicators.table import (
    Stamp,
    count_rows,
    finish,
    mean_rows,
    proportion_rows,
    rate_rows,
    share_rows,
)

STAMP = Stamp(pd.Timestamp("2025-03-31"), "year", ("E1", "E2"))


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "hit": [True, False, True, True, False],
        "sex": ["Male", "Female", None, "Male", "Male"],
        "score": [10.0, 20.0, np.nan, 14.0, 16.0],
        "geo": [0, 0, 0, 1, 1],
    })


def test_proportions_per_area_and_group():
    out = finish([proportion_rows(frame(), "hit", "placements_3plus_12m", STAMP, ("sex",))])
    assert tuple(out.columns) == TIDY_COLUMNS
    rows = {(r.geography, r.breakdown, r.breakdown_value): (r.numerator, r.denominator)
            for r in out.itertuples()}
    assert rows == {
        ("E1", "Total", "Total"): (2, 3), ("E1", "sex", "Male"): (1, 1), ("E1", "sex", "Female"): (0, 1),
        ("E1", "sex", "Not known"): (1, 1), ("E2", "Total", "Total"): (1, 2), ("E2", "sex", "Male"): (1, 2),
    }
    e1 = out[(out.geography == "E1") & (out.breakdown == "Total")].iloc[0]
    lo, hi = stats.wilson_interval(2, 3)
    assert (e1["value"], e1["lower_95"], e1["upper_95"]) == pytest.approx((200 / 3, lo * 100, hi * 100))
    assert e1["unit"] == "%" and e1["polarity"] == "low_good" and e1["source"] == "local"


def test_counts_show_known_categories_with_zeros():
    out = finish([count_rows(frame(), "cla_on_date", STAMP, ("sex",))])
    e2 = out[out.geography == "E2"].set_index("breakdown_value")["value"]
    assert e2.to_dict() == {"Total": 2, "Male": 2, "Female": 0, "Unknown": 0}  # "Not known" only where present
    assert out["denominator"].isna().all()


def test_means_rates_and_shares():
    out = finish([mean_rows(frame(), "score", "sdq_mean", STAMP)])
    e1 = out[out.geography == "E1"].iloc[0]
    _, lo, hi, _ = stats.mean_interval(np.array([10.0, 20.0]))
    assert (e1["value"], e1["numerator"], e1["denominator"]) == (15.0, 30.0, 2)
    # t with 1 df: 15 -/+ 12.706 * 7.071 / sqrt(2) = -48.5 to 78.5; a score cannot be below 0
    assert lo == pytest.approx(-48.53, abs=0.01)
    assert (e1["lower_95"], e1["upper_95"]) == pytest.approx((0.0, hi))
    unbounded = finish([mean_rows(frame(), "score", "sdq_mean", STAMP, floor=None)])
    assert unbounded[unbounded.geography == "E1"].iloc[0]["lower_95"] == pytest.approx(lo)
    rates = finish([rate_rows(frame(), np.array([10_000.0, 20_000.0]), "cla_rate_per_10k", STAMP)])
    assert rates["value"].tolist() == pytest.approx([3.0, 1.0])
    assert rate_rows(frame(), None, "cla_rate_per_10k", STAMP) is None
    shares = finish([share_rows(frame(), "sex", ("Male", "Female"), "placement_moves_reason", STAMP)])
    e1 = shares[shares.geography == "E1"].set_index("breakdown_value")
    assert e1["value"].round(6).to_dict() == {"Total": 100.0, "Male": round(100 / 3, 6), "Female": round(100 / 3, 6),
                                              "Not known": round(100 / 3, 6)}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 40, allow_nan=False), min_size=0, max_size=30))
def test_mean_interval_from_sums_matches_mean_interval(values):
    v = np.array(values)
    for level in (0.95, 0.998):
        mean, lo, hi, n = stats.mean_interval(v, level)
        m2, lo2, hi2 = stats.mean_interval_from_sums(n, v.sum(), (v**2).sum(), level)
        np.testing.assert_allclose(m2, mean, rtol=1e-9, atol=1e-9, equal_nan=True)
        # from sums, a near-zero spread is known to about sqrt(eps * sum of squares) ~ 1e-6 here
        np.testing.assert_allclose([lo2, hi2], [lo, hi], rtol=1e-7, atol=1e-5, equal_nan=True)


def test_mean_interval_from_sums_of_equal_values_has_zero_width():
    v = np.full(3, 21.657109010332867)  # the sums' rounding once gave a width of 1.2e-5
    mean, lo, hi = stats.mean_interval_from_sums(3, v.sum(), (v**2).sum())
    assert float(lo) == float(hi) == float(mean) == pytest.approx(21.657109010332867)
