"""Building rows of the tidy indicator table, with their confidence intervals.

Each family module reduces its cohort to one row per unit (usually a child) carrying the
breakdown attributes and a 0/1 numerator flag (or a value for means), and hands it to one of
:func:`proportion_rows`, :func:`count_rows`, :func:`rate_rows` or :func:`mean_rows`. Those
return the ``Total`` row and one row per breakdown group, with

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


@dataclass(frozen=True)
class Stamp:
    """What every row of one computation shares: period end, period type and geography."""

    period_end: pd.Timestamp
    period_type: str
    geography: str


def _groups(
    frame: pd.DataFrame, breakdowns: tuple[str, ...], all_categories: bool = False
) -> list[tuple[str, str, pd.Series]]:
    """(breakdown, value, boolean mask) for the Total and every group of every breakdown present.

    With ``all_categories`` every known category of :data:`BREAKDOWN_ORDERS` is listed, even when
    no unit falls in it (count breakdowns show zeros rather than leaving a category out).
    """
    out = [(cat.TOTAL, cat.TOTAL, pd.Series(True, index=frame.index))]
    for name in breakdowns:
        if name not in frame.columns:
            continue
        values = frame[name].astype(object).where(frame[name].notna(), NOT_KNOWN).astype(str)
        order = list(BREAKDOWN_ORDERS.get(name, ()))
        present = sorted(set(values) - set(order))
        seen = set(values)
        for value in [v for v in order if all_categories or v in seen] + present:
            out.append((name, value, values == value))
    return out


def _frame(records: list[dict], stamp: Stamp, indicator_id: str) -> pd.DataFrame:
    out = pd.DataFrame.from_records(records)
    if out.empty:
        out = pd.DataFrame(columns=["breakdown", "breakdown_value", "numerator", "denominator", "value"])
    out.insert(0, "indicator_id", indicator_id)
    out["period_end"] = stamp.period_end
    out["period_type"] = stamp.period_type
    out["geography"] = stamp.geography
    return out


def proportion_rows(
    frame: pd.DataFrame, flag: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Percentage rows: numerator = sum of ``flag`` (0/1), denominator = rows of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        One row per unit of the denominator (the cohort), with the 0/1 or boolean column ``flag``
        and any breakdown columns.
    flag : str
        Numerator column.
    indicator_id : str
        Catalogue id.
    stamp : Stamp
        Period end, period type and geography.
    breakdowns : tuple of str
        Breakdown columns; only groups with at least one unit get a row.

    Returns
    -------
    DataFrame
        Tidy rows (before :func:`finish`) with Wilson 95% and 99.8% limits, as percentages.
    """
    hits = frame[flag].fillna(0).astype(int)
    records = []
    for name, value, mask in _groups(frame, breakdowns):
        records.append(
            {"breakdown": name, "breakdown_value": value, "numerator": int(hits[mask].sum()),
             "denominator": int(mask.sum())}
        )
    out = _frame(records, stamp, indicator_id)
    return _add_proportion_values(out)


def proportion_rows_from_counts(
    counts: pd.DataFrame, indicator_id: str, stamp: Stamp
) -> pd.DataFrame:
    """Percentage rows from already-counted ``breakdown, breakdown_value, numerator, denominator``."""
    out = _frame(counts.to_dict("records"), stamp, indicator_id)
    return _add_proportion_values(out)


def _add_proportion_values(out: pd.DataFrame) -> pd.DataFrame:
    num = out["numerator"].to_numpy(dtype=float)
    den = out["denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(den > 0, num / den * 100, np.nan)
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        lo, hi = stats.wilson_interval(num, den, level)
        out[f"lower_{suffix}"] = lo * 100
        out[f"upper_{suffix}"] = hi * 100
    return out


def count_rows(
    frame: pd.DataFrame, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Count rows: one per group, numerator = value = number of rows; every known category shown."""
    records = [
        {"breakdown": name, "breakdown_value": value, "numerator": int(mask.sum())}
        for name, value, mask in _groups(frame, breakdowns, all_categories=True)
    ]
    out = _frame(records, stamp, indicator_id)
    out["denominator"] = np.nan
    out["value"] = out["numerator"].astype(float)
    return out


def rate_rows(count: int, population: float | None, indicator_id: str, stamp: Stamp) -> pd.DataFrame:
    """One Total row of a rate per 10,000: ``count / population * 10000`` with Byar/exact limits.

    A missing population gives a row with the count and empty value and limits.
    """
    pop = np.nan if population is None else float(population)
    out = _frame(
        [{"breakdown": cat.TOTAL, "breakdown_value": cat.TOTAL, "numerator": int(count), "denominator": pop}],
        stamp, indicator_id,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = count / pop * 10_000 if pop > 0 else np.nan
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        lo, hi = stats.rate_interval(count, pop, 10_000, level)
        out[f"lower_{suffix}"] = float(lo) if pop > 0 else np.nan
        out[f"upper_{suffix}"] = float(hi) if pop > 0 else np.nan
    return out


def mean_rows(
    frame: pd.DataFrame, column: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Mean rows: numerator = sum, denominator = number of values, value = mean, t limits."""
    records = []
    for name, value, mask in _groups(frame, breakdowns):
        values = frame.loc[mask, column].astype(float).to_numpy()
        values = values[np.isfinite(values)]
        record = {"breakdown": name, "breakdown_value": value, "numerator": float(values.sum()),
                  "denominator": int(values.size)}
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            mean, lo, hi, _ = stats.mean_interval(values, level)
            record["value"] = mean
            record[f"lower_{suffix}"] = lo
            record[f"upper_{suffix}"] = hi
        records.append(record)
    return _frame(records, stamp, indicator_id)


def finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate row sets into the tidy table: column order, unit/polarity from the catalogue."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return empty()
    out = pd.concat(parts, ignore_index=True)
    meta = cat.catalogue_frame().set_index("id")
    out["unit"] = out["indicator_id"].map(meta["unit"])
    out["polarity"] = out["indicator_id"].map(meta["polarity"])
    out["source"] = "local"
    out["suppressed"] = ""
    for col in TIDY_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    out = out[list(TIDY_COLUMNS)]
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    return out


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS})
