"""Small-number suppression for outputs that leave the authority.

Internal outputs (the authority's own analysts) are never rounded or suppressed. For anything
published or shared (``audience="external"``) the package follows DfE practice and
``docs/methods.md`` §4.5:

* **primary suppression**: counts from 1 to ``threshold`` (default 5) are hidden (0 is a true zero
  and is shown);
* **secondary suppression**: wherever a line of cells adds up to a shown total (the categories of a
  breakdown and their Total; children with and without the outcome and the cohort), a single
  hidden cell could be recovered by subtraction, so the smallest other non-zero cell of that line
  is hidden too (or the total, if there is none), repeated until every line hides either no cell
  or at least two;
* **dependent statistics** (percentage, rate, mean, confidence limits, comparison labels, bands,
  ranks) of a row whose numerator or denominator is hidden are hidden with it;
* hidden values are NaN with the DfE symbol ``c`` in ``suppressed`` (other DfE symbols already in
  the table, ``z``, ``x``, ``k``, are kept);
* optionally, shown counts are rounded to the nearest ``round_to`` (e.g. 5); percentages stay
  computed from the unrounded counts, as DfE's are.

The line rule protects against recovery by subtraction within a row or a column of a table;
it does not search for solutions of several lines at once (the same limit as DfE's own rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cpanalysis.config import SUPPRESSION_THRESHOLD
from cpanalysis.errors import ParameterError

#: DfE's symbol for a value suppressed for confidentiality.
SUPPRESSED = "c"
#: Default largest count that is suppressed.
THRESHOLD = SUPPRESSION_THRESHOLD
AUDIENCES = ("internal", "external")
#: Statistics that would reveal a hidden count; hidden with it when present in a table.
DEPENDENT_COLUMNS = (
    "value", "lower_95", "upper_95", "lower_998", "upper_998", "z", "p_value", "difference",
    "difference_lower", "difference_upper", "quartile", "rank", "rank_among_neighbours",
)
LABEL_COLUMNS = {"comparison": "Not compared", "band": "", "position": "Not assessed"}


def _check(threshold: int, round_to: int | None) -> None:
    if threshold < 1:
        raise ParameterError(f"the suppression threshold must be at least 1; got {threshold}")
    if round_to is not None and round_to < 1:
        raise ParameterError(f"round_to must be a positive whole number or None; got {round_to}")


def suppression_mask(cells: np.ndarray, lines: list[list[tuple[int, int]]], totals: set[tuple[int, int]],
                     threshold: int = THRESHOLD) -> np.ndarray:
    """Which cells of a table to hide: primary (1..threshold, or already missing) and secondary.

    Parameters
    ----------
    cells : 2-D array of float
        Counts; NaN marks a cell already hidden (e.g. a DfE ``c``).
    lines : list of lists of (row, column)
        Each line is a set of cells whose non-total members add up to its total member.
    totals : set of (row, column)
        The total cells (chosen for secondary suppression only when a line has no other
        non-zero cell to hide).
    threshold : int; default 5

    Returns
    -------
    2-D bool array
        True where the cell must be hidden.
    """
    values = np.asarray(cells, dtype=float)
    hidden = ~np.isfinite(values) | ((values >= 1) & (values <= threshold))
    changed = True
    while changed:
        changed = False
        for line in lines:
            n_hidden = sum(hidden[c] for c in line)
            if n_hidden != 1:
                continue
            candidates = [c for c in line if not hidden[c] and c not in totals and values[c] > 0]
            if candidates:
                pick = min(candidates, key=lambda c: (values[c], c))
            else:
                rest = [c for c in line if not hidden[c]]
                if not rest:
                    continue
                pick = next((c for c in rest if c in totals), rest[0])
            hidden[pick] = True
            changed = True
    return hidden


def linked_mask(counts: np.ndarray, lines: list[tuple[int, list[int]]], threshold: int = THRESHOLD,
                grand_totals: frozenset[int] | set[int] = frozenset()) -> np.ndarray:
    """Cells to hide in tables that share totals (a group table and its detailed table).

    Each line is a total and the parts that add up to it, wherever they are shown (the group
    "Disruption" in one table, its reasons in another; every group and the year's moves). Beyond
    :func:`suppression_mask` on all the lines at once, a total is hidden whenever any of its parts
    is (its exact value less the parts shown would give back the hidden ones, or their sum), and
    the rules are applied again until nothing changes, so no subtraction between any total and
    any parts shown recovers a hidden count. A grand total (``grand_totals``: the denominator every
    share of the tables is printed against, so recoverable from any of them) is not hidden for
    its parts; its lines rely on a second part being hidden, as DfE's rule does.

    Parameters
    ----------
    counts : 1-D array of float
        Every count shown in the linked tables (NaN for one already hidden).
    lines : list of (total, parts)
        Positions in ``counts`` of a total and of its parts.
    threshold : int; default 5
    grand_totals : set of int
        Positions of totals exempt from "hidden with any of its parts".

    Returns
    -------
    1-D bool array
        True where the count must be hidden.

    Examples
    --------
    >>> # moves 30 = disruption 12 (approval removed 3 + carer request 9) + planned 18
    >>> lines = [(0, [1, 2]), (1, [3, 4]), (0, [3, 4, 2])]
    >>> linked_mask(np.array([30, 12, 18, 3, 9.]), lines, grand_totals={0}).astype(int).tolist()
    [0, 1, 1, 1, 0]
    """
    values = np.asarray(counts, dtype=float)
    hidden = ~np.isfinite(values) | ((values >= 1) & (values <= threshold))
    cell_lines = [[(t, 0), *((p, 0) for p in parts)] for t, parts in lines]
    # an intermediate total may be the second cell hidden on its parent's line; the grand total last
    totals = {(t, 0) for t in grand_totals}
    while True:
        before = hidden.copy()
        for total, parts in lines:
            if total not in grand_totals and hidden[parts].any():
                hidden[total] = True
        hidden |= suppression_mask(np.where(hidden, np.nan, values)[:, None], cell_lines, totals, threshold)[:, 0]
        if (hidden == before).all():
            return hidden


def suppress_crosstab(
    table: pd.DataFrame,
    threshold: int = THRESHOLD,
    total_row: str | None = "Total",
    total_column: str | None = "Total",
    round_to: int | None = None,
) -> pd.DataFrame:
    """Suppress a table of counts whose rows and/or columns add up to a Total row/column.

    Parameters
    ----------
    table : DataFrame
        Counts (index = categories, columns = categories), including the total row/column.
    threshold : int; default 5
        Counts from 1 to ``threshold`` are hidden.
    total_row, total_column : str or None; default "Total"
        Labels of the totals (None when the table has none in that direction).
    round_to : int or None; default None
        Round the counts left shown to the nearest multiple (e.g. 5).

    Returns
    -------
    DataFrame
        Same shape, float, NaN where hidden (secondary suppression included).

    Raises
    ------
    ParameterError
        A named total row or column is not in the table.
    """
    _check(threshold, round_to)
    for label, axis in ((total_row, table.index), (total_column, table.columns)):
        if label is not None and label not in axis:
            raise ParameterError(f"total {label!r} is not in the table (have {', '.join(map(str, axis))})")
    values = table.to_numpy(dtype=float)
    rows, cols = values.shape
    tr = None if total_row is None else table.index.get_loc(total_row)
    tc = None if total_column is None else table.columns.get_loc(total_column)
    lines: list[list[tuple[int, int]]] = []
    if tc is not None:
        lines += [[(i, j) for j in range(cols)] for i in range(rows)]
    if tr is not None:
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    totals = {(i, j) for i in range(rows) for j in range(cols) if i == tr or j == tc}
    hidden = suppression_mask(values, lines, totals, threshold)
    shown = np.where(hidden, np.nan, values)
    if round_to:
        shown = np.round(shown / round_to) * round_to
    return pd.DataFrame(shown, index=table.index, columns=table.columns)


def protect(
    frame: pd.DataFrame,
    audience: str = "external",
    threshold: int = THRESHOLD,
    complement: bool = True,
    round_to: int | None = None,
) -> pd.DataFrame:
    """Disclosure control for a tidy indicator table (or one with added comparison columns).

    Parameters
    ----------
    frame : DataFrame
        Tidy indicator rows (``docs/architecture.md``), possibly with comparison columns
        (``comparison``, ``band``, ``rank`` ...).
    audience : {"external", "internal"}; default "external"
        ``internal`` returns an unchanged copy.
    threshold : int; default 5
    complement : bool; default True
        Treat the children **without** the outcome (denominator minus numerator) as a cell too:
        "48 of 50" tells a reader that 2 children did not have it.
    round_to : int or None; default None
        Round shown numerators and denominators to the nearest multiple (percentages, rates and
        intervals stay as computed from the unrounded counts).

    Returns
    -------
    DataFrame
        A copy: hidden numerators/denominators and everything computed from them are NaN
        (labels set to "Not compared" / "" ), ``suppressed`` = ``c``. For each area, period and
        indicator, each breakdown's categories and the Total row form lines (numerators,
        complements, denominators), so a hidden category cannot be recovered from the Total.

    Raises
    ------
    ParameterError
        Unknown audience or bad threshold.
    """
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be one of {AUDIENCES}; got {audience!r}")
    _check(threshold, round_to)
    out = frame.copy()
    if audience == "internal" or out.empty:
        return out
    hide_num = np.zeros(len(out), dtype=bool)
    hide_den = np.zeros(len(out), dtype=bool)
    keys = ["indicator_id", "period_end", "period_type", "geography"]
    pos = pd.Series(np.arange(len(out)), index=out.index)
    for _, group in out.groupby(keys, sort=False, dropna=False):
        total = group[group["breakdown"] == "Total"]
        for name, part in group.groupby("breakdown", sort=False):
            if name == "Total":
                continue
            members = pd.concat([part, total]) if len(total) else part
            hn, hd = _protect_line(members, threshold, complement, has_total=len(total) > 0)
            hide_num[pos[members.index].to_numpy()] |= hn
            hide_den[pos[members.index].to_numpy()] |= hd
        if len(total) and (group["breakdown"] != "Total").sum() == 0:
            hn, hd = _protect_line(total, threshold, complement, has_total=False)
            hide_num[pos[total.index].to_numpy()] |= hn
            hide_den[pos[total.index].to_numpy()] |= hd
    return _apply(out, hide_num, hide_den, round_to)


def _protect_line(rows: pd.DataFrame, threshold: int, complement: bool, has_total: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Hide numerators/denominators in one breakdown (categories + Total as last column)."""
    unit = rows["unit"].iloc[0]
    num = rows["numerator"].to_numpy(dtype=float)
    den = rows["denominator"].to_numpy(dtype=float)
    already = (rows["suppressed"].fillna("") != "").to_numpy()
    # Counts and rates: only the numerator (a count of children) is disclosive; a population is not.
    if unit in ("count", "rate_per_10k"):
        grid = np.where(already, np.nan, num)[None, :]
        hidden = _mask(grid, has_total, threshold)
        return hidden[0], np.zeros(len(rows), dtype=bool)
    if unit in ("mean", "days"):
        grid = np.where(already, np.nan, den)[None, :]  # the number of children averaged
        hidden = _mask(grid, has_total, threshold)
        return hidden[0], hidden[0]
    num_cells = np.where(already & ~np.isfinite(num), np.nan, num)
    rows_grid = [num_cells, den] if not complement else [num_cells, den - num_cells, den]
    grid = np.vstack(rows_grid)
    hidden = _mask(grid, has_total, threshold, totals_row=complement)
    hide_num = hidden[0] | (hidden[1] if complement else False)
    hide_den = hidden[-1]
    return hide_num, hide_den


def _mask(grid: np.ndarray, has_total: bool, threshold: int, totals_row: bool = False) -> np.ndarray:
    rows, cols = grid.shape
    lines: list[list[tuple[int, int]]] = []
    totals: set[tuple[int, int]] = set()
    if has_total:  # the last column is the Total category
        lines += [[(i, j) for j in range(cols)] for i in range(rows)]
        totals |= {(i, cols - 1) for i in range(rows)}
    if totals_row:  # with outcome + without outcome = cohort
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]
        totals |= {(rows - 1, j) for j in range(cols)}
    if not lines:
        lines = [[(i, j)] for i in range(rows) for j in range(cols)]
    return suppression_mask(grid, lines, totals, threshold)


def _apply(out: pd.DataFrame, hide_num: np.ndarray, hide_den: np.ndarray, round_to: int | None) -> pd.DataFrame:
    newly = (hide_num | hide_den) & (out["suppressed"].fillna("") == "").to_numpy()
    out.loc[hide_num, "numerator"] = np.nan
    out.loc[hide_den, "denominator"] = np.nan
    hide = hide_num | hide_den
    for column in DEPENDENT_COLUMNS:
        if column in out:
            out.loc[hide, column] = np.nan
    for column, label in LABEL_COLUMNS.items():
        if column in out:
            out.loc[hide, column] = label
    out.loc[newly, "suppressed"] = SUPPRESSED
    if round_to:
        for column in ("numerator", "denominator"):
            shown = out[column].notna() & (out["unit"] != "mean").to_numpy()
            out.loc[shown, column] = np.round(out.loc[shown, column] / round_to) * round_to
        counts = (out["unit"] == "count") & out["value"].notna()
        out.loc[counts, "value"] = out.loc[counts, "numerator"]
    return out


# ----------------------------------------------------------------------------- analysis tables
def is_small(value: object, threshold: int = THRESHOLD) -> bool:
    """A count of 1 to ``threshold`` children: a handful, hidden from an external audience."""
    return value is not None and not pd.isna(value) and 1 <= float(value) <= threshold


def hidden_cells(
    frame: pd.DataFrame,
    audience: str,
    *,
    counts: Sequence[str] = (),
    shares: Sequence[tuple[str, str]] = (),
    lines: tuple[Sequence[str], str, str] | None = None,
    threshold: int = THRESHOLD,
) -> pd.Series:
    """Which rows of an analysis table hide their counts for an external audience (a report's
    table suppression: counts, shares and lines of categories adding up to a total).

    Parameters
    ----------
    frame : DataFrame
        An analysis table (numbers, one statistic per row).
    audience : {"internal", "external"}
        Nothing is hidden for ``internal``.
    counts : sequence of str
        Columns of counts of children (or of events) hidden when 1 to ``threshold``.
    shares : sequence of (count, denominator)
        A share ``count`` of ``denominator``: hidden when the count or those without the outcome
        (``denominator - count``) are 1 to ``threshold`` (either discloses a handful of children).
    lines : (keys, count, total) or None
        Rows with equal ``keys`` are categories whose ``count`` add up to ``total`` (the same on
        every row of the line): DfE's secondary suppression then hides a second category, or
        the total, so a hidden count cannot be recovered by subtraction.
    threshold : int; default 5

    Returns
    -------
    Series of bool
        True for rows whose counts and every statistic computed from them must be hidden.
    """
    hide = pd.Series(False, index=frame.index)
    if audience != "external" or frame.empty:
        return hide
    for column in counts:
        hide |= frame[column].map(lambda v: is_small(v, threshold)).astype(bool)
    for count, denominator in shares:
        rest = frame[denominator] - frame[count]
        hide |= frame[count].map(lambda v: is_small(v, threshold)).astype(bool)
        hide |= rest.map(lambda v: is_small(v, threshold)).astype(bool)
        hide |= frame[denominator].map(lambda v: is_small(v, threshold)).astype(bool)
    if lines is not None:
        keys, count, total = lines
        for index in frame.groupby(list(keys), sort=False, dropna=False).indices.values():
            index = frame.index[index]
            part = frame.loc[index]
            cells = np.r_[part[count].to_numpy(float), float(part[total].iloc[0])][None, :]
            already = np.r_[hide.loc[index].to_numpy(), False]
            cells = np.where(already[None, :], np.nan, cells)
            line = [[(0, j) for j in range(cells.shape[1])]]
            mask = suppression_mask(cells, line, {(0, cells.shape[1] - 1)}, threshold)[0]
            if mask[-1]:  # the total itself is hidden: every share of the line goes with it
                mask[:] = True
            hide.loc[index] = mask[:-1]
    return hide
