"""Read a folder of SSDA903 returns (CSV or XLSX) into raw string tables.

What the folder may look like
-----------------------------
* **One return**: the files sit directly in the folder (``data/raw/903/2024-25/*.csv``).
* **Several returns**: the folder holds one sub-folder per return (``2023-24/``, ``2024-25/``,
  ``2025-26_Q2/``). Data files directly in such a folder are an error (which return would they
  belong to?).

A return's **label** is its folder name. The collection year (year ending 31 March) is read from
the label when it looks like ``2024-25``, ``2024_25``, ``202425`` or ``2024-2025``; an in-year
extract adds ``_Q1`` ... ``_Q4`` (as at 30 June, 30 September, 31 December, 31 March) or
``_as-at_2025-10-31`` / ``_asat_20251031``. Any other folder name (``903``, ``latest``) makes the
collection year come from the data: the year ending 31 March that contains the latest DECOM or
DEC in the episodes (or, with no episodes, the latest date anywhere in the return); the return
then counts as an annual return as at that 31 March.

Files and tables
----------------
Files may have any name; ``.csv``, ``.xlsx``/``.xlsm`` and DfE's XML (``.xml``,
:mod:`cpanalysis.xml903`) are read. Other files, and hidden or ``~$`` lock files, are not read but
listed (rule ``INGEST_UNREAD``, :mod:`cpanalysis.return_files`; the demo's folder layout is read
through its ``903`` sub-folder). Each CSV file's or sheet's table is recognised from its header row: after
:func:`cpanalysis.schema.normalise_header` (case, spaces, BOM, XML names ``CHILDID``/``PL``) the
header must contain every column of exactly one table in :data:`cpanalysis.schema.TABLES`.
Column order does not matter; the LIIA extra columns (``LA``, ``YEAR`` ...) are ignored silently and
any other extra column is ignored with an ``info`` note. In a workbook **every sheet** that is a
903 table is read (a sheet that is clearly something else, such as notes, is skipped with a note).

An empty file (0 bytes or blank lines only) is read as no rows with a warning (``INGEST_EMPTY``),
but a return must hold the header and episodes tables (``INGEST_CORE``), and a CSV's records must
match its non-blank lines (``INGEST_LINES``: a stray quote cannot swallow rows). Any file that
cannot be read at all (not UTF-8 text, not a 903 table, a header missing some of a table's
columns) stops the read with :class:`cpanalysis.errors.InputFileError`, naming the
file and what was expected; the command line prints it and exits with code 2. Nothing is
guessed for a broken file, because a silently skipped episodes file would change every figure.

Values
------
Every cell is kept as text (``""`` for blank), trimmed. Codes, UPNs, postcodes and social-worker
ids are upper-cased; ``CHILD`` keeps its case. A trailing ``.0`` that Excel adds to whole numbers
(``1213.0``) is removed from ``CHILD``, coded and integer columns. Dates stay text here; cleaning
parses them (:func:`parse_dates`). Fully blank lines are skipped (they are not rows). Each such
repair is summarised as an ``info`` issue row in :attr:`RawReturns.issues`.
"""

from __future__ import annotations

import array
import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import return_files, schema
from cpanalysis.errors import InputFileError, NoReturnsError

#: Called with each file (or sheet) as soon as it has been read.
Progress = Callable[["SourceFile"], None]

#: File suffixes read as data files (the lists live in :mod:`cpanalysis.return_files`).
CSV_SUFFIXES = return_files.CSV_SUFFIXES
EXCEL_SUFFIXES = return_files.EXCEL_SUFFIXES
XML_SUFFIXES = return_files.XML_SUFFIXES
UNSUPPORTED_SUFFIXES = return_files.UNSUPPORTED_SUFFIXES

#: The tables every return must hold (``require`` of :func:`read_returns`): without them no
#: child is known and no figure can be computed, so a return lacking one is refused.
CORE_TABLES = ("header", "episodes")

#: Every rule ingest applies: id -> (severity, what it checks and what happens). Issue rows and
#: error messages carry these ids; the project's rule book gathers them with the other stages'.
INGEST_RULES: dict[str, tuple[str, str]] = {
    "INGEST_YEAR": ("info", "the folder name gives no collection year; it is inferred from the latest episode date"),
    "INGEST_COLUMNS": ("info", "columns that are not part of the table are ignored"),
    "INGEST_CELLS": ("warning", "cells beyond the header's last column are ignored"),
    "INGEST_TIDY": ("info", "codes upper-cased and Excel's trailing .0 removed"),
    "INGEST_BLANK": ("info", "blank lines between rows are skipped"),
    "INGEST_SHEET": ("info", "a workbook sheet that is not an SSDA903 table is skipped"),
    "INGEST_SPLIT": ("warning", "one table in several files of a return: their rows are combined"),
    "INGEST_EMPTY": ("warning", "a 0-byte or blank file is read as no rows"),
    "INGEST_UNREAD": ("warning", "a file or folder in the returns that is not read is listed (a lock file as a warning, others as info)"),
    "INGEST_LINES": ("error", "records counted by the CSV parser must equal the file's non-blank lines; a stray quote that swallows lines stops the read"),
    "INGEST_CORE": ("error", "every return must hold the header and episodes tables; a return without one stops the read"),
    "INGEST_XML": ("error", "an XML return must be a well-formed EXPSSDA903 document without DOCTYPE or entities"),
}

#: Columns upper-cased besides the coded ones (they are codes in all but name).
UPPER_CASE_COLUMNS = frozenset({"UPN", "HOME_POST", "PL_POST", "SW_ID", "LA_PERM", "DATE_PERM"})

#: A header is a "near miss" of a table when it has at least this share of the table's columns.
NEAR_MISS_SHARE = 0.5

#: Quarter of an in-year label -> (month, day) of the as-at date, and whether it is in the
#: collection's first calendar year (April-December) or the second (January-March).
_QUARTER_END = {"Q1": (6, 30, 0), "Q2": (9, 30, 0), "Q3": (12, 31, 0), "Q4": (3, 31, 1)}

_LABEL = re.compile(
    r"^(?P<start>\d{4})(?:[-_ ]?(?P<end>\d{2}|\d{4}))"
    r"(?:[-_ ]+(?:(?P<q>Q[1-4])|as[-_ ]?at[-_ ]?(?P<asat>\d{4}-?\d{2}-?\d{2})))?$",
    re.IGNORECASE,
)
_EXCEL_WHOLE_NUMBER = re.compile(r"^-?\d+\.0+$")


@dataclass(frozen=True)
class ReturnInfo:
    """One return (one folder of files).

    Parameters
    ----------
    label : str
        Folder name (``"2024-25"``, ``"2025-26_Q2"``).
    collection_year : int
        Year ending 31 March (``2025`` for ``2024-25``).
    is_in_year : bool
        Whether the return is an in-year extract rather than the annual return.
    as_at : datetime.date
        Date the return runs to (31 March for an annual return).
    year_source : str
        ``"folder name"`` or ``"episode dates"``: where the collection year came from.
    """

    label: str
    collection_year: int
    is_in_year: bool
    as_at: dt.date
    year_source: str = "folder name"


@dataclass(frozen=True)
class SourceFile:
    """One table read from one file (or one sheet of a workbook).

    Parameters
    ----------
    path : str
        File path relative to the folder given to :func:`read_returns` (POSIX separators).
    sha256 : str
        SHA-256 of the file's bytes (for the build manifest).
    table : str
        Package name of the table recognised from the header.
    rows_read : int
        Data rows read (blank lines excluded).
    return_label : str
        Label of the return the file belongs to.
    sheet : str or None
        Worksheet name for Excel files.
    """

    path: str
    sha256: str
    table: str
    rows_read: int
    return_label: str
    sheet: str | None = None


@dataclass
class RawReturns:
    """Everything read from a folder of returns, still as text.

    Attributes
    ----------
    root : pathlib.Path
        The folder given to :func:`read_returns`.
    tables : dict of str to pandas.DataFrame
        Every table of :data:`cpanalysis.schema.TABLES` (empty when no file held it): the DfE
        columns as ``str`` plus :data:`cpanalysis.schema.METADATA_COLUMNS`.
    files : list of SourceFile
        One entry per table read from a file or sheet.
    returns : list of ReturnInfo
        The returns, oldest collection year first (in-year extracts after annual returns).
    issues : pandas.DataFrame
        Notes about the reading (ignored columns, repaired cells), in the issue-row layout.
    released : dict of str to int
        Tables handed over by :meth:`release` (now empty in ``tables``) and the rows they held.
    """

    root: Path
    tables: dict[str, pd.DataFrame]
    files: list[SourceFile]
    returns: list[ReturnInfo]
    issues: pd.DataFrame = field(default_factory=lambda: issue_frame([]))

    released: dict[str, int] = field(default_factory=dict)

    def rows_read(self) -> dict[str, int]:
        """Rows read per table (every table, zero when absent; a released table its rows as read)."""
        return {name: self.released.get(name, len(df)) for name, df in self.tables.items()}

    def release(self, name: str) -> pd.DataFrame:
        """Hand over table ``name``, keeping only its row count here (see :attr:`released`).

        Cleaning a large return with ``clean.normalise(raw, release=True)`` lets each text table
        go as soon as it is typed, so the return is never held twice in memory; the rows read
        are still counted for :func:`cpanalysis.validate.reconcile`.
        """
        frame = self.tables[name]
        self.released[name] = self.rows_read()[name]
        self.tables[name] = empty_table(name)
        return frame


def issue_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Issue rows as a DataFrame with exactly :data:`cpanalysis.schema.ISSUE_COLUMNS`.

    Parameters
    ----------
    rows : iterable of dict
        Each dict gives some of the issue columns; missing ones are ``None``.

    Returns
    -------
    pandas.DataFrame
        ``row`` is nullable ``Int64``; every other column is ``object``.
    """
    frame = pd.DataFrame(list(rows), columns=list(schema.ISSUE_COLUMNS))
    frame = frame.astype(object).where(frame.notna(), None)
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    return frame


# ---------------------------------------------------------------------------------------------
# Dates (shared with cleaning, which re-exports them)
# ---------------------------------------------------------------------------------------------
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]00:00(?::00)?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
#: ``yyyy/mm/dd`` (or with dots): unambiguous, since no year is written first in d/m/y order.
_YMD = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
#: DfE's own form exactly: ``dd/mm/yyyy``.
_DFE_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.0+)?$")
#: Day 0 of Excel's 1900 date system (serial 1 = 1 January 1900, allowing for Excel's 1900 bug).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Years accepted in a date (anything else is a typo, and outside what pandas can hold).
DATE_YEARS = (1800, 2200)
#: Excel serial numbers accepted as dates: 1 January 1900 to 31 December 2099.
EXCEL_SERIAL_RANGE = (2, 73415)


def classify_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse date text and say how each value was written.

    Parameters
    ----------
    values : pandas.Series
        Text (``""``/``None``/NaN for blank).

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]``, NaT for blank or unparseable values.
    kind : pandas.Series
        ``"blank"``, ``"dmy"`` (``dd/mm/yyyy``, the DfE format), ``"dmy_variant"`` (day first but
        written otherwise: ``d/m/yyyy``, ``-`` or ``.`` separators, a ``00:00`` time), ``"iso"``
        (``yyyy-mm-dd``), ``"ymd"`` (``yyyy/mm/dd`` or ``yyyy.mm.dd``), ``"serial"`` (an Excel serial
        number) or
        ``"bad"`` (not a date; two-digit years, month-first dates such as ``12/31/2020`` and
        years outside :data:`DATE_YEARS` are bad, not guessed).
    """
    values = values if isinstance(values, pd.Series) else pd.Series(values)
    # Each distinct text is judged once (a return repeats the same few thousand dates over
    # millions of rows): a plain loop with compiled patterns over the distinct values, then
    # every cell takes its value's date and kind. Blanks (None, NaN) are code -1, which takes
    # the last element, the blank one.
    codes_, distinct = pd.factorize(np.asarray(values, dtype=object))
    judged = [_one_date(str(value).strip()) for value in distinct]
    dates = np.array([np.datetime64(d, "ns") if d is not None else np.datetime64("NaT", "ns") for d, _ in judged]
                     + [np.datetime64("NaT", "ns")], dtype="datetime64[ns]")
    kinds = np.array([kind for _, kind in judged] + ["blank"], dtype=object)
    return pd.Series(dates[codes_], index=values.index), pd.Series(kinds[codes_], index=values.index, dtype=object)


_EXCEL_EPOCH_DATE = dt.date(1899, 12, 30)


def _one_date(text: str) -> tuple[dt.date | None, str]:
    """(date, how it was written) for one trimmed value (see :func:`classify_dates`)."""
    if not text:
        return None, "blank"
    for kind, pattern, order in (("dmy", _DMY, (2, 1, 0)), ("iso", _ISO, (0, 1, 2)), ("ymd", _YMD, (0, 1, 2))):
        match = pattern.match(text)
        if match:
            parts = match.groups()
            try:
                date = dt.date(*(int(parts[i]) for i in order))
            except ValueError:
                return None, "bad"
            if kind == "dmy" and not _DFE_DATE.match(text):
                kind = "dmy_variant"
            return (date, kind) if DATE_YEARS[0] <= date.year <= DATE_YEARS[1] else (None, "bad")
    if _SERIAL.match(text):
        number = int(float(text))
        if EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
            return _EXCEL_EPOCH_DATE + dt.timedelta(days=number), "serial"
    return None, "bad"


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates written as ``dd/mm/yyyy``, ISO ``yyyy-mm-dd`` or Excel serial numbers.

    Parameters
    ----------
    values : pandas.Series
        Text values; blanks (``""``, ``None``, NaN) become NaT and are not bad.

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]`` with NaT for blank and unparseable values.
    bad_mask : pandas.Series
        ``True`` where a non-blank value is not a date.
    """
    parsed, kind = classify_dates(values)
    return parsed, kind == "bad"


def year_ending_31_march(date: pd.Timestamp | dt.date) -> int:
    """Collection year (year ending 31 March) that contains ``date``."""
    return date.year + 1 if date.month >= 4 else date.year


# ---------------------------------------------------------------------------------------------
# Return folders and labels
# ---------------------------------------------------------------------------------------------
def parse_return_label(label: str) -> ReturnInfo | None:
    """Collection year and as-at date from a return folder name.

    Parameters
    ----------
    label : str
        Folder name such as ``"2024-25"``, ``"2024_25"``, ``"202425"``, ``"2024-2025"``,
        ``"2025-26_Q2"`` or ``"2025-26_as-at_2025-10-31"``.

    Returns
    -------
    ReturnInfo or None
        ``None`` when the name does not look like a collection year (the caller then infers the
        year from the data).
    """
    match = _LABEL.match(label.strip())
    if not match:
        return None
    start = int(match["start"])
    end = match["end"]
    if (len(end) == 2 and int(end) != (start + 1) % 100) or (len(end) == 4 and int(end) != start + 1):
        return None
    year = start + 1
    if match["q"]:
        month, day, second = _QUARTER_END[match["q"].upper()]
        return ReturnInfo(label, year, True, dt.date(start + second, month, day))
    if match["asat"]:
        digits = match["asat"].replace("-", "")
        try:
            as_at = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None
        if year_ending_31_march(as_at) != year:
            return None
        return ReturnInfo(label, year, True, as_at)
    return ReturnInfo(label, year, False, dt.date(year, 3, 31))


def _is_data_file(path: Path) -> bool:
    return return_files.is_data_file(path)


def find_return_folders(path: Path) -> list[Path]:
    """The return folders under ``path`` (see :func:`cpanalysis.return_files.find_return_folders`)."""
    return return_files.find_return_folders(return_files.returns_root(path))


# ---------------------------------------------------------------------------------------------
# Reading one file
# ---------------------------------------------------------------------------------------------
def _decode(name: str, data: bytes) -> None:
    """Check that ``data`` is UTF-8 text (a BOM allowed); the message names the first bad byte.

    The text itself is read line by line from the bytes (:func:`_csv_table`), so a large file is
    never held as one string as well as its bytes.
    """
    if not data.strip():
        raise InputFileError(name, "the file is empty.", "a header row naming the SSDA903 columns and one row per record.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 2:
        raise InputFileError(
            name,
            "the file is saved as UTF-16 (Unicode) text, which is not read.",
            "a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8).",
        )
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            name,
            f"the file is not UTF-8 text (byte {data[exc.start]:#04x} at position {exc.start}).",
            "a CSV saved as UTF-8 (in Excel: Save As > CSV UTF-8), or an .xlsx workbook.",
        ) from None


class _Lines:
    """The physical lines of a CSV file for :mod:`csv`, counting the non-blank ones as they pass.

    Rule ``INGEST_LINES`` compares this count with the parser's records: the file's own lines
    are counted independently of how the parser joins them.
    """

    def __init__(self, data: bytes) -> None:
        # newline="": line breaks (\\r\\n, \\r, \\n) reach the csv module untranslated, as it asks.
        self._lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        self.non_blank = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if line.strip(' \t,"\r\n'):
            self.non_blank += 1
        return line


class _TableBuilder:
    """One raw table built record by record: only the table's columns, each text stored once.

    A return of millions of rows repeats the same few thousand dates, codes and ids; keeping one
    string object per distinct text (rather than one per cell) and no list of rows is what keeps
    a large return's text tables small (``benchmarks/bench_validate_memory.py``).
    """

    def __init__(self, where: str, header: list[str], source_file: str) -> None:
        self.table, extra = detect_table(header, where)
        self.spec = schema.TABLES[self.table]
        self.source_file = source_file
        names = [schema.normalise_header(h) for h in header]
        position = {n: i for i, n in enumerate(names) if n in self.spec.columns}
        self.positions = [position[col] for col in self.spec.columns]
        self.width = len(names)
        self.values: list[list[str]] = [[] for _ in self.spec.columns]
        self.numbers = array.array("q")  # 8 bytes a row, not a Python int
        self.ragged: list[int] = []
        self.unexpected = [c for c in extra if c not in schema.IGNORED_EXTRA_COLUMNS]

    def add(self, number: int, cells: list[str]) -> None:
        """Add one non-blank record that starts on spreadsheet row ``number``."""
        count = len(cells)
        if count > self.width and "".join(cells[self.width:]).strip():
            self.ragged.append(number)
        for position, values in zip(self.positions, self.values, strict=True):
            # sys.intern: one string object per distinct text, shared by every table (a child's
            # id, a date, a code), however many rows repeat it.
            values.append(sys.intern(cells[position].strip()) if position < count else "")
        self.numbers.append(number)

    def finish(self) -> tuple[str, pd.DataFrame, list[dict]]:
        """The table's name, its frame (DfE columns as text, ``source_file``, ``source_row``) and notes."""
        notes: list[dict] = []
        table, source_file = self.table, self.source_file
        if self.unexpected:
            notes.append(
                {"file": source_file, "table": table, "rule_id": "INGEST_COLUMNS", "severity": "info",
                 "message": f"column(s) {', '.join(self.unexpected)} are not part of the {table} table and were ignored.", "action": "kept"}
            )
        if self.ragged:
            first = self.ragged[0]
            notes.append(
                {"file": source_file, "table": table, "row": first, "rule_id": "INGEST_CELLS", "severity": "warning",
                 "message": f"{len(self.ragged)} row(s) (first: row {first}) have more cells than the header has columns; the extra cells were ignored.",
                 "action": "fixed"}
            )
        # One block of text, filled column by column as each list is let go (pandas keeps a
        # DataFrame's columns of one dtype as one 2-D block: built here, it is not copied).
        block = np.empty((len(self.spec.columns), len(self.numbers)), dtype=object)
        for i, col in enumerate(self.spec.columns):
            values, column_notes = _tidy_column(self.values[i], set(self.values[i]), self.spec, col, source_file)
            notes.extend(column_notes)
            block[i, :] = values
            self.values[i] = []
        frame = pd.DataFrame(block.T, columns=list(self.spec.columns), dtype=object, copy=False)
        frame["source_file"] = _repeated(source_file, frame.index)
        frame["source_row"] = np.array(self.numbers, dtype="int64")
        return table, frame, notes


def _repeated(text: str, index: pd.Index) -> pd.Series:
    """``text`` in every row, as an object column of one shared string (8 bytes a row; pandas
    would store a copy of the text in every row of a ``str`` column)."""
    column = np.empty(len(index), dtype=object)
    column.fill(text)  # np.full would make a new string for every row
    return pd.Series(column, index=index, dtype=object)


def _csv_table(name: str, data: bytes) -> tuple[_TableBuilder | None, int]:
    """Read a CSV file's table record by record; (builder or ``None`` when blank, blank lines).

    Each record's row number is the line on which it starts, so it matches what a spreadsheet
    shows even when blank lines are skipped. The records are checked against the file's own
    lines (rule ``INGEST_LINES``, :func:`_check_lines`): a stray quote that makes the parser
    swallow lines stops the read.
    """
    _decode(name, data)
    lines = _Lines(data)
    reader = csv.reader(lines)
    builder: _TableBuilder | None = None
    records = 0
    first = last = 0
    spanning: tuple[int, list[str]] | None = None
    start = 1
    failure: InputFileError | None = None
    try:
        for cells in reader:
            number, start = start, reader.line_num + 1
            if not "".join(cells).strip():
                continue
            records += 1
            if spanning is None and start - number > 1:
                spanning = (number, cells)
            last = number
            if records == 1:
                first = number
                try:
                    builder = _TableBuilder(name, cells, name)
                except InputFileError as exc:
                    # Read on: a stray quote is the first thing to report (the header may be its casualty).
                    failure = exc
            elif builder is not None:
                builder.add(number, cells)
    except csv.Error as exc:
        raise InputFileError(name, f"line {reader.line_num + 1} cannot be read as CSV ({exc}).", "a comma-separated text file.") from None
    _check_lines(name, lines.non_blank, records, spanning)
    if failure is not None:
        raise failure
    blank = last - first + 1 - records if records > 1 else 0
    return builder, blank


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _check_lines(name: str, lines: int, records: int, spanning: tuple[int, list[str]] | None) -> None:
    """Rule ``INGEST_LINES``: one record per non-blank line of the file.

    A 903 cell never holds a line break, so the parser's records must match the file's lines
    one for one. When they do not, a quote opened and never closed on the line named has made
    the parser read the following lines as one cell: their rows would vanish without a trace.

    Parameters
    ----------
    name : str
        The file, for the message.
    lines : int
        Non-blank lines of the file (:class:`_Lines`).
    records : int
        Non-blank records the CSV parser found (the header included).
    spanning : tuple of (int, list of str) or None
        The first record that ran over more than one line: its row number and cells.
    """
    if lines == records:
        return
    if spanning is not None:
        number, cells = spanning
        column = next(i for i, c in enumerate(cells) if "\n" in c or "\r" in c) + 1
        # A quote never closed runs to the end of the file, taking its last line break too.
        swallowed = sum(len(_LINE_BREAK.findall(c.rstrip("\r\n"))) for c in cells)
        raise InputFileError(
            name,
            f"line {number} (column {column}) opens a quoted cell that runs on for {swallowed} more line(s), "
            f"to line {number + swallowed}, so the CSV reader finds {records} record(s) in {lines} non-blank "
            "line(s) and the rows on those lines would be lost (rule INGEST_LINES).",
            f'one record per line; remove the stray " on line {number} (a quote may only enclose a whole cell).',
        )
    raise InputFileError(
        name,
        f"the CSV reader finds {records} record(s) in {lines} non-blank line(s) (rule INGEST_LINES).",
        "one record per line.",
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_sheets(name: str, data: bytes) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """(sheet name, rows) for every sheet of a workbook, each row as (spreadsheet row, cells)."""
    import openpyxl  # only needed for workbooks

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken workbook
        raise InputFileError(name, f"cannot be opened as an Excel workbook ({type(exc).__name__}).", "an .xlsx workbook or a CSV file.") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
            sheets.append((sheet.title, rows))
    finally:
        book.close()
    return sheets


def detect_table(header: list[str], where: str) -> tuple[str, list[str]]:
    """Which table a header row belongs to, and the columns it carries that the table does not.

    Parameters
    ----------
    header : list of str
        The header cells as written.
    where : str
        File (and sheet) name for messages.

    Returns
    -------
    table : str
        Package name of the table.
    extra : list of str
        Normalised header cells that are not columns of the table (ignored when read).

    Raises
    ------
    InputFileError
        The header is not a 903 table, repeats a column, or misses columns of the table it most
        resembles (the message names that table and the missing columns).
    """
    names = [schema.normalise_header(h) for h in header]
    named = [n for n in names if n]
    repeated = sorted({n for n in named if named.count(n) > 1})
    present = set(named)
    candidates = [(len(spec.columns), name) for name, spec in schema.TABLES.items() if set(spec.columns) <= present]
    if candidates:
        table = max(candidates)[1]
        wanted = set(schema.TABLES[table].columns)
        if repeated and wanted & set(repeated):
            raise InputFileError(where, f"the header repeats column(s) {', '.join(repeated)}.", "each column name once.")
        return table, [n for n in named if n not in wanted]
    best = max(
        schema.TABLES.values(),
        key=lambda spec: (len(set(spec.columns) & present) / len(spec.columns), len(spec.columns)),
    )
    share = len(set(best.columns) & present) / len(best.columns)
    if share >= NEAR_MISS_SHARE and "CHILD" in present:
        missing = [c for c in best.columns if c not in present]
        raise InputFileError(
            where,
            f"looks like the {best.name} table but the header lacks column(s) {', '.join(missing)}.",
            f"the {best.name} columns {', '.join(best.columns)} (in any order).",
        )
    shown = ", ".join(h.strip() for h in header[:8] if h.strip()) or "(blank)"
    raise InputFileError(
        where,
        f"is not an SSDA903 table (header: {shown}).",
        "a header row with the columns of one SSDA903 table, for example episodes: " + ", ".join(schema.EPISODES.columns) + ".",
    )


def _table_from_rows(
    where: str, rows: list[tuple[int, list[str]]], info: ReturnInfo, source_file: str
) -> tuple[str, pd.DataFrame, list[dict]]:
    """Build one raw table from a header row and data rows (all text; a workbook's sheet)."""
    (_, header), body = rows[0], rows[1:]
    builder = _TableBuilder(where, header, source_file)
    for number, cells in body:
        builder.add(number, cells)
    return builder.finish()


def _tidy_values(frame: pd.DataFrame, spec: schema.TableSpec, source_file: str) -> list[dict]:
    """Upper-case codes and strip Excel's ``.0``, in place; one note per repaired column."""
    notes = []
    for col in frame.columns:
        values = list(frame[col])
        tidied, column_notes = _tidy_column(values, dict.fromkeys(values), spec, col, source_file)
        if column_notes:
            frame[col] = pd.Series(tidied, index=frame.index, dtype=object)
            notes.extend(column_notes)
    return notes


def _tidy_column(values: list[str], distinct: Iterable[str], spec: schema.TableSpec, col: str, source_file: str) -> tuple[list[str], list[dict]]:
    """One column's values with codes upper-cased and Excel's ``.0`` removed; its notes.

    Each distinct value is judged once (``distinct`` holds every value of ``values``); the cells
    are only gone through again when some value changes.
    """
    whole_number = col == "CHILD" or col in spec.coded or col in spec.integers
    upper = col in spec.coded or col in UPPER_CASE_COLUMNS
    floated: set[str] = set()
    cased: set[str] = set()
    changes: dict[str, str] = {}
    for value in distinct:
        tidied = value
        if whole_number and _EXCEL_WHOLE_NUMBER.match(value):
            floated.add(value)
            tidied = value.split(".")[0]
        if upper and tidied.upper() != tidied:
            cased.add(value)
            tidied = tidied.upper()
        if tidied != value:
            changes[value] = tidied
    if not changes:
        return values, []
    notes = []
    if floated:
        count = sum(1 for v in values if v in floated)
        notes.append(_column_note(count, spec.name, col, source_file, "a trailing .0 (Excel number formatting) was removed"))
    if cased:
        count = sum(1 for v in values if v in cased)
        notes.append(_column_note(count, spec.name, col, source_file, "lower-case letters were upper-cased"))
    return [changes.get(v, v) for v in values], notes


def _column_note(count: int, table: str, col: str, source_file: str, what: str) -> dict:
    return {"file": source_file, "table": table, "column": col, "rule_id": "INGEST_TIDY", "severity": "info",
            "message": f"{col}: in {count} value(s) {what}.", "action": "fixed"}


def _read_file(path: Path, root: Path, info: ReturnInfo) -> tuple[list[SourceFile], list[tuple[str, pd.DataFrame]], list[dict]]:
    """Every table in one file."""
    relative = path.relative_to(root).as_posix() if path != root else path.name
    suffix = path.suffix.lower()
    if suffix in UNSUPPORTED_SUFFIXES:
        raise InputFileError(relative, f"{suffix} files are not read.", "CSV (UTF-8) or .xlsx files.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(relative, f"cannot be opened ({exc.strerror}).", "a readable CSV or .xlsx file.") from None
    digest = hashlib.sha256(data).hexdigest()
    if not data.replace(b"\xef\xbb\xbf", b"").strip():
        # Authorities export empty AD1 or placed-for-adoption files; a missing core table is
        # caught per return (INGEST_CORE), so an empty file need not stop the read.
        return [], [], [{"file": relative, "rule_id": "INGEST_EMPTY", "severity": "warning", "action": "kept",
                         "message": f"{relative}: the file is empty (no header row); read as no rows."}]
    if suffix in XML_SUFFIXES:
        from cpanalysis import xml903

        return xml903.read_xml_file(relative, data, digest, info)
    if suffix in CSV_SUFFIXES:
        return _read_csv_file(relative, data, digest, info)
    sheets = _excel_sheets(relative, data)
    files, tables, notes = [], [], []
    for sheet, rows in sheets:
        where = relative if sheet is None else f"{relative} (sheet {sheet})"
        blank = _blank_lines(rows)
        if blank:
            notes.append({"file": relative, "rule_id": "INGEST_BLANK", "severity": "info", "action": "kept",
                          "message": f"{where}: {blank} blank line(s) between rows were skipped (they hold no data)."})
        if not rows:
            if sheet is None:  # only blank cells (",,,"): as empty as a 0-byte file
                return [], [], [{"file": relative, "rule_id": "INGEST_EMPTY", "severity": "warning", "action": "kept",
                                 "message": f"{relative}: the file is empty (no header row); read as no rows."}]
            continue
        try:
            table, frame, table_notes = _table_from_rows(where, rows, info, relative)
        except InputFileError:
            # Workbooks often carry notes or pivot sheets; only a sheet that resembles a 903
            # table is worth stopping for, and a workbook with no table at all is reported below.
            if sheet is None or _resembles_table(rows[0][1]):
                raise
            notes.append({"file": relative, "rule_id": "INGEST_SHEET", "severity": "info",
                          "message": f"sheet {sheet} is not an SSDA903 table and was skipped.", "action": "kept"})
            continue
        if sheet is not None and any(t == table for t, _ in tables):
            # Two sheets of one workbook hold the same table: name the sheet so that
            # (table, source_file, source_row) still identifies each row.
            frame["source_file"] = _repeated(f"{relative}[{sheet}]", frame.index)
        files.append(SourceFile(relative, digest, table, len(frame), info.label, sheet))
        tables.append((table, frame))
        notes.extend(table_notes)
    if not tables:
        raise InputFileError(relative, "no sheet of the workbook is an SSDA903 table.", "a sheet whose first row names the columns of one SSDA903 table.")
    return files, tables, notes


def _read_csv_file(relative: str, data: bytes, digest: str, info: ReturnInfo) -> tuple[list[SourceFile], list[tuple[str, pd.DataFrame]], list[dict]]:
    """The one table of a CSV file (read record by record, :func:`_csv_table`)."""
    builder, blank = _csv_table(relative, data)
    if builder is None:  # only blank cells (",,,"): as empty as a 0-byte file
        return [], [], [{"file": relative, "rule_id": "INGEST_EMPTY", "severity": "warning", "action": "kept",
                         "message": f"{relative}: the file is empty (no header row); read as no rows."}]
    notes = []
    if blank:
        notes.append({"file": relative, "rule_id": "INGEST_BLANK", "severity": "info", "action": "kept",
                      "message": f"{relative}: {blank} blank line(s) between rows were skipped (they hold no data)."})
    table, frame, table_notes = builder.finish()
    notes.extend(table_notes)
    return [SourceFile(relative, digest, table, len(frame), info.label, None)], [(table, frame)], notes


def _blank_lines(rows: list[tuple[int, list[str]]]) -> int:
    """Blank lines between the first and the last non-blank row."""
    if len(rows) < 2:
        return 0
    # Every record is one line (CSV: rule INGEST_LINES; a workbook row is one row), so the
    # gaps between row numbers are the blank lines.
    return rows[-1][0] - rows[0][0] + 1 - len(rows)


def _resembles_table(header: list[str]) -> bool:
    present = {schema.normalise_header(h) for h in header}
    return "CHILD" in present and any(
        len(set(spec.columns) & present) / len(spec.columns) >= NEAR_MISS_SHARE for spec in schema.TABLES.values()
    )


def _infer_year(label: str, tables: list[tuple[str, pd.DataFrame]]) -> ReturnInfo:
    """Collection year of a return whose folder name carries none: from its latest date."""
    latest = None
    for preferred in (True, False):
        for table, frame in tables:
            if preferred != (table == "episodes"):
                continue
            columns = ("DECOM", "DEC") if preferred else [c for c in schema.TABLES[table].dates if c not in ("DOB", "MC_DOB")]
            for col in columns:
                parsed, _ = parse_dates(frame[col])
                if parsed.notna().any():
                    value = parsed.max()
                    latest = value if latest is None else max(latest, value)
        if latest is not None:
            break
    if latest is None:
        raise InputFileError(
            label,
            "the folder name does not give the collection year and the files hold no dates to infer it from.",
            "a return folder named like 2024-25 (year ending 31 March 2025) or 2025-26_Q2.",
        )
    year = year_ending_31_march(latest)
    return ReturnInfo(label, year, False, dt.date(year, 3, 31), "episode dates")


def empty_table(name: str) -> pd.DataFrame:
    """A raw table with no rows but every column, typed as :func:`read_returns` types them."""
    return _empty_template(name).copy()


@functools.cache
def _empty_template(name: str) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in schema.TABLES[name].columns})
    return _add_metadata(frame, None)


def _add_metadata(frame: pd.DataFrame, info: ReturnInfo | None) -> pd.DataFrame:
    if "source_file" not in frame:
        frame["source_file"] = pd.Series(dtype=object)
        frame["source_row"] = pd.Series(dtype="int64")
    frame["return_label"] = _repeated(info.label, frame.index) if info else pd.Series(dtype=object)
    frame["collection_year"] = np.int64(info.collection_year) if info else pd.Series(dtype="int64")
    frame["is_in_year"] = info.is_in_year if info else pd.Series(dtype=bool)
    frame["as_at"] = pd.Timestamp(info.as_at) if info else pd.Series(dtype="datetime64[ns]")
    frame["collection_year"] = frame["collection_year"].astype("int64")
    frame["is_in_year"] = frame["is_in_year"].astype(bool)
    frame["as_at"] = frame["as_at"].astype("datetime64[ns]")
    frame["source_row"] = frame["source_row"].astype("int64")
    return frame


def _unread_notes(entries: list[Path], root: Path) -> list[dict]:
    """Rule ``INGEST_UNREAD``: one warning per file or folder of the returns that is not read."""
    notes = []
    for entry in entries:
        relative = entry.relative_to(root).as_posix() if entry != root else entry.name
        # A lock file may hide a table (Excel's ~$episodes.csv): a warning; a README or a
        # folder of old files is worth a line in the notes only.
        severity = "info"
        if return_files.is_lock_file(entry):
            what, severity = "an office lock file (left by a file open in Excel, or by a crash); not read", "warning"
        elif entry.is_dir():
            what = "a folder that holds no return files; not read"
        else:
            what = "not a CSV, Excel (.xlsx) or XML file; not read"
        notes.append({"file": relative, "rule_id": "INGEST_UNREAD", "severity": severity, "action": "kept",
                      "message": f"{relative}: {what}."})
    return notes


def _check_core_tables(label: str, tables: dict[str, pd.DataFrame], notes: list[dict], require: tuple[str, ...]) -> None:
    """Rule ``INGEST_CORE``: the return holds every table in ``require``."""
    missing = [name for name in require if name not in tables]
    if not missing:
        return
    hints = [n["message"].split(":")[0] + (" is empty" if n["rule_id"] == "INGEST_EMPTY" else " is an office lock file, not read")
             for n in notes if n["rule_id"] == "INGEST_EMPTY" or (n["rule_id"] == "INGEST_UNREAD" and "lock file" in n["message"])]
    names = " and ".join(missing)
    raise InputFileError(
        label,
        f"the return has no {names} table{'s' if len(missing) > 1 else ''}: no file's header row names "
        f"{'their' if len(missing) > 1 else 'its'} columns{''.join('; ' + h for h in hints)} (rule INGEST_CORE).",
        f"the {' and '.join(require)} tables in every return (a table with no rows still needs its header row).",
    )


def read_return(
    folder: Path,
    root: Path | None = None,
    progress: Progress | None = None,
    require: tuple[str, ...] = CORE_TABLES,
) -> tuple[ReturnInfo, list[SourceFile], dict[str, pd.DataFrame], list[dict]]:
    """Read the files of one return folder.

    Parameters
    ----------
    folder : pathlib.Path
        The folder holding the return's files.
    root : pathlib.Path, optional
        Folder that file paths are reported relative to (default: ``folder``'s parent).
    progress : callable, optional
        Called with each :class:`SourceFile` as soon as it has been read.
    require : tuple of str, default :data:`CORE_TABLES`
        Tables the return must hold (rule ``INGEST_CORE``); ``()`` reads a partial return.

    Returns
    -------
    info, files, tables, notes
        The return, the files read, its tables (only those present) and ingest notes.
    """
    root = root or folder.parent
    label = folder.name
    parsed_label = parse_return_label(label)
    provisional = parsed_label or ReturnInfo(label, 0, False, dt.date(1900, 3, 31))
    files: list[SourceFile] = []
    pieces: list[tuple[str, pd.DataFrame]] = []
    notes: list[dict] = _unread_notes(return_files.unread_entries(folder), root)
    for path in sorted(p for p in folder.iterdir() if _is_data_file(p)):
        file_list, tables, file_notes = _read_file(path, root, provisional)
        for item in file_list:
            if progress:
                progress(item)
        files.extend(file_list)
        pieces.extend(tables)
        notes.extend(file_notes)
    info = parsed_label or _infer_year(label, pieces)
    if not parsed_label:
        files = [SourceFile(f.path, f.sha256, f.table, f.rows_read, info.label, f.sheet) for f in files]
        notes.append({"file": label, "rule_id": "INGEST_YEAR", "severity": "info", "action": "kept",
                      "message": f"the folder name {label!r} gives no collection year; {info.collection_year - 1}-{info.collection_year % 100:02d} "
                                 "(year ending 31 March) was inferred from the latest episode date."})
    seen: dict[str, list[str]] = {}
    for f in files:
        seen.setdefault(f.table, []).append(f.path)
    for table, paths in seen.items():
        if len(paths) > 1:
            notes.append({"file": paths[1], "table": table, "rule_id": "INGEST_SPLIT", "severity": "warning", "action": "kept",
                          "message": f"the {table} table is in {len(paths)} files of return {label} ({', '.join(paths)}); their rows were combined."})
    by_table: dict[str, list[pd.DataFrame]] = {}
    for table, frame in pieces:
        by_table.setdefault(table, []).append(frame)
    pieces.clear()
    tables = {table: _stack(frames, table) for table, frames in by_table.items()}
    _check_core_tables(folder.relative_to(root).as_posix() if folder != root else label, tables, notes, require)
    tables = {name: _add_metadata(frame, info) for name, frame in tables.items()}
    return info, files, tables, notes


def _stack(frames: list[pd.DataFrame], name: str) -> pd.DataFrame:
    """One table from its pieces (emptying ``frames``): a single piece is used as it is, and
    pieces are let go as soon as they are joined, so a large return is never held twice."""
    if not frames:
        return empty_table(name)
    if len(frames) == 1:
        return frames.pop()
    joined = pd.concat(frames, ignore_index=True)
    frames.clear()
    return joined


def read_returns(path: str | Path, progress: Progress | None = None, require: tuple[str, ...] = CORE_TABLES) -> RawReturns:
    """Read a folder holding one SSDA903 return, or one sub-folder per return.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder (see the module docstring for the layouts, labels and how the collection year
        is found); the folder ``cpanalysis demo`` writes is read through its ``903`` sub-folder.
    progress : callable, optional
        Called with each :class:`SourceFile` as it is read (the command line prints a line).
    require : tuple of str, default :data:`CORE_TABLES`
        Tables every return must hold (rule ``INGEST_CORE``: ``header`` and ``episodes``). Pass
        ``()`` to read partial returns (a test fixture, a single table being checked).

    Returns
    -------
    RawReturns
        Text tables with metadata columns, the files read (with SHA-256) and ingest notes.

    Raises
    ------
    NoReturnsError
        The folder is missing or holds no data files.
    InputFileError
        A file cannot be read as an SSDA903 table, or a return lacks a required table; the
        message names the file (or return) and what was expected. Reading stops at the first.
    """
    given = Path(path)
    root = return_files.returns_root(given)
    folders = return_files.find_return_folders(root)
    infos, files = [], []
    # Beside return folders a README or an old copy is normal; only a lock file (a return's
    # table saved under Excel's ~$ name) is worth a warning there.
    loose = [p for p in return_files.unread_entries(root) if return_files.is_lock_file(p)] if folders != [root] else []
    notes = _unread_notes(loose, root)
    stacked: dict[str, list[pd.DataFrame]] = {name: [] for name in schema.TABLES}
    for folder in folders:
        info, file_list, tables, file_notes = read_return(folder, root, progress, require)
        infos.append(info)
        files.extend(file_list)
        notes.extend(file_notes)
        for name, frame in tables.items():
            stacked[name].append(frame)
    labels = [i.label for i in infos]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise NoReturnsError(f"{root}: two return folders have the label {repeated[0]}. Expected one folder per return.")
    infos.sort(key=lambda i: (i.collection_year, i.is_in_year, i.as_at))
    tables = {name: _stack(stacked[name], name) for name in schema.TABLES}
    return RawReturns(root=given, tables=tables, files=files, returns=infos, issues=issue_frame(notes))
