"""A cohort beside everyone else: one row of numbers per measure, keyed by ``measure_id``.

The statistics of a deep dive (notebook 08; :func:`cpanalysis.reports.deep_dive.compare_cohort`
chooses the children and the measures), one function per kind of measure, each returning a row
of :data:`COLUMNS` (group 1 is the cohort, group 2 everyone else):

- a share (:func:`proportion_row`): Wilson interval for each group, the difference in percentage
  points with Newcombe's interval (:func:`cpanalysis.stats.difference_of_proportions`) and the
  score test;
- a rate (:func:`rate_row`): exact/Byar interval for each group, the rate ratio with the score
  interval and test (:func:`cpanalysis.stats.rate_ratio`);
- a mean change (:func:`mean_row`): t interval for each group, the difference with Welch's
  interval and t-test (:func:`cpanalysis.stats.difference_of_means`).

A group of fewer than ``min_children`` gets no value and the row a ``note`` (the small-number
rule, :func:`cpanalysis.cohort.too_few`). :func:`beyond_chance` reads a row. ``docs/methods.md``
§5.6 (two groups).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cpanalysis import stats
from cpanalysis.cohort import too_few

#: Columns of a comparison row, in order.
COLUMNS = ["measure_id", "Measure", "unit", "n_1", "x_1", "value_1", "lower_1", "upper_1", "n_2", "x_2", "value_2",
           "lower_2", "upper_2", "comparison", "difference", "diff_lower", "diff_upper", "p_value", "note"]
RATE_RATIO = "rate ratio"
PERCENTAGE_POINTS = "difference (percentage points)"
POINTS = "difference (points)"


def proportion_row(measure_id: str, measure: str, x1: float, n1: float, x2: float, n2: float,
                   min_children: int) -> dict:
    """A share in each group (``x`` of ``n`` children) and their difference in percentage points.

    >>> row = proportion_row("m", "M", 56, 70, 48, 80, min_children=10)
    >>> round(row["difference"], 2), round(row["diff_lower"], 2), round(row["diff_upper"], 2)
    (20.0, 5.24, 33.39)
    """
    row = {"measure_id": measure_id, "Measure": measure, "n_1": n1, "x_1": x1, "n_2": n2, "x_2": x2, "unit": "%"}
    note_1, note_2 = too_few(int(n1), min_children), too_few(int(n2), min_children)
    for k, (x, n, note) in enumerate(((x1, n1, note_1), (x2, n2, note_2)), start=1):
        if not note:
            lo, hi = stats.wilson_interval(int(x), int(n))
            row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = 100 * x / n, 100 * float(lo), 100 * float(hi)
    if not (note_1 or note_2):
        diff, lo, hi = stats.difference_of_proportions(x1, n1, x2, n2)
        row.update(difference=100 * diff, diff_lower=100 * lo, diff_upper=100 * hi,
                   p_value=stats.proportions_score_test(x1, n1, x2, n2), comparison=PERCENTAGE_POINTS)
    row["note"] = note_1 or note_2
    return row


def rate_row(measure_id: str, measure: str, events: tuple[float, float], exposure: tuple[float, float],
             children: tuple[int, int], min_children: int) -> dict:
    """Events per unit of exposure (moves per year in care) in each group and the rate ratio.

    ``events``, ``exposure`` and ``children`` are (cohort, everyone else); ``n`` is the children.
    """
    (m1, m2), (y1, y2), (c1, c2) = events, exposure, children
    row = {"measure_id": measure_id, "Measure": measure, "unit": "rate", "n_1": c1, "x_1": m1, "n_2": c2, "x_2": m2}
    note = too_few(min(c1, c2), min_children)
    for k, (m, y, n) in enumerate(((m1, y1, c1), (m2, y2, c2)), start=1):
        if n >= min_children and y > 0:
            lo, hi = stats.rate_interval(m, y, per=1)
            row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = m / y, float(lo), float(hi)
    if not note and y1 > 0 and y2 > 0 and m2 > 0:
        ratio, lo, hi, p = stats.rate_ratio(m1, y1, m2, y2)
        row.update(comparison=RATE_RATIO, difference=ratio, diff_lower=lo, diff_upper=hi, p_value=p)
    row["note"] = note
    return row


def mean_row(measure_id: str, measure: str, values_1: Sequence[float], values_2: Sequence[float],
             min_children: int, unit: str = "points") -> dict:
    """The mean of each group (one value per child) and their difference (Welch)."""
    a, b = np.asarray(values_1, dtype=float), np.asarray(values_2, dtype=float)
    row = {"measure_id": measure_id, "Measure": measure, "unit": unit, "n_1": len(a), "n_2": len(b)}
    for k, part in enumerate((a, b), start=1):
        if len(part) >= min_children:
            mean, lo, hi, _ = stats.mean_interval(part)
            row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = mean, lo, hi
    row["note"] = too_few(min(len(a), len(b)), min_children)
    if not row["note"]:
        diff, lo, hi, p = stats.difference_of_means(a, b)
        row.update(comparison=POINTS, difference=diff, diff_lower=lo, diff_upper=hi, p_value=p)
    return row


def as_table(rows: list[dict]) -> pd.DataFrame:
    """Comparison rows as a table of :data:`COLUMNS` (blank notes as ``""``)."""
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    out["note"] = out["note"].fillna("")
    return out


def beyond_chance(row: pd.Series) -> bool:
    """Whether a comparison row differs beyond chance (95%).

    A ratio beyond chance has an interval excluding 1, a difference an interval excluding 0;
    a row without an interval (two Kaplan-Meier estimates) uses its p-value below 0.05.
    """
    if pd.isna(row["difference"]):
        return False
    if row["comparison"] == RATE_RATIO:
        return bool(row["diff_lower"] > 1 or row["diff_upper"] < 1)
    if pd.isna(row["diff_lower"]):
        return bool(row["p_value"] < 0.05)
    return bool(row["diff_lower"] > 0 or row["diff_upper"] < 0)
