"""Typing raw tables: dates from three formats, SEX recoded, flags, issues for every fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpanalysis import clean, ingest, schema
from tests.helpers_903 import write_return

GOOD = Path(__file__).parent / "fixtures" / "good"

HEADER_ROW = {"CHILD": "1", "SEX": "1", "DOB": "01/06/2010", "ETHNIC": "WBRI", "UPN": "UN1"}
EPISODE_ROW = {"CHILD": "1", "DECOM": "01/05/2023", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U4", "PLACE_PROVIDER": "PR1"}


def _normalise(tmp_path: Path, tables: dict, label: str = "2023-24"):
    write_return(tmp_path, label, tables)
    return clean.normalise(ingest.read_returns(tmp_path, require=()))  # one table at a time


def test_good_fixture_types() -> None:
    tables, issues = clean.normalise(ingest.read_returns(GOOD))
    assert issues.empty
    episodes = tables["episodes"]
    assert list(episodes.columns[:13]) == [schema.processed_name(c) for c in schema.EPISODES.columns]
    assert str(episodes["decom"].dtype) == "datetime64[ns]"
    assert episodes["child_id"].map(type).eq(str).all()
    first = episodes.iloc[0]
    assert (first["child_id"], first["decom"], first["dec"], first["rec"]) == (
        "1001", pd.Timestamp("2021-05-01"), pd.Timestamp("2023-09-10"), "X1")
    open_episode = episodes.iloc[1]
    assert pd.isna(open_episode["dec"]) and open_episode["rec"] is None
    header = tables["header"]
    # 1/2 in 2023-24 and M/F from 2024-25 are one coding; the code as returned is kept
    child_1002 = header[header["child_id"] == "1002"]
    assert child_1002["sex"].tolist() == ["F", "F", "F"]
    assert child_1002["sex_as_returned"].tolist() == ["2", "F", "F"]
    oc2 = tables["oc2"]
    assert str(oc2["sdq_score"].dtype) == "Int64" and str(oc2["convicted"].dtype) == "Int8"
    assert oc2["sdq_score"].tolist()[:2] == [14, 18]
    assert pd.isna(oc2["sdq_score"].iloc[2])
    assert len(tables["episodes"]) == 23


def test_date_formats_logged_once_per_file_and_column(tmp_path: Path) -> None:
    tables, issues = _normalise(tmp_path, {
        "header": [HEADER_ROW],
        "episodes": [
            {**EPISODE_ROW, "DECOM": "2023-05-01", "DEC": "45108", "REC": "X1"},
            {**EPISODE_ROW, "DECOM": "2023-07-01", "RNE": "P"},
        ],
    })
    assert tables["episodes"]["decom"].tolist() == [pd.Timestamp("2023-05-01"), pd.Timestamp("2023-07-01")]
    assert tables["episodes"]["dec"].iloc[0] == pd.Timestamp("2023-07-01")
    assert issues[["file", "table", "row", "column", "rule_id", "severity", "action"]].values.tolist() == [
        ["2023-24/episodes.csv", "episodes", 2, "DECOM", "DATE_FORMAT", "info", "fixed"],
        ["2023-24/episodes.csv", "episodes", 2, "DEC", "DATE_FORMAT", "info", "fixed"],
    ]
    assert issues["message"].tolist() == [
        "DECOM: 2 date(s) written as yyyy-mm-dd (not dd/mm/yyyy) were read as dates.",
        "DEC: 1 date(s) written as an Excel serial number (not dd/mm/yyyy) were read as dates.",
    ]


def test_unambiguous_date_forms_read_and_noted(tmp_path: Path) -> None:
    tables, issues = _normalise(tmp_path, {"episodes": [
        {**EPISODE_ROW, "DECOM": "2023/05/01", "DEC": "1/7/2023", "REC": "X1"},
        {**EPISODE_ROW, "DECOM": "01/07/2023"},
    ]})
    assert tables["episodes"]["decom"].tolist() == [pd.Timestamp("2023-05-01"), pd.Timestamp("2023-07-01")]
    assert tables["episodes"]["dec"].iloc[0] == pd.Timestamp("2023-07-01")
    assert issues[["row", "column", "rule_id", "severity", "action", "message"]].values.tolist() == [
        [2, "DECOM", "DATE_FORMAT", "info", "fixed", "DECOM: 1 date(s) written as yyyy/mm/dd (not dd/mm/yyyy) were read as dates."],
        [2, "DEC", "DATE_FORMAT", "info", "fixed",
         "DEC: 1 date(s) written as d/m/yyyy or dd-mm-yyyy (not dd/mm/yyyy) were read as dates."],
    ]


def test_unreadable_values(tmp_path: Path) -> None:
    tables, issues = _normalise(tmp_path, {
        "header": [{**HEADER_ROW, "DOB": "1st June"}],
        "episodes": [{**EPISODE_ROW, "DECOM": "31/02/2023"}, {**EPISODE_ROW, "DEC": "soon", "REC": "X1"}],
        "oc2": [{"CHILD": "1", "DOB": "01/06/2010", "SDQ_SCORE": "12.5", "CONVICTED": "Y", "IMMUNISATIONS": "2"}],
    })
    assert issues[["table", "row", "child", "column", "rule_id", "severity", "action"]].values.tolist() == [
        ["header", 2, "1", "DOB", "102", "error", "quarantined"],
        ["episodes", 2, "1", "DECOM", "141", "error", "quarantined"],
        ["episodes", 3, "1", "DEC", "147", "warning", "fixed"],
        ["oc2", 2, "1", "SDQ_SCORE", "180", "warning", "fixed"],
        ["oc2", 2, "1", "CONVICTED", "181", "warning", "fixed"],
    ]
    assert issues["message"].tolist()[:3] == [
        "DOB '1st June' is not a date (dd/mm/yyyy); the row cannot be used.",
        "DECOM '31/02/2023' is not a date (dd/mm/yyyy); the row cannot be used.",
        "DEC 'soon' is not a date (dd/mm/yyyy); treated as blank.",
    ]
    oc2 = tables["oc2"].iloc[0]
    assert pd.isna(oc2["sdq_score"]) and pd.isna(oc2["convicted"])
    # an out-of-range flag is kept for validation to report as an unknown code
    assert oc2["immunisations"] == 2
    # rows are never dropped by cleaning
    assert len(tables["episodes"]) == 2


def test_blank_and_unknown_codes_kept(tmp_path: Path) -> None:
    tables, _ = _normalise(tmp_path, {"header": [{**HEADER_ROW, "SEX": "x", "ETHNIC": ""}]})
    row = tables["header"].iloc[0]
    assert (row["sex"], row["sex_as_returned"], row["ethnic"]) == ("X", "X", None)


def test_parse_dates_reexported() -> None:
    parsed, bad = clean.parse_dates(pd.Series(["01/04/2024", "x", ""]))
    assert parsed.iloc[0] == pd.Timestamp("2024-04-01")
    assert bad.tolist() == [False, True, False]
