"""The synthetic authority: realistic SSDA903 returns for demos, tests and benchmarks.

:func:`generate` simulates every child of an authority (a microsimulation, not independent random
rows: see :mod:`cpanalysis.synth.lifecourse`), then writes what its case-management system would
export: one folder per annual return plus an in-year extract, each with every table valid that
year in DfE's CSV layout, and ``population.csv`` (the under-18 population used for rates).

Layout written under ``out``::

    903/2016-17/header.csv ... 903/2024-25/sw_episodes.csv, 903/2025-26_Q2/...
    population.csv
    SYNTHETIC_DATA.txt     (says the data is synthetic)
    defects.csv            (only with defects > 0)

``docs/synthetic_authority.md`` describes what is modelled, the parameters and the limits.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import geography, periods
from cpanalysis.config import DEFAULT_LA_CODE, SYNTHETIC_NOTICE_FILE
from cpanalysis.errors import ParameterError
from cpanalysis.synth import params
from cpanalysis.synth.lifecourse import Child, Simulation
from cpanalysis.synth.outcomes import add_outcomes
from cpanalysis.synth.places import Places
from cpanalysis.synth.returns import ReturnSpec, cut_return, write_return

DEFAULT_LA = DEFAULT_LA_CODE
DEFAULT_SEED = 2026
DEFAULT_FIRST_YEAR = "2016-17"
DEFAULT_AS_AT = "2025-09-30"
#: Years simulated before the first return, so that everyone in care on its 1 April has a history.
BURN_IN_YEARS = 19
#: Every demo history is simulated to this day, whatever the extract date (the last ``--as-at``
#: allowed), so ``--as-at`` only decides where the returns stop: the annual returns of a seed
#: are the same bytes for any later extract date, and successive quarterly extracts differ only
#: by what happened in between.
SIMULATION_END = dt.date(2030, 3, 31)
#: Under-18 residents per postcode (Leicestershire 2025: 147,439 / 26,026), used to size an
#: authority whose population is not shipped.
UNDER_18_PER_POSTCODE = 5.66
POPULATION_COLUMNS = ("la_code", "time_period", "population_estimate", "source", "age_band")
#: Single years of age in each DfE age band of the under-18 population (16 and over: 16 and 17).
YEARS_OF_AGE = {"Under 1 year": 1, "1 to 4 years": 4, "5 to 9 years": 5, "10 to 15 years": 6,
                "16 years and over": 2}

__all__ = ["DemoResult", "generate", "return_specs", "profile_for"]


@dataclass
class DemoResult:
    """What :func:`generate` wrote."""

    out: Path
    returns: list[str]
    files: list[Path] = field(default_factory=list)
    children: int = 0
    seconds: float = 0.0
    defects: int = 0


def return_specs(first_year: int, as_at: dt.date) -> list[ReturnSpec]:
    """Annual returns from ``first_year`` to the last 31 March on or before ``as_at``, then the
    in-year extract to ``as_at`` (none when ``as_at`` is a 31 March).

    The extract is labelled ``2025-26_Q2`` at a quarter end, ``2025-26_as-at_2025-10-31`` otherwise.
    """
    # the last 31 March on or before as_at
    last_full = as_at.year if (as_at.month, as_at.day) >= (3, 31) else as_at.year - 1
    specs = [
        ReturnSpec(
            periods.year_label(y),
            y,
            dt.date(y - 1, 4, 1).toordinal(),
            dt.date(y, 3, 31).toordinal(),
            False,
        )
        for y in range(first_year, last_full + 1)
    ]
    if (as_at.month, as_at.day) != (3, 31):
        year = last_full + 1
        quarters = {(6, 30): "Q1", (9, 30): "Q2", (12, 31): "Q3"}
        suffix = quarters.get((as_at.month, as_at.day), f"as-at_{as_at.isoformat()}")
        specs.append(
            ReturnSpec(
                f"{periods.year_label(year)}_{suffix}",
                year,
                dt.date(year - 1, 4, 1).toordinal(),
                as_at.toordinal(),
                True,
            )
        )
    return specs


def profile_for(la_code: str) -> params.Profile:
    """The calibrated profile for Leicestershire; an England-like profile scaled to size otherwise."""
    if la_code == DEFAULT_LA:
        return params.LEICESTERSHIRE
    geography.la_districts(la_code)  # raises a plain-English error for an unknown code
    centroids = geography.la_centroids().set_index("la_code")
    population = int(centroids.loc[la_code, "n_postcodes"] * UNDER_18_PER_POSTCODE)
    name = geography.la_names().get(la_code, la_code)
    return params.scaled_profile(f"{name} (synthetic)", population, dfe_number="999")


def _parse(first_year: str | int, as_at: str | dt.date) -> tuple[int, dt.date]:
    try:
        year = periods.parse_year_label(first_year)
    except Exception as exc:  # periods raises ParameterError; anything else is a bad value too
        raise ParameterError(
            f"--first-year {first_year!r} is not a collection year such as 2016-17."
        ) from exc
    try:
        day = pd.Timestamp(as_at).date()
    except (ValueError, TypeError):
        raise ParameterError(f"--as-at {as_at!r} is not a date (expected YYYY-MM-DD).") from None
    if year < 2014:
        raise ParameterError(
            f"--first-year {first_year!r}: the synthetic authority starts in 2013-14 at the earliest."
        )
    if day < dt.date(year, 3, 31):
        raise ParameterError(
            f"--as-at {as_at} is before the end of the first return ({periods.year_label(year)})."
        )
    if day > dt.date(2030, 3, 31):
        raise ParameterError(
            f"--as-at {as_at} is too far ahead: codes after 2029-30 are not known."
        )
    return year, day


def simulate(
    la_code: str, seed: int, first_year: int, as_at: dt.date, profile: params.Profile | None = None,
    places: Places | None = None, id_prefix: str = "", horizon: dt.date | None = SIMULATION_END,
) -> tuple[list[Child], Places, params.Profile]:  # fmt: skip
    """Run the microsimulation for one authority (no files written).

    The history runs to ``horizon`` (default :data:`SIMULATION_END`, so that ``as_at`` does not
    change it); ``None`` stops it at ``as_at`` (the many-authorities benchmarks, which only need
    the returns they write).
    """
    profile = profile or profile_for(la_code)
    places = places or Places(la_code)
    rng = np.random.default_rng(seed)
    start = dt.date(first_year - 1 - BURN_IN_YEARS, 4, 1).toordinal()
    end = max(as_at, horizon).toordinal() if horizon is not None else as_at.toordinal()
    first_day = dt.date(first_year - 1, 4, 1).toordinal()
    simulation = Simulation(
        profile, places, rng, start, end, id_prefix=id_prefix, relevant_from=first_day
    )
    children = simulation.run()
    last_annual = max(s.year for s in return_specs(first_year, dt.date.fromordinal(end)) if not s.in_year)
    add_outcomes(children, profile, rng, first_year, last_annual, end, visible_from=first_day)
    return children, places, profile


def population_by_age(total: int) -> dict[str, int]:
    """A synthetic split of an under-18 population into DfE's age bands: the same number of
    children at each single year of age (the last band takes the rounding), summing to ``total``."""
    out = {band: round(total * years / 18) for band, years in YEARS_OF_AGE.items()}
    out["16 years and over"] += total - sum(out.values())
    return out


def population_rows(la_code: str, profile: params.Profile, years: list[int]) -> list[list[str]]:
    """``population.csv`` rows: the under-18 population used for rates, marked when extrapolated,
    then (column ``age_band``) the same population split evenly by single year of age, marked
    synthetic: no population by age is shipped with the package (DfE's files carry none)."""
    rows = []
    for year in years:
        value, estimated = profile.population_for(year)
        if la_code != DEFAULT_LA:
            source = (
                "synthetic: postcode count x 5.66 under-18s per postcode, Leicestershire's trend"
            )
        elif estimated:
            source = "extrapolated from the ONS mid-year estimates DfE used in 2019-2025"
        else:
            source = "ONS mid-year estimate as used by DfE (children looked after release)"
        rows.append([la_code, str(year), str(value), source, ""])
        for band, count in population_by_age(int(value)).items():
            rows.append([la_code, str(year), str(count), "synthetic: the under-18 population split evenly by "
                         "single year of age", band])
    return rows


def generate(
    out: str | Path = "data/raw/demo",
    seed: int = DEFAULT_SEED,
    la_code: str = DEFAULT_LA,
    first_year: str | int = DEFAULT_FIRST_YEAR,
    as_at: str | dt.date = DEFAULT_AS_AT,
    defects: float = 0.0,
    authorities: int = 1,
) -> DemoResult:
    """Generate the synthetic authority's returns into ``out``.

    Parameters
    ----------
    out : path
        Folder to write (``903/<return>/``, ``population.csv``; created if needed). Existing
        files of the same names are overwritten.
    seed : int
        Random seed; the same seed and arguments give byte-identical files.
    la_code : str
        ONS upper-tier code of the authority (default Leicestershire, ``E10000018``, whose
        published figures the default profile is calibrated to).
    first_year : str or int
        First annual return (``"2016-17"``).
    as_at : str or date
        Date of the in-year extract (``"2025-09-30"``); a 31 March gives annual returns only.
    defects : float
        Share of rows given a realistic data-quality fault (0 = clean); listed in ``defects.csv``.
    authorities : int
        More than 1: that many authorities of different sizes and profiles (benchmarks); see
        :func:`cpanalysis.synth.authorities.generate_many`.

    Returns
    -------
    DemoResult
    """
    started = time.perf_counter()
    if not 0.0 <= float(defects) <= 0.5:
        raise ParameterError(
            f"--defects {defects}: give a share of rows between 0 and 0.5 (e.g. 0.01)."
        )
    if int(authorities) < 1:
        raise ParameterError(
            f"--authorities {authorities}: give a whole number of authorities, 1 or more."
        )
    year, day = _parse(first_year, as_at)
    out = Path(out)
    if int(authorities) > 1:
        from cpanalysis.synth.authorities import generate_many

        if defects:
            raise ParameterError(
                "--defects works with one authority only (not with --authorities)."
            )

        return generate_many(out, seed, int(authorities), year, day, started)
    children, places, profile = simulate(la_code, seed, year, day)
    specs = return_specs(year, day)
    result = DemoResult(out=out, returns=[s.label for s in specs])
    cut = {spec.label: cut_return(children, places, spec) for spec in specs}
    if defects > 0:
        from cpanalysis.synth.defects import inject_defects, write_defects

        found = inject_defects(cut, specs, float(defects), np.random.default_rng([seed, 903]))
        result.files.append(write_defects(found, cut, out))
        result.defects = len(found)
    for spec in specs:
        result.files.extend(write_return(cut[spec.label], out / "903" / spec.label))
    years = list(range(year, specs[-1].year + 1))
    result.files.append(_write_population(out, population_rows(la_code, profile, years)))
    result.files.append(write_notice(out, profile.name, seed, specs[-1].label))
    result.children = len(children)
    result.seconds = time.perf_counter() - started
    return result


NOTICE_FILE = SYNTHETIC_NOTICE_FILE


def write_notice(out: Path, authority: str, seed: int, last_return: str) -> Path:
    """``SYNTHETIC_DATA.txt``: says, beside the returns, that none of it is about real children."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / NOTICE_FILE
    authority = authority.removesuffix(" (synthetic)")
    path.write_text(
        f"Synthetic demonstration data, not {authority}'s.\n"
        "\n"
        f"Every file in this folder was generated by `cpanalysis demo` (seed {seed}, returns to\n"
        f"{last_return}). It imitates the SSDA903 returns of an authority like {authority}, but\n"
        "no row is about a real child and no figure is the authority's published statistic.\n"
        "Child IDs, dates of birth, UPNs, URNs and social worker IDs are invented; postcodes are\n"
        "real places picked at random. See docs/synthetic_authority.md.\n",
        encoding="utf-8",
    )
    return path


def _write_population(out: Path, rows: list[list[str]]) -> Path:
    import csv

    out.mkdir(parents=True, exist_ok=True)
    path = out / "population.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(POPULATION_COLUMNS)
        writer.writerows(rows)
    return path
