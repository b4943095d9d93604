"""Who a report covers: the cohort filter, the child attributes it reads and the years shown.

Shared by every report module of :mod:`cpanalysis.reports`: :func:`attributes` and
:func:`scope` turn the notebooks' ``cohort_filter`` and ``by`` parameters into what the analyses
take; :func:`cohort_description` and :func:`filter_help` say in words who is covered and which
attributes a filter may use.
"""

from __future__ import annotations

import ast

import pandas as pd
from IPython.display import Markdown

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure
from cpanalysis.errors import CpanalysisError, ParameterError
from cpanalysis.reports.common import (
    HIDDEN,
    YEARS_SHOWN,
)
from cpanalysis.reports.loading import NotebookData


def resolve(data: NotebookData, cohort_filter: str = "") -> cohorts.ChildCohort:
    """The filter resolved once per notebook to the children it chooses, judged on the period end.

    Every table and chart of a report reads this one :class:`~cpanalysis.cohort.ChildCohort`
    (cached in ``data.cache``), so they all count the same children.
    """
    text = (cohort_filter or "").strip()
    key = ("cohort", text, data.period_end)
    if key not in data.cache:
        data.cache[key] = cohorts.resolve_cohort(data.tables, text, data.period_end,
                                                 attributes=_child_attributes(data))
    return data.cache[key]


def _child_attributes(data: NotebookData) -> pd.DataFrame:
    key = ("child_attributes", data.period_end)
    if key not in data.cache:  # every table of a report reads them: compute once per notebook
        data.cache[key] = cohorts.child_attributes(data.tables, data.period_end)
    return data.cache[key]


def attributes(data: NotebookData, cohort_filter: str = "") -> tuple[pd.DataFrame, cohorts.ChildCohort | None]:
    """Child attributes on the period end and the children chosen (``None`` for everyone).

    With a filter, the attribute table has the ``cohort_group`` column of
    :func:`cpanalysis.cohort.label_cohort` (the cohort or everyone else) and the second value is
    the filter resolved once (:func:`resolve`), to pass as ``children=``.

    Raises
    ------
    ParameterError
        If the filter is refused (unknown attribute, bad syntax): the message lists the
        attributes a filter may use.
    """
    chosen = resolve(data, cohort_filter)
    if not chosen.filter:
        return _child_attributes(data).copy(), None
    return chosen.attributes.copy(), chosen


#: What each attribute a cohort filter may use means (columns of ``cohort.child_attributes``).
FILTER_ATTRIBUTES: dict[str, str] = {
    "sex": "M or F", "ethnic_group": "DfE ethnic group", "ever_uasc": "True for a child in the UASC table of any return (UASC now or before)",
    "uasc_on_date": "True for a child who is UASC on the period end (as DfE counts UASC)",
    "age": "age in years on the period end", "age_band": "DfE age band, e.g. '10 to 15 years'",
    "looked_after": "True when in care on the period end", "years_in_care": "years in the current or last period",
    "place": "placement code, e.g. 'U4' (long-term fostering)", "placement_group": "DfE placement type",
    "provider": "PLACE_PROVIDER code", "provider_group": "provider type", "in_house": "True for own provision",
    "distance": "miles from home", "distance_band": "'20 miles or less', 'Over 20 miles' or 'Not known'",
    "placed_over_20_miles": "True when over 20 miles from home", "out_of_area": "True when outside the authority",
    "n_moves": "moves in the current or last period of care", "moves_12m": "moves in the 12 months to the period end",
    "moves_band": "'0', '1', '2' or '3+' moves",
}


def filter_help() -> Markdown:
    """The attributes a cohort filter may use, with examples, for a deep-dive notebook."""
    rows = "\n".join(f"| `{name}` | {meaning} |" for name, meaning in FILTER_ATTRIBUTES.items())
    return Markdown(
        "A cohort filter is a condition on these attributes (the current placement, or the last one for a "
        "child who has left care): for example `placed_over_20_miles`, `uasc_on_date`, "
        "`place in ['U1', 'U4']` (long-term foster care) or `age_band == '16 years and over' and n_moves >= 3`.\n\n"
        "| Attribute | Meaning |\n|---|---|\n" + rows
    )


def cohort_description(data: NotebookData, cohort_filter: str = "") -> Markdown:
    """One paragraph saying who the report covers: everyone, or the cohort and how many children."""
    attrs, cohort = attributes(data, cohort_filter)
    when = f"{data.period_end:%-d %B %Y}"
    total = HIDDEN if data.audience == "external" and disclosure.is_small(len(attrs)) else f"{len(attrs):,}"
    if cohort is None:
        return Markdown(
            f"**Who is covered:** every child in the returns ({total} children). Children's "
            f"characteristics (placement, distance, moves) are those on {when}, or of their last "
            "placement for children who have left care."
        )
    inside = int((attrs[cohorts.COHORT_GROUP] == cohorts.IN_COHORT).sum())
    shown = HIDDEN if data.audience == "external" and disclosure.is_small(inside) else f"{inside:,}"
    return Markdown(
        f"**Who is covered:** the cohort `{cohort.filter}`: {shown} of the {total} children in the "
        f"returns, judged on {cohort.judged_on:%-d %B %Y} (the current placement, or the last one for children who have "
        "left care). Tables show everyone in the returns, the cohort and everyone else where the "
        "comparison helps."
    )


#: Distinct values listed per attribute when a filter selects too few children.
VALUES_LISTED = 12


def check_cohort(data: NotebookData, cohort_filter: str, min_children: int = cohorts.MIN_CHILDREN) -> int:
    """Refuse a cohort filter that selects fewer than ``min_children`` children.

    Run before any notebook starts, so that a filter matching nobody (``age_band == '16+'``) is a
    plain error with exit 2, not a report of empty tables. The message lists the values each
    attribute named in the filter takes in the data, so the analyst can correct it.

    Returns
    -------
    int
        Children in the cohort (everyone when the filter is empty).

    Raises
    ------
    ParameterError
        If the filter is refused, or selects fewer than ``min_children`` children.
    """
    attrs, cohort = attributes(data, cohort_filter)
    if cohort is None:
        return len(attrs)
    inside = int((attrs[cohorts.COHORT_GROUP] == cohorts.IN_COHORT).sum())
    if inside >= min_children:
        return inside
    names = sorted({node.id for node in ast.walk(ast.parse(cohort.filter, mode="eval")) if isinstance(node, ast.Name)})
    listed = []
    for name in names:
        values = sorted({str(v) for v in attrs[name].dropna().unique()}, key=_natural_key)
        shown = ", ".join(repr(v) for v in values[:VALUES_LISTED]) + (", ..." if len(values) > VALUES_LISTED else "")
        listed.append(f"{name}: {shown}")
    found = "no children" if inside == 0 else f"{inside} children, fewer than min_children ({min_children})"
    raise ParameterError(
        f"cohort_filter {cohort.filter!r} selects {found} on {cohort.judged_on:%Y-%m-%d}. Values in the data: "
        + "; ".join(listed)
    )


def _natural_key(text: str) -> tuple:
    """Sort '2' before '10' and text after numbers."""
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def scope(data: NotebookData, cohort_filter: str = "", by: str | None = None
          ) -> tuple[pd.DataFrame, cohorts.ChildCohort | None, str | None]:
    """Attributes, the children to pass the analyses (``children=``) and the breakdown, for one table.

    A cohort filter restricts a table to the cohort, except with ``by="cohort_group"`` (the
    deep dive), which shows everyone, the cohort and everyone else side by side.
    """
    attrs, cohort = attributes(data, cohort_filter)
    if by == cohorts.COHORT_GROUP:
        if cohort is None:
            raise CpanalysisError('by="cohort_group" needs a cohort filter to compare with everyone else')
        return attrs, None, by
    return attrs, cohort, by


def _complete_years(data: NotebookData, table: pd.DataFrame, column: str = "collection_year",
                    last: int = YEARS_SHOWN) -> list[int]:
    """The last ``last`` collection years of ``table`` that end on or before the period end and
    that a loaded return covers.

    A placement carried into the first loaded return may have started years earlier; those years
    are not covered (their moves are not in the data), so they are not shown as years of no moves.
    """
    end = data.period_end
    latest = end.year if (end.month, end.day) >= (3, 31) else end.year - 1
    covered = [int(r["collection_year"]) for r in data.manifest.get("returns", []) if "collection_year" in r]
    first = min(covered) if covered else None
    years = sorted({int(y) for y in pd.to_numeric(table[column], errors="coerce").dropna()})
    return [y for y in years if y <= latest and (first is None or y >= first)][-last:]
