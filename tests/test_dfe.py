"""DfE loaders: symbols, EES layouts (pre-2025 and 2025), LAIT, attainment, codes, neighbours.

Crafted files check the rules with hand-computed values; the real files in ``../shared/dfe``
check published figures (``docs/dfe_statistics.md`` §2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis.dfe import attainment, ees, lait
from cpanalysis.dfe.areas import area_name, find_la, geographic_level, la_codes, region_of
from cpanalysis.dfe.folders import find_dfe_folder, national_files_help, resolve_folder
from cpanalysis.dfe.load import load_dfe
from cpanalysis.dfe.neighbours import (
    MODEL_FILES,
    _read_wide,
    neighbour_table,
    statistical_neighbours,
)
from cpanalysis.dfe.symbols import SYMBOLS, first_symbol, parse_values
from cpanalysis.errors import CpanalysisError, DfeDataError, ParameterError
from cpanalysis.indicators import TIDY_COLUMNS, catalogue

HEAD = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code"
NAT = "Reporting year,National,E92000001,England,,,,,"
REG = "Reporting year,Regional,E92000001,England,E12000004,East Midlands,,,"
LA = "Reporting year,Local authority,E92000001,England,E12000004,East Midlands,855,Leicestershire,E10000018"


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\ufeff" + "\n".join([f"{HEAD},{header}", *rows]) + "\n", encoding="utf-8")
    return path


def one(frame: pd.DataFrame, indicator: str, geography: str = "E10000018", year: int = 2025, **kw) -> pd.Series:
    sel = frame[(frame["indicator_id"] == indicator) & (frame["geography"] == geography)
                & (frame["period_end"] == pd.Timestamp(year, 3, 31))]
    kw.setdefault("breakdown", "Total")
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{indicator} {geography} {year}: {len(sel)} rows"
    return sel.iloc[0]


# ------------------------------------------------------------------------------ symbols
def test_symbols_become_nan_with_reason_never_zero() -> None:
    numbers, symbols = parse_values(pd.Series(["12", "c", "0", "z", "k", "x", "low", "u", "-", "", "7.0E-2"]))
    assert numbers[0] == 12 and numbers[2] == 0 and numbers[10] == pytest.approx(0.07)
    assert np.isnan(numbers[[1, 3, 4, 5, 6, 7, 8, 9]]).all()
    assert symbols.tolist() == ["", "c", "", "z", "k", "x", "low", "u", "-", "x", ""]
    assert set(SYMBOLS) == {"c", "x", "z", "k", "low", "u", "-"}


def test_unknown_symbol_names_file_column_and_row() -> None:
    with pytest.raises(DfeDataError, match=r"f\.csv: column 'number', data row 2 holds 'n/a'"):
        parse_values(pd.Series(["1", "n/a"]), "f.csv", "number")


def test_first_symbol_prefers_confidentiality() -> None:
    out = first_symbol(np.array(["", "z", "", "x"], dtype=object), np.array(["", "c", "k", ""], dtype=object))
    assert out.tolist() == ["", "c", "k", "x"]


def test_rounding_notes() -> None:
    from cpanalysis.dfe import rounding_note

    assert "nearest 10" in rounding_note("E92000001") and "nearest 10" in rounding_note("E13000001")
    assert "unrounded" in rounding_note("E10000018")


def test_old_labels_are_translated() -> None:
    assert ees.canonical_label("Children looked after at 31 March each year") == (
        "Children looked after on 31 March each year")
    assert ees.canonical_label("Aged 19 to 21") == "19 to 21 years"
    assert ees.canonical_label("Accommodation considered not suitable") == "Accommodation considered unsuitable"


# ------------------------------------------------------------------------------ crafted EES files
def test_stability_new_layout_hand_values(tmp_path: Path) -> None:
    path = write(tmp_path / "la_cla_placement_stability.csv", "cla_group,placement_stability,children_count,children_percent", [
        f"2025,{NAT},CLA on 31 March,Total children,81770,100",
        f"2025,{NAT},CLA on 31 March,With 3 or more placements during the year,8500,10",
        f"2025,{LA},CLA on 31 March,Total children,100,100",
        f"2025,{LA},CLA on 31 March,With 3 or more placements during the year,65,65",
        f"2024,{LA},CLA on 31 March,Total children,40,100",
        f"2024,{LA},CLA on 31 March,With 3 or more placements during the year,c,c",
    ])
    rows = ees.load_file(path)
    assert list(rows.columns) == list(TIDY_COLUMNS)
    la = one(rows, "placements_3plus_12m")
    # PHEindicatormethods reference vector: Wilson 65/100 -> 0.5525444-0.7363575 (99.8%: 0.4954947-0.7783541)
    assert (la["numerator"], la["denominator"], la["value"]) == (65, 100, 65)
    assert la["lower_95"] == pytest.approx(55.25444, abs=1e-5)
    assert la["upper_95"] == pytest.approx(73.63575, abs=1e-5)
    assert la["lower_998"] == pytest.approx(49.54947, abs=1e-5)
    assert la["upper_998"] == pytest.approx(77.83541, abs=1e-5)
    assert (la["unit"], la["polarity"], la["source"], la["suppressed"]) == ("%", "low_good", "dfe", "")
    # England keeps DfE's own percentage (its counts are rounded to 10), no interval.
    eng = one(rows, "placements_3plus_12m", "E92000001")
    assert eng["value"] == 10 and np.isnan(eng["lower_95"])
    sup = one(rows, "placements_3plus_12m", year=2024)
    assert np.isnan(sup["value"]) and np.isnan(sup["numerator"]) and sup["denominator"] == 40
    assert sup["suppressed"] == "c"


def test_old_layout_and_labels_give_same_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "cla_number_and_rate_per_10k_children.csv",
                 "population_count,population_estimate,number,rate_per_10000", [
                     f"2020,{LA},Children looked after at 31 March each year,10000,65,65",
                     f"2020,{NAT},Children looked after at 31 March each year,11998646,80000,67",
                     f"2020,{REG},Children starting to be looked after each year,x,2380,c",
                 ])
    rows = ees.load_file(path)
    assert one(rows, "cla_on_date", year=2020)["value"] == 65
    rate = one(rows, "cla_rate_per_10k", year=2020)
    # Byar's method for 65 events (PHE vector 50.16319-82.84914) over a population of 10,000 per 10,000.
    assert rate["value"] == 65 and rate["denominator"] == 10000
    assert (rate["lower_95"], rate["upper_95"]) == pytest.approx((50.16319, 82.84914), abs=1e-5)
    assert one(rows, "cla_rate_per_10k", "E92000001", 2020)["value"] == 67
    start = one(rows, "cla_started_rate_per_10k", "E12000004", 2020)
    assert np.isnan(start["value"]) and start["suppressed"] == "c"


def test_sum_of_two_categories_and_reason_codes(tmp_path: Path) -> None:
    head = "characteristic,breakdown,children_count,children_percent"
    g, r = "Location of new placements during the year", "Reason for placement change during the year"
    path = write(tmp_path / "la_cla_during_year_new_placements.csv", head, [
        f"2025,{LA},{g},Placed inside LA boundary more than 20 miles from home,36,5",
        f"2025,{LA},{g},Placed outside LA boundary more than 20 miles from home,114,16",
        f"2025,{LA},{g},Total new placements,712,100",
        f"2024,{LA},{g},Placed inside LA boundary more than 20 miles from home,c,c",
        f"2024,{LA},{g},Placed outside LA boundary more than 20 miles from home,100,15",
        f"2024,{LA},{g},Total new placements,650,100",
        f"2025,{LA},{r},Resignation or closure of provision,4,1",
        f"2025,{LA},{r},Total placements changing,400,100",
    ])
    rows = ees.load_file(path)
    new = one(rows, "new_placements_over_20_miles")
    assert (new["numerator"], new["denominator"]) == (150, 712)
    assert new["value"] == pytest.approx(100 * 150 / 712)
    assert one(rows, "new_placements_over_20_miles", year=2024)["suppressed"] == "c"
    closing = rows[(rows["indicator_id"] == "placement_moves_reason") & rows["numerator"].notna()]
    closing = closing[closing["geography"] == "E10000018"]
    assert closing["breakdown"].tolist() == ["placement_change_reason"]
    assert closing["breakdown_value"].tolist() == ["Resignation/closure of provision"]  # the 903 guide's label
    assert closing["value"].tolist() == [1.0]


def test_sdq_mean_from_count_column(tmp_path: Path) -> None:
    head = "characteristic,breakdown,children_count,children_percent"
    g = "Ages 5 to 16 years with SDQ score"
    path = write(tmp_path / "la_conviction_health_outcome_cla.csv", head, [
        f"2025,{LA},{g},SDQ average score,14.7,z",
        f"2025,{LA},{g},SDQ score was received,282,88",
        f"2025,{LA},{g},SDQ score is a cause for concern,111,39",
        f"2025,{LA},{g},Total ages 5 to 16 years,319,100",
    ])
    rows = ees.load_file(path)
    mean = one(rows, "sdq_mean")
    assert (mean["value"], mean["denominator"], mean["unit"], mean["suppressed"]) == (14.7, 282, "mean", "")
    concern = one(rows, "sdq_concern")
    assert concern["denominator"] == 282 and concern["value"] == pytest.approx(100 * 111 / 282)
    assert one(rows, "sdq_completed")["value"] == pytest.approx(100 * 282 / 319)
    # Absent rows (no health assessment lines in this file) are not invented.
    assert "health_assessment_up_to_date" not in set(rows.loc[rows["value"].notna(), "indicator_id"])


def test_unknown_layout_is_a_plain_error(tmp_path: Path) -> None:
    path = write(tmp_path / "la_cla_placement_stability.csv", "group,item,n,pct", [f"2025,{LA},a,b,1,2"])
    with pytest.raises(DfeDataError, match="do not match any known release"):
        ees.load_file(path)


def test_published_values_only_option(tmp_path: Path) -> None:
    path = write(tmp_path / "la_cla_placement_stability.csv", "cla_group,placement_stability,number,percentage", [
        f"2023,{LA},CLA on 31 March,Total children,694,100",
        f"2023,{LA},CLA on 31 March,With 3 or more placements during the year,66,10",
    ])
    assert one(ees.load_file(path, recompute_la=False), "placements_3plus_12m", year=2023)["value"] == 10
    assert one(ees.load_file(path), "placements_3plus_12m", year=2023)["value"] == pytest.approx(9.5100865)


def test_folder_without_files_explains_how_to_get_them(tmp_path: Path) -> None:
    assert find_dfe_folder([tmp_path, tmp_path / "nope"]) is None
    with pytest.raises(CpanalysisError, match="cpanalysis dfe download"):
        resolve_folder(tmp_path / "nope")
    assert "data/raw/dfe" in national_files_help()


def test_load_dfe_notes_absent_files(tmp_path: Path) -> None:
    write(tmp_path / "x" / "la_cla_placement_stability.csv", "cla_group,placement_stability,children_count,children_percent", [
        f"2025,{LA},CLA on 31 March,Total children,100,100",
        f"2025,{LA},CLA on 31 March,With 3 or more placements during the year,65,65",
    ])
    assert find_dfe_folder([tmp_path]) == tmp_path
    out = load_dfe(tmp_path)
    assert set(out["indicator_id"]) == {"placements_3plus_12m"}
    notes = "\n".join(out.attrs["notes"])
    assert "absent: la_care_leavers_activity.csv" in notes and "absent: LAIT bds_long_0.parquet" in notes


# ------------------------------------------------------------------------------ the real files
@pytest.fixture(scope="session")
def national(shared_dfe: Path) -> pd.DataFrame:
    return load_dfe(shared_dfe, provenance=True)


LEICS, ENG, EM = "E10000018", "E92000001", "E12000004"


@pytest.mark.dfe
@pytest.mark.parametrize(
    ("indicator", "geography", "year", "published"),
    [
        ("cla_on_date", LEICS, 2025, 694),
        ("cla_rate_per_10k", LEICS, 2025, 47),
        ("cla_on_date", ENG, 2025, 81770),
        ("cla_rate_per_10k", ENG, 2025, 67),
        ("cla_on_date", EM, 2025, 6410),
        ("cla_rate_per_10k", EM, 2025, 62),
        ("long_term_stability", LEICS, 2025, 75),
        ("long_term_stability", ENG, 2025, 69),
        ("placements_3plus_12m", LEICS, 2025, 10),
        ("placements_3plus_24m", LEICS, 2025, 20),
        ("sdq_mean", LEICS, 2025, 14.7),
        ("sdq_mean", ENG, 2025, 14.9),
        ("sdq_concern", LEICS, 2025, 39),
        ("sdq_completed", LEICS, 2024, 60),
        ("health_assessment_up_to_date", LEICS, 2025, 91),
        ("dental_check", ENG, 2021, 40),
        ("leavers_19_21_eet", LEICS, 2025, 59),
        ("leavers_19_21_eet", ENG, 2025, 54),
        ("leavers_17_18_suitable_accommodation", LEICS, 2025, 96),
        ("placed_over_20_miles", LEICS, 2025, 24),
        ("distance_not_known", LEICS, 2025, 11),
        ("new_placements_over_20_miles", LEICS, 2025, 21),
        ("placed_over_20_miles_outside_la", LEICS, 2025, 20),  # LAIT
        ("placed_over_20_miles_outside_la", ENG, 2025, 18),
        ("staying_put_19_20", LEICS, 2025, 26),
        ("placements_3plus_12m", LEICS, 2019, 9),  # LAIT only
        ("cla_on_date", LEICS, 2015, 471),  # April 2025 LAIT store only
        ("cla_on_date", ENG, 2015, 69470),
        ("leavers_19_21_eet", ENG, 2015, 48),
        ("cla_on_date", LEICS, 2020, 654),  # 2020-2024 EES release only
        ("placements_3plus_24m", LEICS, 2020, 20),
        ("cla_on_date", ENG, 2024, 83530),  # latest release wins (the 2024 release said 83,630)
    ],
)
def test_published_figures(national: pd.DataFrame, indicator: str, geography: str, year: int,
                           published: float) -> None:
    row = one(national, indicator, geography, year)
    decimals = 1 if isinstance(published, float) else 0
    assert round(float(row["value"]) + 1e-9, decimals) == published
    assert row["suppressed"] == ""


@pytest.mark.dfe
def test_suppressed_published_values(national: pd.DataFrame) -> None:
    he = one(national, "leavers_17_18_higher_education")
    assert np.isnan(he["value"]) and he["suppressed"] == "c" and he["denominator"] == 163
    # LAIT shows its missing values as "-" (Leicestershire, not in touch, 2024).
    nit = one(national, "leavers_19_21_not_in_touch", year=2024)
    assert np.isnan(nit["value"]) and nit["suppressed"] == "-"


@pytest.mark.dfe
def test_every_row_is_typed(national: pd.DataFrame) -> None:
    assert set(national["suppressed"]) <= set(SYMBOLS) | {""}
    assert national.loc[national["suppressed"] != "", "value"].isna().all()
    assert national.loc[national["suppressed"] == "", "value"].notna().all()
    pct = national[national["unit"] == "%"]
    assert pct["value"].dropna().between(0, 100).all()
    assert (pct["lower_95"] <= pct["value"] + 1e-9).all() or pct["lower_95"].isna().any()
    assert not national.duplicated(["indicator_id", "period_end", "geography", "breakdown", "breakdown_value"]).any()
    assert set(national["indicator_id"]) <= set(catalogue.CATALOGUE)
    # One England and nine regions (plus Inner/Outer London) and ~155 authorities per year.
    geos = national.loc[national["indicator_id"] == "cla_on_date", "geography"]
    assert ENG in set(geos) and {f"E1200000{i}" for i in range(1, 10)} <= set(geos)


@pytest.mark.dfe
def test_every_shared_file_loads(shared_dfe: Path, national: pd.DataFrame) -> None:
    read = set(national.attrs["files"])
    for path in sorted(shared_dfe.rglob("*")):
        name, rel = path.name.lower(), str(path.relative_to(shared_dfe))
        if ees.spec_for(path) is not None or name in attainment.FILES or name == "bds_long_0.parquet":
            assert rel in read, f"{rel} was not read by load_dfe"
            assert (national["dfe_file"] == rel).any(), f"{rel} contributed no value"
        elif name in {n.lower() for files in MODEL_FILES.values() for n in files}:
            assert _read_wide(path).groupby("old_la_code").size().eq(10).all(), rel
        elif name in {n.lower() for n in ees.UNMAPPED_FILES}:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            _, symbols = parse_values(raw["number"], str(path), "number")  # its symbols still parse
            assert set(symbols) <= set(SYMBOLS) | {""}
    # LAIT's la_code_list.xlsx is read by la_codes (test_la_codes_and_regions).


@pytest.mark.dfe
def test_lait_and_ees_agree_where_they_overlap(shared_dfe: Path) -> None:
    latest = shared_dfe / "lait" / "latest" / "bds_long_0.parquet"
    lait_rows, _ = lait.load_store(latest, shared_dfe, recompute_la=False)
    ees_rows = ees.load_file(shared_dfe / "csc_outcomes_and_enablers" / "2021_2025" / "la_cla_placement_stability.csv",
                             recompute_la=False)
    key = ["indicator_id", "period_end", "geography"]
    both = lait_rows.merge(ees_rows, on=key, suffixes=("_lait", "_ees"))
    both = both[both["value_lait"].notna() & both["value_ees"].notna()]
    assert len(both) > 1000
    assert (both["value_lait"] == both["value_ees"]).mean() > 0.99


@pytest.mark.dfe
def test_attainment(national: pd.DataFrame) -> None:
    a8 = one(national, "ks4_attainment8")
    assert (a8["value"], a8["denominator"], a8["unit"]) == (18.0, 39, "mean")
    assert one(national, "ks4_attainment8", ENG)["value"] == 17.3
    grade4 = one(national, "ks4_english_maths_grade4")
    assert grade4["value"] == pytest.approx(100 * 9 / 39)
    assert one(national, "ks4_english_maths_grade5")["suppressed"] == "c"
    rwm = one(national, "ks2_rwm_expected")
    assert (rwm["numerator"], rwm["denominator"]) == (7, 15)
    p8 = one(national, "ks4_progress8", year=2024)
    assert (p8["value"], p8["lower_95"], p8["upper_95"]) == (-0.92, -1.36, -0.48)
    assert catalogue.get("ks4_attainment8").outcome == "O4"


def test_mapped_ids_are_in_the_catalogue() -> None:
    ids = {m.indicator_id for f in ees.FILES for m in f.measures} | {m.indicator_id for m in lait.MEASURES}
    assert ids <= set(catalogue.CATALOGUE)


@pytest.mark.dfe
def test_lait_measures_exist_in_store(shared_dfe: Path) -> None:
    store = lait.read_store(shared_dfe / "lait" / "latest" / "bds_long_0.parquet")
    assert {m.short_desc for m in lait.MEASURES} <= set(store["short_desc"])


# ------------------------------------------------------------------------------ codes, regions, neighbours
@pytest.mark.dfe
def test_la_codes_and_regions(shared_dfe: Path) -> None:
    codes = la_codes(shared_dfe)
    assert list(codes.columns) == ["old_la_code", "new_la_code", "la_name", "region_code", "region_name", "current"]
    assert codes["old_la_code"].is_unique and (codes["new_la_code"] != "").all()
    leics = find_la(855, shared_dfe)
    assert (leics["new_la_code"], leics["region_code"], leics["region_name"]) == (LEICS, EM, "East Midlands")
    assert region_of("Leicestershire", shared_dfe) == EM
    assert region_of("E09000007", shared_dfe) == "E12000007"  # Camden: London ...
    assert region_of("E09000007", shared_dfe, london_subregion=True) == "E13000001"  # ... Inner London
    assert not find_la("928", shared_dfe)["current"]  # Northamptonshire, split in 2021
    assert find_la("933", shared_dfe)["new_la_code"] == "E06000066"  # Somerset's new code
    assert area_name(EM) == "East Midlands" and geographic_level(ENG) == "National"
    with pytest.raises(ParameterError, match="not in the national files"):
        find_la("999", shared_dfe)


@pytest.mark.dfe
def test_statistical_neighbours_of_leicestershire(shared_dfe: Path) -> None:
    # dfe_statistics.md §5
    assert statistical_neighbours("E10000018", "2025", shared_dfe) == [
        "E10000013", "E06000025", "E10000031", "E06000024", "E10000014",
        "E06000054", "E06000066", "E10000032", "E06000011", "E10000024",
    ]
    assert statistical_neighbours(855, "2021", shared_dfe) == [
        "E06000025", "E10000031", "E06000056", "E10000034", "E10000014",
        "E10000012", "E10000032", "E06000024", "E10000028", "E06000049",
    ]
    table = neighbour_table("2021", shared_dfe)
    assert table.loc[(table["old_la_code"] == "855") & (table["rank"] == 1), "closeness"].item() == "Extremely close"
    with pytest.raises(ParameterError):
        neighbour_table("2007", shared_dfe)
