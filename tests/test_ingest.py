"""Reading folders of returns: layouts, labels, table detection, text kept as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import ingest, schema
from cpanalysis.errors import InputFileError, NoReturnsError
from tests.helpers_903 import write_return, write_table, write_xlsx

GOOD = Path(__file__).parent / "fixtures" / "good"

HEADER_ROW = {"CHILD": "1", "SEX": "M", "DOB": "01/06/2010", "ETHNIC": "WBRI", "UPN": "UN1"}
EPISODE_ROW = {"CHILD": "1", "DECOM": "01/05/2024", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U4", "PLACE_PROVIDER": "PR1"}


def test_good_fixture_reads_three_returns() -> None:
    raw = ingest.read_returns(GOOD)
    assert [(r.label, r.collection_year, r.is_in_year, r.as_at) for r in raw.returns] == [
        ("2023-24", 2024, False, dt.date(2024, 3, 31)),
        ("2024-25", 2025, False, dt.date(2025, 3, 31)),
        ("2025-26_Q2", 2026, True, dt.date(2025, 9, 30)),
    ]
    assert raw.rows_read() == {
        "header": 15, "episodes": 23, "uasc": 1, "reviews": 4, "oc2": 4, "oc3": 1, "ad1": 1,
        "placed_for_adoption": 1, "previous_permanence": 5, "missing": 2, "sw_episodes": 1,
    }
    assert len(raw.files) == 20
    assert raw.issues.empty  # a README beside the return folders is not worth a note
    header = raw.tables["header"]
    # leading zeros survive: ids are text
    assert "0042" in set(header["CHILD"])
    assert list(header.columns) == list(schema.HEADER.columns) + list(schema.METADATA_COLUMNS)
    first = header.iloc[0]
    assert (first["source_file"], first["source_row"], first["return_label"], first["collection_year"]) == (
        "2023-24/header.csv", 2, "2023-24", 2024)


def test_every_table_present_even_when_absent(tmp_path: Path) -> None:
    write_return(tmp_path, "2024-25", {"header": [HEADER_ROW]})
    raw = ingest.read_returns(tmp_path, require=())
    assert set(raw.tables) == set(schema.TABLES)
    assert raw.tables["episodes"].empty
    assert list(raw.tables["episodes"].columns) == list(schema.EPISODES.columns) + list(schema.METADATA_COLUMNS)


@pytest.mark.parametrize(
    ("label", "year", "in_year", "as_at"),
    [
        ("2024-25", 2025, False, dt.date(2025, 3, 31)),
        ("2024_25", 2025, False, dt.date(2025, 3, 31)),
        ("202425", 2025, False, dt.date(2025, 3, 31)),
        ("2024-2025", 2025, False, dt.date(2025, 3, 31)),
        ("2025-26_Q1", 2026, True, dt.date(2025, 6, 30)),
        ("2025-26_q3", 2026, True, dt.date(2025, 12, 31)),
        ("2025-26_Q4", 2026, True, dt.date(2026, 3, 31)),
        ("2025-26_as-at_2025-10-31", 2026, True, dt.date(2025, 10, 31)),
        ("2025-26_asat_20251031", 2026, True, dt.date(2025, 10, 31)),
    ],
)
def test_return_labels(label: str, year: int, in_year: bool, as_at: dt.date) -> None:
    info = ingest.parse_return_label(label)
    assert (info.collection_year, info.is_in_year, info.as_at) == (year, in_year, as_at)


@pytest.mark.parametrize("label", ["903", "2024-26", "2024", "latest", "2025-26_as-at_2024-10-31"])
def test_labels_without_a_year(label: str) -> None:
    assert ingest.parse_return_label(label) is None


def test_year_inferred_from_latest_episode_date(tmp_path: Path) -> None:
    folder = write_return(tmp_path, "latest", {
        "header": [HEADER_ROW],
        "episodes": [EPISODE_ROW, {**EPISODE_ROW, "DECOM": "02/02/2023", "DEC": "04/04/2024", "REC": "X1"}],
    })
    raw = ingest.read_returns(folder)
    # the latest episode date is 4 April 2024 (DEC), in the year ending 31 March 2025
    assert raw.returns[0].collection_year == 2025
    assert raw.returns[0].year_source == "episode dates"
    assert set(raw.tables["episodes"]["collection_year"]) == {2025}
    assert list(raw.issues["rule_id"]) == ["INGEST_YEAR"]


def test_single_return_folder_paths_are_relative_to_it(tmp_path: Path) -> None:
    folder = write_return(tmp_path, "2024-25", {"header": [HEADER_ROW]})
    raw = ingest.read_returns(folder, require=())
    assert raw.files[0].path == "header.csv"
    assert raw.tables["header"]["source_file"].tolist() == ["header.csv"]


def test_files_and_folders_mixed_is_refused(tmp_path: Path) -> None:
    write_return(tmp_path, "2024-25", {"header": [HEADER_ROW]})
    write_table(tmp_path / "stray.csv", "header", [HEADER_ROW])
    with pytest.raises(NoReturnsError, match="both data files"):
        ingest.read_returns(tmp_path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(NoReturnsError, match="folder not found"):
        ingest.read_returns(tmp_path / "nope")
    with pytest.raises(NoReturnsError, match="no CSV, Excel or XML files"):
        ingest.read_returns(tmp_path)


def test_header_detection_is_tolerant(tmp_path: Path) -> None:
    columns = ["  urn ", "PL", "childid", "Decom", "rne", "ls", "cin", "place provider", "dec", "rec",
               "reason_place_change", "home_post", "pl_post", "LA", "Year"]
    row = {**EPISODE_ROW, "  urn ": "SC1", "PL": "u4", "childid": "1213.0", "Decom": "01/05/2024", "rne": "s",
           "ls": "c2", "cin": "n1", "place provider": "pr1", "LA": "Leeds", "Year": "2025"}
    write_table(tmp_path / "2024-25" / "whatever name.csv", "episodes", [row], columns=columns)
    raw = ingest.read_returns(tmp_path, require=())
    ep = raw.tables["episodes"].iloc[0]
    assert (ep["CHILD"], ep["PLACE"], ep["RNE"], ep["PLACE_PROVIDER"], ep["URN"]) == ("1213", "U4", "S", "PR1", "SC1")
    # LIIA extra columns are ignored silently; the repairs are summarised once per column
    assert sorted(raw.issues["column"]) == ["CHILD", "CIN", "LS", "PLACE", "PLACE_PROVIDER", "RNE"]


def test_unexpected_extra_column_noted(tmp_path: Path) -> None:
    write_table(tmp_path / "2024-25" / "h.csv", "header", [{**HEADER_ROW, "NOTES": "x"}],
                columns=[*schema.HEADER.columns, "NOTES"])
    raw = ingest.read_returns(tmp_path, require=())
    assert raw.issues.loc[0, "rule_id"] == "INGEST_COLUMNS"
    assert raw.issues.loc[0, "message"] == "column(s) NOTES are not part of the header table and were ignored."


def test_near_miss_names_table_and_missing_columns() -> None:
    with pytest.raises(InputFileError) as err:
        ingest.detect_table(["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"], "e.csv")
    assert str(err.value) == (
        "e.csv: looks like the episodes table but the header lacks column(s) PLACE_PROVIDER, "
        "REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN. Expected the episodes columns CHILD, DECOM, RNE, "
        "LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN (in any order)."
    )


def test_not_a_table() -> None:
    with pytest.raises(InputFileError, match=r"x.csv: is not an SSDA903 table \(header: name, age\)"):
        ingest.detect_table(["name", "age"], "x.csv")


def test_source_rows_count_blank_lines(tmp_path: Path) -> None:
    text = ",".join(schema.HEADER.columns) + "\n\n1,M,01/01/2010,WBRI,UN1,,\n\n\n2,M,01/01/2010,WBRI,UN1,,\n3,M,01/01/2010,WBRI,UN1,,\n"
    (tmp_path / "2024-25").mkdir()
    (tmp_path / "2024-25" / "h.csv").write_text(text)
    raw = ingest.read_returns(tmp_path / "2024-25", require=())
    assert raw.tables["header"]["source_row"].tolist() == [3, 6, 7]
    assert raw.tables["header"]["CHILD"].tolist() == ["1", "2", "3"]
    blank = raw.issues[raw.issues["rule_id"] == "INGEST_BLANK"]
    assert blank["message"].tolist() == ["h.csv: 3 blank line(s) between rows were skipped (they hold no data)."]


def test_quoted_cell_spanning_lines_stops_the_read(tmp_path: Path) -> None:
    # A 903 cell never holds a line break: a quote spanning lines would make rows vanish.
    text = ",".join(schema.HEADER.columns) + "\n1,M,01/01/2010,WBRI,UN1,,\n2,M,01/01/2010,WBRI,\"UN\n1\",,\n3,M,01/01/2010,WBRI,UN1,,\n"
    (tmp_path / "2024-25").mkdir()
    (tmp_path / "2024-25" / "h.csv").write_text(text)
    with pytest.raises(InputFileError) as caught:
        ingest.read_returns(tmp_path / "2024-25", require=())
    assert str(caught.value) == (
        "h.csv: line 3 (column 5) opens a quoted cell that runs on for 1 more line(s), to line 4, so the CSV "
        "reader finds 4 record(s) in 5 non-blank line(s) and the rows on those lines would be lost (rule INGEST_LINES). "
        'Expected one record per line; remove the stray " on line 3 (a quote may only enclose a whole cell).'
    )


def test_short_and_long_rows(tmp_path: Path) -> None:
    text = ",".join(schema.HEADER.columns) + "\n1,M,01/01/2010\n2,M,01/01/2010,WBRI,UN1,,,oops\n"
    (tmp_path / "2024-25").mkdir()
    (tmp_path / "2024-25" / "h.csv").write_text(text)
    raw = ingest.read_returns(tmp_path / "2024-25", require=())
    assert raw.tables["header"]["ETHNIC"].tolist() == ["", "WBRI"]
    cells = raw.issues[raw.issues["rule_id"] == "INGEST_CELLS"]
    assert cells["row"].tolist() == [3]


def test_excel_every_table_sheet_read(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "2024-25" / "extract.xlsx", {
        "Notes": [["This workbook holds our 903"], ["prepared by the data team"]],
        "Header": [list(schema.HEADER.columns), [1213, "m", dt.datetime(2010, 6, 1), "WBRI", "UN1", None, None]],
        "Episodes": [list(schema.EPISODES.columns), [1213.0, 45413, "S", "C2", "N1", "U4", "PR1", None, None, None, None, None, None]],
    })
    raw = ingest.read_returns(tmp_path)
    assert [(f.table, f.sheet, f.rows_read) for f in raw.files] == [("header", "Header", 1), ("episodes", "Episodes", 1)]
    assert raw.tables["header"].loc[0, ["CHILD", "SEX", "DOB"]].tolist() == ["1213", "M", "01/06/2010"]
    # a date column formatted as General arrives as an Excel serial number, kept as text here
    assert raw.tables["episodes"].loc[0, ["CHILD", "DECOM"]].tolist() == ["1213", "45413"]
    assert "sheet Notes is not an SSDA903 table and was skipped." in raw.issues["message"].tolist()


def test_two_files_of_one_table_are_combined(tmp_path: Path) -> None:
    write_table(tmp_path / "2024-25" / "a.csv", "header", [HEADER_ROW])
    write_table(tmp_path / "2024-25" / "b.csv", "header", [{**HEADER_ROW, "CHILD": "2"}])
    raw = ingest.read_returns(tmp_path / "2024-25", require=())
    assert raw.tables["header"]["CHILD"].tolist() == ["1", "2"]
    assert raw.issues["rule_id"].tolist() == ["INGEST_SPLIT"]


def test_sha256_and_progress(tmp_path: Path) -> None:
    import hashlib

    path = write_table(tmp_path / "2024-25" / "h.csv", "header", [HEADER_ROW])
    seen = []
    raw = ingest.read_returns(tmp_path / "2024-25", progress=seen.append, require=())
    assert raw.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert seen == raw.files


@pytest.mark.parametrize(
    ("text", "parsed", "kind"),
    [
        ("01/06/2024", "2024-06-01", "dmy"),
        ("1/6/2024", "2024-06-01", "dmy_variant"),
        ("01-06-2024", "2024-06-01", "dmy_variant"),
        ("01/06/2024 00:00", "2024-06-01", "dmy_variant"),
        ("2024-06-01", "2024-06-01", "iso"),
        ("2024/06/01", "2024-06-01", "ymd"),
        ("2024.6.1", "2024-06-01", "ymd"),
        ("2024/13/01", None, "bad"),
        ("2024-06-01 00:00:00", "2024-06-01", "iso"),
        ("45444", "2024-06-01", "serial"),
        ("45444.0", "2024-06-01", "serial"),
        ("", None, "blank"),
        ("31/02/2024", None, "bad"),
        ("06/13/2024", None, "bad"),
        ("01/06/24", None, "bad"),
        ("soon", None, "bad"),
        ("0", None, "bad"),
    ],
)
def test_classify_dates(text: str, parsed: str | None, kind: str) -> None:
    values, kinds = ingest.classify_dates(pd.Series([text]))
    assert kinds.tolist() == [kind]
    if parsed is None:
        assert pd.isna(values.iloc[0])
    else:
        assert values.iloc[0] == pd.Timestamp(parsed)
    assert str(values.dtype) == "datetime64[ns]"


def test_issue_frame_layout() -> None:
    frame = ingest.issue_frame([{"file": "a.csv", "row": 3, "rule_id": "X"}])
    assert list(frame.columns) == list(schema.ISSUE_COLUMNS)
    assert frame.loc[0, "row"] == 3 and frame.loc[0, "child"] is None
    assert str(frame["row"].dtype) == "Int64"


def test_two_sheets_of_one_table_keep_rows_distinct(tmp_path: Path) -> None:
    header = list(schema.HEADER.columns)
    write_xlsx(tmp_path / "2024-25" / "book.xlsx", {
        "Boys": [header, ["1", "M", "01/06/2010", "WBRI", "UN1", None, None]],
        "Girls": [header, ["2", "F", "01/06/2011", "WBRI", "UN1", None, None]],
    })
    raw = ingest.read_returns(tmp_path, require=())
    assert raw.tables["header"]["source_file"].tolist() == ["2024-25/book.xlsx", "2024-25/book.xlsx[Girls]"]
    assert raw.tables["header"]["source_row"].tolist() == [2, 2]
    assert [f.path for f in raw.files] == ["2024-25/book.xlsx", "2024-25/book.xlsx"]
