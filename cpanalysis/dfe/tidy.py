"""Turn published DfE numbers into rows of the tidy indicator table (``source="dfe"``).

One builder per kind of figure. Each takes aligned arrays (one element per area and year) and
returns a DataFrame with exactly :data:`cpanalysis.indicators.TIDY_COLUMNS`.

Conventions (``docs/dfe_statistics.md`` §3 and §6):

* **Local authority** percentages and rates are recomputed from the unrounded published counts
  (``recompute_la=True``, the default) so that they carry full precision and Wilson / Byar
  intervals; the published figure is used where a count is missing.
* **England and regions** keep the published percentage or rate: their counts are rounded to the
  nearest 10, so a percentage recomputed from them would be less accurate than DfE's. Their
  intervals are left empty: England is a fixed benchmark (methods.md §3.2) and intervals built
  on rounded counts would mislead.
* Missing values are NaN with the DfE symbol in ``suppressed`` (never 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import stats
from cpanalysis.dfe.areas import ENGLAND, LONDON_SUBREGIONS, REGIONS
from cpanalysis.dfe.symbols import first_symbol
from cpanalysis.indicators import TIDY_COLUMNS, catalogue

SOURCE = "dfe"
PERIOD_TYPE = "year"


def period_end_of(year: int | np.ndarray | pd.Series) -> pd.Series:
    """31 March of each reporting ``year`` (the year ending 31 March), as datetime64."""
    years = pd.Series(np.asarray(year, dtype=int))
    return pd.to_datetime(years.astype(str) + "-03-31")


def is_la(geography: np.ndarray | pd.Series) -> np.ndarray:
    """Whether each geography code is a local authority (not England ``E92``, a region ``E12``/``E13``)."""
    areas = {ENGLAND, *REGIONS, *LONDON_SUBREGIONS}
    return ~pd.Series(np.asarray(geography, dtype=object)).isin(areas).to_numpy()


def rounding_note(geography: str) -> str:
    """Plain-English note on DfE's rounding for a figure of ``geography`` (for report footnotes).

    Examples
    --------
    >>> rounding_note("E92000001")[:44]
    'England and regional counts are rounded to t'
    """
    if is_la([geography])[0]:
        return ("Local authority counts are published unrounded; DfE shows whole-number percentages, "
                "recomputed here from the counts.")
    return ("England and regional counts are rounded to the nearest 10 by DfE; their percentages are "
            "DfE's own, worked out from unrounded counts.")


def _choose(
    la: np.ndarray, valid: np.ndarray, computed: np.ndarray, published: np.ndarray, recompute_la: bool
) -> np.ndarray:
    # Authorities: the recomputed figure when asked for and possible. Everyone else (and any
    # authority whose counts are missing): DfE's figure, falling back to the computed one.
    fallback = np.where(np.isfinite(published), published, computed)
    if not recompute_la:
        return fallback
    return np.where(la & valid, computed, fallback)


def _frame(
    keys: pd.DataFrame,
    indicator_id: str,
    numerator: np.ndarray,
    denominator: np.ndarray,
    value: np.ndarray,
    suppressed: np.ndarray,
    intervals: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    breakdown: str | np.ndarray = catalogue.TOTAL,
    breakdown_value: str | np.ndarray = catalogue.TOTAL,
) -> pd.DataFrame:
    record = catalogue.get(indicator_id)
    n = len(keys)
    nan = np.full(n, np.nan)
    lo95, hi95, lo998, hi998 = intervals if intervals is not None else (nan, nan, nan, nan)
    value = np.asarray(value, dtype=float)
    suppressed = np.where(np.isfinite(value), "", np.where(suppressed == "", "x", suppressed))
    out = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "period_end": keys["period_end"].to_numpy(),
            "period_type": PERIOD_TYPE,
            "geography": keys["geography"].to_numpy(dtype=object),
            "breakdown": breakdown,
            "breakdown_value": breakdown_value,
            "numerator": np.asarray(numerator, dtype=float),
            "denominator": np.asarray(denominator, dtype=float),
            "value": value,
            "unit": record.unit,
            "lower_95": lo95,
            "upper_95": hi95,
            "lower_998": lo998,
            "upper_998": hi998,
            "polarity": record.polarity,
            "source": SOURCE,
            "suppressed": suppressed.astype(object),
        }
    )
    return out[list(TIDY_COLUMNS)]


def percent_rows(
    keys: pd.DataFrame,
    indicator_id: str,
    numerator: np.ndarray,
    numerator_symbol: np.ndarray,
    denominator: np.ndarray,
    denominator_symbol: np.ndarray,
    published: np.ndarray | None = None,
    published_symbol: np.ndarray | None = None,
    recompute_la: bool = True,
    breakdown: str | np.ndarray = catalogue.TOTAL,
    breakdown_value: str | np.ndarray = catalogue.TOTAL,
) -> pd.DataFrame:
    """Rows for a percentage (0-100) with Wilson 95% and 99.8% intervals for authorities.

    Parameters
    ----------
    keys : DataFrame
        ``period_end`` and ``geography`` of each row.
    indicator_id : str
        Catalogue id (unit and polarity are taken from the catalogue).
    numerator, denominator : arrays of float
        Published counts (NaN where a symbol was published).
    numerator_symbol, denominator_symbol : arrays of str
        The symbols beside them (``""`` where a number was published).
    published, published_symbol : arrays or None; default None
        DfE's own rounded percentage and its symbol; None when DfE publishes none (a sum of
        categories), in which case England's and regions' values are computed from counts.
    recompute_la : bool; default True
        Recompute authorities' percentages from the unrounded counts (see module docstring).
    breakdown, breakdown_value : str or array; default "Total"

    Returns
    -------
    DataFrame
        Tidy rows (``TIDY_COLUMNS``).
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    la = is_la(keys["geography"])
    valid = np.isfinite(num) & np.isfinite(den) & (den > 0) & (num <= den) & (num >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = np.where(valid, 100 * num / den, np.nan)
    if published is None:
        published = np.full(len(num), np.nan)
        published_symbol = np.full(len(num), "", dtype=object)
    value = _choose(la, valid, computed, np.asarray(published, dtype=float), recompute_la)
    symbol = first_symbol(np.asarray(published_symbol, dtype=object), numerator_symbol, denominator_symbol)
    ci_rows = la & valid
    intervals = [np.full(len(num), np.nan) for _ in range(4)]
    if ci_rows.any():
        for i, level in enumerate(stats.LEVELS):
            lo, hi = stats.wilson_interval(num[ci_rows], den[ci_rows], level)
            intervals[2 * i][ci_rows] = 100 * lo
            intervals[2 * i + 1][ci_rows] = 100 * hi
    return _frame(keys, indicator_id, num, den, value, symbol, tuple(intervals), breakdown, breakdown_value)


def rate_rows(
    keys: pd.DataFrame,
    indicator_id: str,
    count: np.ndarray,
    count_symbol: np.ndarray,
    population: np.ndarray,
    population_symbol: np.ndarray,
    published: np.ndarray,
    published_symbol: np.ndarray,
    recompute_la: bool = True,
    per: float = 10_000,
) -> pd.DataFrame:
    """Rows for a rate per 10,000 with Byar / exact Poisson intervals for authorities.

    ``numerator`` is the count, ``denominator`` the ONS under-18 population DfE used.
    """
    cnt = np.asarray(count, dtype=float)
    pop = np.asarray(population, dtype=float)
    pub = np.asarray(published, dtype=float)
    la = is_la(keys["geography"])
    valid = np.isfinite(cnt) & np.isfinite(pop) & (pop > 0) & (cnt >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = np.where(valid, cnt / pop * per, np.nan)
    value = _choose(la, valid, computed, pub, recompute_la)
    symbol = first_symbol(np.asarray(published_symbol, dtype=object), count_symbol, population_symbol)
    intervals = [np.full(len(cnt), np.nan) for _ in range(4)]
    ci_rows = la & valid
    if ci_rows.any():
        for i, level in enumerate(stats.LEVELS):
            lo, hi = stats.rate_interval(cnt[ci_rows], pop[ci_rows], per=per, confidence=level)
            intervals[2 * i][ci_rows] = lo
            intervals[2 * i + 1][ci_rows] = hi
    return _frame(keys, indicator_id, cnt, pop, value, symbol, tuple(intervals))


def count_rows(
    keys: pd.DataFrame,
    indicator_id: str,
    count: np.ndarray,
    count_symbol: np.ndarray,
    breakdown: str | np.ndarray = catalogue.TOTAL,
    breakdown_value: str | np.ndarray = catalogue.TOTAL,
) -> pd.DataFrame:
    """Rows for a count: ``value`` = ``numerator`` = the count, no denominator, no interval."""
    cnt = np.asarray(count, dtype=float)
    nan = np.full(len(cnt), np.nan)
    return _frame(
        keys, indicator_id, cnt, nan, cnt, np.asarray(count_symbol, dtype=object),
        breakdown=breakdown, breakdown_value=breakdown_value,
    )


def mean_rows(
    keys: pd.DataFrame,
    indicator_id: str,
    mean: np.ndarray,
    mean_symbol: np.ndarray,
    n: np.ndarray | None = None,
    lower_95: np.ndarray | None = None,
    upper_95: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rows for a published mean (``denominator`` = number of children averaged, when known).

    DfE publishes no standard deviation, so there is no interval unless the file gives one
    (``lower_95``/``upper_95``, e.g. the Progress 8 confidence limits).
    """
    m = np.asarray(mean, dtype=float)
    nan = np.full(len(m), np.nan)
    den = nan if n is None else np.asarray(n, dtype=float)
    lo = nan if lower_95 is None else np.asarray(lower_95, dtype=float)
    hi = nan if upper_95 is None else np.asarray(upper_95, dtype=float)
    return _frame(keys, indicator_id, nan, den, m, np.asarray(mean_symbol, dtype=object), (lo, hi, nan, nan))


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS})
