"""Measures DfE publishes that the 903 alone cannot give: school moves and social worker changes
(``la_cla_school_moves.csv``, ``la_cla_swcount.csv``), read by :mod:`cpanalysis.dfe.ees`.

Crafted files check the mapping with hand-computed values; the real files check published rows
read by hand from ``../shared/dfe``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cpanalysis.dfe import ees, snapshot
from cpanalysis.dfe.load import load_dfe
from cpanalysis.indicators import catalogue

HEAD = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,la_name,new_la_code")
NAT = "Reporting year,National,E92000001,England,,,,,"
LEIC = "Reporting year,Local authority,E92000001,England,E12000004,East Midlands,855,Leicestershire,E10000018"


def pick(frame: pd.DataFrame, indicator: str, geography: str, year: int) -> pd.Series:
    rows = frame[(frame["indicator_id"] == indicator) & (frame["geography"] == geography)
                 & (frame["period_end"] == pd.Timestamp(year, 3, 31))]
    assert len(rows) == 1, (indicator, geography, year, len(rows))
    return rows.iloc[0]


def test_school_moves_crafted(tmp_path: Path) -> None:
    rows = []
    for area, total, any_, mid in ((NAT, 46120, 9340, 6780), (LEIC, 425, 51, 17)):
        rows += [f"2024,{area},CLA on 31 March,Any moves,Total children,{total},100",
                 f"2024,{area},CLA on 31 March,Any moves,With one or more moves during the year,{any_},12",
                 f"2024,{area},CLA on 31 March,Mid-year moves,Total children,{total},100",
                 f"2024,{area},CLA on 31 March,Mid-year moves,With one or more mid-year moves during the year,{mid},4"]
    rows.append(f"2020,{LEIC},CLA on 31 March,Any moves,Total children,x,x")
    rows.append(f"2020,{LEIC},CLA on 31 March,Any moves,With one or more moves during the year,x,x")
    path = tmp_path / "la_cla_school_moves.csv"
    path.write_text("\n".join([f"{HEAD},cla_group,move_measure,school_stability,number,percentage", *rows]) + "\n")
    out = load_dfe(tmp_path)
    # hand-computed: 51 / 425 = 12.0%, 17 / 425 = 4.0%; England as published (12, 4)
    mine = pick(out, "school_moves_12m", "E10000018", 2024)
    assert (mine["numerator"], mine["denominator"], mine["value"]) == (51, 425, pytest.approx(100 * 51 / 425))
    assert pick(out, "school_moves_midyear_12m", "E10000018", 2024)["value"] == pytest.approx(100 * 17 / 425)
    assert pick(out, "school_moves_12m", "E92000001", 2024)["value"] == 12
    gap = pick(out, "school_moves_12m", "E10000018", 2020)
    assert pd.isna(gap["value"]) and gap["suppressed"] == "x"  # not available, never zero


def test_social_workers_crafted(tmp_path: Path) -> None:
    path = tmp_path / "la_cla_swcount.csv"
    path.write_text("\n".join([
        f"{HEAD},cla_group,sw_stability,number,percentage",
        f"2024,{NAT},CLA on 31 March,Total children,83300,100",
        f"2024,{NAT},CLA on 31 March,3 or more social workers during the year,22140,27",
        f"2024,{LEIC},CLA on 31 March,Total children,726,100",
        f"2024,{LEIC},CLA on 31 March,3 or more social workers during the year,253,35",
    ]) + "\n")
    out = load_dfe(tmp_path)
    mine = pick(out, "social_workers_3plus_12m", "E10000018", 2024)
    assert mine["value"] == pytest.approx(100 * 253 / 726)  # 34.8%, DfE prints 35
    assert pick(out, "social_workers_3plus_12m", "E92000001", 2024)["value"] == 27


def test_published_only_measures_are_in_the_catalogue() -> None:
    for indicator_id in ("school_moves_12m", "school_moves_midyear_12m", "school_moves_24m",
                         "school_moves_midyear_24m", "social_workers_3plus_12m"):
        record = catalogue.get(indicator_id)
        assert record.polarity == "low_good" and record.unit == "%" and record.dfe_equivalent
    assert ees.UNMAPPED_FILES == ()


@pytest.mark.dfe
def test_published_rows_read_by_hand(shared_dfe: Path) -> None:
    folder = shared_dfe / "csc_outcomes_and_enablers" / "2021_2025"
    moves = ees.load_file(folder / "la_cla_school_moves.csv")
    # 2024, Leicestershire, CLA on 31 March, Any moves: 51 of 425 (DfE prints 12%)
    row = pick(moves, "school_moves_12m", "E10000018", 2024)
    assert (row["numerator"], row["denominator"]) == (51, 425)
    # 2024, England, CLA 2 years on 31 March, Any moves: 9,340 of 46,120, 20%
    row = pick(moves, "school_moves_24m", "E92000001", 2024)
    assert (row["numerator"], row["denominator"], row["value"]) == (9340, 46120, 20)
    workers = ees.load_file(folder / "la_cla_swcount.csv")
    row = pick(workers, "social_workers_3plus_12m", "E10000018", 2024)
    assert (row["numerator"], row["denominator"]) == (253, 726)


def test_snapshot_carries_them() -> None:
    shipped = load_dfe(snapshot.SNAPSHOT_DIR)
    assert pick(shipped, "social_workers_3plus_12m", "E92000001", 2024)["value"] == 27
    assert pick(shipped, "school_moves_24m", "E92000001", 2024)["value"] == 20
