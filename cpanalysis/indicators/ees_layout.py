"""The EES tidy layout of the indicator table: ``indicators.csv`` and reading it back.

``indicators.csv`` follows DfE's open-data standard for Explore Education Statistics files
(``docs/dfe_statistics.md`` §4a) so that it passes the same screener and loads into the
same tools as DfE's own files:

- mandatory columns ``time_period, time_identifier, geographic_level, country_code, country_name``
  then the local-authority columns ``region_code, region_name, old_la_code, new_la_code, la_name``;
- time: every row is the 12 months ending at a financial-year quarter end, so ``time_period`` is
  the 6-digit financial year of the period end (``202526``) and ``time_identifier`` the quarter
  (``Financial year Q2`` for 30 September; ``Q4`` is the year ending 31 March). One identifier type
  per file, as the standard requires; ``period_end`` and ``period_type`` (``year`` or
  ``rolling_12m``) are kept as filters so nobody has to decode the quarter. A quarter's
  identifier means "the 12 months ending at the end of that quarter", not the quarter alone. At
  31 March the rolling 12 months equal the year, so only the year row is written: one row per
  period, window and breakdown;
- filters ``comparison, indicator_id, indicator, outcome, breakdown, breakdown_value, unit,
  polarity`` (``"Total"`` rows for the whole cohort). ``comparison`` says whose figure a row is:
  ``This authority`` (computed from its returns), ``This authority (published)`` (DfE's figure for
  a measure only DfE computes, such as attainment), ``England``, ``Region`` or ``Statistical
  neighbour N`` (DfE's
  published figures, :func:`comparator_rows`; each row's geography columns name the area, as in
  DfE's own files);
- indicators ``numerator, denominator, value, lower_95, upper_95, lower_998, upper_998``;
  percentages 0-100; values and limits rounded to 2 decimal places; counts as whole numbers;
- no blank indicator cell: DfE symbols instead, ``c`` (suppressed for confidentiality, with the
  symbol the disclosure step set), ``x`` (not available), ``z`` (not applicable: a confidence
  interval of a plain count).

Rows are sorted, numbers formatted by one function and nothing time-dependent is written, so the
same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.config import ENGLAND_CODE
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.table import TIDY_COLUMNS
from cpanalysis.writing import restore

EES_TIME = ("time_period", "time_identifier")

EES_GEOGRAPHY = ("geographic_level", "country_code", "country_name", "region_code", "region_name",
                 "old_la_code", "new_la_code", "la_name")

EES_FILTERS = ("period_end", "period_type", "comparison", "indicator_id", "indicator", "outcome", "breakdown",
               "breakdown_value", "unit", "polarity")

#: ``comparison`` of the authority's own rows, computed from its returns; of its figures as DfE
#: published them (measures only DfE computes, such as attainment); the others are England,
#: Region and Statistical neighbour N.
AUTHORITY = "This authority"

AUTHORITY_PUBLISHED = "This authority (published)"

EES_INDICATORS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998")

#: Column order of ``indicators.csv``.
EES_COLUMNS: tuple[str, ...] = EES_TIME + EES_GEOGRAPHY + EES_FILTERS + EES_INDICATORS

_INTERVALS = ("lower_95", "upper_95", "lower_998", "upper_998")

def financial_quarter(period_end: object) -> tuple[str, str]:
    """EES ``time_period`` and ``time_identifier`` of a period ending on ``period_end``.

    Examples
    --------
    >>> financial_quarter("2025-09-30")
    ('202526', 'Financial year Q2')
    >>> financial_quarter("2025-03-31")
    ('202425', 'Financial year Q4')
    """
    end = pd.Timestamp(period_end)
    start_year = end.year if end.month >= 4 else end.year - 1
    quarter = (end.month - 4) % 12 // 3 + 1
    return f"{start_year}{(start_year + 1) % 100:02d}", f"Financial year Q{quarter}"

def format_number(value: object, decimals: int = 2) -> str:
    """One number as written to the CSV: rounded, no trailing zeros, no exponent (``10.5``, ``694``)."""
    number = round(float(value), decimals)
    if number == 0:
        return "0"  # never "-0"
    return format(number, f".{decimals}f").rstrip("0").rstrip(".")

def _outcome(indicator_id: str) -> tuple[str, str]:
    try:
        record = catalogue.get(indicator_id)
    except Exception:  # local measures or DfE-only ids that are not in the catalogue
        return indicator_id.replace("_", " ").capitalize(), "other"
    return record.title, record.outcome

def comparator_rows(local: pd.DataFrame, national: pd.DataFrame | None, la_code: str, *, region_code: str = "",
                    neighbours: Iterable[str] = (), period_end: object = None) -> pd.DataFrame:
    """DfE's published figures to export beside the authority's: England, its region, its neighbours.

    Parameters
    ----------
    local : DataFrame
        The authority's tidy rows (what :func:`to_ees` exports).
    national : DataFrame or None
        DfE's tidy rows (:func:`cpanalysis.dfe.load_dfe`); None gives no rows.
    la_code : str
    region_code : str; default ""
    neighbours : iterable of str
        Statistical neighbours' codes, closest first (numbered in that order).
    period_end : date-like or None
        The run's period end; published figures after it are left out.

    Returns
    -------
    DataFrame
        Tidy rows plus ``comparison``: for every measure the authority has, the comparators' figures
        at each 31 March it has a yearly figure for; for measures only DfE computes (attainment and
        any other id the authority has no row of), the authority's own published figures too, every
        year from its first to the period end. Empty when ``national`` is None.
    """
    columns = [*TIDY_COLUMNS, "comparison"]
    if national is None or national.empty:
        return pd.DataFrame(columns=columns)
    roles = {ENGLAND_CODE: "England"}
    if region_code:
        roles[region_code] = "Region"
    for rank, code in enumerate(neighbours, start=1):
        roles.setdefault(str(code), f"Statistical neighbour {rank}")
    rows = national.assign(period_end=pd.to_datetime(national["period_end"]),
                           geography=national["geography"].astype(str))
    ends = pd.to_datetime(local["period_end"])
    years = set(ends[local["period_type"] == "year"])
    computed = set(local["indicator_id"])
    last = pd.Timestamp(period_end) if period_end is not None else (ends.max() if len(ends) else None)
    first = min(years) if years else last
    beside = rows["geography"].isin(roles) & rows["indicator_id"].isin(computed) & rows["period_end"].isin(years)
    published_only = (~rows["indicator_id"].isin(computed) & rows["geography"].isin([*roles, str(la_code)]))
    if last is not None:
        published_only &= (rows["period_end"] <= last) & (rows["period_end"] >= first)
    out = rows[beside | published_only].copy()
    out["comparison"] = out["geography"].map(roles).fillna(AUTHORITY_PUBLISHED)
    return out[columns].reset_index(drop=True)

def _geography_columns(codes: pd.Series, la_code: str, la_name: str, old_la_code: str, region_code: str,
                       region_name: str, areas: pd.DataFrame | None) -> pd.DataFrame:
    """EES geography columns of each row's area (England, a region or an authority)."""
    from cpanalysis.dfe.areas import LONDON_SUBREGIONS, REGIONS

    known = {str(la_code): (str(old_la_code), la_name, region_code, region_name)}
    if areas is not None:
        for row in areas.itertuples(index=False):
            if row.new_la_code and row.new_la_code not in known:
                known[row.new_la_code] = (row.old_la_code, row.la_name, row.region_code, row.region_name)
    regions = {**REGIONS, **LONDON_SUBREGIONS}
    out = pd.DataFrame(index=codes.index)
    national = codes == ENGLAND_CODE
    regional = codes.isin(regions)
    out["geographic_level"] = np.where(national, "National", np.where(regional, "Regional", "Local authority"))
    out["country_code"] = ENGLAND_CODE
    out["country_name"] = "England"
    details = codes.map(lambda c: known.get(c, ("", "", "", "")))
    out["region_code"] = np.where(regional, codes, details.str[2])
    out["region_name"] = np.where(regional, codes.map(regions).fillna(""), details.str[3])
    local = ~(national | regional)
    out["old_la_code"] = np.where(local, details.str[0], "")
    out["new_la_code"] = np.where(local, codes, "")
    out["la_name"] = np.where(local, details.str[1], "")
    out.loc[national, ["region_code", "region_name"]] = ""
    return out

def to_ees(tidy: pd.DataFrame, la_code: str, *, la_name: str = "", old_la_code: str = "",
           region_code: str = "", region_name: str = "", comparators: pd.DataFrame | None = None,
           areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """The authority's rows of a tidy indicator table, and its comparators', in the EES layout.

    Parameters
    ----------
    tidy : DataFrame
        Tidy indicator table (``indicators.TIDY_COLUMNS``); only rows of ``la_code`` are taken
        from it (``comparison`` = ``This authority``).
    la_code : str
        The authority's 9-character code (``new_la_code``).
    la_name, old_la_code, region_code, region_name : str; default ""
        Location columns (blank when unknown, as EES allows).
    comparators : DataFrame or None; default None
        :func:`comparator_rows`: DfE's published figures for England, the region and the
        neighbours (and the authority's for measures only DfE computes), exported as published.
    areas : DataFrame or None; default None
        :func:`cpanalysis.dfe.la_codes`, to name the neighbours and their regions.

    Returns
    -------
    DataFrame
        Columns :data:`EES_COLUMNS`, all text, sorted by period end, indicator, breakdown, then
        the authority before England, the region and the neighbours.

    Raises
    ------
    ParameterError
        If ``tidy`` lacks tidy-table columns.
    """
    missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
    if missing:
        raise ParameterError(f"indicator table lacks columns {missing}; expected {list(TIDY_COLUMNS)}")
    rows = tidy[tidy["geography"].astype(str) == str(la_code)].copy()
    rows["comparison"] = AUTHORITY
    if comparators is not None and not comparators.empty:
        rows = pd.concat([rows, comparators[[*TIDY_COLUMNS, "comparison"]]], ignore_index=True)
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    rows["geography"] = rows["geography"].astype(str)
    rows = _one_row_per_period(rows)
    order = rows["comparison"].map(_comparison_order)
    rows = rows.assign(_order=order).sort_values(
        ["period_end", "indicator_id", "breakdown", "breakdown_value", "period_type", "_order"], kind="mergesort")
    out = pd.DataFrame(index=rows.index)
    quarters = rows["period_end"].map(financial_quarter)
    out["time_period"] = quarters.str[0]
    out["time_identifier"] = quarters.str[1]
    geography = _geography_columns(rows["geography"], str(la_code), la_name, str(old_la_code), region_code,
                                   region_name, areas)
    for col in EES_GEOGRAPHY:
        out[col] = geography[col]
    out["period_end"] = rows["period_end"].dt.strftime("%Y-%m-%d")
    out["period_type"] = rows["period_type"].astype(str)
    out["comparison"] = rows["comparison"]
    out["indicator_id"] = rows["indicator_id"].astype(str)
    named = rows["indicator_id"].map(_outcome)
    out["indicator"] = named.str[0]
    out["outcome"] = named.str[1]
    for col in ("breakdown", "breakdown_value", "unit", "polarity"):
        out[col] = rows[col].astype(str)
    symbol = rows["suppressed"].fillna("").astype(str)
    for col in EES_INDICATORS:
        numbers = pd.to_numeric(rows[col], errors="coerce")
        blank_symbol = np.where(
            symbol != "", symbol,
            np.where((rows["unit"] == "count") & (col in _INTERVALS), "z", "x"),
        )
        text = numbers.map(lambda v: "" if pd.isna(v) else format_number(v))
        out[col] = np.where(numbers.isna(), blank_symbol, text)
    return out[list(EES_COLUMNS)].reset_index(drop=True)

def _one_row_per_period(rows: pd.DataFrame) -> pd.DataFrame:
    """Drop the rolling-12-month rows that repeat a year row of the same 31 March.

    At 31 March the rolling 12 months are the year (the indicators' property tests hold them
    equal), and both would carry the same ``time_period`` and ``time_identifier``: one row per
    period, the year's, is what a reader filtering the file expects.
    """
    key = ["period_end", "indicator_id", "geography", "comparison", "breakdown", "breakdown_value"]
    years = rows[rows["period_type"] == "year"][key].drop_duplicates()
    rolling = rows["period_type"] == "rolling_12m"
    repeated = rows[rolling][key].merge(years.assign(_year=True), on=key, how="left")["_year"].fillna(False)
    drop = pd.Series(False, index=rows.index)
    drop[rows.index[rolling]] = repeated.to_numpy(dtype=bool)
    return rows[~drop]

def _comparison_order(comparison: str) -> int:
    if comparison in (AUTHORITY, AUTHORITY_PUBLISHED):
        return 0
    if comparison == "England":
        return 1
    if comparison == "Region":
        return 2
    return 2 + int(str(comparison).rsplit(" ", 1)[-1]) if str(comparison)[-1:].isdigit() else 99

def from_ees(frame: pd.DataFrame) -> pd.DataFrame:
    """Read an ``indicators.csv`` back into the tidy indicator table (symbols become NaN + ``suppressed``).

    Parameters
    ----------
    frame : DataFrame
        As read with ``dtype=str`` (``read_indicators_csv`` does that).

    Returns
    -------
    DataFrame
        Columns ``indicators.TIDY_COLUMNS``; ``source`` is ``local`` for the authority's computed
        rows and ``dfe`` for published ones (every other ``comparison``); ``geography`` is the area's code (the country
        or region code on National and Regional rows); ``suppressed`` holds the symbol of a
        suppressed value (``c``), ``""`` otherwise. Files written before the ``comparison`` column
        existed hold the authority's rows only.
    """
    level = frame["geographic_level"] if "geographic_level" in frame else pd.Series("Local authority", frame.index)
    geography = np.where(level == "National", frame.get("country_code", ENGLAND_CODE),
                         np.where(level == "Regional", frame.get("region_code", ""), frame["new_la_code"]))
    comparison = frame["comparison"] if "comparison" in frame else pd.Series(AUTHORITY, frame.index)
    local = comparison == AUTHORITY
    out = pd.DataFrame({
        "indicator_id": frame["indicator_id"],
        "period_end": pd.to_datetime(frame["period_end"]),
        "period_type": frame["period_type"],
        "geography": geography,
        "breakdown": frame["breakdown"],
        "breakdown_value": frame["breakdown_value"],
    })
    for col in EES_INDICATORS:
        out[col] = pd.to_numeric(frame[col], errors="coerce")
    out["unit"] = frame["unit"]
    out["polarity"] = frame["polarity"]
    out["source"] = np.where(local, "local", "dfe")
    value = frame["value"].fillna("")
    out["suppressed"] = np.where(value.isin(["x", "z"]) | pd.to_numeric(value, errors="coerce").notna(), "", value)
    return out[list(TIDY_COLUMNS)]

def read_indicators_csv(path: str | Path) -> pd.DataFrame:
    """Load a run's ``indicators.csv`` as a tidy indicator table (see :func:`from_ees`).

    Raises
    ------
    ParameterError
        If the file is missing or is not an ``indicators.csv`` of this package.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such indicators file (expected a previous run's indicators.csv)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise ParameterError(f"{path}: cannot be read as a cpanalysis indicators.csv ({type(exc).__name__}); "
                             "expected a previous run's indicators.csv") from None
    missing = [c for c in ("period_end", "indicator_id", "new_la_code", *EES_INDICATORS) if c not in frame]
    if missing:
        raise ParameterError(f"{path}: not a cpanalysis indicators.csv (columns {missing} missing)")
    return from_ees(frame.map(restore))
