"""Profile indicators on a crafted history, values computed by hand (year 2024-25)."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.errors import ParameterError
from tests.indicator_history import History, value

POP = pd.DataFrame({"la_code": ["E10000099", "E10000099"], "year": [2024, 2025],
                    "population_under18": [9_000, 10_000]})


def history() -> History:
    h = History()
    h.child("A", "2009-03-31").stay("A", "2023-01-10")  # turns 16 on 31 March 2025
    h.child("B", "2012-06-01", sex="F").stay("B", "2024-05-01", "2025-03-31", rec="E11", place="A4")  # ceases on 31 March
    h.child("C", "2008-04-01")  # two starts in the year, return to care after an E code
    h.stay("C", "2024-06-01", "2024-09-01", rec="E41").stay("C", "2024-12-01", ls="V2")
    h.child("D", "2014-02-02").stay("D", "2024-07-01", "2024-07-03", rec="E13", ls="V3")  # short break only
    h.child("E", "2015-01-01").stay("E", "2024-01-01", ls="V4")  # series of short breaks, open
    h.child("F", "2008-10-01", sex="F", ethnic="BAFR", uasc=True).stay("F", "2024-10-01", ls="V2", place="K2")
    h.child("G", "2007-01-01", uasc=True, duc="2025-01-01").stay("G", "2023-06-01", ls="V2", place="K2")
    h.child("H", "2020-03-31", ethnic="MWBC").stay("H", "2024-04-01", ls="C1")  # starts on 1 April
    h.child("I", "2006-01-01").stay("I", "2020-01-01", "2024-03-31", rec="E8")  # ceased the year before
    h.child("J", "2016-01-01").stay("J", "2025-04-01")  # starts the year after
    return h


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    return indicators.compute(history().tables(), "2025-03-31", la_code="E10000099", population=POP)


def test_tidy_columns_and_types(year):
    assert tuple(year.columns) == indicators.TIDY_COLUMNS
    assert set(year["source"]) == {"local"}
    assert set(year["geography"]) == {"E10000099"}
    assert set(year["period_type"]) == {"year"}
    assert (year["period_end"] == pd.Timestamp("2025-03-31")).all()
    assert value(year, "cla_on_date", column="unit") == "count"
    assert value(year, "cla_rate_per_10k", column="unit") == "rate_per_10k"


def test_cla_on_date_and_breakdowns(year):
    # A, C (back in care), F, G, H; not B (ceased 31 March), D/E (short breaks), I, J.
    assert value(year, "cla_on_date") == 5
    assert value(year, "cla_on_date", "age_band", "16 years and over") == 4  # A turns 16 on the date; C, F, G
    assert value(year, "cla_on_date", "age_band", "1 to 4 years") == 0
    assert value(year, "cla_on_date", "age_band", "5 to 9 years") == 1  # H turns 5 on the date
    assert value(year, "cla_on_date", "sex", "Female") == 1
    assert value(year, "cla_on_date", "ethnic_group", "Black") == 1
    assert value(year, "cla_on_date", "legal_status", "Voluntary agreement (s20)") == 3  # C, F, G
    assert value(year, "cla_on_date", "legal_status", "Interim care order") == 1
    assert value(year, "cla_on_date", "placement_type", "Secure homes and children's homes") == 2
    assert value(year, "cla_on_date", "placement_type", "Foster placements") == 3
    assert value(year, "cla_on_date", "uasc", "UASC") == 1  # G stopped being UASC on 1 Jan 2025


def test_rate_per_10k_with_exact_poisson_limits(year):
    assert value(year, "cla_rate_per_10k") == pytest.approx(5.0)
    assert value(year, "cla_rate_per_10k", column="denominator") == 10_000
    # exact Poisson for 5 events: chi2(0.025, 10)/2 = 1.62348, chi2(0.975, 12)/2 = 11.66833
    assert value(year, "cla_rate_per_10k", column="lower_95") == pytest.approx(1.62348, abs=1e-5)
    assert value(year, "cla_rate_per_10k", column="upper_95") == pytest.approx(11.66833, abs=1e-5)


def test_started_counts_first_start_only(year):
    # B, C (twice -> once), F, H (on 1 April); not D (short break), G (2023), J (next year)
    assert value(year, "cla_started") == 4
    assert value(year, "cla_started", "age_band", "16 years and over") == 2  # C at 16 on 1 June 2024, F at 16
    assert value(year, "cla_started", "legal_status", "Full care order") == 2  # B, and C's FIRST start
    assert value(year, "cla_started_rate_per_10k") == pytest.approx(4.0)


def test_ceased_counts_last_ceasing_with_reason_groups(year):
    # B adopted on 31 March; C's CAO in September; I ceased the year before; D is a short break
    assert value(year, "cla_ceased") == 2
    assert value(year, "cla_ceased", "ceased_reason", "Adoption") == 1
    assert value(year, "cla_ceased", "ceased_reason", "Child arrangements order") == 1
    assert value(year, "cla_ceased", "ceased_reason", "Returned home") == 0
    assert value(year, "cla_ceased", "placement_type", "Placed for adoption") == 1
    assert value(year, "cla_ceased_rate_per_10k") == pytest.approx(2.0)


def test_uasc_on_date(year):
    assert value(year, "uasc_on_date") == 1
    assert value(year, "uasc_on_date", "sex", "Female") == 1


def test_rolling_window_to_30_september():
    out = indicators.compute(history().tables(), "2024-09-30", "rolling_12m", la_code="E10000099",
                             population=POP)
    assert set(out["period_type"]) == {"rolling_12m"}
    assert value(out, "cla_on_date") == 4  # A, B, G, H (C left on 1 Sep; F starts in October)
    assert value(out, "cla_started") == 3  # H, B, C (1 Oct 2023 - 30 Sep 2024)
    assert value(out, "cla_ceased") == 2  # I on 31 March 2024, C on 1 September 2024
    # 30 Sep 2024 is in 2024-25, whose population (10,000) is known
    assert value(out, "cla_rate_per_10k") == pytest.approx(4.0)


def test_population_falls_back_to_latest_year_and_errors_name_the_problem():
    tables = history().tables()
    out = indicators.compute(tables, "2025-06-30", "rolling_12m", la_code="E10000099", population=POP)
    assert value(out, "cla_rate_per_10k", column="denominator") == 10_000  # 2025-26 not yet known
    with pytest.raises(ParameterError, match="E10000001"):
        indicators.compute(tables, "2025-03-31", la_code="E10000001", population=POP)
    bad = POP.assign(population_under18=["9000", "lots"])
    with pytest.raises(ParameterError, match="row 3, column population_under18"):
        indicators.compute(tables, "2025-03-31", population=bad)


def test_no_population_means_no_rate_rows():
    out = indicators.compute(history().tables(), "2025-03-31", families=["profile"])
    assert "cla_rate_per_10k" not in set(out["indicator_id"])
    assert set(out["geography"]) == {"local"}


def test_bad_period_end_and_family():
    tables = history().tables()
    with pytest.raises(ParameterError, match="not 31 March"):
        indicators.compute(tables, "2024-09-30")
    with pytest.raises(ParameterError, match="unknown indicator families"):
        indicators.compute(tables, "2025-03-31", families=["nope"])
    with pytest.raises(ParameterError, match="'episodes'"):
        indicators.compute({"children": tables["children"]}, "2025-03-31")
