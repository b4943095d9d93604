"""``cpanalysis indicators DIR --period-end YYYY-MM-DD --out FILE.csv``: the indicator table.

``DIR`` is a processed folder (written by ``cpanalysis build``) or a folder of raw returns (built
in memory first, nothing written), or a folder holding them in ``903/`` (the demo's layout). The output is the tidy indicator table
(:data:`cpanalysis.indicators.TIDY_COLUMNS`), percentages 0-100, plus any local measures
(:mod:`cpanalysis.local_measures`) for the same period ends.

Found automatically when not given:

* the population table (for rates): ``population.csv`` in ``DIR``, its parent, or the folder the
  processed tables were built from (and its parent);
* local measures: a ``local/`` folder in the same places;
* the authority code: ``--la``, else the build manifest, else the population table's only code.

OC2/OC3 measures are annual: at an in-year quarter end the latest complete year is carried
forward unless the in-year extract has OC2/OC3 rows for the current year.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from cpanalysis import build, episodes, indicators, local_measures, periods
from cpanalysis.errors import InputFileError, ParameterError
from cpanalysis.geography import check_la_code
from cpanalysis.reports.loading import check_period_end
from cpanalysis.writing import writable_file, write_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``indicators`` sub-command to the ``cpanalysis`` parser."""
    parser = subparsers.add_parser(
        "indicators",
        help="compute the DfE indicators at a period end (tidy CSV)",
        description="Compute every indicator of the catalogue (DfE definitions) for the year ending "
        "31 March or the rolling 12 months to a quarter end, with 95%% and 99.8%% intervals.",
    )
    parser.add_argument("dir", help="processed folder (data/processed) or folder of raw returns")
    parser.add_argument("--period-end", required=True, help="last day of the window, YYYY-MM-DD")
    parser.add_argument("--window", choices=periods.WINDOW_TYPES, default="year",
                        help="year ending 31 March (default) or rolling 12 months to a quarter end")
    parser.add_argument("--quarters", type=int, default=1,
                        help="also the preceding quarter ends, N in all (with --window year: the "
                        "31 Marches among them)")
    parser.add_argument("--la", default=None, help="ONS code of the authority (e.g. E10000018)")
    parser.add_argument("--population", default=None,
                        help="CSV with la_code, year, population_under18 (found beside DIR if omitted)")
    parser.add_argument("--local", default=None, help="folder of local-measure CSVs (default: DIR/local)")
    parser.add_argument("--same-carer-moves", action="store_true",
                        help="count RNE T/U (same carers) in '3 or more placements' (DfE: not moves)")
    parser.add_argument("--temporary", choices=episodes.TEMPORARY_CHOICES, default="merge",
                        help="temporary placements T0-T4 (default merge into the placement they interrupt)")
    parser.add_argument("--sdq-band-denominator", choices=("with_score", "cohort"), default="with_score",
                        help="denominator of SDQ band percentages (default: children with a score, as DfE)")
    parser.add_argument("--temporary-on-period-end", choices=("episode", "interrupted"), default="episode",
                        help="a child in a temporary placement (T0-T4) on the period end: the temporary "
                        "episode's type, provider and distance (default, as DfE's 31 March tables) or those of "
                        "the placement it interrupted")
    parser.add_argument("--uasc-distance", choices=("not_known", "exclude"), default="not_known",
                        help="UASC in the distance indicators: distance not known (default, as EES) or left out")
    parser.add_argument("--oc2-ceased-on-period-end", action="store_true",
                        help="put children ceasing on the period end in the 12-month (OC2) cohort (DfE: not)")
    parser.add_argument("--placement-ending-on-first-day", action="store_true",
                        help="count a placement ending on the window's first day in '3 or more placements'")
    parser.add_argument("--missing-started-before-window", action=argparse.BooleanOptionalAction, default=True,
                        help="count a missing/away incident begun before the window and still going on its first "
                        "day (default, as DfE); --no-missing-started-before-window counts only those starting in it")
    parser.add_argument("--a2-match-before-authority", choices=("zero", "exclude"), default="zero",
                        help="adoption scorecard A2 for a match dated before the placement order: 0 days "
                        "(default) or left out")
    parser.add_argument("--out", required=True, help="CSV file to write")
    parser.set_defaults(handler=run)


def period_ends(period_end: str, window: str, quarters: int) -> list[pd.Timestamp]:
    """The period ends the command computes (oldest first).

    Raises
    ------
    ParameterError
        For a date that does not fit the window or ``quarters`` below 1.
    """
    ends = periods.previous_quarter_ends(period_end, quarters)
    if window == "year":
        periods.window(period_end, "year")  # a clear error when the end is not 31 March
        ends = [e for e in ends if (e.month, e.day) == (3, 31)]
    return ends


def _source_folders(folder: Path) -> list[Path]:
    """DIR, its parent, and (for a processed folder) the input it was built from and its parent."""
    places = [folder, folder.parent]
    manifest = folder / build.MANIFEST
    if manifest.is_file():
        source = Path(json.loads(manifest.read_text(encoding="utf-8")).get("input") or folder)
        places += [source, source.parent]
    return places


def _read_manifest(folder: Path) -> dict:
    """The build manifest of a processed folder (empty when absent or unreadable)."""
    try:
        return json.loads((folder / build.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _manifest_la(folder: Path) -> str | None:
    return (_read_manifest(folder).get("options") or {}).get("la_code")


def _read_population(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype={"la_code": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"cannot be read as CSV ({exc}).") from None


def run(args: argparse.Namespace) -> int:
    """Run ``cpanalysis indicators``; returns the exit code (0 when written)."""
    folder = Path(args.dir)
    if args.la is not None:
        args.la = check_la_code(args.la)
    if not folder.is_dir():
        raise ParameterError(f"{folder} is not a folder (give a processed folder or a folder of returns)")
    ends = period_ends(args.period_end, args.window, args.quarters)
    writable_file(args.out)
    places = _source_folders(folder)
    population_file = Path(args.population) if args.population else next(
        (p / "population.csv" for p in places if (p / "population.csv").is_file()), None
    )
    if population_file is not None and not population_file.is_file():
        raise InputFileError(str(population_file), "does not exist.")
    population = _read_population(population_file) if population_file else None
    # A demo or data/raw folder keeps the returns in 903/ beside population.csv and local/.
    returns = folder / "903" if (folder / "903").is_dir() and not build.is_processed_folder(folder) else folder
    if build.is_processed_folder(returns):
        tables = build.load_processed(returns)
        manifest = _read_manifest(returns)
    else:
        built = build.build(returns, progress=lambda m: print(m, file=sys.stderr, flush=True))
        tables, manifest = built.tables, built.manifest
    # A figure at a date the returns do not cover would be reported as if it were fact.
    check_period_end(args.period_end, manifest, "--period-end")
    la_code = args.la or _manifest_la(folder)
    table = indicators.compute(
        tables, ends, args.window, la_code=la_code, population=population,
        same_carer_moves=args.same_carer_moves, temporary=args.temporary,
        sdq_band_denominator=args.sdq_band_denominator,
        temporary_on_period_end=args.temporary_on_period_end, uasc_distance=args.uasc_distance,
        oc2_ceased_on_period_end=args.oc2_ceased_on_period_end,
        placement_ending_on_first_day=args.placement_ending_on_first_day,
        missing_started_before_window=args.missing_started_before_window,
        a2_match_before_authority=args.a2_match_before_authority,
    )
    local_folder = Path(args.local) if args.local else next(
        (p / "local" for p in places if (p / "local").is_dir()), None
    )
    if local_folder is not None:
        geography = str(table["geography"].iloc[0]) if len(table) else (la_code or "local")
        local = local_measures.load_local_measures(local_folder, geography)
        local = local[local["period_end"].isin(ends)]
        table = pd.concat([table, local], ignore_index=True) if len(local) else table
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = table.assign(period_end=table["period_end"].dt.strftime("%Y-%m-%d"))
    write_csv(written, out)
    print(
        f"{len(table)} rows, {table['indicator_id'].nunique()} indicators, period ends "
        f"{', '.join(e.date().isoformat() for e in ends)} ({args.window})"
        + ("" if population is not None else "; no population table, so no rates")
        + (f"; local measures from {local_folder}" if local_folder is not None else "")
        + f" -> {out}"
    )
    return 0
