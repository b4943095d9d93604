"""England, region and statistical-neighbour rows in ``indicators.csv``/``.xlsx`` and the
Definitions sheet (``cpanalysis/pipeline/exports.py``), on crafted tidy rows with hand-set values."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cpanalysis.indicators import TIDY_COLUMNS, catalogue, ees_layout
from cpanalysis.pipeline import exports

LA = "E10000018"
REGION = "E12000004"
NEIGHBOURS = ["E10000024", "E10000013"]  # Nottinghamshire, Gloucestershire (closest first)


def row(indicator, period_end, geography, value, *, period_type="year", numerator=np.nan, denominator=np.nan,
        source="dfe", unit="%", breakdown="Total", suppressed=""):
    return {"indicator_id": indicator, "period_end": pd.Timestamp(period_end), "period_type": period_type,
            "geography": geography, "breakdown": breakdown, "breakdown_value": "Total", "numerator": numerator,
            "denominator": denominator, "value": value, "unit": unit, "lower_95": np.nan, "upper_95": np.nan,
            "lower_998": np.nan, "upper_998": np.nan, "polarity": "low_good", "source": source,
            "suppressed": suppressed}


@pytest.fixture
def local():
    return pd.DataFrame([
        row("placements_3plus_12m", "2025-03-31", LA, 9.5, numerator=66, denominator=694, source="local"),
        row("placements_3plus_12m", "2025-09-30", LA, 10.0, numerator=70, denominator=700, source="local",
            period_type="rolling_12m"),
    ], columns=list(TIDY_COLUMNS))


@pytest.fixture
def national():
    return pd.DataFrame([
        row("placements_3plus_12m", "2025-03-31", "E92000001", 10),
        row("placements_3plus_12m", "2025-03-31", REGION, 11),
        row("placements_3plus_12m", "2025-03-31", "E10000013", 13),
        row("placements_3plus_12m", "2025-03-31", "E10000024", 12),
        row("placements_3plus_12m", "2025-03-31", "E09000001", 99),  # not a comparator
        row("placements_3plus_12m", "2025-03-31", LA, 9.5),  # ours is computed: not exported twice
        row("placements_3plus_12m", "2024-03-31", "E92000001", 9),  # a year we have no figure for
        row("ks2_rwm_expected", "2025-03-31", LA, 37, unit="%"),  # only DfE computes attainment
        row("ks2_rwm_expected", "2025-03-31", "E92000001", np.nan, suppressed="x"),
        row("ks2_rwm_expected", "2026-03-31", LA, 40),  # after the period end
    ], columns=list(TIDY_COLUMNS))


AREAS = pd.DataFrame({
    "old_la_code": ["855", "891", "916"], "new_la_code": [LA, "E10000024", "E10000013"],
    "la_name": ["Leicestershire", "Nottinghamshire", "Gloucestershire"],
    "region_code": [REGION, REGION, "E12000009"], "region_name": ["East Midlands", "East Midlands", "South West"],
    "current": [True, True, True]})


def test_comparator_rows_pick_england_region_neighbours_at_our_years(local, national):
    rows = ees_layout.comparator_rows(local, national, LA, region_code=REGION, neighbours=NEIGHBOURS,
                                   period_end="2025-09-30")
    got = sorted(zip(rows["indicator_id"], rows["geography"], rows["comparison"], rows["value"].fillna(-1),
                     strict=True))
    assert got == [
        ("ks2_rwm_expected", "E10000018", "This authority (published)", 37),
        ("ks2_rwm_expected", "E92000001", "England", -1),
        ("placements_3plus_12m", "E10000013", "Statistical neighbour 2", 13),
        ("placements_3plus_12m", "E10000024", "Statistical neighbour 1", 12),
        ("placements_3plus_12m", "E12000004", "Region", 11),
        ("placements_3plus_12m", "E92000001", "England", 10),
    ]
    assert (pd.to_datetime(rows["period_end"]) == pd.Timestamp("2025-03-31")).all()
    assert ees_layout.comparator_rows(local, None, LA).empty


def test_ees_rows_name_each_area_and_read_back(local, national, tmp_path):
    comparators = ees_layout.comparator_rows(local, national, LA, region_code=REGION, neighbours=NEIGHBOURS,
                                          period_end="2025-09-30")
    ees = ees_layout.to_ees(local, LA, la_name="Leicestershire", old_la_code="855", region_code=REGION,
                         region_name="East Midlands", comparators=comparators, areas=AREAS)
    assert list(ees.columns) == list(ees_layout.EES_COLUMNS)
    march = ees[(ees["period_end"] == "2025-03-31") & (ees["indicator_id"] == "placements_3plus_12m")]
    shown = march[["comparison", "geographic_level", "region_code", "region_name", "old_la_code", "new_la_code",
                   "la_name", "value"]].values.tolist()
    assert shown == [
        ["This authority", "Local authority", REGION, "East Midlands", "855", LA, "Leicestershire", "9.5"],
        ["England", "National", "", "", "", "", "", "10"],
        ["Region", "Regional", REGION, "East Midlands", "", "", "", "11"],
        ["Statistical neighbour 1", "Local authority", REGION, "East Midlands", "891", "E10000024",
         "Nottinghamshire", "12"],
        ["Statistical neighbour 2", "Local authority", "E12000009", "South West", "916", "E10000013",
         "Gloucestershire", "13"],
    ]
    england_ks2 = ees[(ees["indicator_id"] == "ks2_rwm_expected") & (ees["comparison"] == "England")].iloc[0]
    assert england_ks2["value"] == "x"  # DfE's symbol kept
    path = exports.write_indicators_csv(ees, tmp_path / "indicators.csv")
    back = ees_layout.read_indicators_csv(path)
    assert sorted(back.loc[back["source"] == "local", "geography"]) == [LA, LA]
    dfe = back[back["source"] == "dfe"]
    assert sorted(dfe["geography"]) == sorted([LA, "E92000001", "E92000001", REGION, *NEIGHBOURS])
    # the authority's own computed figures only, for the quarter-on-quarter comparison
    mine = back[back["source"] == "local"].sort_values("period_end")["value"].tolist()
    assert mine == [9.5, 10.0]


def test_old_indicators_csv_without_comparison_reads_as_ours(local, tmp_path):
    ees = ees_layout.to_ees(local, LA).drop(columns=["comparison"])
    path = exports.write_indicators_csv(ees, tmp_path / "old.csv")
    back = ees_layout.read_indicators_csv(path)
    assert (back["source"] == "local").all() and (back["geography"] == LA).all()


def test_definitions_sheet(local, national, tmp_path):
    comparators = ees_layout.comparator_rows(local, national, LA, region_code=REGION, neighbours=NEIGHBOURS)
    ees = ees_layout.to_ees(local, LA, comparators=comparators, areas=AREAS)
    path = exports.write_indicators_xlsx(ees, tmp_path / "indicators.xlsx", title="Test")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Contents", "Definitions"]
    sheet = book["Definitions"]
    header = [c.value for c in sheet[1]]
    assert header == ["indicator_id", "indicator", "outcome", "unit", "polarity", "cohort", "numerator",
                      "denominator", "exclusions", "dfe_equivalent"]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [i for i in catalogue.ids() if i in {"placements_3plus_12m", "ks2_rwm_expected"}]
    record = catalogue.get("placements_3plus_12m")
    assert rows["placements_3plus_12m"]["numerator"] == record.numerator
    assert rows["placements_3plus_12m"]["dfe_equivalent"] == record.dfe_equivalent
    assert rows["placements_3plus_12m"]["polarity"] == "low_good"
    assert "Definitions" in "\n".join(str(c.value) for c in book["Contents"]["A"])
