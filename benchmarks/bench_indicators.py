"""Benchmark: every indicator for every quarter end of 8 years (not run by the tests).

Usage::

    python benchmarks/bench_indicators.py                       # the demo authority (generated if needed)
    python benchmarks/bench_indicators.py --demo data/raw/demo   # an existing demo (raw or processed)
    python benchmarks/bench_indicators.py --england data/raw/england
        # a folder written by `cpanalysis demo --authorities 150`: one sub-folder per authority

Reports, for the indicator computation only (building the processed tables is timed apart):
seconds (wall and CPU), rows produced, peak memory of the process (``resource`` max RSS) and
the peak Python allocation during the computation (``tracemalloc``, measured in a second run
because tracing slows Python down). England is computed in one vectorised pass over all
authorities (:func:`cpanalysis.indicators.stack_authorities`, the authorities read one at a
time), as a quarter, a half and all of them, to show the growth with size (CPU seconds: wall
seconds on a shared machine measure the other processes). Targets: one authority under 5 s
(issue 4); the 150 synthetic authorities under 15 s and 2 GB, growing linearly (issue 18).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import build, indicators, periods
from cpanalysis.indicators.context import NOT_READ


def quarter_ends(period_end: str, years: int) -> list[pd.Timestamp]:
    """The ``4 * years`` quarter ends up to ``period_end``."""
    return periods.previous_quarter_ends(period_end, 4 * years)


def tables_for(folder: Path) -> tuple[dict[str, pd.DataFrame], float]:
    """Processed tables of a processed folder or a raw folder (built in memory), and the build seconds."""
    started = time.perf_counter()
    raw = folder / "903" if (folder / "903").is_dir() else folder
    tables = build.load_processed(folder) if build.is_processed_folder(folder) else build.build(
        raw, out_dir=None).tables
    return tables, time.perf_counter() - started


def population_for(folder: Path) -> pd.DataFrame | None:
    """``population.csv`` beside the returns, if any."""
    for place in (folder, folder.parent):
        if (place / "population.csv").is_file():
            return pd.read_csv(place / "population.csv", dtype={"la_code": str})
    return None


def run_one(tables: dict[str, pd.DataFrame], ends: list[pd.Timestamp], population: pd.DataFrame | None,
            trace: bool = False) -> tuple[float, float, int, float]:
    """(wall seconds, CPU seconds, rows, peak traced MB) of one authority's indicators."""
    if trace:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    la = population["la_code"].iloc[0] if population is not None and population["la_code"].nunique() == 1 else None
    out = indicators.compute(tables, ends, "rolling_12m", la_code=la, population=population)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return wall, cpu, len(out), peak


def max_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_demo(folder: Path | None, ends: list[pd.Timestamp]) -> None:
    """One authority: the demo."""
    if folder is None:
        from cpanalysis import synth

        folder = Path(tempfile.mkdtemp(prefix="cpanalysis-bench-")) / "demo"
        print(f"generating the demo authority into {folder} ...", file=sys.stderr)
        synth.generate(folder)
    tables, built = tables_for(folder)
    population = population_for(folder)
    wall, cpu, rows, _ = run_one(tables, ends, population)
    _, _, _, peak = run_one(tables, ends, population, trace=True)
    children = tables["children"]["child_id"].nunique()
    print(f"demo authority: {children} children, {len(ends)} quarter ends ({ends[0].date()} to {ends[-1].date()})")
    print(f"  build {built:.1f} s (not counted); indicators {wall:.2f} s wall, {cpu:.2f} s CPU, {rows} rows")
    print(f"  peak traced allocation {peak:.0f} MB; process max RSS {max_rss_mb():.0f} MB")


def read_authorities(subfolders: list[Path]) -> dict[str, pd.DataFrame]:
    """The authorities' tables stacked (:func:`indicators.stack_authorities`), read one at a time.

    As an analyst computing England would: each authority's tables are read, trimmed to what
    the indicators read (:data:`indicators.TABLES`, without the columns of
    ``indicators.context.NOT_READ``), given their authority's child ids and kept; the pieces
    of each table are then concatenated and released one table at a time, so the process never
    holds every authority's full tables and a stacked copy at once.
    """
    pieces: dict[str, list[pd.DataFrame]] = {}
    for sub in subfolders:
        tables = {name: frame.drop(columns=[c for c in NOT_READ if c in frame.columns])
                  for name, frame in tables_for(sub)[0].items() if name in indicators.TABLES}
        for name, frame in indicators.stack_authorities({sub.name: tables}).items():
            pieces.setdefault(name, []).append(frame)
        del tables
    stacked = {}
    for name in list(pieces):
        frames = pieces.pop(name)
        stacked[name] = pd.concat(frames, ignore_index=True)
        del frames
    return stacked


def bench_england(folder: Path, ends: list[pd.Timestamp]) -> None:
    """Every authority sub-folder of ``folder``, stacked and computed in one vectorised pass.

    The authorities are also run as a quarter and a half of the list, to show how the time
    grows with the number of children; each share is read afresh (reading is not counted) and
    released before the next, so the peak memory is that of the largest.
    """
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and (
        (p / "903").is_dir() or build.is_processed_folder(p) or any(p.glob("*/episodes*.csv"))))
    if not subfolders:
        raise SystemExit(f"{folder} holds no authority folders (expected one sub-folder per authority)")
    # `cpanalysis demo --authorities N` writes one population.csv for all authorities beside them
    population = population_for(folder)
    if population is not None and not {s.name for s in subfolders} <= set(population["la_code"]):
        population = None
    print(f"England: {len(subfolders)} authorities, {len(ends)} quarter ends")
    sizes, times = [], []
    for share in (0.25, 0.5, 1.0):
        chosen = subfolders[: max(1, round(len(subfolders) * share))]
        started = time.perf_counter()
        tables = read_authorities(chosen)
        read = time.perf_counter() - started
        pop = population[population["la_code"].isin([s.name for s in chosen])] if population is not None else None
        wall, cpu = time.perf_counter(), time.process_time()
        out = indicators.compute(tables, ends, "rolling_12m", population=pop)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        children = tables["children"]["child_id"].nunique()
        rows = len(out)
        del tables, out
        sizes.append(children)
        times.append(cpu)
        print(f"  {len(chosen):>4} authorities, {children:>8} children: reading {read:5.1f} s (not counted); "
              f"{wall:6.1f} s wall, {cpu:6.1f} s CPU, {rows} rows, max RSS so far {max_rss_mb():.0f} MB")
    if len(set(sizes)) > 1:
        slope, intercept = np.polyfit(np.array(sizes, float), np.array(times, float), 1)
        print(f"  CPU time = {intercept:.1f} s + {slope * 1000:.3f} s per 1,000 children")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, default=None, help="demo folder (raw or processed); generated if omitted")
    parser.add_argument("--england", type=Path, default=None, help="folder of authority sub-folders")
    parser.add_argument("--period-end", default="2025-03-31", help="last quarter end (default 2025-03-31)")
    parser.add_argument("--years", type=int, default=8, help="years of quarter ends (default 8)")
    args = parser.parse_args(argv)
    ends = quarter_ends(args.period_end, args.years)
    if args.england is None or args.demo is not None:
        bench_demo(args.demo, ends)
    if args.england is not None:
        bench_england(args.england, ends)
    return 0


if __name__ == "__main__":
    sys.exit(main())
