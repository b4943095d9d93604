"""Build the processed tables: read -> clean -> validate -> quarantine -> stitch -> derive -> write.

:func:`build` is the one function between an authority's raw SSDA903 returns and everything
the package analyses. It writes ``data/processed/`` (docs/architecture.md, "Processed tables"):

* one parquet file per table: ``children, episodes, placements, periods_of_care,
  legal_status_spells, oc2, oc3, missing, uasc, reviews, ad1, placed_for_adoption,
  previous_permanence, sw_episodes`` and ``issues``;
* ``quarantine/<table>.csv``: rows validation found unusable, with the reason;
* ``manifest.json``: package version, when it was built, each input file with its SHA-256 and
  rows read, rows read / kept / quarantined per table, the returns and the latest ``as_at``.

Rows are sorted and written the same way every time, so the same input gives the same parquet
bytes (the manifest differs only in its ``created`` time).

Derived episode fields. DfE computes ``PL_DISTANCE``, ``PL_LA`` and ``PL_LOCATION`` itself
(ssda903.md §6.1); they are never in an authority's extract, so the build recomputes them from
``HOME_POST`` and ``PL_POST`` with :mod:`cpanalysis.geography`: distance in miles to 1 d.p.
(NaN when a postcode is blank or unknown, and, as DfE leaves it blank, for short breaks
(LS V3/V4) and for every episode of a child who is ``ever_uasc``, in the UASC table of any
return: DfE waives the postcodes of UASC and former UASC children (docs/ssda903.md §6.1), and
``ever_uasc`` rather than ``uasc_on_date`` because a former UASC's postcodes may still be
withheld after the status ended); ``pl_la`` the upper-tier authority of the
placement postcode; ``pl_location`` ``IN`` when that is the responsible authority, ``OUT`` when
it is another (or Wales, Scotland, Northern Ireland), blank when unknown. The responsible
authority is the ``la_code`` given, or else the authority most home postcodes lie in (an
``info`` issue says which). If the postcode lookup is unavailable the build still completes,
with these fields blank and an ``info`` issue.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import __version__, clean, codes, episodes, ingest, schema, stitch, validate
from cpanalysis.errors import InputFileError

#: Tables written as parquet, in the order they are written and reported.
OUTPUT_TABLES = (
    "children",
    "episodes",
    "placements",
    "periods_of_care",
    "legal_status_spells",
    "oc2",
    "oc3",
    "missing",
    "uasc",
    "reviews",
    "ad1",
    "placed_for_adoption",
    "previous_permanence",
    "sw_episodes",
    "issues",
)
#: Column order of the processed episodes table (docs/architecture.md): the stitched columns up
#: to ``urn``, the derived ones, then the metadata and repair note of the stitched table.
_STITCHED = stitch.EPISODE_COLUMNS[: stitch.EPISODE_COLUMNS.index("urn") + 1]
EPISODE_COLUMNS = (
    *_STITCHED,
    "pl_distance",
    "pl_la",
    "pl_location",
    "is_short_break",
    "is_temporary",
    "period_id",
    *stitch.KEPT_METADATA,
    "repair",
)
MANIFEST = "manifest.json"
QUARANTINE_DIR = "quarantine"

#: Sort keys of each written table (rows are written in this order for repeatable bytes).
_SORT_KEYS = {
    "children": ["child_id"],
    "episodes": ["child_id", "decom"],
    "placements": ["child_id", "placement_seq"],
    "periods_of_care": ["child_id", "period_id"],
    "legal_status_spells": ["child_id", "period_id", "start"],
    "oc2": ["child_id", "collection_year"],
    "oc3": ["child_id", "collection_year"],
}

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """What :func:`build` produced.

    Attributes
    ----------
    out_dir : pathlib.Path or None
        Folder written (``None`` when nothing was written).
    tables : dict of str to pandas.DataFrame
        Every table of :data:`OUTPUT_TABLES`, typed as :func:`load_processed` returns them.
    counts : pandas.DataFrame
        Per raw table: ``table, read, kept, quarantined`` (read = kept + quarantined).
    manifest : dict
        The content of ``manifest.json``.
    """

    out_dir: Path | None
    tables: dict[str, pd.DataFrame]
    counts: pd.DataFrame
    manifest: dict = field(default_factory=dict)

    @property
    def issues(self) -> pd.DataFrame:
        """All issue rows (reading, cleaning, validation, stitching, derivation)."""
        return self.tables["issues"]

    def summary(self) -> dict[str, int]:
        """Headline counts: children, episodes, placements, periods of care, issues by severity."""
        out = {name: len(self.tables[name]) for name in ("children", "episodes", "placements", "periods_of_care")}
        severities = self.issues["severity"].value_counts()
        out |= {f"issues_{s}": int(severities.get(s, 0)) for s in schema.SEVERITIES}
        return out


def _say(progress: Progress | None, message: str) -> None:
    if progress:
        progress(message)


# ---------------------------------------------------------------------------------------------
# Derived episode fields
# ---------------------------------------------------------------------------------------------
def _geography_issue(message: str) -> dict:
    return {"table": "episodes", "column": "PL_DISTANCE", "rule_id": "BUILD_GEOGRAPHY", "severity": "info",
            "message": message, "action": "kept"}


def add_location(
    eps: pd.DataFrame, children: pd.DataFrame, la_code: str | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Add ``pl_distance``, ``pl_la`` and ``pl_location`` to stitched episodes.

    Parameters
    ----------
    eps : pandas.DataFrame
        Stitched episodes (``home_post``, ``pl_post``, ``ls``, ``child_id``).
    children : pandas.DataFrame
        The children table (its ``ever_uasc`` flag blanks the distance, as DfE does for UASC and
        former UASC children).
    la_code : str, optional
        ONS code of the responsible authority; inferred from the home postcodes when omitted.

    Returns
    -------
    episodes : pandas.DataFrame
        With the three columns (see the module docstring for the rules).
    issues : list of dict
        ``info`` rows saying how the authority was found or why the fields are blank.
    """
    out = eps.copy()
    out["pl_distance"] = np.nan
    out["pl_la"] = None
    out["pl_location"] = None
    if out.empty:
        return out, []
    has_post = out["home_post"].notna() | out["pl_post"].notna()
    if not has_post.any():
        return out, [_geography_issue("No episode has a home or placement postcode, so placement distance and "
                                      "location are blank.")]
    try:
        from cpanalysis import geography

        distance = geography.distance_miles(out["home_post"], out["pl_post"])
        pl_la = geography.upper_tier_la(out["pl_post"])
        home_la = geography.upper_tier_la(out["home_post"])
    except (ImportError, OSError, ValueError) as exc:
        return out, [_geography_issue(f"The postcode lookup could not be used ({exc}); placement distance and "
                                      "location are blank.")]
    issues: list[dict] = []
    ever_uasc_ids = set(children.loc[children["ever_uasc"].astype(bool), "child_id"])
    no_distance = out["ls"].isin(codes.LS_SHORT_BREAK) | out["child_id"].isin(ever_uasc_ids)
    out["pl_distance"] = distance.where(~no_distance).astype("float64")
    out["pl_la"] = pl_la.astype(object).where(pl_la.notna(), None)
    if la_code is None:
        known = home_la.dropna()
        known = known[known.str.startswith("E")]
        if len(known):
            counts = known.value_counts()
            # ties broken by code so the choice is repeatable
            la_code = sorted(counts[counts == counts.max()].index)[0]
            issues.append(_geography_issue(f"The responsible authority was taken to be {la_code}, where most home "
                                           "postcodes lie; pass la_code to set it."))
    if la_code is not None:
        known_la = out["pl_la"].notna()
        inside = out["pl_la"].eq(la_code)
        out["pl_location"] = np.where(inside, codes.PL_LOCATION_IN, np.where(known_la, codes.PL_LOCATION_OUT, None))
        out["pl_location"] = out["pl_location"].astype(object).where(known_la, None)
    unmatched = int((out["home_post"].notna() & out["pl_post"].notna() & distance.isna()).sum())
    if unmatched:
        issues.append(_geography_issue(f"{unmatched} episode(s) have postcodes the ONS directory does not know; "
                                       "their distance is blank (rule 392c)."))
    return out, issues


def derive_episode_tables(
    stitched: dict[str, pd.DataFrame], la_code: str | None = None
) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Processed episodes plus placements, periods of care and legal-status spells.

    Placements use the default counting rule of :func:`cpanalysis.episodes.derive_placements`
    (moves on RNE S, P, B; temporary placements merged); other rules are rebuilt from the
    episodes table on demand.

    Parameters
    ----------
    stitched : dict of str to pandas.DataFrame
        Output of :func:`cpanalysis.stitch.stitch`.
    la_code : str, optional
        Responsible authority for ``pl_location`` (see :func:`add_location`).

    Returns
    -------
    tables : dict
        ``episodes``, ``placements``, ``periods_of_care``, ``legal_status_spells``.
    issues : list of dict
        From :func:`add_location`.
    """
    eps, issues = add_location(stitched["episodes"], stitched["children"], la_code)
    eps = episodes.flag_episodes(episodes.assign_periods_of_care(eps))
    eps = eps.loc[:, list(EPISODE_COLUMNS)]
    placements = episodes.derive_placements(eps)
    periods = episodes.derive_periods_of_care(eps, placements)
    spells = episodes.derive_legal_status_spells(eps)
    return {"episodes": eps, "placements": placements, "periods_of_care": periods,
            "legal_status_spells": spells}, issues


# ---------------------------------------------------------------------------------------------
# Types, writing and reading
# ---------------------------------------------------------------------------------------------
def _date_columns(name: str, frame: pd.DataFrame) -> list[str]:
    if name in schema.TABLES:
        spec = schema.TABLES[name]
        return [schema.processed_name(c) for c in spec.dates if schema.processed_name(c) in frame]
    named = {"dob", "mc_dob", "duc", "decom", "dec", "start", "end"}
    return [c for c in frame.columns if c in named]


def typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A processed table with the contract's dtypes, sorted for writing.

    Dates ``datetime64[ns]``; text ``object`` with ``None`` for blanks (parquet gives pandas'
    ``str`` dtype back); ``child_id`` text; flags and counts unchanged; issues' ``row``
    ``Int64``. Rows are sorted by the table's key (:data:`_SORT_KEYS`, else ``child_id`` and the
    schema key) with a stable sort, and the index is reset.
    """
    out = frame.copy()
    for column in _date_columns(name, out):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    if "child_id" in out:
        out["child_id"] = out["child_id"].astype(object).where(out["child_id"].notna(), None)
        out.loc[out["child_id"].notna(), "child_id"] = out.loc[out["child_id"].notna(), "child_id"].astype(str)
    out = stitch.blank_as_none(out)
    if name == "issues":
        out["row"] = pd.array(out["row"], dtype="Int64")
        return out.reset_index(drop=True)
    keys = _SORT_KEYS.get(name)
    if keys is None and name in schema.TABLES:
        keys = [schema.processed_name(c) for c in schema.TABLES[name].key] + ["collection_year"]
    keys = [k for k in (keys or []) if k in out]
    if keys:
        out = out.sort_values(keys, kind="mergesort", na_position="last")
    return out.reset_index(drop=True)


def write_processed(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> Path:
    """Write the processed tables as parquet files (one per table, no index).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Tables to write, typed with :func:`typed`.
    out_dir : str or pathlib.Path
        Folder, created when missing.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False, engine="pyarrow", compression="snappy")
    return folder


def load_processed(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read a processed folder back with the contract's dtypes.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder written by :func:`build` (it holds ``manifest.json`` and the parquet files).

    Returns
    -------
    dict of str to pandas.DataFrame
        Every table of :data:`OUTPUT_TABLES` present in the folder.

    Raises
    ------
    InputFileError
        The folder holds no processed tables.
    """
    path = Path(folder)
    if not (path / "episodes.parquet").is_file():
        raise InputFileError(
            str(path), "holds no processed tables (episodes.parquet is missing).",
            "a folder written by 'cpanalysis build', or a folder of SSDA903 returns to build from.",
        )
    tables = {}
    for name in OUTPUT_TABLES:
        file = path / f"{name}.parquet"
        if file.is_file():
            tables[name] = typed(name, pd.read_parquet(file, engine="pyarrow"))
    if "uasc" in tables.get("children", pd.DataFrame()).columns:
        # written before the column was named for its meaning (ever in the UASC table)
        tables["children"] = tables["children"].rename(columns={"uasc": "ever_uasc"})
    return tables


def is_processed_folder(path: str | Path) -> bool:
    """Whether ``path`` is a processed folder (has ``manifest.json`` and ``episodes.parquet``)."""
    folder = Path(path)
    return (folder / MANIFEST).is_file() and (folder / "episodes.parquet").is_file()


def load_or_build(
    path: str | Path, out_dir: str | Path | None = None, progress: Progress | None = None
) -> dict[str, pd.DataFrame]:
    """The processed tables from either a processed folder or a folder of raw returns.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder written by :func:`build` (read as it is) or a folder of SSDA903 returns
        (built now).
    out_dir : str or pathlib.Path, optional
        Where to write when building; by default nothing is written.
    progress : callable, optional
        Receives one line of text per step when building.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables of :data:`OUTPUT_TABLES`.
    """
    if is_processed_folder(path):
        return load_processed(path)
    return build(path, out_dir=out_dir, progress=progress).tables


# ---------------------------------------------------------------------------------------------
# Manifest and the build itself
# ---------------------------------------------------------------------------------------------
def _manifest(raw: ingest.RawReturns, counts: pd.DataFrame, tables: dict[str, pd.DataFrame], la_code) -> dict:
    latest = max((r.as_at for r in raw.returns), default=None)
    severities = tables["issues"]["severity"].value_counts()
    return {
        "package": "cpanalysis",
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "input": str(raw.root),
        "returns": [
            {"label": r.label, "collection_year": int(r.collection_year), "is_in_year": bool(r.is_in_year),
             "as_at": r.as_at.isoformat(), "year_source": r.year_source}
            for r in raw.returns
        ],
        "latest_as_at": latest.isoformat() if latest else None,
        "files": [
            {"path": f.path, "sheet": f.sheet, "sha256": f.sha256, "table": f.table, "rows_read": int(f.rows_read),
             "return_label": f.return_label}
            for f in sorted(raw.files, key=lambda f: (f.path, f.sheet or ""))
        ],
        "rows": {r.table: {"read": int(r.read), "kept": int(r.kept), "quarantined": int(r.quarantined)}
                 for r in counts.itertuples(index=False)},
        "outputs": {name: len(frame) for name, frame in tables.items()},
        "issues": {s: int(severities.get(s, 0)) for s in schema.SEVERITIES},
        "options": {"placements": "default rule (moves on RNE S, P, B; temporary placements merged)",
                    "la_code": la_code},
    }


def build(
    input_dir: str | Path,
    out_dir: str | Path | None = "data/processed",
    progress: Progress | None = None,
    la_code: str | None = None,
) -> BuildResult:
    """Read, validate, stitch and derive an authority's SSDA903 returns; write the processed tables.

    Steps: :func:`cpanalysis.ingest.read_returns` -> :func:`cpanalysis.clean.normalise` ->
    :func:`cpanalysis.validate.validate` -> :func:`cpanalysis.validate.quarantine` ->
    :func:`cpanalysis.stitch.stitch` -> :func:`derive_episode_tables` -> parquet, quarantine CSVs
    and ``manifest.json`` (module docstring). Every row read is either kept, quarantined (with
    its reason in ``quarantine/``) or, while stitching, removed with an issue row.

    Parameters
    ----------
    input_dir : str or pathlib.Path
        A folder with one return or one sub-folder per return (see :mod:`cpanalysis.ingest`).
    out_dir : str or pathlib.Path or None, default "data/processed"
        Where to write; ``None`` builds in memory only.
    progress : callable, optional
        Receives one line of text per file read and per step.
    la_code : str, optional
        ONS code of the responsible authority (for ``pl_location``); inferred when omitted.

    Returns
    -------
    BuildResult
        The tables, the read/kept/quarantined counts and the manifest.

    Raises
    ------
    CpanalysisError
        A file cannot be read, or the folder holds no returns (the message names the file).
    """
    _say(progress, f"Reading returns from {input_dir}")
    raw = ingest.read_returns(
        input_dir,
        progress=(lambda f: _say(progress, f"  read {f.path}{f' [{f.sheet}]' if f.sheet else ''}: "
                                           f"{f.table}, {f.rows_read} rows")),
    )
    _say(progress, "Cleaning dates and codes")
    tables, clean_issues = clean.normalise(raw)
    _say(progress, "Validating")
    rule_issues = validate.validate(tables, prior_issues=clean_issues)
    all_issues = pd.concat([clean_issues, rule_issues], ignore_index=True)
    kept, quarantined = validate.quarantine(tables, all_issues)
    counts = validate.reconcile(raw, kept, quarantined).rename(
        columns={"rows_read": "read", "rows_kept": "kept", "rows_quarantined": "quarantined"}
    )
    _say(progress, "Stitching returns into one history per child")
    stitched, stitch_issues = stitch.stitch(kept)
    _say(progress, "Deriving placements, periods of care and legal-status spells")
    derived, build_issues = derive_episode_tables(stitched, la_code)
    out: dict[str, pd.DataFrame] = {"children": stitched["children"], **derived}
    for name in OUTPUT_TABLES:
        if name not in out and name in stitched:
            out[name] = stitched[name]
    # Validation reports DfE 202-204 against last year's return and stitching between consecutive
    # returns; a header row both report is listed once (validation's wording).
    cross_year = stitch_issues["rule_id"].isin(stitch.CROSS_YEAR_CHECKS.values())
    reported = set(zip(all_issues["rule_id"], all_issues["file"], all_issues["row"], strict=False))
    twice = pd.Series([k in reported for k in zip(stitch_issues["rule_id"], stitch_issues["file"], stitch_issues["row"],
                                                   strict=False)], index=stitch_issues.index, dtype=bool)
    stitch_issues = stitch_issues[~(cross_year & twice)]
    out["issues"] = pd.concat([all_issues, stitch_issues, ingest.issue_frame(build_issues)], ignore_index=True)
    out = {name: typed(name, out[name]) for name in OUTPUT_TABLES}
    folder = None
    manifest = _manifest(raw, counts, out, la_code)
    if out_dir is not None:
        _say(progress, f"Writing {out_dir}")
        folder = write_processed(out, out_dir)
        validate.write_quarantine(quarantined, folder / QUARANTINE_DIR)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return BuildResult(out_dir=folder, tables=out, counts=counts, manifest=manifest)
