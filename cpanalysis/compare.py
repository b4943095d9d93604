"""Compare an authority with England, its region, its statistical neighbours and all authorities.

Everything works on the tidy indicator table (``docs/architecture.md``): local rows
(``source="local"``) and published rows (``source="dfe"``, :func:`cpanalysis.dfe.load_dfe`) share
``indicator_id, period_end, breakdown, breakdown_value``, so each comparison is a join.
Methods and defaults follow ``docs/methods.md`` §3.2 and §4:

* **England** is a fixed benchmark. Fingertips' rule: England inside the authority's 95% interval
  (bounds inclusive) is *Similar*, otherwise *Better*/*Worse* by polarity (*Higher*/*Lower* without
  one); the optional two-level mode gives *Best*/*Worst* beyond 99.8%. *Not compared* when the
  figure is suppressed or the denominator is under 10. The p-value is the score test (statsmodels
  ``proportions_ztest`` with ``prop_var=p0``, whose inversion is the Wilson interval, so the label
  and the test always agree), or the exact binomial test when ``n < 100`` or ``n p0 < 10``.
* **Region** excluding the authority, and **statistical neighbours** pooled: two independent
  proportions (score test, Newcombe interval of the difference); the neighbours' median is shown
  as the CSC dashboard does.
* **All authorities**: LAIT quartile bands A-D and ranks; funnel-plot limits around England.
* **Trend**: :mod:`cpanalysis.trends`.
* **Reconciliation** of the authority's own 31 March figures with its published DfE row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpanalysis import stats, trends
from cpanalysis.config import MIN_CHILDREN
from cpanalysis.dfe.areas import ENGLAND, geographic_level
from cpanalysis.dfe.symbols import symbol_reason
from cpanalysis.errors import ParameterError

# scipy.stats and statsmodels' submodules are imported inside the tests that use them: every
# notebook kernel imports this module (through cpanalysis.plots), most without testing anything.

JOIN = ["indicator_id", "period_end", "breakdown", "breakdown_value"]

BETTER, SIMILAR, WORSE = "Better", "Similar", "Worse"
HIGHER, LOWER = "Higher", "Lower"
BEST, WORST = "Best", "Worst"
NOT_COMPARED = "Not compared"
#: Smallest denominator for which a proportion is compared (methods.md §4.2).
MIN_DENOMINATOR = MIN_CHILDREN


# ----------------------------------------------------------------------------- the Fingertips rule
def compare_to_benchmark(
    lower_95: np.ndarray | float,
    upper_95: np.ndarray | float,
    benchmark: np.ndarray | float,
    polarity: np.ndarray | str,
    lower_998: np.ndarray | float | None = None,
    upper_998: np.ndarray | float | None = None,
    two_level: bool = False,
) -> np.ndarray:
    """Fingertips' overlapping-interval comparison of areas with a benchmark value.

    Parameters
    ----------
    lower_95, upper_95 : float or array
        The area's 95% confidence limits.
    benchmark : float or array
        The benchmark (England's value), same scale.
    polarity : str or array of str
        ``high_good``, ``low_good`` or ``none``.
    lower_998, upper_998 : float or array or None; default None
        99.8% limits, needed when ``two_level``.
    two_level : bool; default False
        One level (95%): Similar / Better / Worse. Two levels: benchmark between the 95% and
        99.8% limits gives Better/Worse, beyond the 99.8% limit Best/Worst.

    Returns
    -------
    numpy array of str
        Better / Similar / Worse (Best / Worst), Higher / Lower where polarity is ``none``, or
        Not compared where a limit or the benchmark is missing. A benchmark exactly on a limit
        is inside (Similar).

    Examples
    --------
    >>> compare_to_benchmark(18.8, 34.3, 38.0, "low_good").tolist()
    ['Better']
    >>> compare_to_benchmark(18.8, 38.0, 38.0, "low_good").tolist()
    ['Similar']
    """
    lo, hi, bench = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (lower_95, upper_95, benchmark))
    lo, hi, bench = np.broadcast_arrays(lo, hi, bench)
    pol = np.broadcast_to(np.atleast_1d(np.asarray(polarity, dtype=object)), lo.shape)
    valid = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(bench)
    higher = valid & (bench < lo)  # the area is above the benchmark
    lower = valid & (bench > hi)
    out = np.where(valid, SIMILAR, NOT_COMPARED).astype(object)
    out = np.where(higher, HIGHER, np.where(lower, LOWER, out))
    if two_level:
        if lower_998 is None or upper_998 is None:
            raise ParameterError("two-level comparison needs the 99.8% limits (lower_998, upper_998)")
        lo9, hi9 = np.broadcast_arrays(np.asarray(lower_998, dtype=float), np.asarray(upper_998, dtype=float))
        lo9, hi9 = np.broadcast_to(lo9, lo.shape), np.broadcast_to(hi9, lo.shape)
        much = (higher & (bench < lo9)) | (lower & (bench > hi9))
    else:
        much = np.zeros(lo.shape, dtype=bool)
    good_high = pol == "high_good"
    good_low = pol == "low_good"
    up = np.where(much, BEST, BETTER)
    down = np.where(much, WORST, WORSE)
    out = np.where(higher & good_high, up, np.where(higher & good_low, down, out))
    out = np.where(lower & good_high, down, np.where(lower & good_low, up, out))
    return out.astype(object)


def versus_label(value: float, lower: float, upper: float, benchmark: float, polarity: str,
                 n: float | None = None, suppressed: str = "", min_n: int = MIN_DENOMINATOR) -> str:
    """Fingertips comparison of one value with a benchmark point (England), for titles and tables.

    :func:`compare_to_benchmark` (benchmark inside the 95% interval, bounds
    inclusive, is *Similar*; otherwise *Better*/*Worse* by polarity, *Higher*/*Lower* without),
    plus *Not compared* when the value is suppressed, missing, or on fewer than ``min_n``
    children (``methods.md`` §4.2).

    Parameters
    ----------
    value, lower, upper : float
        The value and its 95% limits.
    benchmark : float
        The comparator's value.
    polarity : str
        ``high_good``, ``low_good`` or ``none``.
    n : float, optional
        Denominator; ``None`` skips the small-number check.
    suppressed : str; default ""
        DfE symbol when the value is suppressed.
    min_n : int; default 10

    Returns
    -------
    str
        One of ``Better``, ``Similar``, ``Worse``, ``Higher``, ``Lower``, ``Not compared``.
    """
    if suppressed or pd.isna(value) or (n is not None and not pd.isna(n) and n < min_n):
        return NOT_COMPARED
    return str(compare_to_benchmark(lower, upper, benchmark, polarity)[0])


def score_test(count: float, n: float, p0: float) -> tuple[float, float]:
    """Score test of a proportion against a fixed ``p0``: (z, two-sided p).

    Uses statsmodels ``proportions_ztest(count, n, value=p0, prop_var=p0)`` (the variance under
    the null; the default would be a Wald test). NaN when ``p0`` is 0 or 1.

    Examples
    --------
    >>> z, p = score_test(31, 120, 0.38)   # methods.md §3.2
    >>> round(z, 2), round(p, 3)
    (-2.75, 0.006)
    """
    if not (0 < p0 < 1) or n <= 0:
        return np.nan, np.nan
    from statsmodels.stats.proportion import proportions_ztest

    z, p = proportions_ztest(count, n, value=p0, prop_var=p0)
    return float(z), float(p)


def exact_binomial_p(count: float, n: float, p0: float) -> float:
    """Two-sided exact binomial p-value (scipy ``binomtest``)."""
    if n <= 0 or not (0 <= p0 <= 1):
        return np.nan
    from scipy import stats as sps

    return float(sps.binomtest(int(round(count)), int(round(n)), p0).pvalue)


def needs_exact(n: float, p0: float) -> bool:
    """Whether the exact binomial test is used: ``n < 100`` or ``n p0 < 10`` or ``n (1 - p0) < 10``."""
    return bool(n < 100 or n * p0 < 10 or n * (1 - p0) < 10)


# ----------------------------------------------------------------------------- helpers on the tidy table
def _intervals(rows: pd.DataFrame) -> pd.DataFrame:
    """Fill missing 95%/99.8% limits from counts (Wilson for %, Byar for rates)."""
    rows = rows.copy()
    num, den = rows["numerator"].astype(float), rows["denominator"].astype(float)
    for level, (lo_col, hi_col) in zip(stats.LEVELS, (("lower_95", "upper_95"), ("lower_998", "upper_998")),
                                       strict=True):
        missing = rows[lo_col].isna() & num.notna() & den.notna() & (den > 0)
        pct = missing & (rows["unit"] == "%") & (num <= den) & (num >= 0)
        if pct.any():
            lo, hi = stats.wilson_interval(num[pct].to_numpy(), den[pct].to_numpy(), level)
            rows.loc[pct, lo_col], rows.loc[pct, hi_col] = 100 * lo, 100 * hi
        rate = missing & (rows["unit"] == "rate_per_10k") & (num >= 0)
        if rate.any():
            lo, hi = stats.rate_interval(num[rate].to_numpy(), den[rate].to_numpy(), confidence=level)
            rows.loc[rate, lo_col], rows.loc[rate, hi_col] = lo, hi
    return rows


def area_rows(table: pd.DataFrame, geography: str | list[str] | None = None,
              prefer: tuple[str, ...] = ("local", "dfe")) -> pd.DataFrame:
    """Rows of one or more areas, one per key: where both sources hold a figure, ``prefer`` decides.

    Parameters
    ----------
    table : DataFrame
        Tidy indicator table.
    geography : str, list of str or None; default None
        Area codes; None keeps every area except England.
    prefer : tuple of str; default ("local", "dfe")
        Source order: by default the authority's own figure wins over its published one.
    """
    if geography is None:
        rows = table[table["geography"] != ENGLAND]
    else:
        codes = [geography] if isinstance(geography, str) else list(geography)
        rows = table[table["geography"].isin(codes)]
    rank = rows["source"].map({s: i for i, s in enumerate(prefer)}).fillna(len(prefer))
    rows = rows.assign(_rank=rank).sort_values("_rank", kind="stable")
    # a 31 March has both a year row and a rolling 12-month row of the same figure: keep both,
    # so that an annual series never loses the year it shares with a rolling window
    key = ["geography", *JOIN, *(["period_type"] if "period_type" in rows.columns else [])]
    rows = rows.drop_duplicates(key, keep="first").drop(columns="_rank")
    return rows.sort_values(["geography", *JOIN], kind="stable").reset_index(drop=True)


def _benchmark(table: pd.DataFrame, code: str, name: str) -> pd.DataFrame:
    bench = table[(table["geography"] == code) & (table["source"] == "dfe")]
    bench = bench.drop_duplicates(JOIN)
    return bench[[*JOIN, "value", "suppressed"]].rename(
        columns={"value": f"{name}_value", "suppressed": f"{name}_suppressed"})


def _reason(rows: pd.DataFrame, bench_value: pd.Series, min_denominator: int) -> pd.Series:
    reason = pd.Series("", index=rows.index, dtype=object)
    small = rows["denominator"].notna() & (rows["denominator"] < min_denominator) & rows["unit"].isin(["%", "mean"])
    no_ci = rows["lower_95"].isna() | rows["upper_95"].isna()
    reason = reason.mask(no_ci, "no confidence interval (e.g. a published mean or a rounded LAIT value)")
    reason = reason.mask(rows["unit"] == "count", "a count has no benchmark")
    reason = reason.mask(bench_value.isna(), "no England figure for this period")
    reason = reason.mask(small, f"fewer than {min_denominator} children")
    suppressed = rows["suppressed"].fillna("") != ""
    return reason.mask(suppressed, "suppressed (" + rows["suppressed"].astype(str) + ")")


# ----------------------------------------------------------------------------- England
def compare_with_england(
    table: pd.DataFrame,
    geography: str | list[str] | None = None,
    two_level: bool = False,
    min_denominator: int = MIN_DENOMINATOR,
    prefer: tuple[str, ...] = ("local", "dfe"),
) -> pd.DataFrame:
    """Each area's figures against England's (fixed benchmark, Fingertips rule).

    Parameters
    ----------
    table : DataFrame
        Tidy table holding the areas' rows and England's published rows (``geography``
        E92000001, ``source="dfe"``).
    geography : str, list or None; default None
        Areas to compare (None: all but England).
    two_level : bool; default False
        Add Best/Worst beyond 99.8% (see :func:`compare_to_benchmark`).
    min_denominator : int; default 10
        Proportions and means on fewer children are Not compared.
    prefer : tuple of str; default ("local", "dfe")
        Which source wins where an area has both.

    Returns
    -------
    DataFrame
        The area rows (limits filled from counts where missing) plus ``england_value``,
        ``comparison``, ``comparison_level`` ("95%" or "95% and 99.8%"), ``z``, ``p_value``,
        ``test`` (``score``, ``exact binomial``, ``exact Poisson`` or ``""``) and ``reason``
        (why Not compared). Only periods with an England figure can be compared.
    """
    rows = _intervals(area_rows(table, geography, prefer))
    rows = rows.merge(_benchmark(table, ENGLAND, "england"), on=JOIN, how="left")
    reason = _reason(rows, rows["england_value"], min_denominator)
    label = compare_to_benchmark(rows["lower_95"], rows["upper_95"], rows["england_value"], rows["polarity"],
                                 rows["lower_998"], rows["upper_998"], two_level)
    rows["comparison"] = np.where(reason == "", label, NOT_COMPARED)
    rows["reason"] = reason.where(rows["comparison"] == NOT_COMPARED, "")
    rows["comparison_level"] = "95% and 99.8%" if two_level else "95%"
    z, p, test = [], [], []
    for r in rows.itertuples(index=False):
        zi, pi, ti = _p_value(r.unit, r.numerator, r.denominator, r.england_value, r.reason)
        z.append(zi)
        p.append(pi)
        test.append(ti)
    rows["z"], rows["p_value"], rows["test"] = z, p, test
    return rows


def _p_value(unit: str, num: float, den: float, bench: float, reason: str) -> tuple[float, float, str]:
    if reason or not (np.isfinite(num) and np.isfinite(den) and np.isfinite(bench)) or den <= 0:
        return np.nan, np.nan, ""
    if unit == "%":
        p0 = bench / 100
        z, p = score_test(num, den, p0)
        if needs_exact(den, p0):
            return z, exact_binomial_p(num, den, p0), "exact binomial"
        return z, p, "score"
    if unit == "rate_per_10k":
        from statsmodels.stats.rates import test_poisson as poisson_test

        result = poisson_test(num, den / 10_000, bench, method="exact-c")
        return np.nan, float(result.pvalue), "exact Poisson"
    return np.nan, np.nan, ""


# ----------------------------------------------------------------------------- two independent groups
def _two_group(unit: str, x1: float, n1: float, x2: float, n2: float) -> tuple[float, float, float, float]:
    """(difference, lower, upper, p) of group 1 minus group 2 (pp for %, per 10,000 for rates)."""
    if not all(np.isfinite(v) for v in (x1, n1, x2, n2)) or min(n1, n2) <= 0:
        return np.nan, np.nan, np.nan, np.nan
    if unit == "%":
        if x1 > n1 or x2 > n2:
            return np.nan, np.nan, np.nan, np.nan
        diff, lo, hi = stats.difference_of_proportions(x1, n1, x2, n2)
        return 100 * diff, 100 * lo, 100 * hi, stats.proportions_score_test(x1, n1, x2, n2)
    return np.nan, np.nan, np.nan, np.nan


def _label_from_difference(lower: float, upper: float, polarity: str) -> str:
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return NOT_COMPARED
    return str(compare_to_benchmark(lower, upper, 0.0, polarity)[0])


def compare_with_region(
    table: pd.DataFrame,
    la_code: str,
    region_code: str,
    region_members: list[str] | None = None,
    min_denominator: int = MIN_DENOMINATOR,
    prefer: tuple[str, ...] = ("local", "dfe"),
) -> pd.DataFrame:
    """The authority against the rest of its region (two independent proportions).

    The authority is part of its region, so it is compared with the region **excluding** it.
    The rest of the region is the sum of the other member authorities' published counts when
    ``region_members`` is given and none of them is suppressed (exact); otherwise the region's
    published count minus the authority's (regional counts are rounded to 10, so this is
    approximate; ``method`` says which).

    Parameters
    ----------
    table : DataFrame
        Tidy table with the authority's rows, the region's and (optionally) its members'.
    la_code, region_code : str
        E.g. ``"E10000018"``, ``"E12000004"`` (:func:`cpanalysis.dfe.region_of`).
    region_members : list of str or None; default None
        The region's authorities (new codes); the authority itself is left out if listed.
    min_denominator : int; default 10
    prefer : tuple of str; default ("local", "dfe")
        Source order for the authority's own rows.

    Returns
    -------
    DataFrame
        The authority's rows plus ``region_value`` (published), ``rest_numerator``,
        ``rest_denominator``, ``rest_value``, ``difference`` (authority minus rest, pp),
        ``difference_lower``/``difference_upper`` (Newcombe 95%), ``p_value`` (score test),
        ``comparison`` (polarity-aware; Not compared for non-proportions and small or
        suppressed figures), ``method``.
    """
    la = _intervals(area_rows(table, la_code, prefer))
    region = table[(table["geography"] == region_code) & (table["source"] == "dfe")].drop_duplicates(JOIN)
    la = la.merge(region[[*JOIN, "value", "numerator", "denominator"]].rename(
        columns={"value": "region_value", "numerator": "_rn", "denominator": "_rd"}), on=JOIN, how="left")
    la["rest_numerator"] = la["_rn"] - la["numerator"]
    la["rest_denominator"] = la["_rd"] - la["denominator"]
    la["method"] = "region total (rounded to 10) minus the authority"
    if region_members:
        others = [c for c in region_members if c != la_code]
        members = table[table["geography"].isin(others) & (table["source"] == "dfe")].drop_duplicates(
            ["geography", *JOIN])
        sums = members.groupby(JOIN, dropna=False).agg(
            _mn=("numerator", lambda s: s.sum(min_count=1) if s.notna().all() else np.nan),
            _md=("denominator", lambda s: s.sum(min_count=1) if s.notna().all() else np.nan),
            _count=("geography", "nunique"),
        ).reset_index()
        la = la.merge(sums, on=JOIN, how="left")
        exact = la["_mn"].notna() & la["_md"].notna() & (la["_count"] == len(others))
        la.loc[exact, "rest_numerator"] = la.loc[exact, "_mn"]
        la.loc[exact, "rest_denominator"] = la.loc[exact, "_md"]
        la.loc[exact, "method"] = "sum of the other authorities in the region"
        la = la.drop(columns=["_mn", "_md", "_count"])
    la = la.drop(columns=["_rn", "_rd"])
    return _two_group_columns(la, "rest", min_denominator)


def _two_group_columns(rows: pd.DataFrame, other: str, min_denominator: int) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        rows[f"{other}_value"] = np.where(rows["unit"] == "%",
                                          100 * rows[f"{other}_numerator"] / rows[f"{other}_denominator"], np.nan)
    results = [
        _two_group(r.unit, r.numerator, r.denominator, getattr(r, f"{other}_numerator"),
                   getattr(r, f"{other}_denominator"))
        for r in rows.itertuples(index=False)
    ]
    cols = ["difference", "difference_lower", "difference_upper", "p_value"]
    rows[cols] = pd.DataFrame(results, columns=cols, index=rows.index) if results else np.nan
    reason = _reason(rows, rows[f"{other}_value"], min_denominator)
    reason = reason.mask((reason == "") & (rows["unit"] != "%"), "only proportions are tested against a group")
    labels = [
        _label_from_difference(lo, hi, pol)
        for lo, hi, pol in zip(rows["difference_lower"], rows["difference_upper"], rows["polarity"], strict=True)
    ]
    rows["comparison"] = np.where(reason == "", labels, NOT_COMPARED)
    rows["reason"] = reason.where(rows["comparison"] == NOT_COMPARED, "")
    return rows


# ----------------------------------------------------------------------------- statistical neighbours
def compare_with_neighbours(
    table: pd.DataFrame,
    la_code: str,
    neighbours: list[str],
    min_denominator: int = MIN_DENOMINATOR,
    prefer: tuple[str, ...] = ("local", "dfe"),
) -> pd.DataFrame:
    """The authority against its statistical neighbours: median, pooled value and a test.

    Parameters
    ----------
    table : DataFrame
        Tidy table with the authority's and the neighbours' rows (``source="dfe"``).
    la_code : str
    neighbours : list of str
        New codes, e.g. :func:`cpanalysis.dfe.statistical_neighbours`.
    min_denominator : int; default 10
    prefer : tuple of str; default ("local", "dfe")

    Returns
    -------
    DataFrame
        The authority's rows plus ``neighbours_with_data``, ``neighbour_median`` (the CSC
        dashboard's average), ``neighbour_mean``, ``neighbour_min``/``neighbour_max``,
        ``neighbours_numerator``/``neighbours_denominator`` and ``neighbours_value`` (pooled:
        only when every neighbour with a value published its counts), ``difference`` and its
        Newcombe interval, ``p_value`` (score test, authority vs pooled neighbours, independent
        groups), ``comparison``, and ``rank_among_neighbours`` (1 = best of the authority and its
        neighbours by polarity; ascending when there is none).
    """
    la = _intervals(area_rows(table, la_code, prefer))
    nb = table[table["geography"].isin(neighbours) & (table["source"] == "dfe")].drop_duplicates(["geography", *JOIN])
    with_value = nb[nb["value"].notna()]

    def pooled(column: str):
        def agg(group: pd.DataFrame) -> float:
            ok = group["numerator"].notna() & group["denominator"].notna()
            return group[column].sum() if ok.all() and len(group) else np.nan
        return agg

    grouped = with_value.groupby(JOIN)
    summary = pd.DataFrame({
        "neighbours_with_data": grouped["geography"].nunique(),
        "neighbour_median": grouped["value"].median(),
        "neighbour_mean": grouped["value"].mean(),
        "neighbour_min": grouped["value"].min(),
        "neighbour_max": grouped["value"].max(),
        "neighbours_numerator": grouped[["numerator", "denominator"]].apply(pooled("numerator")),
        "neighbours_denominator": grouped[["numerator", "denominator"]].apply(pooled("denominator")),
    }).reset_index() if not with_value.empty else pd.DataFrame(columns=[*JOIN, "neighbours_with_data"])
    la = la.merge(summary, on=JOIN, how="left")
    la["neighbours_with_data"] = la["neighbours_with_data"].fillna(0).astype(int)
    la = _two_group_columns(la, "neighbours", min_denominator)
    ranks = []
    for r in la.itertuples(index=False):
        peers = with_value.loc[
            (with_value["indicator_id"] == r.indicator_id) & (with_value["period_end"] == r.period_end)
            & (with_value["breakdown"] == r.breakdown) & (with_value["breakdown_value"] == r.breakdown_value),
            "value"]
        ranks.append(_rank_of(r.value, peers.to_numpy(dtype=float), r.polarity))
    la["rank_among_neighbours"] = ranks
    return la


def _rank_of(value: float, others: np.ndarray, polarity: str) -> float:
    if not np.isfinite(value):
        return np.nan
    values = np.append(others[np.isfinite(others)], value)
    return float(rank(pd.Series(values), polarity).iloc[-1])


# ----------------------------------------------------------------------------- all authorities
def rank(values: pd.Series, polarity: str) -> pd.Series:
    """LAIT rank: 1 = best (ascending when low is good, descending when high is good), ties at the
    minimum rank (R ``ties.method="min"``), missing values unranked. Without polarity, 1 = lowest."""
    if polarity not in ("high_good", "low_good", "none"):
        raise ParameterError(f"polarity must be high_good, low_good or none; got {polarity!r}")
    return values.rank(method="min", ascending=polarity != "high_good")


def quartile_bands(values: pd.Series, polarity: str) -> pd.DataFrame:
    """LAIT quartile bands A-D and ranks over a set of authorities' values.

    Boundaries are the 25/50/75% quantiles of the non-missing values, type 7 (R's default, numpy's
    ``linear``). Intervals are closed on the right: up to Q1 inclusive is the first quartile, above
    Q1 to the median inclusive the second, above the median to Q3 inclusive the third, above Q3
    the fourth. A is the best quartile: the lowest values when low is good, the highest when high
    is good; no letter without polarity (the LAIT convention, methods.md §4.4).

    Parameters
    ----------
    values : Series
        One value per authority (regions and England excluded by the caller).
    polarity : {"high_good", "low_good", "none"}

    Returns
    -------
    DataFrame
        Same index: ``quartile`` (1 = lowest values, 4 = highest), ``band`` (A-D or ``""``),
        ``rank`` (:func:`rank`).
    """
    v = values.astype(float)
    valid = v.dropna()
    out = pd.DataFrame(index=values.index)
    if valid.empty:
        out["quartile"], out["band"], out["rank"] = np.nan, "", np.nan
        return out
    q1, q2, q3 = np.quantile(valid.to_numpy(), [0.25, 0.5, 0.75])
    quartile = np.select([v <= q1, v <= q2, v <= q3, v > q3], [1, 2, 3, 4], default=0).astype(float)
    quartile[v.isna().to_numpy()] = np.nan
    out["quartile"] = quartile
    letters = {"low_good": "ABCD", "high_good": "DCBA"}.get(polarity, "")
    out["band"] = [letters[int(q) - 1] if letters and np.isfinite(q) else "" for q in quartile]
    out["rank"] = rank(v, polarity)
    return out


def _authorities(table: pd.DataFrame, indicator_id: str, period_end: str | pd.Timestamp, breakdown: str,
                 breakdown_value: str) -> pd.DataFrame:
    rows = table[(table["indicator_id"] == indicator_id) & (table["period_end"] == pd.Timestamp(period_end))
                 & (table["breakdown"] == breakdown) & (table["breakdown_value"] == breakdown_value)
                 & (table["source"] == "dfe")]
    rows = rows[rows["geography"].map(geographic_level) == "Local authority"]
    return rows.drop_duplicates("geography").reset_index(drop=True)


def lait_bands(
    table: pd.DataFrame,
    indicator_id: str,
    period_end: str | pd.Timestamp,
    breakdown: str = "Total",
    breakdown_value: str = "Total",
    exclude: list[str] | None = None,
) -> pd.DataFrame:
    """Quartile band and rank of every authority for one indicator and year (published rows).

    Parameters
    ----------
    table : DataFrame
        Tidy table with the authorities' ``source="dfe"`` rows.
    indicator_id, period_end, breakdown, breakdown_value
        Which figures.
    exclude : list of str or None; default None
        Authorities to leave out of the quantiles (e.g. former authorities).

    Returns
    -------
    DataFrame
        ``geography, value, quartile, band, rank`` (plus the row's other columns); the bands use
        the values as loaded (unrounded when recomputed from counts).
    """
    rows = _authorities(table, indicator_id, period_end, breakdown, breakdown_value)
    if exclude:
        rows = rows[~rows["geography"].isin(exclude)].reset_index(drop=True)
    polarity = rows["polarity"].iloc[0] if len(rows) else "none"
    return pd.concat([rows, quartile_bands(rows["value"], polarity)], axis=1)


def funnel_limits(
    p0: float, n: np.ndarray | float, confidence: float = 0.95, small_n: str = "exact"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Funnel-plot limits around a proportion ``p0`` (0-1) for denominators ``n``.

    Normal limits ``p0 +/- z sqrt(p0 (1 - p0) / n)``, truncated to 0-1 (PHE's inverted-Wilson
    funnel reduces to this). Where the normal approximation fails (``n p0 < 5`` or
    ``n (1 - p0) < 5``) the limits are exact binomial quantiles divided by ``n``
    (``small_n="exact"``) or NaN (``small_n="not_assessed"``).

    Returns
    -------
    (lower, upper, exact) : numpy arrays
        Limits on the 0-1 scale and whether the exact limits were used.
    """
    if small_n not in ("exact", "not_assessed"):
        raise ParameterError(f"small_n must be 'exact' or 'not_assessed'; got {small_n!r}")
    nn = np.atleast_1d(np.asarray(n, dtype=float))
    z = stats.z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p0 * (1 - p0) / nn)
    lower, upper = np.clip(p0 - half, 0, 1), np.clip(p0 + half, 0, 1)
    small = (nn * p0 < 5) | (nn * (1 - p0) < 5)
    alpha = 1 - confidence
    if small.any():
        if small_n == "exact":
            from scipy import stats as sps

            ns = np.maximum(nn[small], 1)
            lower[small] = sps.binom.ppf(alpha / 2, ns, p0) / ns
            upper[small] = sps.binom.ppf(1 - alpha / 2, ns, p0) / ns
        else:
            lower[small], upper[small] = np.nan, np.nan
    invalid = ~np.isfinite(nn) | (nn <= 0)
    lower[invalid], upper[invalid] = np.nan, np.nan
    return lower, upper, small & ~invalid


@dataclass(frozen=True)
class Funnel:
    """Funnel plot data: one row per authority and a summary of how many fall outside."""

    points: pd.DataFrame
    england: float
    summary: pd.DataFrame


def funnel(
    table: pd.DataFrame,
    indicator_id: str,
    period_end: str | pd.Timestamp,
    breakdown: str = "Total",
    breakdown_value: str = "Total",
    small_n: str = "exact",
) -> Funnel:
    """Funnel limits (95%, 99.8%) around England over all authorities for a percentage.

    Parameters
    ----------
    table : DataFrame
        Tidy table with England's and the authorities' published rows.
    indicator_id, period_end, breakdown, breakdown_value
    small_n : {"exact", "not_assessed"}; default "exact"
        See :func:`funnel_limits`.

    Returns
    -------
    Funnel
        ``points``: geography, numerator, denominator, value, ``lower_95_limit`` ...
        ``upper_998_limit`` (percent), ``position`` ("Above 99.8%", "Above 95%", "Inside",
        "Below 95%", "Below 99.8%", "Not assessed"); ``summary``: per limit, the number of
        authorities outside against the number expected by chance (5% and 0.2% of those
        assessed). Between-authority variation usually exceeds binomial variation, so many
        more fall outside than expected; no overdispersion adjustment is made.

    Raises
    ------
    ParameterError
        If the indicator is not a percentage or England has no figure.
    """
    rows = _authorities(table, indicator_id, period_end, breakdown, breakdown_value)
    eng = table[(table["indicator_id"] == indicator_id) & (table["geography"] == ENGLAND)
                & (table["period_end"] == pd.Timestamp(period_end)) & (table["breakdown"] == breakdown)
                & (table["breakdown_value"] == breakdown_value) & (table["source"] == "dfe")]["value"]
    if eng.empty or not np.isfinite(eng.iloc[0]):
        raise ParameterError(f"no England figure for {indicator_id} at {pd.Timestamp(period_end).date()}")
    if len(rows) and rows["unit"].iloc[0] != "%":
        raise ParameterError(f"funnel limits are for percentages; {indicator_id} is {rows['unit'].iloc[0]}")
    p0 = float(eng.iloc[0]) / 100
    points = rows[["geography", "numerator", "denominator", "value", "suppressed"]].copy()
    n = points["denominator"].to_numpy(dtype=float)
    position = np.full(len(points), "Inside", dtype=object)
    assessed = points["value"].notna().to_numpy() & np.isfinite(n) & (n > 0)
    for level, tag in ((0.95, "95"), (0.998, "998")):
        lo, hi, _ = funnel_limits(p0, n, level, small_n)
        points[f"lower_{tag}_limit"], points[f"upper_{tag}_limit"] = 100 * lo, 100 * hi
        assessed &= np.isfinite(lo)
    v = points["value"].to_numpy(dtype=float)
    position = np.where(v > points["upper_95_limit"], "Above 95%", position)
    position = np.where(v < points["lower_95_limit"], "Below 95%", position)
    position = np.where(v > points["upper_998_limit"], "Above 99.8%", position)
    position = np.where(v < points["lower_998_limit"], "Below 99.8%", position)
    points["position"] = np.where(assessed, position, "Not assessed")
    m = int(assessed.sum())
    out95 = int(np.isin(points["position"], ["Above 95%", "Below 95%", "Above 99.8%", "Below 99.8%"]).sum())
    out998 = int(np.isin(points["position"], ["Above 99.8%", "Below 99.8%"]).sum())
    summary = pd.DataFrame({
        "limit": ["95%", "99.8%"],
        "authorities_assessed": [m, m],
        "outside": [out95, out998],
        "expected_by_chance": [0.05 * m, 0.002 * m],
    })
    return Funnel(points, 100 * p0, summary)


# ----------------------------------------------------------------------------- trend of one series
def series(table: pd.DataFrame, indicator_id: str, geography: str, breakdown: str = "Total",
           breakdown_value: str = "Total", prefer: tuple[str, ...] = ("local", "dfe")) -> pd.DataFrame:
    """The annual (31 March) series of one indicator for one area, oldest first, one row per year."""
    rows = area_rows(table, geography, prefer)
    rows = rows[(rows["indicator_id"] == indicator_id) & (rows["breakdown"] == breakdown)
                & (rows["breakdown_value"] == breakdown_value) & (rows["period_type"] == "year")]
    return rows.sort_values("period_end").reset_index(drop=True)


def trend(
    table: pd.DataFrame,
    indicator_id: str,
    geography: str,
    breakdown: str = "Total",
    breakdown_value: str = "Total",
    prefer: tuple[str, ...] = ("local", "dfe"),
) -> dict[str, object]:
    """All trend statistics of one area's annual series (see :mod:`cpanalysis.trends`).

    Returns
    -------
    dict
        ``years``; ``recent_trend`` (:class:`cpanalysis.trends.TrendResult`: Fingertips 5-point
        test, chi-squared branch for percentages with counts, weighted least squares for other
        statistics with intervals); ``glm`` (:class:`~cpanalysis.trends.GlmTrend` or None: needs
        counts for 3+ years); ``kendall_theil`` (or None); ``year_on_year`` (difference of the
        last two years in pp with a Newcombe interval, or None).
    """
    s = series(table, indicator_id, geography, breakdown, breakdown_value, prefer)
    s = _intervals(s)
    polarity = s["polarity"].iloc[0] if len(s) else "none"
    years = s["period_end"].dt.year.to_numpy()
    counts = s["unit"].eq("%").all() and len(s) > 0
    with_counts = s[s["numerator"].notna() & s["denominator"].notna()] if counts else s.iloc[0:0]
    if counts and len(with_counts) >= trends.TREND_POINTS:
        recent = trends.fingertips_trend(with_counts["numerator"], with_counts["denominator"], polarity)
    else:
        recent = trends.fingertips_trend_values(s["value"], s["lower_95"], s["upper_95"], polarity)
    glm = None
    if len(with_counts) >= 3:
        glm = trends.glm_trend(with_counts["numerator"], with_counts["denominator"],
                               with_counts["period_end"].dt.year)
    valid = s[s["value"].notna()]
    kt = trends.kendall_theil(valid["value"], valid["period_end"].dt.year) if len(valid) >= 3 else None
    yoy = None
    if len(with_counts) >= 2:
        last = with_counts.iloc[-2:]
        yoy = trends.year_on_year(*last[["numerator", "denominator"]].to_numpy().ravel())
    return {"years": years.tolist(), "recent_trend": recent, "glm": glm, "kendall_theil": kt, "year_on_year": yoy}


# ----------------------------------------------------------------------------- reconciliation
#: Why an authority's own count of a measure may differ from DfE's, by indicator id prefix.
RECONCILIATION_HINTS: dict[str, str] = {
    "placements_3plus": "how placements are counted: moves with the same carer (RNE T/U), temporary placements "
                        "(T0-T4) and placement with the same carers for adoption (episodes.derive_placements "
                        "parameters same_carer_moves and temporary)",
    "long_term_stability": "how the 2-year placement and the adoption rule (adoptive placement plus the one before "
                           "it) are measured",
    "placed_over_20": "missing or amended home/placement postcodes and PL_DISTANCE",
    "new_placements": "which placements count as new (temporary placements; same-carer changes count, as DfE's "
                      "new-placements table does)",
    "distance_not_known": "missing or amended home/placement postcodes",
    "sdq": "OC2 rows amended after submission, and whether SDQ bands are of children with a score",
    "leavers_": "the birthday window for the care-leaver cohort and OC3 rows amended after submission",
    "staying_put": "the birthday window and accommodation codes",
    "health_": "OC2 rows amended after submission",
    "immunisations": "OC2 rows amended after submission",
    "dental": "OC2 rows amended after submission",
    "development": "OC2 rows amended after submission",
    "substance": "OC2 rows amended after submission",
    "convicted": "OC2 rows amended after submission",
    "cla_": "episodes amended after submission (start/end dates, short breaks V3/V4)",
}
_VINTAGE = ("data vintage (DfE used the return as submitted; the local history includes later amendments "
            "and the stitching of returns)")


def _hint(indicator_id: str) -> str:
    return next((text for prefix, text in RECONCILIATION_HINTS.items() if indicator_id.startswith(prefix)),
                "definition choices")


def _explain(r: pd.Series) -> tuple[str, str]:
    if pd.isna(r.get("dfe_value")) and not r.get("dfe_suppressed"):
        return "not published", "DfE publishes no figure for this indicator, year and breakdown."
    if r.get("dfe_suppressed"):
        return "suppressed by DfE", (f"DfE did not publish this figure ({r['dfe_suppressed']}: "
                                     f"{symbol_reason(r['dfe_suppressed'])}), so it cannot be checked.")
    if r.get("local_suppressed"):  # hidden for an external audience: computed, not shown, so not compared
        return "hidden locally", ("Our figure is suppressed for an external audience (too few children to "
                                  "publish), so it is not compared with DfE's.")
    if pd.isna(r.get("local_value")):
        return "not computed locally", "The package has no local figure for this indicator, year and breakdown."
    ln, ld, dn, dd = r["local_numerator"], r["local_denominator"], r["dfe_numerator"], r["dfe_denominator"]
    unit = r["unit"]
    if np.isfinite(dn) and np.isfinite(ln):
        same_den = (not np.isfinite(dd) and not np.isfinite(ld)) or (np.isfinite(dd) and np.isfinite(ld) and dd == ld)
        if same_den and dn == ln:
            return "match", "Matches DfE exactly."
        if np.isfinite(dd) and np.isfinite(ld) and dd != ld:
            diff = int(ld - dd)
            return "differs", (f"The cohort differs by {abs(diff)} {'more' if diff > 0 else 'fewer'} children "
                               f"locally ({int(ld)} against DfE's {int(dd)}), so the figures are not like for like. "
                               f"Usual causes: {_VINTAGE}; or {_hint(r['indicator_id'])}.")
        diff = int(ln - dn)
        if unit == "count" or not np.isfinite(dd):
            return "differs", (f"{abs(diff)} {'more' if diff > 0 else 'fewer'} locally ({int(ln)} against DfE's "
                               f"{int(dn)}). Usual causes: {_VINTAGE}; or {_hint(r['indicator_id'])}.")
        return "differs", (f"Same cohort of {int(ld)}, but {abs(diff)} {'more' if diff > 0 else 'fewer'} children meet "
                           f"the definition locally ({int(ln)} against DfE's {int(dn)}): a counting-rule difference, "
                           f"most likely {_hint(r['indicator_id'])}; or {_VINTAGE}.")
    # Only DfE's rounded value is known (LAIT, a mean, a published rate).
    decimals = 1 if unit == "mean" else 0
    if round(float(r["local_value"]) + 1e-9, decimals) == round(float(r["dfe_value"]), decimals):
        what = "one decimal place" if decimals else "a whole number"
        return "match after rounding", f"Matches DfE's published figure after rounding to {what}."
    return "differs", (f"The local figure {r['local_value']:.{decimals + 1}f} rounds to "
                       f"{round(float(r['local_value']), decimals)}, DfE published {r['dfe_value']}. Usual causes: "
                       f"{_VINTAGE}; or {_hint(r['indicator_id'])}.")


def reconcile(
    table: pd.DataFrame,
    la_code: str,
    period_end: str | pd.Timestamp | None = None,
    period_types: tuple[str, ...] = ("year",),
) -> pd.DataFrame:
    """The authority's own 31 March figures against its published DfE row, with explanations.

    The package's check that its definitions match DfE's (methods.md §7, acceptance test): at the
    31 March year end, a local figure computed from the same returns should equal the published
    unrounded one; when it does not, the explanation names the likely cause (cohort size, a
    counting rule such as same-carer moves, suppression, rounding, data vintage).

    Parameters
    ----------
    table : DataFrame
        Tidy table with the authority's local rows and its published (``source="dfe"``) rows.
    la_code : str
        The authority's code as used in both (new code, e.g. ``"E10000018"``).
    period_end : date or None; default None
        One year end; None reconciles every year end with a local figure.
    period_types : tuple of str; default ("year",)
        Local period types accepted (add ``"rolling_12m"`` to use a rolling window ending 31 March).

    Returns
    -------
    DataFrame
        ``indicator_id, period_end, breakdown, breakdown_value, unit, local_numerator,
        local_denominator, local_value, local_suppressed`` (the local row's symbol, ``"c"`` where a
        table for an external audience hides it, else ``""``), ``dfe_numerator, dfe_denominator,
        dfe_value, dfe_suppressed, difference`` (local minus DfE value), ``status`` (match, match
        after rounding, differs, suppressed by DfE, not published, hidden locally, not computed
        locally) and ``explanation``.
    """
    sel = (table["geography"] == la_code) & (table["period_end"].dt.month == 3) & (table["period_end"].dt.day == 31)
    if period_end is not None:
        sel &= table["period_end"] == pd.Timestamp(period_end)
    local = table[sel & (table["source"] == "local") & table["period_type"].isin(period_types)]
    dfe = table[sel & (table["source"] == "dfe")]
    cols = ["numerator", "denominator", "value"]
    local = local.assign(suppressed=local["suppressed"].fillna("") if "suppressed" in local else "")
    merged = local[[*JOIN, "unit", *cols, "suppressed"]].drop_duplicates(JOIN).rename(
        columns={**{c: f"local_{c}" for c in cols}, "suppressed": "local_suppressed"}).merge(
        dfe[[*JOIN, *cols, "suppressed"]].drop_duplicates(JOIN).rename(
            columns={**{c: f"dfe_{c}" for c in cols}, "suppressed": "dfe_suppressed"}),
        on=JOIN, how="left")
    merged["dfe_suppressed"] = merged["dfe_suppressed"].fillna("")
    merged["difference"] = merged["local_value"] - merged["dfe_value"]
    explained = [_explain(r) for _, r in merged.iterrows()]
    merged["status"] = [e[0] for e in explained]
    merged["explanation"] = [e[1] for e in explained]
    return merged.sort_values(JOIN).reset_index(drop=True)
