"""Write small, hand-made SSDA903 returns for tests (DfE CSV layout, ``dd/mm/yyyy`` dates).

Usable from any test module::

    from tests.helpers_903 import write_return, child_rows

    folder = write_return(tmp_path, "2024-25", {
        "header": [{"CHILD": "1", "SEX": "M", "DOB": "01/06/2010", "ETHNIC": "WBRI", "UPN": "UN1"}],
        "episodes": [{"CHILD": "1", "DECOM": date(2024, 5, 1), "RNE": "S", "LS": "C2", "CIN": "N1",
                      "PLACE": "U4", "PLACE_PROVIDER": "PR1"}],
    })
    raw = read_returns(tmp_path)

Columns left out of a row dict are written blank; ``datetime.date`` values are written
``dd/mm/yyyy``; anything else is written as ``str(value)``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from cpanalysis import schema


def cell(value: object) -> str:
    """Text of one CSV cell as a DfE extract writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_table(path: Path, table: str, rows: list[dict], *, columns: list[str] | None = None, encoding: str = "utf-8") -> Path:
    """Write one table as a CSV file (DfE column order unless ``columns`` is given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(columns or schema.TABLES[table].columns)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
    return path


def write_return(folder: Path, label: str, tables: dict[str, list[dict]], *, encoding: str = "utf-8") -> Path:
    """Write a return folder ``folder/label`` with one ``<table>.csv`` per table given.

    Returns
    -------
    pathlib.Path
        The return folder (``folder / label``).
    """
    target = Path(folder) / label
    target.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        write_table(target / f"{table}.csv", table, rows, encoding=encoding)
    return target


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write a workbook whose sheets hold the given rows (first row = header); values kept typed."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
