"""What every report module of :mod:`cpanalysis.pipeline.journeys` shares: wording and disclosure.

Numbers worded for a board paper (rounded values, intervals as text, signed changes, p-values),
the readers' names of breakdowns and model terms, :func:`hidden_cells` (which rows hide their
counts for an external audience, with DfE's secondary suppression) and :func:`show` (a table
styled for a report). No analysis is done here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from IPython.display import Markdown

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure

#: What a hidden (suppressed) figure shows, as in the indicator tables.
HIDDEN = f"[{disclosure.SUPPRESSED}]"
#: Years of placements the survival analyses follow (placements starting in the last N years).
SURVIVAL_YEARS = 5
#: Collection years shown in the yearly tables.
YEARS_SHOWN = 5

#: Readers' names of the attributes and analysis columns a table may be broken down by.
GROUP_LABELS: dict[str, str] = {
    "moves_between_band": "Moves between the two scores",
    "moves_band": "Moves in the current or latest period of care",
    "placement_group": "Placement type",
    "provider_group": "Placement provider",
    "age_band": "Age band",
    "distance_band": "Distance from home",
    "placed_over_20_miles": "Placed more than 20 miles from home",
    "out_of_area": "Placed outside the authority",
    "uasc": "Unaccompanied asylum-seeking child",
    "sex": "Sex",
    "ethnic_group": "Ethnic group",
    "in_house": "Placed in the authority's own provision",
    "band_1": "SDQ band at the first score",
    cohorts.COHORT_GROUP: "Cohort",
}

#: Readers' names of model terms (trajectory and Cox models).
TERM_LABELS: dict[str, str] = {
    "Intercept": "Starting score (intercept)",
    "years": "Change per year since the first score",
    "age_at_first": "Per year of age at the first score",
    "years_in_care_at_first": "Per year in care at the first score",
    "moves_12m": "Per placement move in the year before the score",
    "SD of child intercepts": "Spread of children's own levels (SD)",
    "SD of child slopes": "Spread of children's own yearly changes (SD)",
    "age_at_start": "Per year of age at the placement start",
    "out_of_area": "Placed outside the authority",
    "previous_moves": "Per earlier move in the period of care",
    "uasc": "Unaccompanied asylum-seeking child",
}


# ---------------------------------------------------------------------------------------------
# Formatting and disclosure
# ---------------------------------------------------------------------------------------------


def _fmt(value: object, decimals: int = 0, suffix: str = "") -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}{suffix}"


def _interval(lower: object, upper: object, decimals: int = 0, suffix: str = "") -> str:
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return ""
    return f"{float(lower):,.{decimals}f} to {float(upper):,.{decimals}f}{suffix}"


def _signed(value: object, decimals: int = 1) -> str:
    """``+1.2`` / ``-0.4`` / ``+0.0`` (never ``-0``: a rounded zero has no direction)."""
    if value is None or pd.isna(value):
        return ""
    rounded = round(float(value), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{decimals}f}"


def _p(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _count(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def _small(value: object, threshold: int = disclosure.THRESHOLD) -> bool:
    return value is not None and not pd.isna(value) and 1 <= float(value) <= threshold


def hidden_cells(
    frame: pd.DataFrame,
    audience: str,
    *,
    counts: Sequence[str] = (),
    shares: Sequence[tuple[str, str]] = (),
    lines: tuple[Sequence[str], str, str] | None = None,
    threshold: int = disclosure.THRESHOLD,
) -> pd.Series:
    """Which rows of an analysis table hide their counts for an external audience.

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
        hide |= frame[column].map(lambda v: _small(v, threshold)).astype(bool)
    for count, denominator in shares:
        rest = frame[denominator] - frame[count]
        hide |= frame[count].map(lambda v: _small(v, threshold)).astype(bool)
        hide |= rest.map(lambda v: _small(v, threshold)).astype(bool)
        hide |= frame[denominator].map(lambda v: _small(v, threshold)).astype(bool)
    if lines is not None:
        keys, count, total = lines
        for index in frame.groupby(list(keys), sort=False, dropna=False).indices.values():
            index = frame.index[index]
            part = frame.loc[index]
            cells = np.r_[part[count].to_numpy(float), float(part[total].iloc[0])][None, :]
            already = np.r_[hide.loc[index].to_numpy(), False]
            cells = np.where(already[None, :], np.nan, cells)
            line = [[(0, j) for j in range(cells.shape[1])]]
            mask = disclosure.suppression_mask(cells, line, {(0, cells.shape[1] - 1)}, threshold)[0]
            if mask[-1]:  # the total itself is hidden: every share of the line goes with it
                mask[:] = True
            hide.loc[index] = mask[:-1]
    return hide


def _blank(table: pd.DataFrame, hide: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    out = table.copy()
    rows = hide.to_numpy()
    for column in columns:
        if column in out:
            out[column] = out[column].astype(object)
            out.loc[rows, column] = HIDDEN
    return out


def _caption(table: pd.DataFrame, text: str) -> pd.DataFrame:
    table.attrs["caption"] = text
    return table


def _nothing(what: str, reason: str) -> Markdown:
    return Markdown(f"*{what}: not produced, {reason}.*")


def _all_not_produced(frame: pd.DataFrame) -> bool:
    return frame.empty or (frame["note"].astype(str).str.startswith("not produced")).all()


def _young(reason: str) -> str:
    # care leavers are young people, not children
    return reason.replace("children", "young people")


def _reason(frame: pd.DataFrame, min_children: int) -> str:
    notes = frame["note"].dropna().astype(str) if "note" in frame else pd.Series(dtype=str)
    note = next((n for n in notes if n), "")
    if note.startswith("not produced: "):
        return note.removeprefix("not produced: ")
    return note or f"fewer than {min_children} children"


def show(obj: object, caption: str | None = None):
    """A table styled for a report (no row numbers, a caption when set); notes and figures as they are."""
    if not isinstance(obj, pd.DataFrame):
        return obj
    if "Note" in obj and (obj["Note"].fillna("") == "").all():  # an empty column of notes says nothing
        obj = obj.drop(columns="Note")
    elif "Note" in obj:
        obj = obj.assign(Note=obj["Note"].fillna("").map(lambda n: n[:1].upper() + n[1:]))
    # Styler writes cell text as HTML unless told: a file name or title from the data is text.
    styled = obj.style.format(escape="html").hide(axis="index")
    years = [c for c in obj.columns if str(c) == "Year"]
    if years:  # "2024-25" would otherwise break at its hyphen in a wide table
        styled = styled.set_properties(subset=years, **{"white-space": "nowrap"})
    text = caption or obj.attrs.get("caption")
    return styled.set_caption(text) if text else styled


def group_label(by: str | None) -> str:
    """Readers' name of a breakdown (``"placement_group"`` -> ``"Placement type"``)."""
    if by is None:
        return "Group"
    return GROUP_LABELS.get(by, by.replace("_", " ").capitalize())


def _group_names(frame: pd.DataFrame, by: str | None, cohort: str | None = None) -> pd.Series:
    # The total row reads "All children" (or "Whole cohort" under a filter); booleans read Yes / No
    names = {"Total": "All children" if cohort is None else "Whole cohort", "True": "Yes", "False": "No"}
    if by in ("moves_between_band", "moves_band"):
        names.update({"0": "No moves", "1": "1 move", "2": "2 moves", "3+": "3 or more moves"})
    return frame["breakdown_value"].astype(str).map(lambda v: names.get(v, v))
