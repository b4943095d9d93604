"""Load every national file found in a folder into one tidy table (``source="dfe"``).

Which figure wins where sources overlap (one value per indicator, year, area and breakdown, so
that comparison is a join):

1. EES files (numbers, denominators, full precision), the newest release first: each release
   revises the whole series (``docs/dfe_statistics.md`` §3), so the 2021-2025 file's
   2024 figure replaces the 2020-2024 file's, and the older file only adds 2020;
2. LAIT stores, the newest first (the April 2025 store only adds 2015).

The notes of what was read, what was missing and what was not mapped are in
``frame.attrs["notes"]`` (and ``frame.attrs["files"]``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpanalysis.dfe import attainment, ees, lait, snapshot, tidy
from cpanalysis.dfe.folders import resolve_folder
from cpanalysis.indicators import TIDY_COLUMNS

#: Columns identifying one published value.
KEY = ("indicator_id", "period_end", "geography", "breakdown", "breakdown_value")


def _files_named(root: Path, name: str) -> list[Path]:
    lower = name.lower()
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower() == lower)


def load_dfe(
    folder: str | Path | None = None,
    recompute_la: bool = True,
    include_lait: bool = True,
    include_attainment: bool = True,
    provenance: bool = False,
) -> pd.DataFrame:
    """Every DfE figure the package can map, from all recognised files under ``folder``.

    Parameters
    ----------
    folder : path or None; default None
        Folder searched recursively (e.g. ``data/raw/dfe`` or ``../shared/dfe``), or a snapshot
        folder (:mod:`cpanalysis.dfe.snapshot`, read as it was built); None finds one
        (:func:`cpanalysis.dfe.folders.find_dfe_folder`).
    recompute_la : bool; default True
        Recompute authorities' percentages and rates from their unrounded counts (England's and
        regions' stay as published: their counts are rounded to the nearest 10). A snapshot is
        always built with True.
    include_lait : bool; default True
        Add the LAIT headline series (2015-2025) where EES has no figure.
    include_attainment : bool; default True
        Add key stage 2 and 4 attainment of the 12-month cohort (``ks2_la.csv``, ``ks4_la.csv``).
    provenance : bool; default False
        Add a ``dfe_file`` column naming the file (relative to ``folder``) each row came from.

    Returns
    -------
    DataFrame
        The tidy indicator table (``TIDY_COLUMNS``, ``source="dfe"``), one row per indicator,
        period end, area and breakdown; suppressed and unavailable values are NaN with the DfE
        symbol in ``suppressed``. ``attrs["notes"]`` lists files read and absent.

    Raises
    ------
    DfeDataError
        If the folder does not exist (or none is found), or a file cannot be read.
    """
    root = resolve_folder(folder)
    if snapshot.is_snapshot(root):
        # Built by this function from the published files (cpanalysis.dfe.snapshot); the options
        # that drop sources filter its rows by the file they came from.
        out = snapshot.read_national(root, provenance=True)
        notes, files = out.attrs["notes"], out.attrs["files"]
        if not include_lait:
            out = out[~out["dfe_file"].str.endswith("bds_long_0.parquet")]
        if not include_attainment:
            out = out[~out["dfe_file"].str.lower().str.endswith(attainment.FILES)]
        if not provenance:
            out = out[list(TIDY_COLUMNS)]
        out = out.reset_index(drop=True)
        out.attrs.update(notes=notes, files=files)
        return out
    notes: list[str] = []
    loaded: list[tuple[int, int, str, pd.DataFrame]] = []  # (source rank, -vintage, file, rows)
    for spec in ees.FILES:
        paths = _files_named(root, spec.filename)
        if not paths:
            notes.append(f"absent: {spec.filename} ({spec.description}); its indicators come from LAIT or are missing")
        for path in paths:
            loaded.append((0, -ees.vintage(path), str(path.relative_to(root)), ees.load_file(path, spec, recompute_la)))
    for name in ees.UNMAPPED_FILES:
        for path in _files_named(root, name):
            notes.append(f"not mapped (no catalogue indicator yet): {path.relative_to(root)}")
    if include_attainment:
        for name in attainment.FILES:
            paths = _files_named(root, name)
            if not paths:
                notes.append(f"absent: {name} (key stage attainment of children looked after)")
            for path in paths:
                loaded.append((0, -attainment.vintage(path), str(path.relative_to(root)),
                               attainment.load_file(path, recompute_la)))
    if include_lait:
        stores = _files_named(root, "bds_long_0.parquet")
        if not stores:
            notes.append("absent: LAIT bds_long_0.parquet (the 2015-2020 headline series)")
        for path in stores:
            rows, lait_notes = lait.load_store(path, root, recompute_la)
            notes += lait_notes
            loaded.append((1, -lait.vintage(path), str(path.relative_to(root)), rows))
    loaded.sort(key=lambda item: (item[0], item[1], item[2]))
    frames = [rows.assign(dfe_file=name) for _, _, name, rows in loaded if not rows.empty]
    for _, vint, name, rows in loaded:
        notes.append(f"read: {name} (latest year {-vint}, {len(rows)} values)")
    if not frames:
        out = tidy.empty()
        out["dfe_file"] = pd.Series(dtype=object)
    else:
        out = pd.concat(frames, ignore_index=True)
        out = out.drop_duplicates(list(KEY), keep="first")
        out = out.sort_values(["indicator_id", "breakdown", "breakdown_value", "geography", "period_end"])
        out = out.reset_index(drop=True)
    if not provenance:
        out = out[list(TIDY_COLUMNS)]
    out.attrs["notes"] = notes
    out.attrs["files"] = [name for _, _, name, _ in loaded]
    return out
