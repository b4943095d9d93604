"""The bad-input corpus (``tests/fixtures/bad/<case>/``): every case ends in a clear message.

A case either stops with one plain-English :class:`~cpanalysis.errors.CpanalysisError` naming the
file and what was expected (exit code 2 on the command line, no traceback), or is read and
validated with exactly the issue rules listed, and rows read = rows kept + rows quarantined.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import cli
from cpanalysis.commands.validate import run_validation
from cpanalysis.errors import InputFileError, NoReturnsError

BAD = Path(__file__).parent / "fixtures" / "bad"

#: case -> (error class, the exact message, or for NoReturnsError the part after the path)
UNREADABLE = {
    # an empty file is no table (rule INGEST_EMPTY); a return without episodes is refused (INGEST_CORE)
    "empty_file": (InputFileError, "2024-25: the return has no episodes table: no file's header row names its columns; 2024-25/episodes.csv is empty (rule INGEST_CORE). Expected the header and episodes tables in every return (a table with no rows still needs its header row)."),
    "whitespace_only_file": (InputFileError, "2024-25: the return has no episodes table: no file's header row names its columns; 2024-25/episodes.csv is empty (rule INGEST_CORE). Expected the header and episodes tables in every return (a table with no rows still needs its header row)."),
    "lock_file_instead_of_episodes": (InputFileError, "2024-25: the return has no episodes table: no file's header row names its columns; 2024-25/~$episodes.csv is an office lock file, not read (rule INGEST_CORE). Expected the header and episodes tables in every return (a table with no rows still needs its header row)."),
    "stray_quote": (InputFileError, '2024-25/episodes.csv: line 3 (column 1) opens a quoted cell that runs on for 2 more line(s), to line 5, so the CSV reader finds 3 record(s) in 5 non-blank line(s) and the rows on those lines would be lost (rule INGEST_LINES). Expected one record per line; remove the stray " on line 3 (a quote may only enclose a whole cell).'),
    "not_a_903_table": (InputFileError, "2024-25/children.csv: is not an SSDA903 table (header: name, age, school). Expected a header row with the columns of one SSDA903 table, for example episodes: CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN."),
    "missing_columns": (InputFileError, "2024-25/episodes.csv: looks like the episodes table but the header lacks column(s) PLACE_PROVIDER, URN. Expected the episodes columns CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN (in any order)."),
    "header_without_upn": (InputFileError, "2024-25/header.csv: looks like the header table but the header lacks column(s) UPN. Expected the header columns CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB (in any order)."),
    "repeated_column": (InputFileError, "2024-25/header.csv: the header repeats column(s) CHILD. Expected each column name once."),
    "utf16_file": (InputFileError, "2024-25/header.csv: the file is saved as UTF-16 (Unicode) text, which is not read. Expected a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8)."),
    "windows_1252_file": (InputFileError, "2024-25/header.csv: the file is not UTF-8 text (byte 0xa3 at position 63). Expected a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8), or an .xlsx workbook."),
    "old_excel_xls": (InputFileError, "2024-25/episodes.xls: .xls files are not read. Expected CSV (UTF-8) or .xlsx files."),
    "corrupt_xlsx": (InputFileError, "2024-25/episodes.xlsx: cannot be opened as an Excel workbook (BadZipFile). Expected an .xlsx workbook or a CSV file."),
    "workbook_without_tables": (InputFileError, "2024-25/notes.xlsx: no sheet of the workbook is an SSDA903 table. Expected a sheet whose first row names the columns of one SSDA903 table."),
    "no_dates_no_year": (InputFileError, "903: the folder name does not give the collection year and the files hold no dates to infer it from. Expected a return folder named like 2024-25 (year ending 31 March 2025) or 2025-26_Q2."),
    "files_beside_return_folders": (NoReturnsError, ": holds both data files (stray_header.csv, ...) and return folders (2024-25, ...). Expected either the files of one return, or one folder per return (named like 2024-25 or 2025-26_Q2)."),
}

#: case -> (exactly the rule ids reported, rows quarantined per table)
READ = {
    "bom": (set(), {}),
    "demo_layout": (set(), {}),
    "empty_table_file": ({"INGEST_EMPTY"}, {}),
    "unexpected_files": ({"INGEST_UNREAD"}, {}),
    "header_only_file": (set(), {}),
    "trailing_spaces": (set(), {}),
    "xml_names_and_liia_columns": (set(), {}),
    "blank_lines": ({"INGEST_BLANK"}, {}),
    "child_as_excel_float": ({"INGEST_TIDY"}, {}),
    "lower_case_codes": ({"INGEST_TIDY"}, {}),
    "ragged_rows": ({"INGEST_CELLS", "169", "179", "392a", "392b"}, {}),  # the cut-off row has no PL_POST
    "no_year_in_folder_name": ({"INGEST_YEAR"}, {}),
    "mixed_date_formats": ({"DATE_FORMAT"}, {}),
    "excel_serial_dates": ({"DATE_FORMAT", "INGEST_SHEET"}, {}),
    "wrong_file_name": ({"191"}, {}),
    "duplicated_rows": ({"DUP"}, {"episodes": 1}),
    "overlapping_episodes": ({"501", "388", "433"}, {}),
    "open_episode_then_next": ({"142", "433"}, {}),
    "gap_in_care": ({"433", "388"}, {}),
    "unknown_codes": ({"143", "146"}, {}),
    "retired_code_for_year": ({"146", "213"}, {}),
    "sex_coding_wrong_for_year": ({"101"}, {}),
    "future_dates": ({"301", "302", "354", "388", "433", "INT14"}, {}),
    "dob_after_decom": ({"302", "INT14"}, {}),
    "in_year_extract_future_dec": ({"385"}, {}),
    "unparseable_dates": ({"141", "388", "433"}, {"episodes": 1}),
    "us_date_format": ({"102"}, {"header": 1}),
    "missing_child_id": ({"REQ", "388"}, {"episodes": 1}),
    "dec_before_decom": ({"356", "185", "190"}, {"episodes": 1}),
    "duplicate_child_in_header": ({"INT32"}, {}),
    "sub_table_child_not_in_header": ({"INT05", "185", "190", "1012"}, {}),
    "sdq_out_of_range": ({"180"}, {}),
    "oc3_wrong_age": ({"391", "1001", "215"}, {}),
}


def test_corpus_is_complete() -> None:
    cases = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert cases == set(UNREADABLE) | set(READ)
    assert len(cases) >= 25


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_input_gives_one_clear_message(case: str) -> None:
    error, message = UNREADABLE[case]
    with pytest.raises(error) as caught:
        run_validation(BAD / case)
    if error is NoReturnsError:
        assert str(caught.value) == f"{BAD / case}{message}"
    else:
        assert str(caught.value) == message


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_command_exits_2_without_traceback(case: str, tmp_path: Path, capsys) -> None:
    assert cli.main(["validate", str(BAD / case), "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert err.strip().endswith(UNREADABLE[case][1])
    assert not (tmp_path / "issues.csv").exists()


@pytest.mark.parametrize("case", sorted(READ))
def test_readable_case_issues_and_reconciliation(case: str, tmp_path: Path) -> None:
    rules, quarantined = READ[case]
    result = run_validation(BAD / case, tmp_path)
    assert set(result.issues["rule_id"]) == rules
    assert {t: len(f) for t, f in result.quarantined.items() if len(f)} == quarantined
    counts = result.counts
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_quarantined"]).all()
    assert counts["rows_read"].sum() == sum(f.rows_read for f in result.raw.files)
    written = pd.read_csv(tmp_path / "issues.csv", dtype=str)
    assert len(written) == len(result.issues)
    assert sorted(p.stem for p in (tmp_path / "quarantine").glob("*.csv")) == sorted(quarantined)
    # every quarantined row says why
    for frame in result.quarantined.values():
        assert all(isinstance(reason, str) and reason for reason in frame["reason"])


def test_command_summary(tmp_path: Path, capsys) -> None:
    assert cli.main(["validate", str(BAD / "duplicated_rows"), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "  read 2024-25/episodes.csv: episodes, 3 rows" in out.err
    lines = out.out.splitlines()
    assert lines[0].split() == ["table", "read", "kept", "quarantined", "warnings"]
    assert [line.split() for line in lines if line.startswith("episodes")] == [["episodes", "3", "2", "1", "0"]]
    assert "Every table: rows read = rows kept + rows quarantined." in lines
    assert any(line.split()[:3] == ["DUP", "error", "1"] for line in lines)


def test_specific_values_survive(tmp_path: Path) -> None:
    from cpanalysis import clean, ingest

    # run_validation lets its text tables go once typed, so each case is read again here.
    tables, _ = clean.normalise(ingest.read_returns(BAD / "child_as_excel_float"))
    assert tables["header"]["child_id"].tolist() == ["1001"]
    assert tables["oc2"]["sdq_score"].tolist() == [10]
    tables, _ = clean.normalise(ingest.read_returns(BAD / "trailing_spaces"))
    assert tables["header"][["child_id", "sex", "ethnic", "upn"]].values.tolist() == [["1001", "M", "WBRI", "A123456789012"]]
    assert tables["header"]["dob"].tolist() == [pd.Timestamp("2010-06-01")]
    raw = ingest.read_returns(BAD / "excel_serial_dates")
    tables, _ = clean.normalise(raw, release=True)
    assert tables["episodes"]["decom"].tolist() == [pd.Timestamp("2023-05-01"), pd.Timestamp("2024-06-01")]
    assert tables["header"]["dob"].tolist() == [pd.Timestamp("2010-06-01")]
    assert [f.sheet for f in raw.files] == ["Header", "Episodes", "OC2"]
    # released: the text tables are empty, their rows still counted
    assert raw.tables["episodes"].empty and raw.rows_read()["episodes"] == 2


def test_files_not_read_are_listed(tmp_path: Path) -> None:
    result = run_validation(BAD / "unexpected_files", tmp_path)
    notes = result.issues[result.issues["rule_id"] == "INGEST_UNREAD"]
    assert notes[["file", "severity", "message"]].values.tolist() == [
        ["2024-25/notes.txt", "info", "2024-25/notes.txt: not a CSV, Excel (.xlsx) or XML file; not read."],
        ["2024-25/old", "info", "2024-25/old: a folder that holds no return files; not read."],
        ["2024-25/~$header.csv", "warning",
         "2024-25/~$header.csv: an office lock file (left by a file open in Excel, or by a crash); not read."],
    ]


def test_empty_table_files_are_warned_not_fatal(tmp_path: Path) -> None:
    result = run_validation(BAD / "empty_table_file", tmp_path)
    assert result.issues[["file", "severity", "message"]].values.tolist() == [
        ["2024-25/ad1.csv", "warning", "2024-25/ad1.csv: the file is empty (no header row); read as no rows."],
        ["2024-25/placed_for_adoption.csv", "warning",
         "2024-25/placed_for_adoption.csv: the file is empty (no header row); read as no rows."],
    ]
    assert [f.path for f in result.raw.files] == ["2024-25/episodes.csv", "2024-25/header.csv", "2024-25/oc2.csv"]


def test_demo_layout_reads_as_its_903_folder(tmp_path: Path) -> None:
    whole = run_validation(BAD / "demo_layout", tmp_path / "a")
    inner = run_validation(BAD / "demo_layout" / "903", tmp_path / "b")
    assert [f.path for f in whole.raw.files] == [f.path for f in inner.raw.files] == [
        "2024-25/episodes.csv", "2024-25/header.csv", "2024-25/oc2.csv"]
    assert whole.counts.equals(inner.counts)
