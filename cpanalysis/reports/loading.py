"""Everything a notebook needs, loaded in one call and cached between notebooks.

:func:`load_for_notebook` is the first call of every notebook and the data step of the runner:

1. where the returns are: ``data_dir`` (a folder of SSDA903 returns or a processed folder). When it
   points at the demo authority (``.../data/raw/demo/903``) and the demo is missing, it is generated
   first, so a fresh clone runs every notebook unchanged;
2. the processed tables: built once (ingest -> validate -> stitch -> derive, :func:`cpanalysis.build.build`)
   into ``data/processed/<name>`` and reused while the input files are unchanged (the cache key is
   the SHA-256 of every input file and the package version, in ``pipeline_cache.json``);
3. the tidy indicator table: the rolling 12 months to the period end and the 8 quarter ends before
   it, plus every year ending 31 March in the data, with the authority's local measures; cached
   beside the processed tables under the same key;
4. the national DfE figures (England, region, statistical neighbours): the newer of the package's
   built-in snapshot and the analyst's downloaded files (:func:`load_national`), with the sentence
   every page shows to name them (``national_source``);
5. for an ``external`` audience, small-number disclosure control on everything exported.

Two notebooks may start at once (the runner runs two in parallel): building and generating hold a
file lock, so the second waits and then reads the first one's cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cpanalysis import __version__, build, disclosure, indicators, periods
from cpanalysis.config import DEFAULT_LA_CODE, ENGLAND_CODE
from cpanalysis.errors import CpanalysisError, ParameterError

#: The demo authority's returns, relative to the project root.
#: An authority's own returns, relative to the project root (``cpanalysis run`` prefers them).
CACHE_KEY_FILE = "pipeline_cache.json"
AUDIENCES = ("internal", "external")
#: Set by ``cpanalysis run`` for its kernels: a pickle of the :class:`NotebookData` the runner
#: loaded, which a notebook called with the same arguments reads instead of loading again.
SNAPSHOT_ENV = "CPANALYSIS_NOTEBOOK_DATA"
#: Quarter ends in the rolling series (two years of quarterly refreshes).
QUARTERS = 8

Progress = Callable[[str], None]


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _raw_ancestor(path: Path) -> Path | None:
    for parent in [path, *path.parents]:
        if parent.name == "raw" and parent.parent.name == "data":
            return parent
    return None


def project_root(data_dir: str | Path) -> Path | None:
    """The project folder holding ``data/raw/...`` that ``data_dir`` lies in, if any."""
    raw = _raw_ancestor(Path(data_dir).resolve())
    return raw.parent.parent if raw is not None else None


def processed_dir_for(data_dir: str | Path) -> Path:
    """Where the processed tables of ``data_dir`` are cached.

    ``<root>/data/raw/<name>[/903]`` -> ``<root>/data/processed/<name>`` (so the demo's are in
    ``data/processed/demo`` and an authority's ``data/raw/903`` in ``data/processed``); a folder
    outside a ``data/raw`` tree gets ``<its parent>/processed``, except the folder ``cpanalysis
    demo`` writes (holding ``903/``), whose tables go inside it, where its ``903`` folder's go:
    two such folders side by side (two authorities) never share one cache.
    """
    folder = Path(data_dir).resolve()
    raw = _raw_ancestor(folder)
    if raw is None:
        if folder.name != "903" and (folder / "903").is_dir():
            return folder / "processed"
        return folder.parent / "processed"
    parts = list(folder.relative_to(raw).parts)
    if parts and parts[-1] == "903":
        parts = parts[:-1]
    return raw.parent / "processed" / Path(*parts) if parts else raw.parent / "processed"


def is_demo_dir(data_dir: str | Path) -> bool:
    """Whether ``data_dir`` is the demo authority's returns folder (``.../data/raw/demo[/903]``)."""
    folder = Path(data_dir).resolve()
    return (folder.name == "903" and folder.parent.name == "demo" and folder.parent.parent.name == "raw") or (
        folder.name == "demo" and folder.parent.name == "raw"
    )


def ensure_demo(data_dir: str | Path, progress: Progress | None = None) -> Path:
    """Generate the demo authority when ``data_dir`` is the demo folder and holds no returns.

    Writes what ``cpanalysis demo`` writes (returns, ``population.csv``, ``local/``) with its
    defaults. Returns the folder of returns.
    """
    folder = Path(data_dir).resolve()
    demo_root = folder.parent if folder.name == "903" else folder
    returns = demo_root / "903"
    if returns.is_dir() and any(returns.iterdir()):
        return returns
    with _locked(demo_root.parent / ".demo.lock"):
        if returns.is_dir() and any(returns.iterdir()):  # another notebook generated it meanwhile
            return returns
        from cpanalysis import local_measures, synth

        _say(progress, f"Generating the synthetic demo authority into {demo_root} (first run only)")
        synth.generate(out=demo_root)
        local_measures.write_demo_local_measures(
            demo_root, first_year=periods.parse_year_label(synth.DEFAULT_FIRST_YEAR),
            last_period_end=str(synth.DEFAULT_AS_AT),
        )
    return returns


def input_files(data_dir: str | Path) -> dict[str, str]:
    """SHA-256 of every returns file (CSV/XLSX/XLSM/XML) under ``data_dir``, keyed by relative path."""
    from cpanalysis.return_files import file_hashes

    suffixes = ("csv", "xlsx", "xlsm", "xml")  # every form ingest reads (cpanalysis.return_files)
    return file_hashes(data_dir, [f"*.{s}" for s in suffixes] + [f"*.{s.upper()}" for s in suffixes])


_CODE: list[str] = []


def code_fingerprint() -> str:
    """SHA-256 (16 hex digits) of the package's Python sources, worked out once per process.

    Part of the cache keys (:func:`_cache_key`, and through it the indicator series'): the
    version number alone stays the same between commits of a clone, so a warm cache would keep
    the figures of the code it was built with after a fix to a rule or an indicator.
    """
    if not _CODE:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
        _CODE.append(digest.hexdigest()[:16])
    return _CODE[0]


def _cache_key(data_dir: Path, la_code: str) -> dict:
    return {"input": str(data_dir), "files": input_files(data_dir), "version": __version__,
            "code": code_fingerprint(), "la_code": la_code}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def load_tables(data_dir: str | Path, la_code: str | None = None, progress: Progress | None = None,
                processed_dir: str | Path | None = None) -> tuple[dict[str, pd.DataFrame], Path, dict]:
    """The processed tables of ``data_dir``, built once and cached while the input is unchanged.

    Parameters
    ----------
    data_dir : path
        A folder of SSDA903 returns, or a processed folder (read as it is).
    la_code : str, optional
        Responsible authority (for placement location); inferred by the build when None.
    progress : callable, optional
        Receives one line per step.
    processed_dir : path, optional
        Where to cache; default :func:`processed_dir_for`.

    Returns
    -------
    (tables, processed_dir, manifest)
        The tables of :data:`cpanalysis.build.OUTPUT_TABLES`, the folder they are cached in and
        the build manifest (input files, rows, latest ``as_at``).

    Raises
    ------
    CpanalysisError
        The folder does not exist, holds no returns or a file cannot be read (from the build).
    """
    folder = Path(data_dir).resolve()
    if build.is_processed_folder(folder):
        return build.load_processed(folder), folder, _read_json(folder / build.MANIFEST)
    if not folder.is_dir():
        raise ParameterError(f"{data_dir}: folder of SSDA903 returns not found")
    out = Path(processed_dir) if processed_dir is not None else processed_dir_for(folder)
    with _locked(out.parent / f".{out.name}.lock"):
        key = _cache_key(folder, la_code or "")
        if _read_json(out / CACHE_KEY_FILE) == key and build.is_processed_folder(out):
            try:
                tables = build.load_processed(out)
            except Exception as exc:  # any failure to read a cache means: build it again
                _say(progress, f"The processed tables cached in {out} could not be read "
                               f"({type(exc).__name__}); building them again")
                (out / CACHE_KEY_FILE).unlink(missing_ok=True)
            else:
                _say(progress, f"Using the processed tables cached in {out}")
                return tables, out, _read_json(out / build.MANIFEST)
        _say(progress, f"Validating and building {folder} -> {out}")
        for stale in out.glob("indicators_*.parquet"):
            stale.unlink()
        result = build.build(folder, out_dir=out, progress=progress, la_code=la_code)
        (out / CACHE_KEY_FILE).write_text(json.dumps(key, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return result.tables, out, result.manifest


def check_period_end(period_end: object, manifest: dict, what: str = "period end") -> pd.Timestamp:
    """``period_end`` checked against the returns a build manifest records.

    :func:`cpanalysis.periods.check_period_end_in_data` with the earliest collection year and the
    latest ``as_at`` of ``manifest["returns"]``; for a manifest without them (an old processed
    folder) only the date itself is checked.

    Raises
    ------
    ParameterError
        For a value that is not a date, or a date outside the returns.
    """
    returns = manifest.get("returns") or []
    years = [int(r["collection_year"]) for r in returns if r.get("collection_year") is not None]
    latest = manifest.get("latest_as_at")
    if not years or not latest:
        return periods._timestamp(period_end, what)
    return periods.check_period_end_in_data(period_end, min(years), latest, what)


def latest_period_end(manifest: dict) -> pd.Timestamp:
    """The latest quarter end the data covers (the last quarter end on or before the latest ``as_at``).

    Raises
    ------
    ParameterError
        When the manifest records no ``latest_as_at``.
    """
    as_at = manifest.get("latest_as_at")
    if not as_at:
        raise ParameterError("the build manifest records no latest return date; give period_end explicitly")
    return periods.latest_quarter_end(as_at)


def _beside(data_dir: Path, name: str) -> Path | None:
    for place in (data_dir, data_dir.parent):
        if (place / name).exists():
            return place / name
    return None


def read_population(data_dir: str | Path) -> pd.DataFrame | None:
    """The under-18 population table (``population.csv``) in ``data_dir`` or its parent, if any."""
    path = _beside(Path(data_dir).resolve(), "population.csv")
    if path is None:
        return None
    return pd.read_csv(path, dtype={"la_code": str}, encoding="utf-8-sig")


def series_period_ends(period_end: object, first_year: int, quarters: int = QUARTERS) -> tuple[list, list]:
    """Quarter ends of the rolling series and the 31 March year ends up to ``period_end``.

    Returns
    -------
    (rolling, years) : lists of Timestamps, oldest first
        ``quarters`` quarter ends ending at ``period_end``, leaving out the earlier ones whose 12
        months start before the first collection year (their figures would count only the part
        of the year the returns hold: children who left or moved before it would be missing);
        every 31 March from ``first_year`` to the last one on or before ``period_end``.
    """
    end = pd.Timestamp(period_end)
    first_day = periods.year_start(int(first_year))
    rolling = [e for e in periods.previous_quarter_ends(end, quarters)
               if e == end or periods.months_before(e, 12) >= first_day]
    last_year = end.year if (end.month, end.day) >= (3, 31) else end.year - 1
    years = [pd.Timestamp(f"{y}-03-31") for y in range(int(first_year), last_year + 1)]
    return rolling, years


def indicator_series(tables: dict[str, pd.DataFrame], period_end: object, la_code: str, *,
                     population: pd.DataFrame | None = None, local_dir: str | Path | None = None,
                     first_year: int | None = None, quarters: int = QUARTERS,
                     options: indicators.Options | None = None) -> pd.DataFrame:
    """The authority's tidy indicator table for a report: rolling quarters and every full year.

    DfE definitions throughout (:func:`cpanalysis.indicators.compute`): ``period_type
    "rolling_12m"`` rows for the 12 months to each of the ``quarters`` quarter ends up to
    ``period_end``, ``"year"`` rows for each year ending 31 March from ``first_year`` (default the
    first collection year in the data) to the latest on or before ``period_end``, plus local
    measures (:mod:`cpanalysis.local_measures`) for the same period ends.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables.
    period_end : date-like
        A quarter end.
    la_code : str
    population : DataFrame, optional
        Under-18 population for the rates (no rate rows without it).
    local_dir : path, optional
        Folder of local-measure CSVs.
    first_year : int, optional
    quarters : int; default 8
    options : Options, optional
        The counting choices where DfE is ambiguous (:class:`cpanalysis.indicators.Options`);
        DfE's reading (the defaults) when omitted.

    Returns
    -------
    DataFrame
        Tidy indicator table sorted by indicator, breakdown, period type and period end (groups
        within a breakdown in the order DfE lists them).
    """
    if first_year is None:
        years_seen = tables["episodes"]["collection_year"].dropna()
        first_year = int(years_seen.min()) if len(years_seen) else pd.Timestamp(period_end).year
    rolling, years = series_period_ends(period_end, first_year, quarters)
    ctx = indicators.prepare(tables, la_code=la_code, population=population, options=options)
    parts = [indicators.compute_context(ctx, rolling, "rolling_12m")]
    if years:
        parts.append(indicators.compute_context(ctx, years, "year"))
    if local_dir is not None and Path(local_dir).is_dir():
        from cpanalysis import local_measures

        local = local_measures.load_local_measures(local_dir, la_code)
        ends = set(rolling) | set(years)
        parts.append(local[pd.to_datetime(local["period_end"]).isin(ends)])
    table = pd.concat([p for p in parts if len(p)], ignore_index=True)
    # Stable sort without breakdown_value: groups keep the catalogue's order (age bands young to old).
    table = table.sort_values(["indicator_id", "breakdown", "period_type", "period_end"], kind="mergesort")
    return table.reset_index(drop=True)[list(indicators.TIDY_COLUMNS)]


def _read_cached_parquet(path: Path, progress: Progress | None) -> pd.DataFrame | None:
    """A cached table, or None (and a message) when the file is missing or cannot be read."""
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # a truncated or overwritten cache file: computed again
        _say(progress, f"The cached table {path} could not be read ({type(exc).__name__}); computing it again")
        path.unlink(missing_ok=True)
        return None


def _cached_series(processed: Path, key: dict, period_end: pd.Timestamp, la_code: str,
                   compute: Callable[[], pd.DataFrame], progress: Progress | None = None) -> pd.DataFrame:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = processed / f"indicators_{period_end:%Y-%m-%d}_{la_code}_{digest}.parquet"
    with _locked(processed.parent / f".{processed.name}.indicators.lock"):
        cached = _read_cached_parquet(path, progress)
        if cached is not None:
            return cached
        table = compute()
        table.to_parquet(path, index=False)
        return table


def load_national(dfe_dir: str | Path | None, root: Path | None,
                  progress: Progress | None = None) -> tuple[pd.DataFrame | None, str, Path | None]:
    """DfE's published figures as tidy rows, or ``None`` and the message saying how to get them.

    Returns ``(table, message, folder)``: ``folder`` is where the figures were read from (the
    downloaded files or the built-in snapshot); the message is empty when the downloaded files,
    or nothing but the snapshot, were found, and says why the snapshot was preferred otherwise.

    The analyst's files are looked for in ``dfe_dir`` when given, else in the usual places:
    ``$CPANALYSIS_DFE_DIR``, ``<root>/data/raw/dfe``, ``<root>/../shared/dfe``. The package's
    built-in snapshot (:mod:`cpanalysis.dfe.snapshot`) is used instead when there are none, when
    they cannot be read, or when the snapshot holds a later year (DfE revises the whole series
    each release, so the later release is the better one); on a tie the analyst's files win. A
    table read from downloaded files is cached in ``<root>/data/processed/dfe`` keyed by the
    files' names, sizes and modification times.
    """
    from cpanalysis import dfe
    from cpanalysis.dfe import folders, snapshot

    if dfe_dir:
        candidates = [Path(dfe_dir)]
    else:
        base = root if root is not None else Path.cwd()
        candidates = [c if c.is_absolute() or c.parts[:1] == (".",) else base / c for c in folders.default_candidates()]
    shipped = snapshot.SNAPSHOT_DIR if snapshot.is_snapshot(snapshot.SNAPSHOT_DIR) else None
    candidates = [c for c in candidates if shipped is None or c.resolve() != shipped.resolve()]
    folder = folders.find_dfe_folder(candidates)
    table, message = None, ""
    if folder is not None:
        table, message = _read_downloaded(folder.resolve(), root, progress)
        folder = folder.resolve() if table is not None else None
    if shipped is not None:
        newer = snapshot.read_manifest(shipped)["latest_year"]
        downloaded = snapshot.latest_year(table) if table is not None else None
        if table is None or downloaded is None or newer > downloaded:
            if table is not None:
                message = (f"The built-in snapshot (years to {newer}) is newer than the files in {folder} "
                           f"(years to {downloaded}), so it is used.")
            elif message:
                message += " The built-in snapshot is used instead."
            return dfe.load_dfe(shipped), message, shipped
    if table is None:
        return None, message or folders.national_files_help(), None
    return table, message, folder


def _read_downloaded(folder: Path, root: Path | None, progress: Progress | None) -> tuple[pd.DataFrame | None, str]:
    from cpanalysis import dfe

    stamp = sorted((str(p.relative_to(folder)), p.stat().st_size, int(p.stat().st_mtime))
                   for p in folder.rglob("*") if p.is_file())
    digest = hashlib.sha256(json.dumps([str(folder), stamp, __version__]).encode()).hexdigest()[:16]
    cache = (root / "data" / "processed" / "dfe") if root is not None else None
    path = cache / f"dfe_{digest}.parquet" if cache is not None else None
    cached = _read_cached_parquet(path, progress) if path is not None else None
    if cached is not None:
        return cached, ""
    _say(progress, f"Reading the national DfE files in {folder}")
    try:
        table = dfe.load_dfe(folder)
    except CpanalysisError as exc:
        return None, f"The national DfE files in {folder} could not be read: {exc}"
    if path is not None:
        with _locked(cache / ".lock"):
            table.to_parquet(path, index=False)
    return table, ""


def apply_disclosure(tidy: pd.DataFrame, audience: str) -> pd.DataFrame:
    """Small-number disclosure control for an ``external`` audience (unchanged for ``internal``).

    :func:`cpanalysis.disclosure.protect` with its defaults: counts of 1-5 hidden, secondary
    suppression so no hidden cell can be recovered by subtraction, dependent percentages and
    intervals hidden, symbol ``c``.

    Raises
    ------
    ParameterError
        For an audience other than ``internal`` or ``external``.
    """
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be one of {AUDIENCES}; got {audience!r}")
    return disclosure.protect(tidy, audience)


@dataclass
class NotebookData:
    """What :func:`load_for_notebook` returns: one authority, one period end, one audience.

    Attributes
    ----------
    la_code, la_name : str
    period_end : Timestamp
        The quarter end reported on.
    audience : str
        ``internal`` or ``external`` (disclosure control applied to ``indicators``).
    tables : dict of DataFrame
        Processed tables (child level: for analyses, never to display).
    indicators : DataFrame
        The authority's tidy indicator series (:func:`indicator_series`).
    national : DataFrame or None
        DfE's tidy rows (all areas), None when the files are absent.
    national_message : str
        How to get the national files when there are none, or why the built-in snapshot was
        preferred to the downloaded files (else empty).
    comparators : dict
        Geography code -> name for charts: England, then the region.
    neighbours : list of str
        Statistical neighbours' codes (empty without national files).
    manifest : dict
        The build manifest (inputs, rows read/kept/quarantined, returns, latest ``as_at``).
    data_dir, processed_dir : Path
    national_folder : Path or None
        Where the national figures were read from: downloaded files or the built-in snapshot.
    national_source : str
        The sentence every page shows to name the national figures' source
        (:func:`cpanalysis.dfe.snapshot.source_line`).
    """

    la_code: str
    la_name: str
    period_end: pd.Timestamp
    audience: str
    tables: dict[str, pd.DataFrame]
    indicators: pd.DataFrame
    national: pd.DataFrame | None
    national_message: str
    comparators: dict[str, str]
    neighbours: list[str]
    manifest: dict
    data_dir: Path
    processed_dir: Path
    region_code: str = ""
    region_name: str = ""
    old_la_code: str = ""
    notes: list[str] = field(default_factory=list)
    #: Results the report helpers compute once per notebook (e.g. the child attributes on the
    #: period end, which every table of a report reads).
    cache: dict = field(default_factory=dict, repr=False, compare=False)
    national_folder: Path | None = None
    national_source: str = ""
    #: The definition choices that differ from the defaults (:meth:`Options.changed`); empty when
    #: every indicator follows DfE's reading. Every page names them (:func:`common.describe_run`).
    definitions: dict = field(default_factory=dict)

    @property
    def window(self) -> str:
        """``year`` at a 31 March, else ``rolling_12m`` (the headline rows of the period end)."""
        return "year" if (self.period_end.month, self.period_end.day) == (3, 31) else "rolling_12m"

    @property
    def for_charts(self) -> pd.DataFrame:
        """The authority's rows with England's, the region's and the neighbours' DfE rows."""
        if self.national is None:
            return self.indicators
        keep = {*self.comparators, *self.neighbours}
        national = self.national[self.national["geography"].astype(str).isin(keep)]
        return pd.concat([self.indicators, national], ignore_index=True)

    def latest(self, breakdown: str = "Total") -> pd.DataFrame:
        """The authority's rows at the period end (headline window), one breakdown."""
        rows = self.indicators
        return rows[(pd.to_datetime(rows["period_end"]) == self.period_end)
                    & (rows["period_type"] == self.window) & (rows["breakdown"] == breakdown)].reset_index(drop=True)


def _area_details(la_code: str, national_folder: Path | None) -> dict[str, str]:
    from cpanalysis import geography

    details = {"la_name": geography.la_names().get(la_code, la_code), "region_code": "", "region_name": "",
               "old_la_code": ""}
    try:
        from cpanalysis import dfe

        row = dfe.find_la(la_code, national_folder)
        details.update({k: str(row[k]) for k in ("la_name", "region_code", "region_name", "old_la_code")})
    except (CpanalysisError, ImportError, KeyError):
        pass  # without the national files the names come from the shipped ONS lookup only
    return details


def load_for_notebook(data_dir: str | Path, period_end: str | object = "", la_code: str = DEFAULT_LA_CODE, *,
                      dfe_dir: str | Path = "", audience: str = "internal", quarters: int = QUARTERS,
                      definitions: Mapping[str, object] | None = None,
                      progress: Progress | None = None,
                      loaded_tables: tuple[dict[str, pd.DataFrame], Path, dict] | None = None) -> NotebookData:
    """Everything a report notebook needs, in one call (the first code cell of every notebook).

    Parameters
    ----------
    data_dir : path
        Folder of SSDA903 returns (or a processed folder). The demo folder
        (``data/raw/demo/903``) is generated when missing.
    period_end : str or date-like; default ""
        Quarter end to report on; ``""`` is the latest quarter end the data covers.
    la_code : str; default "E10000018"
        The authority's ONS code (a string, even for a numeric-looking code).
    dfe_dir : path; default ""
        Folder of national DfE files; ``""`` searches the usual places.
    audience : {"internal", "external"}; default "internal"
        ``external`` applies small-number suppression to the indicator table.
    quarters : int; default 8
        Quarter ends in the rolling series.
    definitions : mapping, optional
        Definition choices that differ from DfE's reading, name -> choice (the fields of
        :class:`cpanalysis.indicators.Options`, e.g. ``{"uasc_distance": "exclude"}``); checked
        by :meth:`~cpanalysis.indicators.Options.from_definitions`.
    progress : callable, optional
    loaded_tables : (tables, processed_dir, manifest), optional
        What :func:`load_tables` just returned for this ``data_dir`` and ``la_code`` (the runner
        loads them first, to build before anything else), so they are not read again.

    Returns
    -------
    NotebookData

    Raises
    ------
    CpanalysisError
        For a missing folder, unreadable returns, a bad period end or audience.
    """
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be one of {AUDIENCES}; got {audience!r}")
    la_code = str(la_code)
    options = indicators.Options.from_definitions(definitions)  # a bad choice is refused before any work
    snapshot = read_snapshot(snapshot_arguments(data_dir, period_end, la_code, dfe_dir, audience, quarters,
                                                options.changed()))
    if snapshot is not None:
        register_local_measures(snapshot.data_dir)
        return snapshot
    folder = Path(data_dir)
    if is_demo_dir(folder):
        folder = ensure_demo(folder, progress)
    tables, processed, manifest = loaded_tables if loaded_tables is not None else load_tables(folder, la_code, progress)
    end = latest_period_end(manifest) if period_end in ("", None) else check_period_end(period_end, manifest)
    if not periods.is_quarter_end(end):
        raise ParameterError(f"period_end {end:%Y-%m-%d} is not a quarter end (31 March, 30 June, "
                             "30 September or 31 December)")
    resolved = folder.resolve()
    local_dir = _beside(resolved, "local")
    population = read_population(resolved)
    from cpanalysis.return_files import file_hashes

    # The contents of population.csv and local/ are part of the key: an analyst who corrects a
    # local measure or adds next year's population must not be shown the old cached figures.
    population_file = _beside(resolved, "population.csv")
    key = {**_read_json(processed / CACHE_KEY_FILE), "quarters": quarters, "definitions": options.changed(),
           "population": file_hashes(population_file) if population_file is not None else None,
           "local": {str(local_dir): file_hashes(local_dir)} if local_dir is not None else None}
    # The catalogue learns an authority's own measures (title, outcome) here, explicitly: on a warm
    # cache too, or the exports and the scorecard would not know them.
    register_local_measures(resolved)
    series = _cached_series(processed, key, end, la_code, lambda: indicator_series(
        tables, end, la_code, population=population, local_dir=local_dir, quarters=quarters, options=options),
        progress)
    root = project_root(resolved)
    national, message, national_folder = load_national(dfe_dir, root, progress)
    from cpanalysis.dfe import snapshot as dfe_snapshot
    details = _area_details(la_code, national_folder)
    comparators = {ENGLAND_CODE: "England"}
    if details["region_code"]:
        comparators[details["region_code"]] = details["region_name"]
    neighbours: list[str] = []
    if national_folder is not None:
        try:
            from cpanalysis import dfe

            neighbours = dfe.statistical_neighbours(la_code, folder=national_folder)
        except CpanalysisError:
            neighbours = []
    return NotebookData(
        la_code=la_code, la_name=details["la_name"], period_end=end, audience=audience, tables=tables,
        indicators=apply_disclosure(series, audience), national=national, national_message=message,
        comparators=comparators, neighbours=neighbours, manifest=manifest, data_dir=resolved,
        processed_dir=processed, region_code=details["region_code"], region_name=details["region_name"],
        old_la_code=details["old_la_code"], national_folder=national_folder,
        national_source=dfe_snapshot.source_line(national_folder, national), definitions=options.changed(),
    )


def register_local_measures(data_dir: str | Path) -> None:
    """Add the measures an authority defines in ``local/*.csv`` beside ``data_dir`` to the catalogue.

    The one call that adds to the catalogue after import (every other id is declared with it,
    :mod:`cpanalysis.indicators.beyond_903`): :func:`load_for_notebook` makes it on every load,
    cold, on a warm cache and from the runner's snapshot, so the exports, the scorecard and the
    pages title such a measure whatever was cached. Reading the files registers nothing itself.
    """
    local_dir = _beside(Path(data_dir).resolve(), "local")
    if local_dir is not None:
        from cpanalysis import local_measures
        from cpanalysis.indicators import catalogue

        for record in local_measures.local_records(local_dir).values():
            catalogue.register(record, replace=True)


def snapshot_arguments(data_dir: str | Path, period_end: object, la_code: str, dfe_dir: str | Path,
                       audience: str, quarters: int, definitions: Mapping[str, object] | None = None) -> dict:
    """The arguments of a :func:`load_for_notebook` call, normalised, that a snapshot must match."""
    end = "" if period_end in ("", None) else f"{periods._timestamp(period_end, 'period end'):%Y-%m-%d}"
    return {"data_dir": str(Path(data_dir).resolve()), "period_end": end, "la_code": str(la_code),
            "dfe_dir": str(Path(dfe_dir).resolve()) if dfe_dir else "", "audience": audience,
            "quarters": int(quarters), "definitions": dict(definitions or {}), "version": __version__}


def remove_stale_snapshots(folder: str | Path) -> list[Path]:
    """Delete runner snapshots (child-level pickles) whose run has ended without removing them.

    A snapshot is named ``.notebook_data_<pid>_<ns>.pkl``; a run killed outright (SIGKILL, a
    power cut) cannot delete its own, so the next run deletes every one whose process is gone.
    """
    removed = []
    for path in Path(folder).glob(".notebook_data_*_*.pkl"):
        try:
            pid = int(path.name.split("_")[2])
            os.kill(pid, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            path.unlink(missing_ok=True)
            removed.append(path)
        except PermissionError:  # alive, another user's process
            continue
    return removed


def write_snapshot(data: NotebookData, arguments: dict, path: str | Path) -> Path:
    """Pickle ``data`` with the call arguments it answers (:func:`snapshot_arguments`).

    ``cpanalysis run`` writes one beside the processed tables (it holds child-level tables, like
    them; never in ``reports/``), points :data:`SNAPSHOT_ENV` at it while its kernels run and
    deletes it afterwards: each notebook then unpickles in ~0.1 s what would take it a second or
    two to load from the caches.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        pickle.dump({"arguments": arguments, "data": data}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_snapshot(arguments: dict) -> NotebookData | None:
    """The runner's snapshot when :data:`SNAPSHOT_ENV` names one made for exactly these arguments."""
    path = os.environ.get(SNAPSHOT_ENV, "")
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)  # written by this package's runner moments ago
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None  # gone or unreadable: load normally
    if not isinstance(saved, dict) or saved.get("arguments") != arguments:
        return None
    return saved.get("data")
