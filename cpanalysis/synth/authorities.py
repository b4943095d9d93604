"""Many synthetic authorities at once, for benchmarks (``cpanalysis demo --authorities N``).

Each authority is a real English upper-tier authority (its own postcodes and neighbours) with an
England-like profile scaled to its size and varied: starts per 10,000 children, UASC, in-house
fostering, placement stability, distances, SDQ level, health checks and care-leaver outcomes all
differ. At ``N=150`` the total is England-sized (about 80,000 children looked after at 31 March).

To stay fast (target: ``N=150`` in under 3 minutes on 2 cores) this mode writes only the **last
annual return and the in-year extract**, whatever ``--first-year`` says, simulates authorities in
parallel (one process per core, sharing one GB-wide postcode index), and skips simulating the
placements of children whose care ended before the first return written. Layout::

    <out>/<la_code>/903/<return>/*.csv
    <out>/population.csv       (every authority, every year from --first-year)
    <out>/authorities.csv      (la_code, name and the profile each authority was given)
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import geography
from cpanalysis.errors import ParameterError
from cpanalysis.synth import params
from cpanalysis.synth.places import Places, PostcodePool

#: Authorities left out: too small to be useful (City of London, Isles of Scilly).
EXCLUDED = ("E09000001", "E06000053")
AUTHORITY_COLUMNS = (
    "la_code",
    "name",
    "population_under18",
    "start_rate_per_10k",
    "uasc_factor",
    "in_house_foster",
    "instability",
    "far_placement",
    "sdq_shift",
    "leaver_eet",
)

# Shared with worker processes (inherited when they fork).
_POOL: PostcodePool | None = None
_GROUPS: dict[str, np.ndarray] = {}
_JOB: dict = {}


def choose_authorities(n: int, seed: int) -> list[str]:
    """``n`` English upper-tier authorities, chosen reproducibly from ``seed`` (all of them in
    code order when ``n`` is the number available)."""
    codes_ = sorted(c for c in set(geography.lad_to_utla().values()) if c not in EXCLUDED)
    if n > len(codes_):
        raise ParameterError(f"--authorities {n}: at most {len(codes_)} English authorities can be generated.")
    if n == len(codes_):
        return codes_
    picked = np.random.default_rng([seed, 150]).choice(len(codes_), size=n, replace=False)
    return [codes_[i] for i in sorted(picked)]


def varied_profile(la_code: str, population: int, rng: np.random.Generator) -> params.Profile:
    """An England-like profile for one authority, with its own rates drawn from ``rng``."""
    name = geography.la_names().get(la_code, la_code)
    start_rate = params.ENGLAND_START_RATE * float(np.exp(rng.normal(0, 0.3)))
    profile = params.scaled_profile(
        f"{name} (synthetic)",
        population,
        start_rate=start_rate,
        dfe_number="999",
        in_house_foster=float(rng.uniform(0.40, 0.78)),
        instability=float(np.exp(rng.normal(0, 0.2))),
        far_placement=float(np.exp(rng.normal(0, 0.25))),
        sdq_shift=float(rng.normal(0, 0.8)),
        health_assessment=float(rng.uniform(0.70, 0.97)),
        immunisations=float(rng.uniform(0.70, 0.95)),
        dental=float(rng.uniform(0.70, 0.95)),
        development_check=float(rng.uniform(0.70, 0.95)),
        sdq_completion=float(rng.uniform(0.60, 0.95)),
        leaver_eet=float(rng.uniform(0.45, 0.65)),
    )
    uasc = float(np.exp(rng.normal(0, 0.7)))
    return replace(profile, uasc_starts={y: round(n * uasc) for y, n in profile.uasc_starts.items()})


def _one(index: int) -> tuple[str, int, list[list[str]], list[str]]:
    """Generate authority number ``index`` of the job (runs in a worker process)."""
    from cpanalysis.synth import population_rows, return_specs, simulate
    from cpanalysis.synth.returns import cut_return, write_return

    job = _JOB
    la_code = job["las"][index]
    rng = np.random.default_rng([job["seed"], index, 7])
    centroids = job["centroids"]
    population = int(centroids.loc[la_code, "n_postcodes"] * job["per_postcode"])
    profile = varied_profile(la_code, population, rng)
    places = Places(la_code, wide=_POOL, local_index=_GROUPS[la_code])
    children, _, _ = simulate(
        la_code, int(rng.integers(2**31)), job["first_year"], job["as_at"],
        profile=profile, places=places, horizon=None,
    )  # fmt: skip
    specs = return_specs(job["first_year"], job["as_at"])
    for spec in specs:
        write_return(cut_return(children, places, spec), job["out"] / la_code / "903" / spec.label)
    # population for every year from --first-year, so indicators (rates) work for all the quarter
    # ends a benchmark asks for, not only the two returns written
    years = list(range(job["population_from"], specs[-1].year + 1))
    info = [
        la_code,
        profile.name,
        str(population),
        f"{profile.starts[2025] / population * 10_000:.1f}",
        f"{profile.uasc_starts[2025] / max(1, profile.starts[2025]):.3f}",
        f"{profile.in_house_foster:.3f}",
        f"{profile.instability:.3f}",
        f"{profile.far_placement:.3f}",
        f"{profile.sdq_shift:.2f}",
        f"{profile.leaver_eet:.3f}",
    ]
    return la_code, len(children), population_rows(la_code, profile, years), info


def generate_many(out: Path, seed: int, n: int, first_year: int, as_at: dt.date, started: float):
    """Generate ``n`` authorities into ``out`` (see the module docstring); returns a DemoResult."""
    from cpanalysis.synth import UNDER_18_PER_POSTCODE, DemoResult, return_specs

    global _POOL, _GROUPS, _JOB
    last_full = max(s.year for s in return_specs(first_year, as_at) if not s.in_year)
    las = choose_authorities(n, seed)
    frame = geography.postcodes_near()  # every GB postcode, loaded once for all authorities
    _POOL = PostcodePool.from_frame(frame)
    _GROUPS = {la: idx for la, idx in frame.groupby("la_code", sort=False).indices.items() if la in set(las)}
    _JOB = {
        "las": las,
        "seed": seed,
        "first_year": last_full,
        "population_from": min(first_year, last_full),
        "as_at": as_at,
        "out": out,
        "centroids": geography.la_centroids().set_index("la_code"),
        "per_postcode": UNDER_18_PER_POSTCODE,
    }
    workers = max(1, min(os.cpu_count() or 1, len(las)))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_one, range(len(las)), chunksize=1)
    else:
        results = [_one(i) for i in range(len(las))]
    results.sort(key=lambda r: r[0])
    out.mkdir(parents=True, exist_ok=True)
    population = [row for r in results for row in r[2]]
    from cpanalysis.synth import POPULATION_COLUMNS  # here: the package imports this module

    files = [_write(out / "population.csv", POPULATION_COLUMNS, population)]
    files.append(_write(out / "authorities.csv", AUTHORITY_COLUMNS, [r[3] for r in results]))
    specs = return_specs(last_full, as_at)
    return DemoResult(
        out=out,
        returns=[s.label for s in specs],
        files=files,
        children=sum(r[1] for r in results),
        seconds=time.perf_counter() - started,
    )


def _write(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def cla_at(out: Path, label: str) -> pd.Series:
    """Children looked after at the end of return ``label`` in each authority of a benchmark run
    (open episodes that are not short breaks): a quick check of the England-scale total."""
    from cpanalysis import codes

    counts = {}
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        episodes = pd.read_csv(folder / "903" / label / "episodes.csv", dtype=str, keep_default_na=False)
        open_ = (episodes["DEC"] == "") & ~episodes["LS"].isin(codes.LS_SHORT_BREAK)
        counts[folder.name] = episodes.loc[open_, "CHILD"].nunique()
    return pd.Series(counts, name="cla")
