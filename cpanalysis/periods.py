"""Reporting periods: collection years, quarter ends, rolling 12-month windows, ages at a date.

DfE reports children looked after by **reporting year**: year ``2025`` is the collection year
``"2024-25"``, 1 April 2024 to 31 March 2025 inclusive, and counts "on 31 March" are a snapshot
of that day. The package also reports the **rolling 12 months to any quarter end** (30 June,
30 September, 31 December, 31 March): the same DfE definition applied to the 12 months ending
that day, so the rolling value to 31 March is the annual value (``methods.md`` §5).

All windows are closed intervals of whole days: ``start <= date <= end``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis.errors import ParameterError

WindowType = Literal["year", "rolling_12m"]
WINDOW_TYPES: tuple[str, ...] = ("year", "rolling_12m")
#: (month, day) of the four quarter ends, in calendar order.
QUARTER_ENDS: tuple[tuple[int, int], ...] = ((3, 31), (6, 30), (9, 30), (12, 31))

#: DfE age bands (EES labels) as (label, lowest age, highest age) in completed years.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1 year", 0, 0),
    ("1 to 4 years", 1, 4),
    ("5 to 9 years", 5, 9),
    ("10 to 15 years", 10, 15),
    ("16 years and over", 16, 200),
)
AGE_BAND_ORDER: tuple[str, ...] = tuple(b[0] for b in AGE_BANDS)

_LABEL = re.compile(r"^\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*$")


#: Years a date parameter may fall in: pandas' nanosecond timestamps end in 2262, and the window
#: arithmetic (a year back, a quarter on) must not step outside them.
PLAUSIBLE_YEARS = (1900, 2199)


def _timestamp(value: object, what: str = "date") -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise ParameterError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)") from None
    if pd.isna(ts):
        raise ParameterError(f"{what} is blank; a date is needed (YYYY-MM-DD)")
    if not PLAUSIBLE_YEARS[0] <= ts.year <= PLAUSIBLE_YEARS[1]:
        raise ParameterError(f"{what} {value!r} is not a plausible date (expected a year from "
                             f"{PLAUSIBLE_YEARS[0]} to {PLAUSIBLE_YEARS[1]}, YYYY-MM-DD)")
    return ts.normalize()


def check_period_end_in_data(period_end: object, first_collection_year: int, latest_as_at: object,
                             what: str = "period end") -> pd.Timestamp:
    """A period end the returns cover: from the first quarter of the first collection year to the
    quarter end after the latest return.

    A figure at a date outside the returns would be reported as if it were fact (701 children
    "looked after in 2040"), so such a date is refused. The quarter end after the latest return is
    allowed: an extract as at 30 September can be refreshed for December as late returns arrive.

    Parameters
    ----------
    period_end : date-like
    first_collection_year : int
        Earliest collection year in the returns (year ending 31 March).
    latest_as_at : date-like
        The date the latest return runs to.
    what : str; default "period end"
        How the message names the value (the option a user typed).

    Returns
    -------
    Timestamp
        ``period_end`` as a timestamp.

    Raises
    ------
    ParameterError
        When ``period_end`` lies outside that range.

    Examples
    --------
    >>> check_period_end_in_data("2025-12-31", 2017, "2025-09-30").date()
    datetime.date(2025, 12, 31)
    """
    end = _timestamp(period_end, what)
    first = year_start(int(first_collection_year))
    earliest = quarter_ends(first, first + pd.DateOffset(months=3))[0]
    latest_return = _timestamp(latest_as_at, "latest return date")
    latest = latest_quarter_end(latest_return + pd.DateOffset(months=3) + pd.Timedelta(days=1))
    if not earliest <= end <= latest:
        raise ParameterError(
            f"{what} {end:%Y-%m-%d} is outside the data: the returns run from {first:%-d %B %Y} to "
            f"{latest_return:%-d %B %Y}, so a period end must be from {earliest:%Y-%m-%d} to {latest:%Y-%m-%d}"
        )
    return end


def year_label(year: int) -> str:
    """Collection-year label of the year ending 31 March ``year`` (``2025`` -> ``"2024-25"``)."""
    return f"{year - 1}-{year % 100:02d}"


def parse_year_label(label: str | int) -> int:
    """Year ending 31 March of a collection-year label (``"2024-25"`` -> ``2025``).

    Accepts ``"2024-25"``, ``"2024/25"``, ``"2024-2025"`` and the year itself (``2025``).

    Raises
    ------
    ParameterError
        If the label is not a collection year or its two years are not consecutive.
    """
    if isinstance(label, (int, np.integer)):
        return int(label)
    text = str(label)
    if text.strip().isdigit() and len(text.strip()) == 4:
        return int(text)
    match = _LABEL.match(text)
    if not match:
        raise ParameterError(f"{label!r} is not a collection year (expected e.g. '2024-25')")
    first, second = int(match.group(1)), match.group(2)
    end = int(second) if len(second) == 4 else (first + 1) // 100 * 100 + int(second)
    if end != first + 1:
        raise ParameterError(f"{label!r} is not a collection year: {second} does not follow {first}")
    return end


def year_start(year: int) -> pd.Timestamp:
    """First day (1 April) of the collection year ending 31 March ``year``."""
    return pd.Timestamp(year - 1, 4, 1)


def year_end(year: int) -> pd.Timestamp:
    """Last day (31 March) of the collection year ending 31 March ``year``."""
    return pd.Timestamp(year, 3, 31)


def collection_year(date: object) -> int:
    """Year ending 31 March that contains ``date`` (31 March 2025 -> 2025, 1 April 2025 -> 2026)."""
    ts = _timestamp(date)
    return ts.year + 1 if ts.month >= 4 else ts.year


def is_quarter_end(date: object) -> bool:
    """Whether ``date`` is 31 March, 30 June, 30 September or 31 December."""
    ts = _timestamp(date)
    return (ts.month, ts.day) in QUARTER_ENDS


def latest_quarter_end(date: object) -> pd.Timestamp:
    """The latest quarter end on or before ``date`` (the last complete quarter of an extract as at ``date``).

    A quarter is complete at the end of its last day, so an extract as at 30 September covers
    the quarter ending that day.
    """
    ts = _timestamp(date)
    for year in (ts.year, ts.year - 1):
        for month, day in reversed(QUARTER_ENDS):
            candidate = pd.Timestamp(year, month, day)
            if candidate <= ts:
                return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def quarter_ends(start: object, end: object) -> list[pd.Timestamp]:
    """Every quarter end ``q`` with ``start <= q <= end``, in order."""
    first, last = _timestamp(start, "start"), _timestamp(end, "end")
    out = []
    for year in range(first.year, last.year + 1):
        for month, day in QUARTER_ENDS:
            q = pd.Timestamp(year, month, day)
            if first <= q <= last:
                out.append(q)
    return out


def previous_quarter_ends(period_end: object, quarters: int) -> list[pd.Timestamp]:
    """The ``quarters`` quarter ends up to and including ``period_end`` (oldest first).

    Raises
    ------
    ParameterError
        If ``period_end`` is not a quarter end or ``quarters`` is below 1.
    """
    end = _timestamp(period_end, "period end")
    if not is_quarter_end(end):
        raise ParameterError(f"period end {end.date()} is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)")
    if quarters < 1:
        raise ParameterError(f"quarters must be at least 1; got {quarters}")
    out = [end]
    while len(out) < quarters:
        out.append(latest_quarter_end(out[-1] - pd.Timedelta(days=1)))
    return out[::-1]


@dataclass(frozen=True)
class Window:
    """A reporting window, both ends inclusive.

    Parameters
    ----------
    start, end : pandas.Timestamp
        First and last day.
    period_type : str
        ``"year"`` or ``"rolling_12m"`` (the tidy table's ``period_type``).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    period_type: str

    @property
    def day_before(self) -> pd.Timestamp:
        """The day before the window starts (the 'open at the start' snapshot is taken at its end)."""
        return self.start - pd.Timedelta(days=1)

    def shifted_start(self, months: int) -> pd.Timestamp:
        """Start of the ``months``-month window ending on the same day (24 for the 2-year measure)."""
        return months_before(self.end, months)


def months_before(end: object, months: int) -> pd.Timestamp:
    """First day of the ``months``-month window ending on ``end`` (``end`` - months + 1 day).

    For a month end this is the first day of the month ``months - 1`` months earlier
    (12 months to 30 June 2025 start on 1 July 2024).
    """
    ts = _timestamp(end)
    return (ts + pd.Timedelta(days=1)) - pd.DateOffset(months=months)


def window(period_end: object, window: WindowType = "year", months: int = 12) -> Window:
    """The reporting window ending on ``period_end``.

    Parameters
    ----------
    period_end : date-like
        Last day of the window.
    window : {"year", "rolling_12m"}; default "year"
        ``"year"``: the collection year ending 31 March (``period_end`` must be a 31 March).
        ``"rolling_12m"``: the 12 months ending on a quarter end. Both give the same days when
        ``period_end`` is 31 March, which is what makes the rolling and annual values agree.
    months : int; default 12
        Window length (24 for "in the previous 2 years" measures).

    Raises
    ------
    ParameterError
        For an unknown window type, a "year" window not ending 31 March, or a rolling window
        not ending on a quarter end.
    """
    end = _timestamp(period_end, "period end")
    if window not in WINDOW_TYPES:
        raise ParameterError(f"window must be one of {WINDOW_TYPES}; got {window!r}")
    if window == "year" and (end.month, end.day) != (3, 31):
        raise ParameterError(
            f"period end {end.date()} is not 31 March; use window='rolling_12m' for other quarter ends"
        )
    if not is_quarter_end(end):
        raise ParameterError(f"period end {end.date()} is not a quarter end (31 Mar, 30 Jun, 30 Sep or 31 Dec)")
    return Window(months_before(end, months), end, window)


def _as_series(value: object) -> tuple[pd.Series, bool]:
    if np.ndim(value) == 0:
        return pd.Series([value]).pipe(pd.to_datetime), True
    series = value if isinstance(value, pd.Series) else pd.Series(value)
    return pd.to_datetime(series), False


def age_at(dob: object, date: object) -> pd.Series | int | None:
    """Age in completed years on ``date`` (vectorised).

    A child born on 29 February reaches each birthday on 1 March in a non-leap year.

    Parameters
    ----------
    dob : date-like or array-like of dates
        Dates of birth (NaT allowed).
    date : date-like or array-like of dates
        Date(s) at which to measure the age; broadcast against ``dob``.

    Returns
    -------
    int, None or pandas.Series of Int64
        A scalar when both inputs are scalars (``None`` for a missing date), else a Series
        aligned with ``dob`` (``<NA>`` where either date is missing).

    Examples
    --------
    >>> age_at("2009-03-31", "2025-03-31")
    16
    >>> age_at("2009-04-01", "2025-03-31")
    15
    """
    births, scalar_dob = _as_series(dob)
    dates, scalar_date = _as_series(date)
    index = births.index if not scalar_dob or scalar_date else dates.index
    b_year, b_md, b_missing = _date_parts(births)
    d_year, d_md, d_missing = _date_parts(dates)
    # month*100+day orders dates within a year, so "birthday not reached yet" is one comparison
    age = d_year - b_year - (d_md < b_md).astype(np.int64)
    missing = b_missing | d_missing
    if scalar_dob and scalar_date:
        return None if missing[0] else int(age[0])
    age = np.broadcast_to(age, (len(index),))
    missing = np.broadcast_to(missing, (len(index),))
    return pd.Series(pd.arrays.IntegerArray(age.astype(np.int64), missing.copy()), index=index)


def _date_parts(dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month * 100 + day, missing) of a datetime Series, as numpy arrays."""
    values = dates.to_numpy(dtype="datetime64[D]")
    missing = np.isnat(values)
    safe = np.where(missing, np.datetime64("2000-01-01"), values)
    years = safe.astype("datetime64[Y]")
    months = safe.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    day = (safe - months).astype(np.int64) + 1
    return year, month * 100 + day, missing


def birthday(dob: object, age: int | pd.Series) -> pd.Series | pd.Timestamp:
    """Date of the ``age``-th birthday (vectorised; 29 February births -> 1 March in non-leap years).

    ``age`` may be a Series aligned with ``dob`` (one age per child).

    Consistent with :func:`age_at`: ``age_at(dob, birthday(dob, a)) == a`` and the day before is ``a - 1``.
    """
    births, scalar = _as_series(dob)
    year = births.dt.year + age
    month, day = births.dt.month, births.dt.day
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    feb29 = (month == 2) & (day == 29) & ~leap
    parts = pd.DataFrame(
        {"year": year, "month": month.where(~feb29, 3), "day": day.where(~feb29, 1)}
    )
    known = parts.dropna().astype(int)
    out = (pd.to_datetime(known) if len(known) else pd.Series(dtype="datetime64[ns]")).reindex(births.index)
    return out.iloc[0] if scalar else out


def age_band(age: object, as_category: bool = False) -> pd.Series | str | None:
    """DfE age band of an age in completed years (vectorised; EES labels, see :data:`AGE_BANDS`).

    With ``as_category`` a Series input gives a categorical Series (bands in DfE order).
    """
    if np.ndim(age) == 0:
        if age is None or pd.isna(age):
            return None
        for label, low, high in AGE_BANDS:
            if low <= int(age) <= high:
                return label
        return None
    ages = age if isinstance(age, pd.Series) else pd.Series(age)
    values = pd.to_numeric(ages, errors="coerce").astype("float64").to_numpy()
    lows = np.array([low for _, low, _ in AGE_BANDS])
    labels = np.array(AGE_BAND_ORDER + (None,), dtype=object)
    position = np.searchsorted(lows, values, side="right") - 1
    position = np.where(np.isnan(values) | (position < 0), len(AGE_BANDS), position)
    if as_category:
        codes = np.where(position == len(AGE_BANDS), -1, position)
        return pd.Series(pd.Categorical.from_codes(codes, categories=list(AGE_BAND_ORDER)), index=ages.index)
    return pd.Series(labels[position], index=ages.index, dtype=object)
