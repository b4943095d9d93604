"""Children looked after per 10,000 by age band, from the authority's own population by age
(DfE publishes none), on a crafted history; values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.errors import ParameterError
from tests.indicator_history import History, value

END = "2025-03-31"
BANDS = ("Under 1 year", "1 to 4 years", "5 to 9 years", "10 to 15 years", "16 years and over")


def tables() -> dict[str, pd.DataFrame]:
    h = History()
    h.child("B1", "2024-10-01").stay("B1", "2024-11-01")  # under 1 on 31 March 2025
    h.child("B2", "2017-05-01").stay("B2", "2023-01-01")  # 7
    h.child("B3", "2018-02-01").stay("B3", "2023-01-01")  # 7
    h.child("B4", "2008-06-01").stay("B4", "2022-01-01")  # 16
    h.child("B5", "2015-01-01").stay("B5", "2022-01-01", "2024-12-01")  # left care: not counted
    return h.tables()


def population(years=(2025,), bands=(50, 200, 250, 350, 150)) -> pd.DataFrame:
    rows = []
    for year in years:
        rows.append({"la_code": "E1", "year": year, "population_under18": 1000, "age_band": ""})
        rows += [{"la_code": "E1", "year": year, "population_under18": n, "age_band": b}
                 for b, n in zip(BANDS, bands, strict=True)]
    return pd.DataFrame(rows)


def test_rates_by_age_band_by_hand():
    out = indicators.compute(tables(), END, population=population(), families=["profile"])
    assert value(out, "cla_rate_per_10k") == pytest.approx(40.0)  # 4 / 1,000 x 10,000
    band = "age_band"
    assert value(out, "cla_rate_per_10k", band, "Under 1 year") == pytest.approx(200.0)  # 1 / 50
    assert value(out, "cla_rate_per_10k", band, "1 to 4 years") == 0.0  # none of 200
    assert value(out, "cla_rate_per_10k", band, "5 to 9 years") == pytest.approx(80.0)  # 2 / 250
    assert value(out, "cla_rate_per_10k", band, "16 years and over") == pytest.approx(10_000 / 150)
    assert value(out, "cla_rate_per_10k", band, "5 to 9 years", "denominator") == 250
    assert value(out, "cla_rate_per_10k", band, "5 to 9 years", "unit") == "rate_per_10k"
    assert value(out, "cla_rate_per_10k", band, "5 to 9 years", "lower_95") < 80 < value(
        out, "cla_rate_per_10k", band, "5 to 9 years", "upper_95")


def test_latest_population_by_age_on_or_before_the_year():
    # only 2023 and 2024 have rows: 2025 uses 2024's
    pop = pd.concat([population((2023,), (10, 10, 10, 10, 10)), population((2024,))])
    out = indicators.compute(tables(), END, population=pop, families=["profile"])
    assert value(out, "cla_rate_per_10k", "age_band", "Under 1 year", "denominator") == 50


def test_no_population_by_age_no_rates_by_age():
    pop = population().query("age_band == ''").drop(columns="age_band")
    out = indicators.compute(tables(), END, population=pop, families=["profile"])
    rates = out[out["indicator_id"] == "cla_rate_per_10k"]
    assert list(rates["breakdown"]) == ["Total"]


def test_unknown_age_band_named():
    pop = population()
    pop.loc[3, "age_band"] = "5 to 10 years"
    with pytest.raises(ParameterError, match=r"row 5, column age_band: '5 to 10 years'"):
        indicators.compute(tables(), END, population=pop, families=["profile"])
