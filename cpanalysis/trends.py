"""Trend tests for short, noisy annual series (5-10 points): thin layers over scipy/statsmodels.

``docs/methods.md`` §3.3 and §5 set the defaults:

* the **significance flag** is the Fingertips "recent trend": a chi-squared test for linear trend
  on the 5 most recent points at the 99.8% level (chi-squared > 9.5495), counted only when the
  slope keeps its sign with each point left out in turn (:func:`fingertips_trend`; for means and
  other statistics the weighted-least-squares branch, :func:`fingertips_trend_values`);
* the **estimate** is a binomial GLM (logit) on year with the real counts, reported as an odds
  ratio per year and percentage points per year, quasi-binomial when overdispersed
  (:func:`glm_trend`);
* a **non-parametric check**: Kendall's tau with the exact small-sample p and the Theil-Sen slope
  (:func:`kendall_theil`);
* **year-on-year** differences with a Newcombe interval (:func:`year_on_year`), which treats
  the two years as independent and is therefore conservative (many of the same children appear
  in both years).

No change-point search: with so few points it has little power and invites cherry-picking.
Kept separate from :mod:`cpanalysis.stats` (intervals) because these functions act on series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cpanalysis import stats
from cpanalysis.errors import ParameterError
from cpanalysis.stats import z_value

# scipy.stats and statsmodels' submodules are imported inside the functions that use them: every
# notebook kernel imports this module (through cpanalysis.reports.changes) and most never test a trend.

#: Fingertips' recent-trend points and significance level.
TREND_POINTS = 5
TREND_CONFIDENCE = 0.998

INCREASING, DECREASING = "Increasing", "Decreasing"
NO_CHANGE, CANNOT = "No significant change", "Cannot be calculated"


@dataclass(frozen=True)
class TrendResult:
    """Outcome of a Fingertips recent-trend test.

    Attributes
    ----------
    direction : str
        ``Increasing``, ``Decreasing``, ``No significant change`` or ``Cannot be calculated``.
    assessment : str
        With polarity: ``Increasing and getting better`` / ``... getting worse`` (Fingertips'
        wording), else the direction.
    chi2 : float
        Test statistic (NaN when not calculated).
    p_value : float
        Chi-squared (1 df) p-value.
    signs_agree : bool
        Whether all leave-one-out slopes share the full slope's sign.
    n_points : int
        Points used.
    reason : str
        Why it could not be calculated (``""`` otherwise).
    """

    direction: str
    assessment: str
    chi2: float
    p_value: float
    signs_agree: bool
    n_points: int
    reason: str = ""


def _assess(direction: str, polarity: str) -> str:
    if direction not in (INCREASING, DECREASING) or polarity == "none":
        return direction
    better = (direction == INCREASING) == (polarity == "high_good")
    return f"{direction} and getting {'better' if better else 'worse'}"


def _check_polarity(polarity: str) -> None:
    if polarity not in ("high_good", "low_good", "none"):
        raise ParameterError(f"polarity must be high_good, low_good or none; got {polarity!r}")


def _trend_statistic(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    big_x, big_n = x.sum(), n.sum()
    numerator = big_n * (x * t).sum() - big_x * (n * t).sum()
    denominator = big_x * (big_n - big_x) * (big_n * (n * t**2).sum() - (n * t).sum() ** 2)
    chi2 = float(big_n * numerator**2 / denominator) if denominator > 0 else np.nan
    return chi2, float(np.sign(numerator))


def chi2_linear_trend(numerators: np.ndarray, denominators: np.ndarray,
                      times: np.ndarray | None = None) -> tuple[float, float]:
    """Chi-squared test for linear trend in proportions (Fingertips' formula).

    chi2 = N (N sum(x t) - X sum(n t))^2 / [X (N - X) (N sum(n t^2) - (sum(n t))^2)], with
    ``X = sum(x)`` and ``N = sum(n)``. It equals the Cochran-Armitage statistic times
    N / (N - 1) (statsmodels ``Table.test_ordinal_association`` gives the latter).

    Parameters
    ----------
    numerators, denominators : array-like
        Counts per period, oldest first.
    times : array-like or None; default None
        Scores of the periods (1, 2, ... when None).

    Returns
    -------
    (chi2, slope_sign) : tuple of float
        ``slope_sign`` is +1, -1 or 0. chi2 is NaN when every or no child has the outcome.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    t = np.arange(1, len(x) + 1, dtype=float) if times is None else np.asarray(times, dtype=float)
    return _trend_statistic(x, n, t)


def _verdict(chi2: float, signs: list[float], n_points: int, polarity: str, confidence: float) -> TrendResult:
    from scipy import stats as sps

    threshold = z_value(confidence) ** 2
    p = float(sps.chi2.sf(chi2, 1)) if np.isfinite(chi2) else np.nan
    agree = bool(signs[0] != 0 and all(s == signs[0] for s in signs))
    if not np.isfinite(chi2):
        return TrendResult(CANNOT, CANNOT, chi2, p, agree, n_points, "no variation in the outcome")
    if chi2 > threshold and agree:
        direction = INCREASING if signs[0] > 0 else DECREASING
    else:
        direction = NO_CHANGE
    return TrendResult(direction, _assess(direction, polarity), chi2, p, agree, n_points)


def fingertips_trend(
    numerators: np.ndarray,
    denominators: np.ndarray,
    polarity: str = "none",
    points: int = TREND_POINTS,
    confidence: float = TREND_CONFIDENCE,
) -> TrendResult:
    """Fingertips recent trend for a proportion: the last ``points`` periods, 99.8%, leave-one-out.

    Parameters
    ----------
    numerators, denominators : array-like
        Counts per period, oldest first (only the last ``points`` are used; missing values
        (NaN) are skipped before taking them).
    polarity : {"high_good", "low_good", "none"}; default "none"
    points : int; default 5
        Fingertips uses 5; fewer valid points give "Cannot be calculated".
    confidence : float; default 0.998
        chi2 must exceed the squared normal quantile (9.5495 at 99.8%).

    Returns
    -------
    TrendResult

    Examples
    --------
    >>> fingertips_trend([10, 15, 20, 25, 30], [100] * 5, "high_good").assessment
    'Increasing and getting better'
    """
    _check_polarity(polarity)
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    x, n = x[ok][-points:], n[ok][-points:]
    if len(x) < points:
        return TrendResult(CANNOT, CANNOT, np.nan, np.nan, False, len(x), f"fewer than {points} valid points")
    t = np.arange(1, points + 1, dtype=float)
    chi2, sign = _trend_statistic(x, n, t)
    signs = [sign] + [_trend_statistic(np.delete(x, i), np.delete(n, i), np.delete(t, i))[1] for i in range(points)]
    return _verdict(chi2, signs, points, polarity, confidence)


def _wls_slope(y: np.ndarray, se: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    from statsmodels.regression.linear_model import WLS
    from statsmodels.tools.tools import add_constant

    design = add_constant(t)
    # Known variances (SE from each point's interval), so the slope's SE is not rescaled by residuals.
    fit = WLS(y, design, weights=1 / se**2).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    return float(fit.params[1]), float(fit.bse[1])


def fingertips_trend_values(
    values: np.ndarray,
    lower_95: np.ndarray,
    upper_95: np.ndarray,
    polarity: str = "none",
    points: int = TREND_POINTS,
    confidence: float = TREND_CONFIDENCE,
) -> TrendResult:
    """Fingertips recent trend for means and other statistics: weighted least squares on time.

    Weights are 1/SE^2 with SE = (upper 95% - lower 95%) / 3.92; chi2 = (slope / SE_slope)^2,
    significant above the squared 99.8% normal quantile, and the slope must keep its sign with
    each point left out.

    Parameters
    ----------
    values, lower_95, upper_95 : array-like
        Per period, oldest first; points without a finite, positive-width interval are skipped.
    polarity, points, confidence
        As :func:`fingertips_trend`.
    """
    _check_polarity(polarity)
    y = np.asarray(values, dtype=float)
    se = (np.asarray(upper_95, dtype=float) - np.asarray(lower_95, dtype=float)) / (2 * z_value(0.95))
    ok = np.isfinite(y) & np.isfinite(se) & (se > 0)
    y, se = y[ok][-points:], se[ok][-points:]
    if len(y) < points:
        return TrendResult(CANNOT, CANNOT, np.nan, np.nan, False, len(y),
                           f"fewer than {points} points with a confidence interval")
    t = np.arange(1, points + 1, dtype=float)
    slope, se_slope = _wls_slope(y, se, t)
    chi2 = (slope / se_slope) ** 2
    signs = [float(np.sign(slope))] + [
        float(np.sign(_wls_slope(np.delete(y, i), np.delete(se, i), np.delete(t, i))[0])) for i in range(points)
    ]
    return _verdict(chi2, signs, points, polarity, confidence)


@dataclass(frozen=True)
class GlmTrend:
    """Binomial-GLM slope on year: odds ratio per year (with CI), percentage points per year."""

    odds_ratio: float
    or_lower: float
    or_upper: float
    pp_per_year: float
    p_value: float
    dispersion: float
    quasi_binomial: bool
    n_points: int


def glm_trend(
    numerators: np.ndarray,
    denominators: np.ndarray,
    years: np.ndarray,
    confidence: float = 0.95,
    overdispersion_threshold: float = 1.5,
) -> GlmTrend:
    """Whole-series linear trend of a proportion: logistic regression of the counts on year.

    Parameters
    ----------
    numerators, denominators : array-like
        Counts per year (rows with NaN are skipped).
    years : array-like
        The years (any origin; a slope is per unit).
    confidence : float; default 0.95
    overdispersion_threshold : float; default 1.5
        When Pearson chi2 / residual df exceeds this, the model is refitted with that
        dispersion as its scale (quasi-binomial), widening the interval by the square root of the
        dispersion. Between-authority and between-year variation in social-care measures
        usually exceeds binomial variation.

    Returns
    -------
    GlmTrend
        ``pp_per_year`` is the average marginal effect: the mean over the years of
        ``100 * b * p_hat * (1 - p_hat)``.

    Raises
    ------
    ParameterError
        Fewer than 3 usable years.
    """
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    yr = np.asarray(years, dtype=float)
    ok = np.isfinite(x) & np.isfinite(n) & np.isfinite(yr) & (n > 0)
    x, n, yr = x[ok], n[ok], yr[ok]
    if len(x) < 3:
        raise ParameterError(f"a trend needs at least 3 years with counts; got {len(x)}")
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    endog = np.column_stack([x, n - x])
    design = add_constant(yr - yr.min())
    model = GLM(endog, design, family=Binomial())
    fit = model.fit()
    dispersion = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else np.nan
    quasi = bool(np.isfinite(dispersion) and dispersion > overdispersion_threshold)
    if quasi:
        # Pearson dispersion passed as a number: with a (successes, failures) endog, statsmodels'
        # scale="X2" computes it on the proportion scale (100 times too small for n = 100).
        fit = GLM(endog, design, family=Binomial()).fit(scale=dispersion)
    b, se = float(fit.params[1]), float(fit.bse[1])
    z = z_value(confidence)
    p_hat = fit.fittedvalues
    return GlmTrend(
        odds_ratio=float(np.exp(b)),
        or_lower=float(np.exp(b - z * se)),
        or_upper=float(np.exp(b + z * se)),
        pp_per_year=float(100 * b * np.mean(p_hat * (1 - p_hat))),
        p_value=float(fit.pvalues[1]),
        dispersion=dispersion,
        quasi_binomial=quasi,
        n_points=len(x),
    )


@dataclass(frozen=True)
class KendallTheil:
    """Kendall's tau with its exact p-value, and the Theil-Sen slope with its interval."""

    tau: float
    p_value: float
    slope: float
    slope_lower: float
    slope_upper: float
    n_points: int


def kendall_theil(values: np.ndarray, years: np.ndarray, confidence: float = 0.95) -> KendallTheil:
    """Non-parametric trend check for a short series.

    Kendall's tau uses the **exact** small-sample distribution when no two values tie (the
    smallest two-sided p with n points is 2/n!: 0.083 for 4, 0.017 for 5, so fewer than 5 points
    can never reach p < 0.05); with ties (published figures rounded to whole numbers often tie)
    the exact distribution does not apply and scipy's tie-corrected normal approximation (tau-b)
    is used instead.

    Raises
    ------
    ParameterError
        Fewer than 3 points.
    """
    v = np.asarray(values, dtype=float)
    yr = np.asarray(years, dtype=float)
    ok = np.isfinite(v) & np.isfinite(yr)
    v, yr = v[ok], yr[ok]
    if len(v) < 3:
        raise ParameterError(f"a trend needs at least 3 points; got {len(v)}")
    from scipy import stats as sps

    ties = len(np.unique(v)) < len(v) or len(np.unique(yr)) < len(yr)
    tau = sps.kendalltau(yr, v, method="asymptotic" if ties else "exact")
    theil = sps.theilslopes(v, yr, alpha=confidence)
    return KendallTheil(float(tau.statistic), float(tau.pvalue), float(theil.slope), float(theil.low_slope),
                        float(theil.high_slope), len(v))


def year_on_year(
    numerator_before: float, denominator_before: float, numerator_after: float, denominator_after: float,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Change in a percentage between two periods with a Newcombe (hybrid score) interval.

    Returns
    -------
    (difference, lower, upper) : tuple of float
        In percentage points, ``after - before``. The two years share many children, so
        treating them as independent (as this does) gives a conservative interval; prefer the
        trend test to single-year changes.
    """
    diff, lo, hi = stats.difference_of_proportions(numerator_after, denominator_after, numerator_before,
                                                   denominator_before, confidence)
    return 100 * diff, 100 * lo, 100 * hi


#: How :func:`between_runs` decided.
NEWCOMBE = "Newcombe 95% interval of the difference"
OVERLAP = "95% intervals do not overlap"


def between_runs(unit: str, before: Mapping, after: Mapping) -> tuple[float, float, bool | None, str]:
    """Whether a measure changed beyond noise between two runs (``docs/methods.md`` §5.6).

    ``before`` and ``after`` are tidy rows of the same measure (``numerator``, ``denominator``,
    ``lower_95``, ``upper_95``). A percentage with both counts: the Newcombe interval of the
    difference (:func:`year_on_year`) excludes zero; otherwise the two 95% intervals do not
    overlap; neither possible: not assessed.

    Returns
    -------
    (lower, upper, beyond, method) : tuple
        The difference's 95% limits (percentage points; NaN unless Newcombe), True / False /
        None (not assessed) and :data:`NEWCOMBE`, :data:`OVERLAP` or ``""``.

    >>> between_runs("%", {"numerator": 10, "denominator": 100}, {"numerator": 30, "denominator": 100})[2:]
    (True, 'Newcombe 95% interval of the difference')
    >>> between_runs("rate_per_10k", {"lower_95": 40, "upper_95": 50}, {"lower_95": 45, "upper_95": 55})[2:]
    (False, '95% intervals do not overlap')
    """
    def known(row: Mapping, key: str) -> bool:
        value = row.get(key)
        return value is not None and not np.isnan(float(value))

    counts = [(row, key) for row in (before, after) for key in ("numerator", "denominator")]
    if unit == "%" and all(known(r, k) for r, k in counts) and before["denominator"] > 0 and after["denominator"] > 0:
        _, lo, hi = year_on_year(before["numerator"], before["denominator"], after["numerator"], after["denominator"])
        return lo, hi, not (lo <= 0 <= hi), NEWCOMBE
    if all(known(r, k) for r in (before, after) for k in ("lower_95", "upper_95")):
        beyond = bool(after["lower_95"] > before["upper_95"] or after["upper_95"] < before["lower_95"])
        return np.nan, np.nan, beyond, OVERLAP
    return np.nan, np.nan, None, ""
