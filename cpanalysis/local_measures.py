"""Local measures the SSDA903 does not hold, loaded into the tidy indicator table.

The strategy scorecard needs measures DfE does not collect in the 903: GP registration,
timeliness of initial health assessments, personal education plans, waiting times for mental
health services, attainment. An authority keeps them in small CSV files in ``data/raw/local/``
(any ``*.csv`` there is read), one row per value.

CSV layout
----------
==================  ========  ===================================================================
column              required  meaning
==================  ========  ===================================================================
indicator_id        yes       ``local_`` + snake_case (``local_gp_registration``)
period_end          yes       last day the value covers, ``YYYY-MM-DD`` or ``DD/MM/YYYY``
numerator           yes*      whole number of children with the outcome (``%``, ``count``, rates)
denominator         yes*      whole number in the cohort (``%``); population (``rate_per_10k``)
value               no        the figure itself; required for ``mean`` / ``days`` (then
                              numerator/denominator may be blank); ignored for ``%`` (recomputed)
unit                no        ``%`` (default), ``count``, ``rate_per_10k``, ``mean``, ``days``
breakdown           no        breakdown name (default ``Total``)
breakdown_value     no        group within the breakdown (default ``Total``)
period_type         no        ``year`` / ``rolling_12m`` / ``quarter``; default ``year`` for a
                              31 March, else ``rolling_12m``
title, outcome,     no        catalogue fields for an id that is not one of
polarity                      :data:`LOCAL_INDICATORS` (then all three are required)
==================  ========  ===================================================================

(*) required except for ``mean`` and ``days`` rows, which need ``value``.

Percentages get Wilson 95% / 99.8% limits and rates Byar / exact Poisson limits, exactly as the
903 indicators; means and days carry the limits only if the file gives ``lower_95`` etc.
A bad row stops loading with an :class:`~cpanalysis.errors.InputFileError` naming the file, the
row (spreadsheet numbering, header = row 1) and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import periods
from cpanalysis.errors import InputFileError, ParameterError
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.beyond_903 import LOCAL_INDICATORS, local_record
from cpanalysis.indicators.table import finish

REQUIRED_COLUMNS = ("indicator_id", "period_end")
OPTIONAL_COLUMNS = (
    "numerator", "denominator", "value", "unit", "breakdown", "breakdown_value", "period_type", "title",
    "outcome", "polarity", "lower_95", "upper_95", "lower_998", "upper_998",
)
_ID = re.compile(r"^local_[a-z0-9_]+$")
#: The strategy's targets (read by :func:`cpanalysis.scorecard.read_targets`), skipped here.
TARGETS_FILE = "targets.csv"

def _error(file: Path, row: int, column: str, problem: str) -> InputFileError:
    return InputFileError(str(file), f"row {row}, column {column}: {problem}",
                          "the local-measures layout described in cpanalysis.local_measures.")


def _whole(file: Path, row: int, column: str, text: str, required: bool) -> float:
    if text == "":
        if required:
            raise _error(file, row, column, "is blank; a whole number is needed.")
        return np.nan
    number = _number(file, row, column, text)
    if number < 0 or number != int(number):
        raise _error(file, row, column, f"{text!r} is not a whole number of children (0 or more).")
    return number


def _number(file: Path, row: int, column: str, text: str) -> float:
    if text == "":
        return np.nan
    try:
        number = float(text)
    except ValueError:
        raise _error(file, row, column, f"{text!r} is not a number.") from None
    # float() also reads "inf", "nan" and 1e400 (infinite): none is a figure anyone recorded.
    if not np.isfinite(number):
        raise _error(file, row, column, f"{text!r} is not a finite number.")
    return number


def _date(file: Path, row: int, text: str) -> pd.Timestamp:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return pd.Timestamp(pd.to_datetime(text, format=fmt))
        except (ValueError, TypeError):
            continue
    raise _error(file, row, "period_end", f"{text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY).")


def _record(file: Path, row: int, fields: dict[str, str], seen: dict[str, cat.Indicator]) -> cat.Indicator:
    """The row's measure: one the package knows, one defined on an earlier row of the same read
    (``seen``), or the one this row defines (title, outcome, polarity), which is added to ``seen``.
    Nothing is registered in the catalogue here (:func:`local_records`)."""
    indicator_id = fields["indicator_id"]
    if not _ID.match(indicator_id):
        raise _error(file, row, "indicator_id",
                     f"{indicator_id!r} must start with 'local_' and use lower case, digits and '_'.")
    if indicator_id in LOCAL_INDICATORS or (indicator_id in seen and not fields.get("title")):
        known = seen[indicator_id]
        if fields.get("unit") and fields["unit"] != known.unit:
            raise _error(file, row, "unit", f"{fields['unit']!r} differs from {indicator_id}'s unit {known.unit!r}.")
        return known
    for column in ("title", "outcome", "polarity"):
        if not fields.get(column):
            raise _error(file, row, column,
                         f"is blank; {indicator_id} is not a known local measure, so give title, outcome and polarity.")
    try:
        record = local_record(indicator_id, fields["title"], fields["outcome"], fields.get("unit") or "%",
                              fields["polarity"], "As recorded by the authority", "As recorded", "As recorded")
    except ParameterError as exc:
        raise _error(file, row, "unit/outcome/polarity", str(exc)) from None
    seen[indicator_id] = record
    return record


def _row(file: Path, row: int, fields: dict[str, str], geography: str, seen: dict[str, cat.Indicator]) -> dict:
    record = _record(file, row, fields, seen)
    end = _date(file, row, fields["period_end"])
    period_type = fields.get("period_type") or ("year" if (end.month, end.day) == (3, 31) else "rolling_12m")
    if period_type not in ("year", "rolling_12m", "quarter"):
        raise _error(file, row, "period_type", f"{period_type!r} is not year, rolling_12m or quarter.")
    unit = record.unit
    needs_counts = unit in ("%", "count", "rate_per_10k")
    if needs_counts:
        numerator = _whole(file, row, "numerator", fields.get("numerator", ""), True)
    else:
        numerator = _number(file, row, "numerator", fields.get("numerator", ""))
    denominator_text = fields.get("denominator", "")
    if unit == "%":
        denominator = _whole(file, row, "denominator", denominator_text, True)
    else:
        denominator = _number(file, row, "denominator", denominator_text)
    if unit == "rate_per_10k" and not denominator > 0:
        raise _error(file, row, "denominator", f"{denominator_text!r}: a rate needs a positive population.")
    if unit == "%" and numerator > denominator:
        raise _error(file, row, "numerator", f"{numerator:g} is larger than the denominator {denominator:g}.")
    kind = {"%": "proportion", "count": "count", "rate_per_10k": "rate"}.get(unit, "mean")
    out = {"indicator_id": record.id, "period_end": end, "period_type": period_type,
           "geography": geography, "breakdown": fields.get("breakdown") or cat.TOTAL,
           "breakdown_value": fields.get("breakdown_value") or cat.TOTAL,
           "numerator": numerator, "denominator": denominator, "kind": kind}
    if kind == "mean":
        out["value"] = _number(file, row, "value", fields.get("value", ""))
        if np.isnan(out["value"]):
            raise _error(file, row, "value", f"is blank; a {unit} measure needs its value.")
        for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
            out[column] = _number(file, row, column, fields.get(column, ""))
    return out


def read_local_file(path: str | Path, geography: str = "local") -> pd.DataFrame:
    """One local-measures CSV as tidy rows (``source = "local"``).

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV in the layout of the module docstring.
    geography : str
        The authority's code, written to ``geography``.

    Raises
    ------
    InputFileError
        Missing columns, or a bad value (the message names the row and column).
    """
    seen = dict(LOCAL_INDICATORS)
    return _finish(_read_rows(Path(path), geography, seen), seen)


def _finish(rows: list[dict], seen: dict[str, cat.Indicator]) -> pd.DataFrame:
    """The tidy table of the rows, ``unit`` and ``polarity`` from each row's record: an authority's
    own measure is not in the catalogue unless registered, and reading must not depend on that."""
    out = finish(rows)
    for column in ("unit", "polarity"):
        out[column] = out["indicator_id"].map({k: getattr(r, column) for k, r in seen.items()})
    return out


def _read_rows(file: Path, geography: str, seen: dict[str, cat.Indicator]) -> list[dict]:
    """The rows of one file, checked; the measures an authority defines there added to ``seen``."""
    try:
        text = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(str(file), f"cannot be read as CSV ({exc}).") from None
    text.columns = [str(c).strip().lower() for c in text.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in text.columns]
    if missing:
        raise InputFileError(str(file), f"has no column(s) {', '.join(missing)}.",
                             f"columns {', '.join(REQUIRED_COLUMNS + ('numerator', 'denominator'))} at least.")
    return [
        _row(file, i + 2, {k: str(v).strip() for k, v in record.items()}, geography, seen)
        for i, record in enumerate(text.to_dict("records"))
    ]


def _measure_files(folder: str | Path) -> list[Path]:
    files = sorted(Path(folder).glob("*.csv")) if Path(folder).is_dir() else []
    # The strategy's targets live beside the measures but are not measures (cpanalysis.scorecard).
    return [f for f in files if f.name.lower() != TARGETS_FILE]


def load_local_measures(folder: str | Path, geography: str = "local") -> pd.DataFrame:
    """Every ``*.csv`` of a local-measures folder (``data/raw/local/``) as tidy rows.

    An absent or empty folder gives an empty table. ``targets.csv`` (the strategy's targets,
    :mod:`cpanalysis.scorecard`) is not a measure file and is skipped.
    """
    seen = dict(LOCAL_INDICATORS)
    rows = [row for f in _measure_files(folder) for row in _read_rows(f, geography, seen)]
    return _finish(rows, seen)


def local_records(folder: str | Path) -> dict[str, cat.Indicator]:
    """The catalogue records of the measures an authority defines in its local-measures files.

    The measures the package knows (:data:`~cpanalysis.indicators.beyond_903.LOCAL_INDICATORS`) are
    declared with the catalogue and not returned. Registering what this returns is one explicit
    call, :func:`cpanalysis.reports.loading.register_local_measures`, made whenever a notebook's
    data are loaded; reading the files (:func:`load_local_measures`) registers nothing.

    Raises
    ------
    InputFileError
        As :func:`load_local_measures`: the files are read and checked in full.
    """
    seen = dict(LOCAL_INDICATORS)
    for file in _measure_files(folder):
        _read_rows(file, "local", seen)
    return {k: r for k, r in seen.items() if k not in LOCAL_INDICATORS}


#: Plausible levels for the demo authority's local measures (share or mean, cohort size).
_DEMO_LEVELS = {
    "local_gp_registration": (0.96, 690),
    "local_iha_within_20_days": (0.58, 75),
    "local_pep_completed": (0.88, 480),
    "local_ks2_rwm_expected": (0.36, 35),
}


def write_demo_local_measures(folder: str | Path, seed: int = 2026, first_year: int = 2017,
                              last_period_end: str = "2025-09-30") -> Path:
    """Write the synthetic authority's local measures (``<folder>/local/demo_local_measures.csv``).

    Quarterly values from 30 June of ``first_year - 1`` to ``last_period_end`` for GP
    registration, initial-health-assessment timeliness and PEP completion, the yearly key stage 2
    result at each 31 March, and the mean mental-health wait each quarter. Same seed, same bytes.
    The demo strategy's targets go beside it (``targets.csv``, :func:`write_demo_targets`).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    rng = np.random.default_rng([int(seed), 4])
    ends = periods.quarter_ends(f"{first_year - 1}-06-30", last_period_end)
    rows = []
    for end in ends:
        for indicator_id, (share, size) in _DEMO_LEVELS.items():
            if indicator_id == "local_ks2_rwm_expected" and (end.month, end.day) != (3, 31):
                continue
            n = int(rng.integers(int(size * 0.85), int(size * 1.15) + 1))
            k = int(rng.binomial(n, share))
            rows.append([indicator_id, end.date().isoformat(), str(k), str(n), ""])
        seen = int(rng.integers(40, 90))
        waits = rng.gamma(2.0, 4.5, seen)
        rows.append(["local_mh_wait_weeks", end.date().isoformat(), f"{waits.sum():.1f}", str(seen),
                     f"{waits.mean():.1f}"])
    out = Path(folder) / "local"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "demo_local_measures.csv"
    pd.DataFrame(rows, columns=["indicator_id", "period_end", "numerator", "denominator", "value"]).to_csv(
        path, index=False, lineterminator="\n"
    )
    write_demo_targets(out)
    return path


#: The demo strategy's targets: (indicator id, target, comparison, where the strategy sets it).
_DEMO_TARGETS = (
    ("health_assessment_up_to_date", 95, "at_least", "Demo strategy, outcome 1: every child's health reviewed"),
    ("local_gp_registration", 98, "at_least", "Demo strategy, outcome 1"),
    ("local_iha_within_20_days", 80, "at_least", "Demo strategy, outcome 1 (statutory 20 working days)"),
    ("sdq_completed", 90, "at_least", "Demo strategy, outcome 2"),
    ("local_mh_wait_weeks", 8, "at_most", "Demo strategy, outcome 2: seen within 8 weeks on average"),
    ("placements_3plus_12m", 9, "at_most", "Demo strategy, outcome 3"),
    ("long_term_stability", 75, "at_least", "Demo strategy, outcome 3"),
    ("local_pep_completed", 95, "at_least", "Demo strategy, outcome 4"),
    ("leavers_19_21_eet", 60, "at_least", "Demo strategy, outcome 5"),
    ("leavers_19_21_suitable_accommodation", 90, "at_least", "Demo strategy, outcome 5"),
)


def write_demo_targets(folder: str | Path) -> Path:
    """Write the demo strategy's targets (``<folder>/targets.csv``, layout in :mod:`cpanalysis.scorecard`)."""
    path = Path(folder) / TARGETS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(list(_DEMO_TARGETS), columns=["indicator_id", "target", "comparison", "source"]).to_csv(
        path, index=False, lineterminator="\n")
    return path
