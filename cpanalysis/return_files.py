"""Which files of a folder make up an authority's SSDA903 returns.

An analyst may point any command at

* the files of **one return** (``data/raw/903/2024-25/``),
* a folder holding **one sub-folder per return** (``data/raw/903/``), or
* the folder ``cpanalysis demo`` writes (``903/<return>/``, ``local/``, ``population.csv``): its
  ``903`` sub-folder holds the returns, the rest are the local measures and the population that
  other steps read beside it.

A return's files may have any name. CSV, Excel (``.xlsx``/``.xlsm``) and DfE XML (``.xml``) files
are read; ``.xls`` and ``.ods`` are spreadsheets the package cannot read and stop the read with a
message (silently skipping them would lose a table). Everything else in a return folder (an Excel
lock file ``~$episodes.csv``, a ``.txt`` note, a sub-folder) is not read but *listed* by
:func:`unread_entries`, so that a table that vanished behind a lock-file name or a wrong suffix is
named in the ingest notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from cpanalysis.errors import NoReturnsError

#: File suffixes read as data files, by reader.
CSV_SUFFIXES = frozenset({".csv"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
XML_SUFFIXES = frozenset({".xml"})
#: Spreadsheets we cannot read: a clear message beats silently ignoring them.
UNSUPPORTED_SUFFIXES = frozenset({".xls", ".ods"})
#: Every suffix that makes a file part of a return.
RETURN_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | XML_SUFFIXES | UNSUPPORTED_SUFFIXES

#: Excel and LibreOffice write a lock file named ``~$<name>`` (``.~lock.<name>#``) beside an
#: open workbook or CSV; it is never data.
LOCK_PREFIXES = ("~$", ".~lock.")

#: The sub-folder of ``cpanalysis demo``'s output that holds the returns.
DEMO_RETURNS_FOLDER = "903"


def is_lock_file(path: Path) -> bool:
    """Whether ``path`` is an office lock file (``~$episodes.csv``, ``.~lock.header.csv#``)."""
    return path.name.startswith(LOCK_PREFIXES)


def is_data_file(path: Path) -> bool:
    """Whether ``path`` is a file read as part of a return (by suffix; lock and hidden files are not)."""
    if not path.is_file() or path.name.startswith(".") or is_lock_file(path):
        return False
    return path.suffix.lower() in RETURN_SUFFIXES


def unread_entries(folder: Path) -> list[Path]:
    """Entries of a return folder that are not read: lock files, other files, sub-folders.

    Hidden system files (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``) are left out: they
    never hold a table and listing them would only be noise.
    """
    noise = {".ds_store", "thumbs.db", "desktop.ini"}
    return sorted(
        p for p in folder.iterdir()
        if not is_data_file(p) and p.name.lower() not in noise and (is_lock_file(p) or not p.name.startswith("."))
    )


def _holds_data(folder: Path) -> bool:
    return any(is_data_file(f) for f in folder.iterdir())


def returns_root(path: Path) -> Path:
    """The folder whose files or sub-folders are the returns.

    ``path`` itself, except for the layout ``cpanalysis demo`` writes: a folder whose ``903``
    sub-folder holds one sub-folder per return gives that ``903`` folder (so file paths read the
    same, ``2024-25/episodes.csv``, whichever of the two folders is named).
    """
    inner = path / DEMO_RETURNS_FOLDER
    if path.name != DEMO_RETURNS_FOLDER and inner.is_dir() and not _holds_data(inner) and any(
        p.is_dir() and _holds_data(p) for p in inner.iterdir()
    ):
        return inner
    return path


def find_return_folders(path: Path) -> list[Path]:
    """The return folders under ``path`` (``path`` itself when it holds the files directly).

    Parameters
    ----------
    path : pathlib.Path
        A folder as :func:`returns_root` gives it.

    Raises
    ------
    NoReturnsError
        ``path`` is not a folder, holds no data files, or mixes data files with return sub-folders.
    """
    if not path.exists():
        raise NoReturnsError(f"{path}: folder not found. Expected a folder of SSDA903 returns.")
    if not path.is_dir():
        raise NoReturnsError(f"{path}: is a file, not a folder. Expected a folder of SSDA903 returns.")
    direct = sorted(p for p in path.iterdir() if is_data_file(p))
    subfolders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".") and _holds_data(p))
    if direct and subfolders:
        raise NoReturnsError(
            f"{path}: holds both data files ({direct[0].name}, ...) and return folders "
            f"({subfolders[0].name}, ...). Expected either the files of one return, or one folder "
            "per return (named like 2024-25 or 2025-26_Q2)."
        )
    if direct:
        return [path]
    if subfolders:
        return subfolders
    raise NoReturnsError(
        f"{path}: no CSV, Excel or XML files found. Expected the SSDA903 files of one return, or one "
        "folder per return (named like 2024-25 or 2025-26_Q2)."
    )


# ---------------------------------------------------------------------------------------------
# Writing a return in another format (cpanalysis demo --format)
# ---------------------------------------------------------------------------------------------
#: Formats a return can be written in.
FORMATS = ("csv", "xlsx", "xml")


def convert_return_folder(folder: Path, fmt: str) -> list[Path]:
    """Rewrite a folder of DfE CSVs (one per table, as ``cpanalysis demo`` writes) in ``fmt``.

    ``xlsx`` writes one workbook ``ssda903_<return>.xlsx`` with one sheet per table; ``xml``
    writes DfE's XML ``ssda903_<return>.xml`` (:mod:`cpanalysis.xml903`). Every cell is written as
    the text the CSV held, so each form reads back to the same tables. The CSVs are removed.

    Parameters
    ----------
    folder : pathlib.Path
        A return folder holding one CSV per table.
    fmt : {"csv", "xlsx", "xml"}
        The form to write; ``csv`` leaves the folder as it is.

    Returns
    -------
    list of pathlib.Path
        The files the return now consists of.
    """
    import csv

    from cpanalysis import schema

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}")
    csvs = sorted(p for p in folder.iterdir() if p.suffix.lower() in CSV_SUFFIXES)
    stem = f"ssda903_{folder.name}"
    for other in FORMATS:  # a previous demo in another form must not add a second copy
        if other != "csv":
            (folder / f"{stem}.{other}").unlink(missing_ok=True)
    if fmt == "csv":
        return csvs
    tables: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    for path in csvs:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = list(reader.fieldnames or [])
        table = next(n for n, spec in schema.TABLES.items() if set(spec.columns) == set(columns))
        tables[table] = (columns, rows)
    if fmt == "xml":
        from cpanalysis import xml903

        out = xml903.write_xml_return({t: rows for t, (_, rows) in tables.items()}, folder / f"{stem}.xml")
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        for table, (columns, rows) in tables.items():
            sheet = book.create_sheet(table)
            sheet.append(columns)
            for row in rows:
                sheet.append([row[c] for c in columns])
        out = folder / f"{stem}.xlsx"
        book.save(out)
    for path in csvs:
        path.unlink()
    return [out]


# ----------------------------------------------------------------------------- file hashes
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
