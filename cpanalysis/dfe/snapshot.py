"""The built-in snapshot of DfE's published statistics, shipped with the package.

A fresh clone has no national files, yet comparing an authority with England, its region and its
statistical neighbours is half of what the reports are for. DfE publishes these statistics under
the Open Government Licence, and the figures the package maps are small once tidied, so the
package ships them: ``cpanalysis/data/dfe_snapshot/`` holds

* ``national.parquet``: every figure :func:`cpanalysis.dfe.load_dfe` maps (every authority, region
  and England, every year available), in the tidy indicator layout plus ``dfe_file`` (which
  published file each value came from);
* ``areas.parquet``: the authorities' old and new codes, names, regions and London sub-regions
  (:func:`cpanalysis.dfe.areas.la_codes`);
* ``neighbours.parquet``: DfE's statistical-neighbour groups, 2021 and 2025 models (old codes);
* ``manifest.json``: when it was made, by which package version, from which files (name, size,
  SHA-256), the latest year it holds, and row counts;
* ``ATTRIBUTION.md``: the Open Government Licence attribution and the source list.

It is derived, never the raw files. ``cpanalysis dfe snapshot DIR`` rebuilds it from a folder of
downloaded files (:func:`build_snapshot`). A folder holding a snapshot is read by the same loaders
as a folder of raw files (:func:`is_snapshot` is how they tell), so everything that takes a
``folder`` of national files also takes the snapshot folder.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cpanalysis.dfe.download import sha256_of
from cpanalysis.errors import DfeDataError

#: Where the shipped snapshot lives (package data).
SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "data" / "dfe_snapshot"
#: The ``kind`` written in a snapshot's ``manifest.json`` (a download folder's manifest has none).
KIND = "cpanalysis DfE snapshot"
MANIFEST = "manifest.json"
NATIONAL = "national.parquet"
AREAS = "areas.parquet"
NEIGHBOURS = "neighbours.parquet"
ATTRIBUTION = "ATTRIBUTION.md"
#: Text columns stored dictionary-encoded (categorical): the file is read in a few hundredths of
#: a second instead of a third of a second, and is a tenth smaller.
_TEXT = ("indicator_id", "period_type", "geography", "breakdown", "breakdown_value", "unit", "polarity",
         "source", "suppressed", "dfe_file")


def is_snapshot(folder: str | Path) -> bool:
    """Whether ``folder`` holds a snapshot (a ``manifest.json`` of :data:`KIND` beside its tables)."""
    path = Path(folder) / MANIFEST
    if not path.is_file() or not (Path(folder) / NATIONAL).is_file():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("kind") == KIND
    except (OSError, ValueError, AttributeError):
        return False


def read_manifest(folder: str | Path = SNAPSHOT_DIR) -> dict:
    """The snapshot's ``manifest.json``.

    Raises
    ------
    DfeDataError
        If ``folder`` holds no snapshot.
    """
    if not is_snapshot(folder):
        raise DfeDataError(f"{folder}: no DfE snapshot here (no {MANIFEST} of kind {KIND!r} beside {NATIONAL}).")
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def _read(folder: str | Path, name: str) -> pd.DataFrame:
    path = Path(folder) / name
    if not path.is_file():
        raise DfeDataError(f"{path}: the DfE snapshot has no {name}; rebuild it with `cpanalysis dfe snapshot DIR`.")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read()  # no pyarrow.dataset: a tenth of a second less on first use
    # Decoding the dictionaries in Arrow gives pandas' ordinary text columns, as load_dfe makes
    # them, five times faster than converting categoricals in pandas.
    columns = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names).to_pandas()


def read_national(folder: str | Path = SNAPSHOT_DIR, provenance: bool = False) -> pd.DataFrame:
    """The snapshot's published figures as the tidy indicator table (``source="dfe"``).

    Parameters
    ----------
    folder : path; default the shipped snapshot
    provenance : bool; default False
        Keep the ``dfe_file`` column (the published file each value came from).

    Returns
    -------
    DataFrame
        As :func:`cpanalysis.dfe.load_dfe` returns it; ``attrs["notes"]`` says it is the snapshot
        and when it was made.
    """
    from cpanalysis.indicators import TIDY_COLUMNS

    manifest = read_manifest(folder)
    out = _read(folder, NATIONAL)
    out["suppressed"] = out["suppressed"].fillna("")
    if not provenance:
        out = out[list(TIDY_COLUMNS)]
    out.attrs["notes"] = [f"read: the DfE snapshot in {folder} (made {manifest['created'][:10]}, latest year "
                          f"{manifest['latest_year']}, {len(out)} values)"]
    out.attrs["files"] = [s["path"] for s in manifest["sources"]]
    return out


def read_areas(folder: str | Path = SNAPSHOT_DIR) -> pd.DataFrame:
    """The snapshot's authority codes (:func:`cpanalysis.dfe.areas.la_codes` columns + ``london_subregion``)."""
    return _read(folder, AREAS).fillna("")


def read_neighbours(folder: str | Path = SNAPSHOT_DIR, model: str = "2025") -> pd.DataFrame:
    """The snapshot's statistical neighbours under one model, old codes.

    Returns
    -------
    DataFrame
        ``old_la_code, rank, neighbour_old_la_code, closeness`` (as read from DfE's file).

    Raises
    ------
    DfeDataError
        If the snapshot has no group for this model.
    """
    table = _read(folder, NEIGHBOURS)
    mine = table[table["model"] == model].drop(columns="model").reset_index(drop=True)
    if mine.empty:
        raise DfeDataError(f"{folder}: the DfE snapshot has no statistical neighbours for the {model} model.")
    mine["rank"] = mine["rank"].astype(int)
    return mine


def latest_year(table: pd.DataFrame) -> int | None:
    """Latest year (of ``period_end``) in a tidy table of DfE figures, None when empty."""
    if table.empty:
        return None
    return int(pd.to_datetime(table["period_end"]).max().year)


def _compact(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in _TEXT:
        if column in out:
            out[column] = out[column].astype("category")
    return out


ATTRIBUTION_TEXT = """# Attribution

The files in this folder are **derived** from statistics published by the Department for Education
(DfE): "Children looked after in England including adoptions" (Explore Education Statistics), the
Local Authority Interactive Tool (LAIT) data store, "Outcomes for children in need, including
children looked after by local authorities" (key stage 2 and 4 attainment), and DfE's children's
services statistical neighbour groups.

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).

The figures were reshaped into the package's tidy indicator layout by `cpanalysis dfe snapshot`;
authorities' percentages and rates were recomputed from their published unrounded counts, England's
and regions' are as published. No figure was otherwise altered. DfE does not endorse this package.

Made {created} by cpanalysis {version}, latest year {latest_year}, from these published files
(SHA-256 in `manifest.json`):

{sources}
"""


def build_snapshot(source: str | Path, out: str | Path = SNAPSHOT_DIR) -> dict:
    """Rebuild the snapshot from a folder of downloaded national files.

    Parameters
    ----------
    source : path
        Folder of DfE's files as ``cpanalysis dfe download`` writes them (or ``../shared/dfe``),
        searched recursively.
    out : path; default the package's ``data/dfe_snapshot``
        Folder to write; existing snapshot files in it are replaced.

    Returns
    -------
    dict
        The manifest written.

    Raises
    ------
    DfeDataError
        If ``source`` is missing, is itself a snapshot, or holds none of the files the package
        maps, or no statistical-neighbour file.
    """
    from cpanalysis import __version__
    from cpanalysis.dfe import areas, neighbours
    from cpanalysis.dfe.load import load_dfe

    root = Path(source).resolve()
    if not root.is_dir():
        raise DfeDataError(f"{root}: folder of national DfE files not found.")
    if is_snapshot(root):
        raise DfeDataError(f"{root}: this is a snapshot already; give the folder of downloaded DfE files.")
    national = load_dfe(root, provenance=True)
    if national.empty:
        raise DfeDataError(f"{root}: none of the DfE files the package maps is here (see `cpanalysis dfe list`).")
    # The loaders cache by folder name; a rebuild must read the files as they are now.
    codes = areas._la_codes_cached.__wrapped__(str(root)).copy()
    subregions = areas._london_subregions.__wrapped__(str(root))
    codes["london_subregion"] = [subregions.get(code, "") for code in codes["old_la_code"]]
    groups, used = [], []
    for model in neighbours.MODEL_FILES:
        try:
            table, path = neighbours._table.__wrapped__(str(root), model)
        except DfeDataError:
            continue
        groups.append(table.assign(model=model))
        used.append(Path(path))
    if not groups:
        raise DfeDataError(f"{root}: no statistical-neighbour file (looked for "
                           f"{', '.join(n for names in neighbours.MODEL_FILES.values() for n in names)}).")
    files = sorted({root / name for name in national.attrs["files"]} | set(used)
                   | set(root.rglob("la_code_list.xlsx")))
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    _compact(national).to_parquet(target / NATIONAL, index=False, compression="zstd")
    codes.to_parquet(target / AREAS, index=False, compression="zstd")
    pd.concat(groups, ignore_index=True).to_parquet(target / NEIGHBOURS, index=False, compression="zstd")
    sources = [{"path": str(p.relative_to(root)), "bytes": p.stat().st_size, "sha256": sha256_of(p)}
               for p in sorted(set(files))]
    manifest = {
        "kind": KIND,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "latest_year": latest_year(national),
        "first_year": int(pd.to_datetime(national["period_end"]).min().year),
        "rows": {NATIONAL: len(national), AREAS: len(codes), NEIGHBOURS: sum(len(g) for g in groups)},
        "indicators": int(national["indicator_id"].nunique()),
        "neighbour_models": [g["model"].iloc[0] for g in groups],
        "licence": "Open Government Licence v3.0",
        "sources": sources,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    listing = "\n".join(f"- `{s['path']}` ({s['bytes']:,} bytes)" for s in sources)
    (target / ATTRIBUTION).write_text(ATTRIBUTION_TEXT.format(
        created=manifest["created"][:10], version=__version__, latest_year=manifest["latest_year"],
        sources=listing), encoding="utf-8")
    return manifest


def source_line(folder: str | Path | None, table: pd.DataFrame | None = None) -> str:
    """One sentence naming where a page's national figures come from (every page states it).

    Parameters
    ----------
    folder : path or None
        The folder the figures were read from (a snapshot or downloaded files); None when there
        are none.
    table : DataFrame or None; default None
        The figures read, for the latest year of downloaded files.

    Examples
    --------
    ``"National figures: DfE published statistics (Open Government Licence), the package's built-in
    snapshot made 2026-12-05, years to 2025."``
    """
    if folder is None:
        return "National figures: none on this machine (see the notice where they would be)."
    lead = "National figures: DfE published statistics (Open Government Licence v3.0)"
    if is_snapshot(folder):
        manifest = read_manifest(folder)
        where = ("the package's built-in snapshot" if Path(folder).resolve() == SNAPSHOT_DIR
                 else f"the snapshot in {folder}")
        return f"{lead}, {where} made {manifest['created'][:10]}, years to {manifest['latest_year']}."
    year = latest_year(table) if table is not None else None
    years = f", years to {year}" if year is not None else ""
    return f"{lead}, downloaded files in {folder}{years}."
