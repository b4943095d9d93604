"""Tests for cpanalysis.local_measures (layout, values, errors naming file/row/column, demo file)."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import local_measures, stats
from cpanalysis.errors import InputFileError
from cpanalysis.indicators import catalogue


def write(tmp_path, text: str, name: str = "measures.csv"):
    folder = tmp_path / "local"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return folder, path


def test_known_measures_load_with_wilson_limits(tmp_path):
    folder, _ = write(tmp_path, "indicator_id,period_end,numerator,denominator\n"
                                "local_gp_registration,2025-03-31,65,100\n"
                                "local_pep_completed,30/06/2025,9,10\n")
    out = local_measures.load_local_measures(folder, "E10000018")
    gp = out[out["indicator_id"] == "local_gp_registration"].iloc[0]
    assert gp["value"] == pytest.approx(65.0)
    assert gp["lower_95"] == pytest.approx(55.25444, abs=1e-4)  # PHE reference: Wilson 65/100
    assert gp["upper_95"] == pytest.approx(73.63575, abs=1e-4)
    assert (gp["period_type"], gp["unit"], gp["polarity"], gp["geography"], gp["source"]) == (
        "year", "%", "high_good", "E10000018", "local")
    pep = out[out["indicator_id"] == "local_pep_completed"].iloc[0]
    assert pep["period_end"] == pd.Timestamp("2025-06-30")
    assert pep["period_type"] == "rolling_12m"
    assert catalogue.get("local_pep_completed").outcome == "O4"


def test_means_and_new_measures_with_breakdowns(tmp_path):
    folder, _ = write(tmp_path, "indicator_id,period_end,numerator,denominator,value,unit,breakdown,"
                                "breakdown_value,title,outcome,polarity\n"
                                "local_mh_wait_weeks,2025-03-31,120.5,20,6.0,,,,,,\n"
                                "local_dentist_registered,2025-03-31,3,4,,%,sex,Female,Registered with a dentist,O1,high_good\n")
    out = local_measures.load_local_measures(folder)
    wait = out[out["indicator_id"] == "local_mh_wait_weeks"].iloc[0]
    assert (wait["value"], wait["unit"]) == (6.0, "mean")
    assert pd.isna(wait["lower_95"])
    dentist = out[out["indicator_id"] == "local_dentist_registered"].iloc[0]
    assert (dentist["breakdown"], dentist["breakdown_value"], dentist["value"]) == ("sex", "Female", 75.0)
    lo, _ = stats.wilson_interval(3, 4, 0.998)
    assert dentist["lower_998"] == pytest.approx(lo[()] * 100)
    # an authority's own measure carries its unit and polarity without being in the catalogue:
    # reading the files registers nothing; registering is loading.register_local_measures's one call
    assert (dentist["unit"], dentist["polarity"]) == ("%", "high_good")
    assert "local_dentist_registered" not in catalogue.CATALOGUE
    records = local_measures.local_records(folder)
    assert list(records) == ["local_dentist_registered"]  # the package's own local_mh_wait_weeks is declared
    assert (records["local_dentist_registered"].title, records["local_dentist_registered"].outcome) == (
        "Registered with a dentist", "O1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("indicator_id,period_end,numerator,denominator\nlocal_gp_registration,2025-03-31,11,10\n",
         "row 2, column numerator: 11 is larger"),
        ("indicator_id,period_end,numerator,denominator\nlocal_gp_registration,2025-03-31,5,\n",
         "row 2, column denominator: is blank"),
        ("indicator_id,period_end,numerator,denominator\nlocal_gp_registration,2025-03-31,5,10\n"
         "local_gp_registration,31-03-2025,5,10\n", "row 3, column period_end"),
        ("indicator_id,period_end,numerator,denominator\nlocal_gp_registration,2025-03-31,2.5,10\n",
         "column numerator: '2.5' is not a whole number"),
        ("indicator_id,period_end,numerator,denominator\nGP registration,2025-03-31,5,10\n",
         "column indicator_id: 'GP registration' must start with 'local_'"),
        ("indicator_id,period_end,numerator,denominator\nlocal_new_thing,2025-03-31,5,10\n",
         "column title: is blank"),
        ("indicator_id,period_end,numerator,denominator,value\nlocal_mh_wait_weeks,2025-03-31,5,10,\n",
         "column value: is blank"),
        ("indicator_id,numerator,denominator\nlocal_gp_registration,5,10\n", "has no column(s) period_end"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path, text, message):
    folder, path = write(tmp_path, text)
    with pytest.raises(InputFileError) as info:
        local_measures.load_local_measures(folder)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_empty_or_absent_folder(tmp_path):
    assert local_measures.load_local_measures(tmp_path / "nowhere").empty


def test_demo_file_is_deterministic_and_loads(tmp_path):
    a = local_measures.write_demo_local_measures(tmp_path / "a", seed=7)
    b = local_measures.write_demo_local_measures(tmp_path / "b", seed=7)
    assert a.read_bytes() == b.read_bytes()
    out = local_measures.load_local_measures(a.parent)
    assert set(out["indicator_id"]) == {"local_gp_registration", "local_iha_within_20_days", "local_pep_completed",
                                        "local_ks2_rwm_expected", "local_mh_wait_weeks"}
    ks2 = out[out["indicator_id"] == "local_ks2_rwm_expected"]
    assert set(ks2["period_end"].dt.strftime("%m-%d")) == {"03-31"}
    assert out["period_end"].max() == pd.Timestamp("2025-09-30")
