"""Every number, interval, period and comparison phrase of the reports, worded one way.

A board paper reads the same figure the same way on every page: a percentage is whole, as DfE
publishes it (``10%``), a rate is ``47 per 10,000``, a mean keeps one decimal (``14.2``), an
interval reads ``8 to 13%`` (never ``8-13%``), a p-value ``0.023`` or ``<0.001``, a change
``+1.2`` (never ``-0``), a period ``2025`` (the year ending 31 March 2025) or ``the 12 months to
30 Sep 2025``. Every report module, the charts (:mod:`cpanalysis.reports.plots`) and the
runner's ``changes.csv`` wording take their text from here. Nothing here computes a statistic.
"""

from __future__ import annotations

import pandas as pd

#: Decimal places :func:`format_value` shows per unit (everything else: 0).
DECIMALS = {"mean": 1}

#: How a comparison verdict (:func:`cpanalysis.compare.versus_label`) reads inside a sentence.
VERSUS_PHRASE = {
    "Similar": "similar to",
    "Better": "better than",
    "Worse": "worse than",
    "Higher": "higher than",
    "Lower": "lower than",
}


def _missing(value: object) -> bool:
    return value is None or pd.isna(value)


# ----------------------------------------------------------------------------- values with a unit
def format_value(value: float, unit: str) -> str:
    """A value as a report states it (``10%``, ``47 per 10,000``, ``14.2``, ``694``, ``420 days``).

    Percentages are whole numbers, as DfE publishes them; means keep one decimal place.

    >>> format_value(9.6, "%"), format_value(46.9, "rate_per_10k"), format_value(14.24, "mean")
    ('10%', '47 per 10,000', '14.2')
    >>> format_value(float("nan"), "%")
    'not available'
    """
    if _missing(value):
        return "not available"
    return _with_decimals(float(value), unit, DECIMALS.get(unit, 0))


def _with_decimals(value: float, unit: str, decimals: int) -> str:
    if unit == "%":
        return f"{value:.{decimals}f}%"
    if unit == "rate_per_10k":
        return f"{value:,.{decimals}f} per 10,000"
    if unit == "days":
        return f"{value:,.{decimals}f} days"
    return f"{value:,.{decimals}f}"


def format_pair(value: float, reference: float, unit: str, extra: int = 2) -> tuple[str, str]:
    """``value`` and ``reference`` (a target) in words, with just enough decimals to tell them apart.

    ``9.42%`` against a target of ``9%`` reads "9%, target at most 9%, not met" at DfE's whole
    percentages; this gives ``9.4%`` and ``9.0%``. Up to ``extra`` more decimal places than
    :func:`format_value` are added, and only when the usual rounding would show two different
    values as the same.

    >>> format_pair(9.42, 9, "%")
    ('9.4%', '9.0%')
    """
    if _missing(value) or _missing(reference):
        return format_value(value, unit), format_value(reference, unit)
    base = DECIMALS.get(unit, 0)
    for decimals in range(base, base + extra + 1):
        shown = _with_decimals(float(value), unit, decimals), _with_decimals(float(reference), unit, decimals)
        if shown[0] != shown[1] or float(value) == float(reference):
            return shown
    return shown


def row_interval(row: pd.Series) -> str:
    """A tidy row's 95% interval as text (``"8 to 13%"``); blank without limits."""
    if pd.isna(row.get("lower_95")) or pd.isna(row.get("upper_95")):
        return ""
    unit = str(row["unit"])
    if unit == "%":
        return f"{row['lower_95']:.0f} to {row['upper_95']:.0f}%"
    return f"{format_value(row['lower_95'], unit)} to {format_value(row['upper_95'], unit)}"


# ----------------------------------------------------------------------------- periods
def period_label(period_end: object, period_type: str = "year") -> str:
    """How a report names a period: ``2025`` (year ending 31 March 2025), ``the 12 months to 30 Sep 2025``.

    >>> period_label("2025-03-31"), period_label("2025-09-30", "rolling_12m")
    ('2025', 'the 12 months to 30 Sep 2025')
    """
    end = pd.Timestamp(period_end)
    if period_type == "year" and (end.month, end.day) == (3, 31):
        return f"{end.year}"
    if period_type == "quarter":
        return f"the quarter to {end:%-d %b %Y}"
    return f"the 12 months to {end:%-d %b %Y}"


# ----------------------------------------------------------------------------- bare numbers
def number(value: object, decimals: int = 0, suffix: str = "") -> str:
    """A number with thousands separators (``1,234``), blank when missing.

    >>> number(1234.5, 1, "%")
    '1,234.5%'
    """
    if _missing(value):
        return ""
    return f"{float(value):,.{decimals}f}{suffix}"


def interval(lower: object, upper: object, decimals: int = 0, suffix: str = "") -> str:
    """``"8 to 13%"``: the one interval wording of every page; blank when a limit is missing.

    >>> interval(8.2, 12.9, 0, "%")
    '8 to 13%'
    """
    if _missing(lower) or _missing(upper):
        return ""
    return f"{float(lower):,.{decimals}f} to {float(upper):,.{decimals}f}{suffix}"


def signed(value: object, decimals: int = 1) -> str:
    """``+1.2`` / ``-0.4`` / ``+0.0`` (never ``-0``: a rounded zero has no direction).

    >>> signed(-0.04), signed(1.25)
    ('+0.0', '+1.2')
    """
    if _missing(value):
        return ""
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{decimals}f}"


def p_value(value: object) -> str:
    """A p-value in a table: ``0.023`` or ``<0.001``.

    >>> p_value(0.0234), p_value(0.0002)
    ('0.023', '<0.001')
    """
    if _missing(value):
        return ""
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def p_clause(value: object) -> str:
    """``"= 0.023"`` or ``"< 0.001"``, for a p-value inside a sentence (never ``"= <0.001"``).

    >>> p_clause(0.0002)
    '< 0.001'
    """
    text = p_value(value)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"


def count(value: object) -> str:
    """A count with thousands separators, blank when missing."""
    return "" if _missing(value) else f"{float(value):,.0f}"


def share_with_interval(value: object, lower: object, upper: object) -> str:
    """A proportion (0-1) as ``"23% (21 to 25%)"``; no brackets when the interval is not defined.

    >>> share_with_interval(0.23, 0.21, 0.252)
    '23% (21 to 25%)'
    """
    if _missing(value):
        return ""
    limits = interval(100 * lower, 100 * upper, 0, "%") if not (_missing(lower) or _missing(upper)) else ""
    return f"{100 * value:.0f}%" + (f" ({limits})" if limits else "")


# ----------------------------------------------------------------------------- changes
def describe_change(change: pd.Series | dict) -> str:
    """One sentence for a scorecard or board paper (``"Up 4.0 points since 30 Jun 2025 (beyond noise)"``).

    ``change`` is a row of :func:`cpanalysis.trends.compare_runs` (``verdict``, ``change``,
    ``unit``, ``previous_period_end``, ``direction``, ``beyond_noise``).
    """
    change = dict(change)
    if change.get("verdict") == "Not assessed" and pd.isna(change.get("change")):
        return "Change since the previous run not available"
    unit = str(change.get("unit"))
    size = abs(float(change["change"]))
    if unit == "%":
        amount = f"{size:.1f} points"
    elif unit == "rate_per_10k":  # a quarter's change in a rate is often below 1 per 10,000
        amount = f"{size:.1f} per 10,000"
    else:
        amount = format_value(size, unit)
    since = f"since {pd.Timestamp(change['previous_period_end']):%-d %b %Y}"
    if change.get("direction") == "No change":
        return f"No change {since}"
    note = {True: "beyond noise", False: "within noise", None: "not tested"}[change.get("beyond_noise")]
    return f"{change['direction']} {amount} {since} ({note})"
