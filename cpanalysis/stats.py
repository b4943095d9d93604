"""Confidence intervals and tests: thin, documented layers over scipy and statsmodels.

Conventions follow the Office for Health Improvement and Disparities (PHEindicatormethods):
Wilson score intervals for proportions, Byar's method for counts of 10 or more and the exact
Poisson (chi-squared) method below 10, Student's t for means, at 95% and 99.8%
(``docs/methods.md`` §4.1). The reference vectors of PHEindicatormethods' own tests are
reproduced in ``tests/test_stats.py``.

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical inference. JASA 22.
Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, vol II (Byar's method).
Newcombe RG, Altman DG (2000). Proportions and their differences. In: Statistics with Confidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# The intervals every indicator carries use only the distributions' quantile functions from
# scipy.special (the same calls scipy.stats makes: norm.ppf is ndtri, t.ppf is stdtrit, chi2.ppf
# is 2 * gammaincinv(df / 2, p)), so computing indicators never imports scipy.stats or statsmodels
# (about 0.5 s of CPU each); the Wilson limits are statsmodels' formula written out (the guide's
# exception for short textbook formulas), checked against statsmodels to the last bit in
# tests/test_stats.py. The tests and models import scipy.stats and statsmodels inside the
# functions that use them: importing this module (every indicator and every notebook kernel
# does) should not cost their start-up.

#: The two confidence levels every indicator carries.
LEVELS = (0.95, 0.998)

ArrayLike = float | int | np.ndarray | pd.Series


def z_value(confidence: float) -> float:
    """Two-sided normal quantile for ``confidence`` (1.959964 at 95%, 3.090232 at 99.8%)."""
    from scipy import special

    _check_confidence(confidence)
    return float(special.ndtri(confidence + (1 - confidence) / 2))


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive); got {confidence}")


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, on the 0-1 scale.

    Parameters
    ----------
    numerator : int or array-like
        Number of children with the outcome; integer, 0 <= numerator <= denominator.
    denominator : int or array-like
        Number of children in the cohort; rows with 0 give NaN limits.
    confidence : float; default 0.95
        Confidence level (0.998 for the outer funnel/comparison limit).

    Returns
    -------
    (lower, upper) : tuple of numpy arrays
        Limits between 0 and 1 (NaN where the denominator is 0 or missing). The formula is
        statsmodels' ``proportion_confint(method="wilson")``, operation for operation, so the
        limits are the same to the last bit (``tests/test_stats.py``).

    Raises
    ------
    ValueError
        If a numerator is negative or larger than its denominator.

    Examples
    --------
    >>> lo, hi = wilson_interval(65, 100)
    >>> round(float(lo), 7), round(float(hi), 7)
    (0.5525444, 0.7363575)
    """
    _check_confidence(confidence)
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    if np.any((x < 0) | (x > n)):
        raise ValueError("numerators must be between 0 and their denominator")
    valid = np.isfinite(x) & np.isfinite(n) & (n > 0)
    lower = np.full(np.broadcast(x, n).shape, np.nan)
    upper = lower.copy()
    if np.any(valid):
        from scipy import special

        xb, nb = np.broadcast_arrays(x, n)
        count, nobs = xb[valid], nb[valid]
        share = count / nobs
        crit = -special.ndtri((1 - confidence) / 2.0)  # the upper (1 - confidence) / 2 normal quantile
        crit2 = crit**2
        denom = 1 + crit2 / nobs
        centre = (share + crit2 / (2 * nobs)) / denom
        half = crit * np.sqrt(share * (1.0 - share) / nobs + crit2 / (4.0 * nobs**2))
        half /= denom
        lower[valid] = np.clip(centre - half, 0, 1)
        upper[valid] = np.clip(centre + half, 0, 1)
    return lower, upper


def _chi2_ppf(p: float, df: np.ndarray) -> np.ndarray:
    # scipy.stats.chi2.ppf's own computation (df > 0 here)
    from scipy import special

    return 2 * special.gammaincinv(df / 2, p)


def _exact_poisson(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - confidence
    lower = np.where(count > 0, _chi2_ppf(alpha / 2, 2 * np.maximum(count, 1)) / 2, 0.0)
    upper = _chi2_ppf(1 - alpha / 2, 2 * count + 2) / 2
    return lower, upper


def _byar(count: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * np.sqrt(count + 1))) ** 3
    return np.maximum(lower, 0.0), upper


def poisson_count_interval(count: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for a count: Byar's method at 10 or more, exact Poisson below.

    Parameters
    ----------
    count : int or array-like
        Observed count (non-negative).
    confidence : float; default 0.95

    Returns
    -------
    (lower, upper) : tuple of numpy arrays
        Limits for the count (divide by the population and multiply for a rate).

    Examples
    --------
    >>> lo, hi = poisson_count_interval(65)
    >>> round(float(lo), 5), round(float(hi), 5)
    (50.16319, 82.84914)
    """
    _check_confidence(confidence)
    o = np.asarray(count, dtype=float)
    if np.any(o < 0):
        raise ValueError("counts must not be negative")
    b_lo, b_hi = _byar(o, confidence)
    e_lo, e_hi = _exact_poisson(o, confidence)
    small = o < 10
    return np.where(small, e_lo, b_lo), np.where(small, e_hi, b_hi)


def rate_interval(
    count: ArrayLike, population: ArrayLike, per: float = 10_000, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of a rate ``count / population * per`` (Byar / exact Poisson).

    Examples
    --------
    >>> lo, hi = rate_interval(320, 45_000)
    >>> round(float(lo), 1), round(float(hi), 1)
    (63.5, 79.3)
    """
    lo, hi = poisson_count_interval(count, confidence)
    pop = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return lo / pop * per, hi / pop * per


def mean_interval(values: ArrayLike, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Mean with a Student-t confidence interval.

    Parameters
    ----------
    values : array-like
        Observations; NaN values are ignored.
    confidence : float; default 0.95

    Returns
    -------
    (mean, lower, upper, n) : tuple
        NaN limits when fewer than two values.
    """
    _check_confidence(confidence)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(v.mean())
    if n < 2:
        return (mean, np.nan, np.nan, n)
    from scipy import special

    # scipy.stats.t.ppf(q, df) is special.stdtrit(df, q)
    half = float(special.stdtrit(n - 1, confidence + (1 - confidence) / 2) * v.std(ddof=1) / np.sqrt(n))
    return (mean, mean - half, mean + half, n)


def mean_interval_from_sums(
    n: ArrayLike, total: ArrayLike, total_sq: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mean_interval` for many groups at once, from each group's count, sum and sum of squares.

    Parameters
    ----------
    n, total, total_sq : array-like
        Number of values, their sum and the sum of their squares, per group.
    confidence : float; default 0.95

    Returns
    -------
    (mean, lower, upper) : tuple of numpy arrays
        NaN mean for an empty group; NaN limits below two values. From sums the limits agree with
        :func:`mean_interval` to about ``sqrt(eps * total_sq)`` when the spread is tiny.
    """
    from scipy import special

    _check_confidence(confidence)
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    total_sq = np.asarray(total_sq, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        spread = total_sq - n * mean**2
        # The sums carry rounding error of a few eps * total_sq, which the subtraction exposes
        # when every value is (nearly) the same: treat a spread below that as none, so equal
        # values give a zero-width interval as mean_interval does.
        spread = np.where(spread <= 64 * np.finfo(float).eps * total_sq, 0.0, spread)
        variance = spread / (n - 1)
        # scipy.stats.t.ppf(q, df), which is special.stdtrit(df, q); NaN below two values (df <= 0)
        half = special.stdtrit(np.where(n >= 2, n - 1, np.nan), confidence + (1 - confidence) / 2) * np.sqrt(variance / n)
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half


# ----------------------------------------------------------------------------- two independent groups
def difference_of_proportions(x1: float, n1: float, x2: float, n2: float,
                              confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference of two independent proportions ``x1/n1 - x2/n2`` with Newcombe's interval.

    Newcombe's hybrid score interval (method 10 of Newcombe 1998; statsmodels
    ``confint_proportions_2indep(method="newcomb")``): the Wilson limits of each proportion
    combined, so it stays inside -1 to 1 and behaves near 0% and 100% (``docs/methods.md`` §5.6).
    The one implementation the cohort comparison, the comparison with neighbours and the
    between-runs test share.

    Returns
    -------
    (difference, lower, upper) : tuple of float
        As proportions (0-1); multiply by 100 for percentage points.

    Examples
    --------
    Newcombe's (1998) worked example, 56/70 against 48/80: 0.2000 (0.0524 to 0.3339).

    >>> [round(v, 4) for v in difference_of_proportions(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    _check_confidence(confidence)
    # statsmodels also computes ratios it does not return; a share of 0 makes them warn
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff",
                                           alpha=1 - confidence)
    return float(x1 / n1 - x2 / n2), float(lo), float(hi)


def proportions_score_test(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value of the score test that two independent proportions are equal
    (statsmodels ``test_proportions_2indep(method="score")``; Miettinen and Nurminen 1985)."""
    from statsmodels.stats.proportion import test_proportions_2indep

    with np.errstate(divide="ignore", invalid="ignore"):
        return float(test_proportions_2indep(x1, n1, x2, n2, method="score", compare="diff").pvalue)


def rate_ratio(events_1: float, exposure_1: float, events_2: float, exposure_2: float,
               confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Ratio of two Poisson rates with its score interval and test.

    statsmodels ``confint_poisson_2indep`` / ``test_poisson_2indep`` with ``method="score"``,
    ``compare="ratio"``: events are taken as independent (no clustering within a child).

    Returns
    -------
    (ratio, lower, upper, p_value) : tuple of float
    """
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    _check_confidence(confidence)
    lo, hi = confint_poisson_2indep(events_1, exposure_1, events_2, exposure_2, method="score",
                                    compare="ratio", alpha=1 - confidence)
    p = test_poisson_2indep(events_1, exposure_1, events_2, exposure_2, method="score", compare="ratio").pvalue
    return (events_1 / exposure_1) / (events_2 / exposure_2), float(lo), float(hi), float(p)


def difference_of_means(values_1: ArrayLike, values_2: ArrayLike,
                        confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Difference of two independent means with Welch's interval and t-test (unequal variances).

    Returns
    -------
    (difference, lower, upper, p_value) : tuple of float
    """
    from scipy import stats as sps

    _check_confidence(confidence)
    a, b = np.asarray(values_1, dtype=float), np.asarray(values_2, dtype=float)
    test = sps.ttest_ind(a, b, equal_var=False)
    ci = test.confidence_interval(confidence)
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high), float(test.pvalue)
