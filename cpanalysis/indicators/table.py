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
    cat.LEGAL_STATUS: tuple(dict.fromkeys(codes.LS_GROUPS.values())),
    "care_leaver_age": ("17 to 18 years", "19 to 21 years"),
}


#: A block of tidy rows before :func:`finish`: a dict of equal-length numpy arrays (scalars are
#: broadcast) with ``geo`` (area number), ``breakdown``, ``breakdown_value``, ``numerator``,
#: ``denominator`` (and for means ``value`` and limits), plus the scalars ``indicator_id``,
#: ``kind`` (``proportion``, ``count``, ``rate`` or ``mean``: how :func:`finish` computes the
#: value and limits), ``period_end`` and ``period_type``.
Rows = dict


@dataclass(frozen=True)
class Stamp:
    """What every row of one computation shares: period end, period type and the areas.

    ``areas`` are the geography codes of the authorities in the data; a unit's ``geo`` column
    (0 when absent: one authority) indexes it. Every area gets a ``Total`` row.
    """

    period_end: pd.Timestamp
    period_type: str
    areas: tuple[str, ...] = ("local",)

    @property
    def geography(self) -> str:
        """The area code when there is one authority."""
        return self.areas[0]


def _labels(column: pd.Series) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    missing = pd.isna(column).to_numpy()
    if missing.any():
        values = np.where(missing, NOT_KNOWN, values)
    return values


def _factorize(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and labels of a breakdown column (categorical columns without re-hashing)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes_ = column.cat.codes.to_numpy().astype(np.int64)
        uniques = [str(c) for c in column.cat.categories]
        if (codes_ < 0).any():
            codes_ = np.where(codes_ < 0, len(uniques), codes_)
            uniques.append(NOT_KNOWN)
        return codes_, uniques
    codes_, uniques = pd.factorize(_labels(column))
    return codes_, [str(u) for u in uniques]


def as_category(values: object, order: tuple[str, ...] = ()) -> pd.Categorical:
    """Breakdown labels as a categorical (known ``order`` first): cheap to filter, take and count.

    pandas 3 would otherwise store text columns as Arrow strings, which are slow to take from
    repeatedly; a categorical keeps one small integer per child.
    """
    values = pd.Series(values).to_numpy(dtype=object) if not isinstance(values, np.ndarray) else values
    present = pd.unique(values[pd.notna(values)]) if len(values) else []
    extra = sorted({str(v) for v in present} - set(order))
    return pd.Categorical(values, categories=list(order) + extra)


def geo_of(frame: pd.DataFrame) -> np.ndarray:
    """Area numbers of the units of ``frame`` (its ``geo`` column; 0 when there is none)."""
    if "geo" in frame.columns:
        return frame["geo"].to_numpy(dtype=np.int64)
    return np.zeros(len(frame), dtype=np.int64)


def _grouped(
    frame: pd.DataFrame, breakdowns: tuple[str, ...], weights: np.ndarray, n_areas: int,
    all_categories: bool = False, orders: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, np.ndarray]:
    """Units and summed weights per area for the Total and every group of each breakdown.

    Groups follow :data:`BREAKDOWN_ORDERS` where known, then the rest alphabetically. Only groups
    with a unit in the area are listed, unless ``all_categories`` (count breakdowns show zeros
    rather than leaving a category out). A missing attribute is "Not known".
    """
    geo = geo_of(frame)
    parts = {"geo": [np.arange(n_areas)], "breakdown": [np.full(n_areas, cat.TOTAL, dtype=object)],
             "breakdown_value": [np.full(n_areas, cat.TOTAL, dtype=object)],
             "units": [np.bincount(geo, minlength=n_areas)],
             "sums": [np.bincount(geo, weights=weights, minlength=n_areas)]}
    for name in breakdowns:
        if name not in frame.columns:
            continue
        codes_, uniques = _factorize(frame[name])
        order = (orders or BREAKDOWN_ORDERS).get(name, ())
        present = {uniques[i] for i in np.unique(codes_)}
        cats = [v for v in order if all_categories or v in present] + sorted(present - set(order))
        if not cats:
            continue
        position = {v: i for i, v in enumerate(cats)}
        remap = np.array([position.get(u, 0) for u in uniques], dtype=np.int64)
        k = len(cats)
        key = geo * k + (remap[codes_] if len(codes_) else codes_)
        units = np.bincount(key, minlength=n_areas * k).reshape(n_areas, k)
        sums = np.bincount(key, weights=weights, minlength=n_areas * k).reshape(n_areas, k)
        listed = units > 0
        if all_categories:  # every known category in every area; other values only where present
            listed[:, : sum(1 for v in cats if v in order)] = True
        g, c = np.nonzero(listed)
        parts["geo"].append(g)
        parts["breakdown"].append(np.full(len(g), name, dtype=object))
        parts["breakdown_value"].append(np.asarray(cats, dtype=object)[c])
        parts["units"].append(units[g, c])
        parts["sums"].append(sums[g, c])
    return {key: np.concatenate(value) for key, value in parts.items()}


def _block(indicator_id: str, stamp: Stamp, kind: str, groups: dict[str, np.ndarray],
           numerator: np.ndarray, denominator: np.ndarray) -> Rows:
    return {"indicator_id": indicator_id, "kind": kind, "period_end": stamp.period_end,
            "period_type": stamp.period_type, "areas": stamp.areas, "geo": groups["geo"],
            "breakdown": groups["breakdown"], "breakdown_value": groups["breakdown_value"],
            "numerator": np.asarray(numerator, dtype=float), "denominator": np.asarray(denominator, dtype=float)}


def _hits(column: pd.Series) -> np.ndarray:
    if column.dtype == bool:
        return column.to_numpy(dtype=float)
    return pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(dtype=float)


def proportion_rows(
    frame: pd.DataFrame, flag: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> Rows:
    """Percentage rows: numerator = units with ``flag`` true, denominator = units of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        One row per unit of the denominator (the cohort), with the 0/1 or boolean column ``flag``,
        any breakdown columns and, with several authorities, ``geo``.
    flag : str
        Numerator column (missing counts as 0).
    indicator_id : str
        Catalogue id.
    stamp : Stamp
        Period end, period type and areas.
    breakdowns : tuple of str
        Breakdown columns; only groups with at least one unit get a row.

    Returns
    -------
    dict
        A block of rows for :func:`finish`, which adds the percentage and Wilson 95% / 99.8% limits.
    """
    groups = _grouped(frame, breakdowns, _hits(frame[flag]), len(stamp.areas))
    return _block(indicator_id, stamp, "proportion", groups, np.rint(groups["sums"]), groups["units"])


def share_rows(frame: pd.DataFrame, breakdown: str, order: tuple[str, ...], indicator_id: str,
               stamp: Stamp) -> Rows:
    """Composition rows: each group's units as a percentage of the area's units (Total = 100%).

    Every category of ``order`` is listed (zeros shown), then any other value present.
    """
    n_areas = len(stamp.areas)
    groups = _grouped(frame, (breakdown,), np.zeros(len(frame)), n_areas, all_categories=True,
                      orders={breakdown: order})
    totals = groups["units"][:n_areas]
    return _block(indicator_id, stamp, "proportion", groups, groups["units"], totals[groups["geo"]])


def count_rows(
    frame: pd.DataFrame, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = ()
) -> Rows:
    """Count rows: numerator = value = units per group; every known category listed (zeros shown)."""
    groups = _grouped(frame, breakdowns, np.ones(len(frame)), len(stamp.areas), all_categories=True)
    return _block(indicator_id, stamp, "count", groups, groups["units"], np.full(len(groups["geo"]), np.nan))


def rate_rows(frame: pd.DataFrame, population: np.ndarray | None, indicator_id: str, stamp: Stamp) -> Rows | None:
    """Total rows of a rate per 10,000 per area: units of ``frame`` over the area's population.

    Byar / exact Poisson limits are added by :func:`finish`. ``None`` without a population.
    """
    if population is None:
        return None
    groups = _grouped(frame, (), np.ones(len(frame)), len(stamp.areas))
    return _block(indicator_id, stamp, "rate", groups, groups["units"], np.asarray(population, dtype=float))


def rate_by_rows(frame: pd.DataFrame, breakdown: str, order: tuple[str, ...], populations: np.ndarray | None,
                 indicator_id: str, stamp: Stamp) -> Rows | None:
    """Rate-per-10,000 rows for each group of ``breakdown`` over that group's population.

    ``populations`` holds one row per area and one column per group of ``order``; groups whose
    population is not known (NaN) get no row, nor do units outside ``order`` ("Not known").
    ``None`` without populations.
    """
    if populations is None:
        return None
    groups = _grouped(frame, (breakdown,), np.ones(len(frame)), len(stamp.areas), all_categories=True,
                      orders={breakdown: order})
    position = {v: i for i, v in enumerate(order)}
    col = np.array([position.get(v, -1) for v in groups["breakdown_value"]], dtype=np.int64)
    keep = (groups["breakdown"] == breakdown) & (col >= 0)
    den = np.full(len(col), np.nan)
    den[keep] = np.asarray(populations, dtype=float)[groups["geo"][keep], col[keep]]
    keep &= np.isfinite(den) & (den > 0)
    chosen = {k: v[keep] for k, v in groups.items()}
    return _block(indicator_id, stamp, "rate", chosen, chosen["units"], den[keep])


def mean_rows(
    frame: pd.DataFrame, column: str, indicator_id: str, stamp: Stamp, breakdowns: tuple[str, ...] = (),
    floor: float | None = 0.0,
) -> Rows:
    """Mean rows: numerator = sum, denominator = number of values, value = mean, Student-t limits.

    Every mean the catalogue holds is of a quantity that cannot be negative (days, SDQ scores),
    so the t limits are cut at ``floor`` (0): a small, skewed group's interval of
    "-9.94 to 120 days" states an impossible lower limit. ``floor=None`` leaves them as computed.
    """
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    n_areas = len(stamp.areas)
    sums = _grouped(frame, breakdowns, clean, n_areas)
    squares = _grouped(frame, breakdowns, clean**2, n_areas)
    counted = _grouped(frame, breakdowns, finite.astype(float), n_areas)
    block = _block(indicator_id, stamp, "mean", sums, sums["sums"], counted["sums"])
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        mean, lower, upper = stats.mean_interval_from_sums(counted["sums"], sums["sums"], squares["sums"], level)
        if floor is not None:
            lower = np.where(np.isnan(lower), lower, np.maximum(lower, floor))
        block["value"], block[f"lower_{suffix}"], block[f"upper_{suffix}"] = mean, lower, upper
    return block


def _flatten(parts: list) -> list[Rows]:
    blocks: list[Rows] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, dict):
            blocks.append(part)
        else:
            blocks.extend(_flatten(part))
    return blocks


#: Text columns of the blocks (held as codes of their distinct values until the table is built).
_TEXT = ("indicator_id", "kind", "period_end", "period_type", "geography", "breakdown", "breakdown_value")
#: Number columns of the blocks.
_NUMBERS = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998")


class _Distinct:
    """The distinct values of one text column in order of first appearance, and each one's code.

    A run's million rows repeat a few hundred texts: coding each block's few values (instead of
    concatenating a Python object per row and hashing them all again) keeps :func:`finish` cheap.
    A missing value (None, NaN) has code -1.
    """

    def __init__(self) -> None:
        self.values: list = []
        self._codes: dict = {}

    def code(self, value: object) -> int:
        """Code of one value (-1 when missing)."""
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return -1
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def codes(self, values: np.ndarray) -> np.ndarray:
        """Codes of an array of values."""
        local, uniques = pd.factorize(values)
        remap = np.array([self.code(u) for u in uniques] + [-1], dtype=np.int64)
        return remap[local]  # a missing value's local code -1 picks the appended -1


def _columns(blocks: list[Rows]) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, list]]]:
    """Concatenate blocks column by column (scalars broadcast to the block's length).

    Returns the number columns as arrays and each text column as (codes, distinct values).
    """
    numbers: dict[str, list] = {c: [] for c in _NUMBERS}
    texts: dict[str, list] = {c: [] for c in _TEXT}
    distinct = {c: _Distinct() for c in _TEXT}
    area_codes: dict[tuple, np.ndarray] = {}
    for block in blocks:
        geo = None
        if "geo" in block and "areas" in block:
            areas = tuple(block["areas"])
            if areas not in area_codes:
                area_codes[areas] = np.array([distinct["geography"].code(a) for a in areas], dtype=np.int64)
            geo = area_codes[areas][np.asarray(block["geo"])]
        n = max((len(v) for k, v in block.items() if isinstance(v, np.ndarray) and k != "geo"),
                default=1 if geo is None else len(geo))
        if geo is not None:
            n = max(n, len(geo))
        for c in _NUMBERS:
            value = block.get(c, np.nan)
            if isinstance(value, np.ndarray):
                numbers[c].append(value)
            else:
                filled = np.empty(n, dtype=object if not isinstance(value, float) else float)
                filled[:] = value
                numbers[c].append(filled)
        for c in _TEXT:
            if c == "geography" and geo is not None:
                texts[c].append(geo)
                continue
            value = block.get(c, np.nan)
            if isinstance(value, np.ndarray):
                texts[c].append(distinct[c].codes(value))
            else:
                texts[c].append(np.full(n, distinct[c].code(value), dtype=np.int64))
    return ({c: np.concatenate(v) for c, v in numbers.items()},
            {c: (np.concatenate(texts[c]), distinct[c].values) for c in _TEXT})


def finish(parts: list) -> pd.DataFrame:
    """Row blocks (nested lists allowed, ``None`` skipped) -> the tidy table.

    Adds values and limits in one vectorised pass (Wilson for proportions, Byar / exact Poisson
    for rates), fills ``unit`` and ``polarity`` from the catalogue, and orders the columns as
    :data:`TIDY_COLUMNS`.
    """
    blocks = _flatten(parts)
    if not blocks:
        return empty()
    data, texts = _columns(blocks)
    num = data["numerator"].astype(float)
    den = data["denominator"].astype(float)
    kind_codes, kinds = texts.pop("kind")
    kind_of = {k: i for i, k in enumerate(kinds)}
    prop, rate, count = (kind_codes == kind_of.get(k, -2) for k in ("proportion", "rate", "count"))
    value = data["value"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value[prop] = np.where(den[prop] > 0, num[prop] / den[prop] * 100, np.nan)
        value[rate] = np.where(den[rate] > 0, num[rate] / den[rate] * 10_000, np.nan)
        value[count] = num[count]
        for level, suffix in ((0.95, "95"), (0.998, "998")):
            lower = data[f"lower_{suffix}"].astype(float)
            upper = data[f"upper_{suffix}"].astype(float)
            if prop.any():
                lo, hi = stats.wilson_interval(num[prop], den[prop], level)
                lower[prop], upper[prop] = lo * 100, hi * 100
            if rate.any():
                lo, hi = stats.rate_interval(num[rate], den[rate], 10_000, level)
                ok = den[rate] > 0
                lower[rate], upper[rate] = np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)
            data[f"lower_{suffix}"], data[f"upper_{suffix}"] = lower, upper
    data["value"], data["numerator"], data["denominator"] = value, num, den
    # The text columns repeat a few hundred values over up to a million rows: convert each
    # distinct value once and repeat it (pandas' text dtype is slow to build row by row).
    for name in ("period_type", "geography", "breakdown", "breakdown_value"):
        data[name] = _repeated_text(*texts[name])
    ids, id_values = texts["indicator_id"]
    data["indicator_id"] = _repeated_text(ids, id_values)
    data["unit"] = _repeated_text(ids, [_catalogue_field(i, "unit") for i in id_values])
    data["polarity"] = _repeated_text(ids, [_catalogue_field(i, "polarity") for i in id_values])
    ends, end_values = texts["period_end"]
    data["period_end"] = pd.Series(pd.to_datetime(end_values)).take(ends).to_numpy()
    out = pd.DataFrame(data)
    out["source"] = "local"
    out["suppressed"] = ""
    return out[list(TIDY_COLUMNS)]


def _repeated_text(codes_: np.ndarray, values: object) -> pd.api.extensions.ExtensionArray:
    """``values[codes_]`` as pandas' text array (-1 codes missing), each distinct value converted once."""
    return pd.array(pd.Series(values, dtype=object).to_numpy(), dtype="str").take(codes_, allow_fill=True)


def _catalogue_field(indicator_id: object, name: str) -> object:
    """An indicator's ``unit`` or ``polarity`` from the catalogue (missing for an unknown id)."""
    record = cat.CATALOGUE.get(indicator_id)
    return getattr(record, name) if record is not None else np.nan


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS})
