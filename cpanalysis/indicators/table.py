"""Building rows of the tidy indicator table, with their confidence intervals.

Each family module reduces its cohort to one row per unit (usually a child) carrying the
breakdown attributes and a 0/1 numerator flag (or a value for means), and hands it to one of
:func:`proportion_rows`, :func:`count_rows`, :func:`rate_rows` or :func:`mean_rows`. Those
return row records (the ``Total`` row and one per breakdown group); :func:`finish` turns all
the records of a run into the table in one vectorised pass, with

* proportions: percentage 0-100 and Wilson 95% / 99.8% limits (:func:`cpanalysis.stats.wilson_interval`);
* rates per 10,000: Byar's method, exact Poisson below 10 (:func:`cpanalysis.stats.rate_interval`);
* means and average days: Student-t limits (:func:`cpanalysis.stats.mean_interval`);
* counts: no interval (a count of the authority's own children is not a sample).

:func:`finish` orders the columns as :data:`cpanalysis.indicators.TIDY_COLUMNS` and fills
``unit`` and ``polarity`` from the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpanalysis import codes, periods, stats
from cpanalysis.indicators import catalogue as cat

TIDY_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "period_end",
    "period_type",
    "geography",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "unit",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "polarity",
    "source",
    "suppressed",
)
#: Breakdown value for a child whose attribute is missing.
NOT_KNOWN = "Not known"
UASC_VALUES = ("UASC", "Not UASC")

#: Known category orders: count breakdowns show every category (zeros included) in this order.
BREAKDOWN_ORDERS: dict[str, tuple[str, ...]] = {
    cat.AGE_BAND: periods.AGE_BAND_ORDER,
    cat.SEX: tuple(codes.SEX_LABELS.values()),
    cat.ETHNIC_GROUP: codes.ETHNIC_GROUPS,
    cat.PLACEMENT_TYPE: codes.PLACE_GROUP_ORDER,
    cat.UASC: UASC_VALUES,
    cat.CEASED_REASON: codes.REC_GROUP_ORDER,
}


#: One tidy row before :func:`finish`: a dict with the tidy columns it knows plus ``kind``
#: (``proportion``, ``count``, ``rate`` or ``mean``), which decides how limits are computed.
Rows = list[dict]


@dataclass(frozen=True)
class Stamp:
    """What every row of one computation shares: period end, period type and geography."""

    period_end: pd.Timestamp
    period_type: str
    geography: str


def _labels(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    missing = pd.isna(column).to_numpy()
    return np.where(missing, NOT_KNOWN, values).astype(str)


def _grouped(
    frame: pd.DataFrame, breakdowns: tuple[str, ...], weights: np.ndarray, all_categories: bool = False
) -> list[tuple[str, str, int, float]]:
    """(breakdown, value, units, sum of weights) for the Total and every group of each breakdown.

    Groups follow :data:`BREAKDOWN_ORDERS` where known, then the rest alphabetically. With
    ``all_categories`` every known category is listed even with no unit in it (count breakdowns
    show zeros rather than leaving a category out). A missing attribute is "Not known".
    """
    out = [(cat.TOTAL, cat.TOTAL, len(frame), float(weights.sum()))]
    for name in breakdowns:
        if name not in frame.columns:
            continue
        uniq, inverse = np.unique(_labels(frame[name]), return_inverse=True)
        units = np.bincount(inverse, minlength=len(uniq))
        sums = np.bincount(inverse, weights=weights, minlength=len(uniq)) if len(frame) else np.zeros(len(uniq))
        found = {str(v): (int(n), float(w)) for v, n, w in zip(uniq, units, sums, strict=False)}
        order = BREAKDOWN_ORDERS.get(name, ())
        listed = [v for v in order if all_categories or v in found] + sorted(set(found) - set(order))
        out.extend((name, v, *found.get(v, (0, 0.0))) for v in listed)
    return out


def _row(indicator_id: str, stamp: Stamp, kind: str, breakdown: str, group: str, numerator: float,
         denominator: float) -> dict:
    return {"indicator_id": indicator_id, "period_end": stamp.period_end, "period_type": stamp.period_type,
            "geography": stamp.geography, "breakdown": breakdown, "breakdown_value": group,
            "numerator": numerator, "denominator": denominator, "kind": kind}


def proportion_rows(
    frame: pd.DataFrame, flag: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> Rows:
    """Percentage rows: numerator = units with ``flag`` true, denominator = units of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        One row per unit of the denominator (the cohort), with the 0/1 or boolean column ``flag``
        and any breakdown columns.
    flag : str
        Numerator column (missing counts as 0).
    indicator_id : str
        Catalogue id.
    stamp : Stamp
        Period end, period type and geography.
    breakdowns : tuple of str
        Breakdown columns; only groups with at least one unit get a row.

    Returns
    -------
    list of dict
        Rows for :func:`finish`, which adds the percentage and Wilson 95% / 99.8% limits.
    """
    column = frame[flag]
    if column.dtype == bool:
        hits = column.to_numpy(dtype=float)
    else:
        hits = pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(dtype=float)
    return [
        _row(indicator_id, stamp, "proportion", name, value, int(round(hit)), units)
        for name, value, units, hit in _grouped(frame, breakdowns, hits)
    ]


def proportion_rows_from_counts(counts: pd.DataFrame, indicator_id: str, stamp: Stamp) -> Rows:
    """Percentage rows from already-counted ``breakdown, breakdown_value, numerator, denominator``."""
    return [
        _row(indicator_id, stamp, "proportion", r.breakdown, r.breakdown_value, int(r.numerator),
             int(r.denominator))
        for r in counts.itertuples(index=False)
    ]


def count_rows(
    frame: pd.DataFrame, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> Rows:
    """Count rows: numerator = value = units per group; every known category listed (zeros shown)."""
    ones = np.ones(len(frame))
    return [
        _row(indicator_id, stamp, "count", name, value, units, np.nan)
        for name, value, units, _ in _grouped(frame, breakdowns, ones, all_categories=True)
    ]


def rate_rows(count: int, population: float | None, indicator_id: str, stamp: Stamp) -> Rows:
    """One Total row of a rate per 10,000 (``count / population * 10000``), Byar / exact limits in :func:`finish`.

    A missing population gives a row with the count and empty value and limits.
    """
    pop = np.nan if population is None else float(population)
    return [_row(indicator_id, stamp, "rate", cat.TOTAL, cat.TOTAL, int(count), pop)]


def mean_rows(
    frame: pd.DataFrame, column: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> Rows:
    """Mean rows: numerator = sum, denominator = number of values, value = mean, Student-t limits."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    out = []
    for name, group, _, _ in _grouped(frame, breakdowns, np.zeros(len(frame))):
        mask = np.ones(len(frame), dtype=bool) if name == cat.TOTAL else _labels(frame[name]) == group
        v = values[mask]
        v = v[np.isfinite(v)]
        row = _row(indicator_id, stamp, "mean", name, group, float(v.sum()), int(v.size))
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            row["value"], row[f"lower_{suffix}"], row[f"upper_{suffix}"], _ = stats.mean_interval(v, level)
        out.append(row)
    return out


def _flatten(parts: list) -> Rows:
    rows: Rows = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, dict):
            rows.append(part)
        else:
            rows.extend(_flatten(part))
    return rows


def finish(parts: list) -> pd.DataFrame:
    """Rows (lists of row dicts, nested lists or ``None``) -> the tidy table.

    Adds values and limits in one vectorised pass (Wilson for proportions, Byar / exact Poisson
    for rates), fills ``unit`` and ``polarity`` from the catalogue, and orders the columns as
    :data:`TIDY_COLUMNS`.
    """
    rows = _flatten(parts)
    if not rows:
        return empty()
    out = pd.DataFrame.from_records(rows)
    for col in ("value", "lower_95", "upper_95", "lower_998", "upper_998"):
        if col not in out.columns:
            out[col] = np.nan
    num = out["numerator"].to_numpy(dtype=float)
    den = out["denominator"].to_numpy(dtype=float)
    kind = out.pop("kind").to_numpy()
    prop, rate, count = kind == "proportion", kind == "rate", kind == "count"
    with np.errstate(divide="ignore", invalid="ignore"):
        value = out["value"].to_numpy(dtype=float).copy()
        value[prop] = np.where(den[prop] > 0, num[prop] / den[prop] * 100, np.nan)
        value[rate] = np.where(den[rate] > 0, num[rate] / den[rate] * 10_000, np.nan)
        value[count] = num[count]
        out["value"] = value
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            lower = out[f"lower_{suffix}"].to_numpy(dtype=float).copy()
            upper = out[f"upper_{suffix}"].to_numpy(dtype=float).copy()
            if prop.any():
                lo, hi = stats.wilson_interval(num[prop], den[prop], level)
                lower[prop], upper[prop] = lo * 100, hi * 100
            if rate.any():
                lo, hi = stats.rate_interval(num[rate], den[rate], 10_000, level)
                ok = den[rate] > 0
                lower[rate], upper[rate] = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
            out[f"lower_{suffix}"], out[f"upper_{suffix}"] = lower, upper
    out["unit"] = out["indicator_id"].map({k: r.unit for k, r in cat.CATALOGUE.items()})
    out["polarity"] = out["indicator_id"].map({k: r.polarity for k, r in cat.CATALOGUE.items()})
    out["source"] = "local"
    out["suppressed"] = ""
    out = out[list(TIDY_COLUMNS)]
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS})
