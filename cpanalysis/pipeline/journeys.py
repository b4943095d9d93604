"""Children's journeys worded for readers: SDQ changes, placement moves, care leavers, deep dives.

What notebooks ``03_sdq_changes``, ``04_placement_moves``, ``05_care_leavers`` and
``08_deep_dive`` display. Each function takes a :class:`~cpanalysis.pipeline.data.NotebookData`
and the notebook's parameters, calls the analyses (:mod:`cpanalysis.sdq`,
:mod:`cpanalysis.moves`, :mod:`cpanalysis.leavers`, :mod:`cpanalysis.cohort`) and returns a
table worded for a board paper (labels, rounded values, intervals as text) or a house-style
figure (:mod:`cpanalysis.plots`).

Rules every function keeps:

- **aggregates only**: no child ID and no child-level row ever leaves this module;
- **small numbers**: a statistic on fewer than ``min_children`` children is not produced (the
  analyses' rule, :func:`cpanalysis.cohort.too_few`); when nothing at all can be produced the
  function returns a one-sentence :class:`~IPython.display.Markdown` instead of a table, so a
  notebook run on a narrow cohort finishes and says why;
- **disclosure**: with ``data.audience == "external"`` every count of 1 to 5 shown is replaced by
  ``[c]`` with the percentages and intervals computed from it, and where counts add up to a
  shown total a second cell is hidden too (:func:`cpanalysis.disclosure.suppression_mask`);
- **cohort filters**: ``cohort_filter`` is the notebooks' parameter (``""`` is everyone); child
  attributes describe each child on the period end (:func:`cpanalysis.cohort.child_attributes`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import test_proportions_2indep as proportions_2indep_test
from statsmodels.stats.rates import confint_poisson_2indep
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep_test

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure, leavers, moves, periods, plots, sdq, stats
from cpanalysis.errors import CpanalysisError
from cpanalysis.pipeline.data import NotebookData

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
    styled = obj.style.hide(axis="index")
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


# ---------------------------------------------------------------------------------------------
# The cohort
# ---------------------------------------------------------------------------------------------


def attributes(data: NotebookData, cohort_filter: str = "") -> tuple[pd.DataFrame, str | None]:
    """Child attributes on the period end and the cohort filter (``None`` for everyone).

    With a filter, the attribute table has the ``cohort_group`` column of
    :func:`cpanalysis.cohort.label_cohort` (the cohort or everyone else).

    Raises
    ------
    ParameterError
        If the filter is refused (unknown attribute, bad syntax): the message lists the
        attributes a filter may use.
    """
    attrs = cohorts.child_attributes(data.tables, data.period_end)
    text = (cohort_filter or "").strip()
    if not text:
        return attrs, None
    return cohorts.label_cohort(attrs, text), text


#: What each attribute a cohort filter may use means (columns of ``cohort.child_attributes``).
FILTER_ATTRIBUTES: dict[str, str] = {
    "sex": "M or F", "ethnic_group": "DfE ethnic group", "uasc": "True for unaccompanied asylum-seeking children",
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
        "child who has left care): for example `placed_over_20_miles`, `uasc`, "
        "`place in ['U1', 'U4']` (long-term foster care) or `age_band == '16 years and over' and n_moves >= 3`.\n\n"
        "| Attribute | Meaning |\n|---|---|\n" + rows
    )


def cohort_description(data: NotebookData, cohort_filter: str = "") -> Markdown:
    """One paragraph saying who the report covers: everyone, or the cohort and how many children."""
    attrs, cohort = attributes(data, cohort_filter)
    when = f"{data.period_end:%-d %B %Y}"
    total = HIDDEN if data.audience == "external" and _small(len(attrs)) else f"{len(attrs):,}"
    if cohort is None:
        return Markdown(
            f"**Who is covered:** every child in the returns ({total} children). Children's "
            f"characteristics (placement, distance, moves) are those on {when}, or of their last "
            "placement for children who have left care."
        )
    inside = int((attrs[cohorts.COHORT_GROUP] == cohorts.IN_COHORT).sum())
    shown = HIDDEN if data.audience == "external" and _small(inside) else f"{inside:,}"
    return Markdown(
        f"**Who is covered:** the cohort `{cohort}`: {shown} of the {total} children in the "
        f"returns, judged on {when} (the current placement, or the last one for children who have "
        "left care). Tables show everyone in the returns, the cohort and everyone else where the "
        "comparison helps."
    )


def scope(data: NotebookData, cohort_filter: str = "", by: str | None = None
          ) -> tuple[pd.DataFrame, str | None, str | None]:
    """Attributes, the filter to pass the analyses and the breakdown, for one table.

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
    """The last ``last`` collection years of ``table`` that end on or before the period end."""
    end = data.period_end
    latest = end.year if (end.month, end.day) >= (3, 31) else end.year - 1
    years = sorted({int(y) for y in pd.to_numeric(table[column], errors="coerce").dropna()})
    return [y for y in years if y <= latest][-last:]


# ---------------------------------------------------------------------------------------------
# SDQ: do scores improve?
# ---------------------------------------------------------------------------------------------


def sdq_pairs(data: NotebookData, pairing: sdq.Pairing = "consecutive") -> pd.DataFrame:
    """Child-level pairs of scores (for the other functions here; never displayed)."""
    return sdq.sdq_pairs(data.tables["oc2"], pairing=pairing, placements=data.tables["placements"])


def sdq_overview(data: NotebookData, cohort_filter: str = "") -> Markdown:
    """A sentence with the number of children with two scores a year apart and the years covered."""
    attrs, cohort = attributes(data, cohort_filter)
    pairs = cohorts.restrict(sdq_pairs(data), cohort=cohort, attributes=attrs)
    if pairs.empty:
        return Markdown("*No child has SDQ scores in two consecutive annual returns.*")
    n = pairs["child_id"].nunique()
    shown = HIDDEN if data.audience == "external" and _small(n) else f"{n:,}"
    first, last = periods.year_label(int(pairs["year_1"].min())), periods.year_label(int(pairs["year_2"].max()))
    return Markdown(
        f"{shown} children have SDQ scores in two consecutive annual returns (from {first} to "
        f"{last}); each child's latest such pair is compared. Lower scores mean fewer difficulties."
    )


def reliable_change_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                          min_children: int = cohorts.MIN_CHILDREN,
                          reliability: float = sdq.SDQ_RELIABILITY) -> pd.DataFrame | Markdown:
    """Share of children reliably improved, unchanged or reliably deteriorated, with Wilson intervals.

    Columns: group (when broken down), change, children, share (%), 95% interval, note. The
    "improved out of the concern band" row is a share of the children who started at 17 or more.
    """
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = sdq.reliable_change(sdq_pairs(data), reliability=reliability, by=by, cohort=cohort, attributes=attrs,
                                 min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Reliable change", _reason(result, min_children))
    main = result["category"] != sdq.RECOVERED
    hide = hidden_cells(result[main], data.audience, lines=(["breakdown_value"], "n", "denominator"))
    hide = pd.concat([hide, hidden_cells(result[~main], data.audience, shares=[("n", "denominator")])])
    hide = hide.reindex(result.index)
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Change": result["category"].map(lambda c: f"{c} (of those starting at 17+)" if c == sdq.RECOVERED else c),
        "Children": result["n"].map(_count),
        "Out of": result["denominator"].map(_count),
        "Share (%)": result["pct"].map(_fmt),
        "95% interval": [_interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Children", "Share (%)", "95% interval"])
    table = _blank(table, result["denominator"].map(_small).astype(bool) & (data.audience == "external"), ["Out of"])
    if by is None:
        table = table.drop(columns=group_label(by))
    smallest = int(result["smallest_reliable_change"].iloc[0])
    return _caption(table, f"A change of {smallest} points or more is reliable (Jacobson-Truax, SD "
                           f"{result['sd'].iloc[0]:.1f}, reliability {reliability:.2f}).")


def paired_change_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                        min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Average first and second score, the average change with its interval, paired t and Wilcoxon."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = sdq.paired_change(sdq_pairs(data), by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Change in SDQ scores", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, counts=["n_children"])
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Children": result["n_children"].map(_count),
        "Average first score": result["mean_1"].map(lambda v: _fmt(v, 1)),
        "Average second score": result["mean_2"].map(lambda v: _fmt(v, 1)),
        "Average change (points)": result["mean_change"].map(_signed),
        "95% interval": [_interval(lo, hi, 1) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Paired t-test p": result["p_t"].map(_p),
        "Median change": result["median_change"].map(_signed),
        "Wilcoxon p": result["p_wilcoxon"].map(_p),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, list(table.columns[1:-1]))
    if by is None:
        table = table.drop(columns=group_label(by))
    return _caption(table, "A negative change is an improvement. Paired t-test of the average change; "
                           "Wilcoxon signed-rank test (Pratt's handling of no change) of the median.")


def sdq_change_chart(data: NotebookData, *, cohort_filter: str = "", by: str | None = "moves_between_band",
                     min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """The average change in score with its 95% interval for each group (and all children)."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = sdq.paired_change(sdq_pairs(data), by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    result = result[result["note"].fillna("") == ""]
    if data.audience == "external":
        result = result[~hidden_cells(result, data.audience, counts=["n_children"])]
    if result.empty:
        return _nothing("Chart of SDQ change", f"fewer than {min_children} children in every group")
    return plots.estimate_chart(
        labels=list(_group_names(result, by, cohort)), values=result["mean_change"], lower=result["lower"],
        upper=result["upper"], n=result["n_children"], reference=0.0,
        xlabel="Average change in SDQ total difficulties score (points; below 0 is better)",
        title=f"Average change in SDQ score by {group_label(by).lower()}" if by else "Average change in SDQ score",
        footnote="Points: average change between two consecutive annual scores; bars: 95% confidence interval "
                 "(paired t). Groups on fewer than the minimum number of children are not shown.",
    )


def band_transition_table(data: NotebookData, *, cohort_filter: str = "",
                          min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Band at the first score (rows) against band at the second (columns): children and row %."""
    attrs, cohort = attributes(data, cohort_filter)
    pairs = cohorts.restrict(sdq_pairs(data), cohort=cohort, attributes=attrs)
    result = sdq.band_transitions(pairs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("SDQ band changes", _reason(result, min_children))
    counts = result.pivot_table(index="band_1", columns="band_2", values="n", aggfunc="sum")
    counts = counts.reindex(index=list(sdq.BAND_ORDER), columns=list(sdq.BAND_ORDER)).fillna(0)
    counts["Total"] = counts.sum(axis=1)
    counts.loc["Total"] = counts.sum(axis=0)
    shown = (disclosure.suppress_crosstab(counts) if data.audience == "external" else counts)
    table = pd.DataFrame({"First score": list(shown.index)})
    for column in shown.columns:
        cells = []
        for band in shown.index:
            n = shown.loc[band, column]
            total = shown.loc[band, "Total"]  # a hidden total must not be recoverable from n and its %
            if pd.isna(n):
                cells.append(HIDDEN)
            elif column == "Total" or pd.isna(total) or not total:
                cells.append(f"{n:,.0f}")
            else:
                cells.append(f"{n:,.0f} ({100 * n / total:.0f}%)")
        table[column if column == "Total" else f"Then {column.lower()}"] = cells
    return _caption(table, "Bands: normal 0-13, borderline 14-16, cause for concern 17-40. "
                           "Percentages are of the children in the row's first band.")


def band_tests_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                     min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Did the share in each band change? Stuart-Maxwell (3 bands) and exact McNemar (concern or not)."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = sdq.band_tests(sdq_pairs(data), by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Tests of band change", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, counts=["n_left_concern", "n_entered_concern"])
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Test": result["test"],
        "Left the concern band": result["n_left_concern"].map(_count),
        "Entered the concern band": result["n_entered_concern"].map(_count),
        "p-value": result["p_value"].map(_p),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Left the concern band", "Entered the concern band"])
    return table.drop(columns=group_label(by)) if by is None else table


def trajectory_table(data: NotebookData, *, cohort_filter: str = "",
                     min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Mixed-model estimates: the average yearly change and how age, time in care and moves relate.

    Every score is used (children with one score too); a random intercept and slope by child
    (:func:`cpanalysis.sdq.trajectory_model`).
    """
    attrs, cohort = attributes(data, cohort_filter)
    frame = sdq.trajectory_data(data.tables["oc2"], data.tables)
    result = sdq.trajectory_model(frame, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Trajectory model", _reason(result, min_children))
    table = pd.DataFrame({
        "Term": result["term"].map(lambda t: TERM_LABELS.get(t, t)),
        "Estimate (points)": result["estimate"].map(lambda v: _fmt(v, 2)),
        "95% interval": [_interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "p-value": result["p_value"].map(_p),
    })
    first = result.iloc[0]
    children = HIDDEN if data.audience == "external" and _small(first["n_children"]) else f"{first['n_children']:,.0f}"
    return _caption(table, f"Linear mixed model ({first['model']}) of {first['n_scores']:,.0f} scores of "
                           f"{children} children. Positive estimates mean more difficulties.")


def completion_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                     min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """SDQ completion each year: eligible children (5-16, in care 12 months) with a valid score."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    oc2 = data.tables["oc2"]
    years = _complete_years(data, oc2)
    result = sdq.completion(oc2, years, by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("SDQ completion", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, shares=[("n_with_score", "n_eligible")])
    table = pd.DataFrame({
        "Year": result["collection_year"].map(lambda y: periods.year_label(int(y))),
        group_label(by): _group_names(result, by, cohort),
        "Eligible children": result["n_eligible"].map(_count),
        "With a score": result["n_with_score"].map(_count),
        "Completion (%)": result["pct"].map(_fmt),
        "95% interval": [_interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Eligible children", "With a score", "Completion (%)", "95% interval"])
    return table.drop(columns=group_label(by)) if by is None else table


def missing_scores_table(data: NotebookData, *, cohort_filter: str = "", year: int | None = None,
                         min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """How eligible children without a score differ from those with one (means or % of each group)."""
    attrs, cohort = attributes(data, cohort_filter)
    oc2 = data.tables["oc2"]
    years = _complete_years(data, oc2)
    if year is None:
        if not years:
            return _nothing("Who lacks a score", "no complete collection year")
        year = years[-1]
    result = sdq.with_and_without_scores(oc2, data.tables, year, cohort=cohort, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Who lacks a score", _reason(result, min_children))
    names = {"age": "Age (years)", "years_in_care": "Years in care", "n_moves": "Moves in this period of care",
             "placement_group": "Placement type (%)", "sex": "Sex (%)", "uasc": "UASC (%)"}
    table = pd.DataFrame({
        "Characteristic": result["characteristic"].map(names),
        "Value": result["value"].map(lambda v: {"mean": "Average", "True": "Yes", "False": "No"}.get(str(v), str(v))),
        "With a score": result["with_score"].map(lambda v: _fmt(v, 1)),
        "Without a score": result["without_score"].map(lambda v: _fmt(v, 1)),
        "p-value": result["p_value"].map(_p),
    })
    if data.audience == "external":
        n_with, n_without = result["n_with"].iloc[0], result["n_without"].iloc[0]
        pct = result["value"] != "mean"
        small = [(pct & (result["with_score"] * n_with / 100).round().map(_small)),
                 (pct & (result["without_score"] * n_without / 100).round().map(_small))]
        table = _blank(table, small[0], ["With a score"])
        table = _blank(table, small[1], ["Without a score"])
    first = result.iloc[0]
    return _caption(table, f"{periods.year_label(year)}: {first['n_with']:,.0f} eligible children with a score, "
                           f"{first['n_without']:,.0f} without. Welch t-test for averages, chi-squared for "
                           "categories (one p-value per characteristic).")


def regression_to_mean(data: NotebookData, *, cohort_filter: str = "",
                       min_children: int = cohorts.MIN_CHILDREN) -> Markdown:
    """The regression-to-the-mean caveat with this cohort's numbers (:func:`cpanalysis.sdq.regression_to_mean_note`)."""
    attrs, cohort = attributes(data, cohort_filter)
    pairs = cohorts.restrict(sdq_pairs(data), cohort=cohort, attributes=attrs)
    if data.audience == "external" and _small((pairs["score_1"] >= 17).sum()):
        pairs = pairs[pairs["score_1"] < 17]  # too few concern-band children to describe externally
    return Markdown(sdq.regression_to_mean_note(pairs, min_children=min_children))


# ---------------------------------------------------------------------------------------------
# Placement moves and stability
# ---------------------------------------------------------------------------------------------


def moves_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Moves per child per year in care and the share with 3+ moves, each collection year."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    years = _complete_years(data, data.tables["placements"].assign(
        collection_year=data.tables["placements"]["start"].map(periods.collection_year)))
    child = moves.moves_per_child_year(data.tables["placements"], data.tables["periods_of_care"], years)
    result = moves.summarise_moves(child, by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Placement moves", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, counts=["n_children", "n_moves"])
    hide_3 = hide | hidden_cells(result, data.audience, shares=[("n_3plus", "n_children")])
    table = pd.DataFrame({
        "Year": result["collection_year"].map(lambda y: periods.year_label(int(y))),
        group_label(by): _group_names(result, by, cohort),
        "Children looked after": result["n_children"].map(_count),
        "Moves": result["n_moves"].map(_count),
        "Moves per child per year": result["moves_per_year"].map(lambda v: _fmt(v, 2)),
        "95% interval": [_interval(lo, hi, 2) for lo, hi in
                         zip(result["moves_per_year_lower"], result["moves_per_year_upper"], strict=True)],
        "Children with 3+ moves": result["n_3plus"].map(_count),
        "3+ moves (%)": result["pct_3plus"].map(lambda v: _fmt(v, 1)),
        "3+ interval": [_interval(lo, hi, 1, "%") for lo, hi in
                        zip(result["pct_3plus_lower"], result["pct_3plus_upper"], strict=True)],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Children looked after", "Moves", "Moves per child per year", "95% interval"])
    table = _blank(table, hide_3, ["Children with 3+ moves", "3+ moves (%)", "3+ interval"])
    table = table.drop(columns=group_label(by)) if by is None else table
    return _caption(table, "Children looked after at any time in the year (not on short breaks); a move is a new "
                           "placement within a period of care. Rate per year in care: exact Poisson interval; "
                           "3+ moves: Wilson interval.")


def moves_chart(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """Moves per child per year in care over the collection years, with 95% intervals."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    years = _complete_years(data, data.tables["placements"].assign(
        collection_year=data.tables["placements"]["start"].map(periods.collection_year)))
    child = moves.moves_per_child_year(data.tables["placements"], data.tables["periods_of_care"], years)
    result = moves.summarise_moves(child, by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    result = result[(result["note"].fillna("") == "")
                    & ~hidden_cells(result, data.audience, counts=["n_children", "n_moves"])]
    if by is not None:
        result = result[result["breakdown"] != "Total"]
    if result.empty:
        return _nothing("Chart of moves", f"fewer than {min_children} children in every group")
    return plots.series_with_ci(
        result.assign(group=_group_names(result, by, cohort), year=result["collection_year"].map(
            lambda y: periods.year_label(int(y)))),
        x="year", value="moves_per_year", lower="moves_per_year_lower", upper="moves_per_year_upper",
        group="group", ylabel="Moves per child per year in care", title="Placement moves per child per year in care",
        footnote="95% exact Poisson intervals. A move is a new placement within a period of care.",
    )


def reasons_table(data: NotebookData, *, cohort_filter: str = "", level: str = "group",
                  min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Why placements ended when children moved: disruption vs planned (``level="group"``) or each reason.

    One row per reason, one column per collection year with the share of that year's moves.
    """
    attrs, cohort = attributes(data, cohort_filter)
    placements = data.tables["placements"]
    years = _complete_years(data, placements.assign(collection_year=placements["start"].map(periods.collection_year)))
    result = moves.move_reasons(placements, years=years, cohort=cohort, attributes=attrs, min_children=min_children)
    result = result[(result["level"] == level) & (result["breakdown"] == "Total")]
    if _all_not_produced(result):
        return _nothing("Reasons for moves", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, lines=(["collection_year"], "n_moves", "total_moves"))
    result = result.assign(cell=[
        HIDDEN if h else (f"{p:.0f}% ({n:,.0f})" if not pd.isna(p) else "")
        for h, p, n in zip(hide, result["pct"], result["n_moves"], strict=True)])
    table = result.pivot_table(index="reason_label", columns="collection_year", values="cell", aggfunc="first",
                               sort=False)
    table.columns = [periods.year_label(int(y)) for y in table.columns]
    table = table.reset_index().rename(columns={"reason_label": "Reason the placement ended"})
    if level == "reason":  # reasons never used in any year add nothing
        used = result.groupby("reason_label")["n_moves"].sum()
        table = table[table["Reason the placement ended"].map(used) > 0]
    moves_row = result.drop_duplicates("collection_year")
    hide_total = moves_row["total_moves"].map(_small) & (data.audience == "external")
    table.loc[len(table)] = ["All moves (number)", *[HIDDEN if h else f"{n:,.0f}" for h, n in
                                                     zip(hide_total, moves_row["total_moves"], strict=True)]]
    return _caption(table.reset_index(drop=True), "Share of the year's moves (number of moves). Disruption: the "
                    "placement ended at the carer's or child's request, an allegation or standards concern, or "
                    "an approval ended; planned: the care plan or a better placement. Grouping pending "
                    "practitioner sign-off.")


def placement_durations(data: NotebookData, since_years: int = SURVIVAL_YEARS) -> pd.DataFrame:
    """Placement-level durations of placements starting in the last ``since_years`` years (not displayed)."""
    started = data.period_end - pd.DateOffset(years=since_years)
    return moves.placement_durations(data.tables["placements"], data.period_end, children=data.tables["children"],
                                     started_from=started)


def _share_text(value: object, lower: object, upper: object) -> str:
    """A proportion (0-1) as ``"23% (21 to 25%)"``; no brackets when the interval is not defined."""
    if value is None or pd.isna(value):
        return ""
    interval = _interval(100 * lower, 100 * upper, 0, "%") if not (pd.isna(lower) or pd.isna(upper)) else ""
    return f"{100 * value:.0f}%" + (f" ({interval})" if interval else "")


def _survival_cell(row: pd.Series) -> str:
    if pd.isna(row["value"]):
        return ""
    if row["statistic"] == "median_days":
        value = row["value"] / moves.DAYS_PER_MONTH
        lo, hi = row["lower"] / moves.DAYS_PER_MONTH, row["upper"] / moves.DAYS_PER_MONTH
        upper = "not reached" if pd.isna(hi) else f"{hi:.0f}"
        return f"{value:.0f} ({lo:.0f} to {upper})" if not pd.isna(lo) else f"{value:.0f}"
    return _share_text(row["value"], row["lower"], row["upper"])


def survival_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                   since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN
                   ) -> pd.DataFrame | Markdown:
    """How long placements last: median (months) and the share still going at 3, 6, 12 and 24 months."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = moves.placement_survival(placement_durations(data, since_years), by=by, cohort=cohort, attributes=attrs,
                                      min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Placement survival", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, counts=["n_children", "n_endings"])
    result = result.assign(cell=[HIDDEN if h else _survival_cell(r) for h, (_, r) in zip(hide, result.iterrows(),
                                                                                          strict=True)])
    result = result.assign(group=_group_names(result, by, cohort))
    wide = result.pivot_table(index="group", columns="statistic", values="cell", aggfunc="first", sort=False)
    names = {"median_days": "Median (months, 95% interval)",
             **{f"survival_{m:g}m": f"Still going at {m:g} months" for m in moves.SURVIVAL_MONTHS}}
    wide = wide.rename(columns=names)
    first = result.drop_duplicates("group").set_index("group")
    table = pd.DataFrame({group_label(by): wide.index})
    first_hide = pd.Series(hide.to_numpy(), index=result["group"]).groupby(level=0).max()
    table["Placements"] = [HIDDEN if first_hide[g] else _count(first.loc[g, "n_placements"]) for g in wide.index]
    table["Children"] = [HIDDEN if first_hide[g] else _count(first.loc[g, "n_children"]) for g in wide.index]
    for column in wide.columns:
        table[column] = wide[column].to_numpy()
    table["Note"] = [first.loc[g, "note"] if isinstance(first.loc[g, "note"], str) else "" for g in wide.index]
    table = table.drop(columns=group_label(by)) if by is None else table
    return _caption(table, f"Placements starting in the {since_years} years to {data.period_end:%-d %B %Y}, "
                           "followed until they ended or the period end (Kaplan-Meier; log-log 95% intervals). "
                           "Any ending counts: a move or leaving care.")


def survival_chart(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                   since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN,
                   max_groups: int = 4, months: float = 36) -> Figure | Markdown:
    """Kaplan-Meier curves of placement survival, one per group (or all placements).

    Only the ``max_groups`` groups with most placements are drawn (the table has them all), and
    the time axis stops at ``months``, where few placements are left to estimate from.
    """
    attrs, cohort, by = scope(data, cohort_filter, by)
    curves = moves.survival_curve(placement_durations(data, since_years), by=by, cohort=cohort, attributes=attrs,
                                  min_children=min_children)
    if by is not None:
        curves = curves[curves["breakdown"] != "Total"]
    curves = curves[curves["note"].fillna("") == ""]
    if data.audience == "external":  # the steps of a curve reveal small numbers of endings at its tail
        curves = curves[curves["n_at_risk"] > disclosure.THRESHOLD]
    if curves.empty:
        return _nothing("Placement survival curves", f"fewer than {min_children} children in every group")
    largest = curves.groupby("breakdown_value")["n_at_risk"].max().nlargest(max_groups).index
    curves = curves[curves["breakdown_value"].isin(largest) & (curves["months"] <= months)]
    names = _group_names(curves, by, cohort).map(lambda name: textwrap.fill(name, 32))
    curves = curves.assign(group=names)
    title = f"How long placements last, by {group_label(by).lower()}" if by else "How long placements last"
    fig = plots.km_plot(curves, group="group", time="months", survival="survival", lower="lower", upper="upper",
                        title=title)
    fig.axes[0].set_xlim(0, months)
    return fig


def logrank_sentence(data: NotebookData, by: str, *, cohort_filter: str = "",
                     since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN) -> Markdown:
    """The log-rank test of equal placement survival across the groups of ``by``, in a sentence."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = moves.logrank_test(placement_durations(data, since_years), by, cohort=cohort, attributes=attrs,
                                min_children=min_children).iloc[0]
    if pd.isna(result["p_value"]):
        return Markdown(f"*Log-rank test by {group_label(by).lower()}: {result['note']}.*")
    verdict = ("differs between the groups more than chance would explain" if result["p_value"] < 0.05
               else "does not differ between the groups by more than chance would explain")
    extra = f" ({result['note']})" if result["note"] else ""
    return Markdown(f"Log-rank test by {group_label(by).lower()}: how long placements last {verdict} "
                    f"(chi-squared {result['chi2']:.1f} on {result['df']:.0f} degrees of freedom, "
                    f"p = {_p(result['p_value'])}){extra}.")


def disruption_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                     since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN
                     ) -> pd.DataFrame | Markdown:
    """Cumulative incidence of each way a placement ends (disruption, planned, other move, left care)."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    durations = placement_durations(data, since_years)
    result = moves.disruption_incidence(durations, by=by, cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Disruption", _reason(result, min_children))
    result = result.assign(
        group=_group_names(result, by, cohort),
        cell=[_share_text(v, lo, hi) for v, lo, hi in
              zip(result["cumulative_incidence"], result["lower"], result["upper"], strict=True)],
        when=result["months"].map(lambda m: "" if pd.isna(m) else f"By {m:.0f} months"),
    )
    if data.audience == "external":
        # each cell rests on the endings of its kind by its time: hide those behind 1-5 endings
        placed = cohorts.restrict(durations, cohort=cohort, by=by, attributes=attrs)
        counts = []
        for _, value, part in cohorts.groups(placed, by):
            for ending, days in zip(result["ending"], result["days"], strict=True):
                counts.append(((value, ending, days), int(((part["ending"] == ending)
                                                           & (part["duration_days"] <= days)).sum())))
        counted = dict(counts)
        endings = [counted.get((v, e, d), 0) for v, e, d in
                   zip(result["breakdown_value"], result["ending"], result["days"], strict=True)]
        small = result["n_children"].map(_small).astype(bool) | pd.Series(endings, index=result.index).map(_small)
        result.loc[small.astype(bool), "cell"] = HIDDEN
    keys = ["group", "ending"]
    table = result.pivot_table(index=keys, columns="when", values="cell", aggfunc="first", sort=False).reset_index()
    table = table.rename(columns={"group": group_label(by), "ending": "How the placement ended"})
    table.columns.name = None
    table = table.drop(columns=group_label(by)) if by is None else table
    return _caption(table, "Share of placements that had ended each way by each time, the other endings competing "
                           "(Aalen-Johansen, log-log 95% intervals); the four add up to the share ended.")


def cox_table(data: NotebookData, *, cohort_filter: str = "", event: str = "any",
              since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Cox model of what goes with placements ending sooner: hazard ratios with 95% intervals."""
    attrs, cohort = attributes(data, cohort_filter)
    result = moves.placement_cox(placement_durations(data, since_years), event=event, cohort=cohort,
                                 attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Cox model", _reason(result, min_children))

    def term(name: str) -> str:
        if ": " in name:
            column, level = name.split(": ", 1)
            return f"{group_label(column)}: {level}"
        return TERM_LABELS.get(name, name)

    table = pd.DataFrame({
        "Characteristic": result["term"].map(term),
        "Hazard ratio": result["hazard_ratio"].map(lambda v: _fmt(v, 2)),
        "95% interval": [_interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "p-value": result["p_value"].map(_p),
    })
    first = result.iloc[0]
    note = f" {first['note']}." if isinstance(first["note"], str) and first["note"] else ""
    what = "any ending" if event == "any" else "disruption"
    return _caption(table, f"Cox model of {what} ({first['n_events']:,.0f} endings of {first['n_placements']:,.0f} "
                           "placements); standard errors allow for children with several placements. A hazard "
                           "ratio above 1 means placements end sooner; placement types are compared with the "
                           f"most common one.{note}")


def distance_table(data: NotebookData, *, cohort_filter: str = "", by: str = "distance_band",
                   since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN
                   ) -> pd.DataFrame | Markdown:
    """Moves out of placements per placement-year by distance (or out of area), with rate ratios."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    try:
        result = moves.moves_by_distance(placement_durations(data, since_years), by=by, cohort=cohort,
                                         attributes=attrs, min_children=min_children)
    except CpanalysisError as exc:
        return _nothing("Moves by distance", str(exc))
    if _all_not_produced(result):
        return _nothing("Moves by distance", _reason(result, min_children))
    hide = hidden_cells(result, data.audience, counts=["n_children", "n_moves"])
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Placements": result["n_placements"].map(_count),
        "Moves": result["n_moves"].map(_count),
        "Years in placement": result["years_at_risk"].map(lambda v: _fmt(v, 0)),
        "Moves per placement-year": result["moves_per_year"].map(lambda v: _fmt(v, 2)),
        "95% interval": [_interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Rate ratio": result["rate_ratio"].map(lambda v: _fmt(v, 2)),
        "Rate ratio interval": [_interval(lo, hi, 2) for lo, hi in
                                zip(result["rr_lower"], result["rr_upper"], strict=True)],
        "p-value": result["p_value"].map(_p),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Placements", "Moves", "Moves per placement-year", "95% interval"])
    return _caption(table, "Moves on in care out of each placement per year spent in it (leaving care is not a move). "
                           "Rate ratio against the first group (Poisson model, standard errors allow for children "
                           "with several placements).")


# ---------------------------------------------------------------------------------------------
# Care leavers
# ---------------------------------------------------------------------------------------------


def leaver_years(data: NotebookData) -> list[int]:
    """Collection years of OC3 rows that end on or before the period end (last five)."""
    return _complete_years(data, data.tables["oc3"])


def destinations_table(data: NotebookData, measure: leavers.Measure = "activity", *, year: int | None = None,
                       age_grouping: leavers.AgeGrouping = "single", cohort_filter: str = "",
                       min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """One year's care leavers by category (rows) and age at the birthday (columns): % (interval)."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    if not years:
        return _nothing("Care leavers", "no OC3 rows up to the period end")
    year = years[-1] if year is None else year
    result = leavers.destinations(data.tables, [year], measure=measure, age_grouping=age_grouping, cohort=cohort,
                                  attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Care leavers' destinations", _young(_reason(result, min_children)))
    hide = hidden_cells(result, data.audience, lines=(["age"], "n", "denominator"))
    result = result.assign(cell=[
        HIDDEN if h else ("" if pd.isna(p) else f"{p:.0f}% ({_interval(lo, hi, 0, '%')})")
        for h, p, lo, hi in zip(hide, result["pct"], result["lower"], result["upper"], strict=True)])
    table = result.pivot_table(index="category", columns="age", values="cell", aggfunc="first", sort=False)
    used = result.groupby("category")["n"].sum()
    table = table[table.index.map(used) > 0]
    table.columns = [f"Age {a}" if str(a).isdigit() else str(a) for a in table.columns]
    table = table.reset_index().rename(columns={"category": "Category"})
    totals = result.drop_duplicates("age")
    denominators = [HIDDEN if (data.audience == "external" and _small(n)) else f"{n:,.0f}" for n in totals["denominator"]]
    table.loc[len(table)] = ["Young people (number)", *denominators]
    notes = sorted({n for n in result["note"].dropna() if n})
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}: share at each age "
                           "(Wilson 95% interval)." + (f" Some ages {notes[0]}." if notes else ""))


def destinations_chart(data: NotebookData, measure: leavers.Measure = "eet", category: str = leavers.EET, *,
                       cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """One category's share over the years, a line per DfE age group (17-18 and 19-21) with intervals."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    result = leavers.destinations(data.tables, years, measure=measure, age_grouping="dfe", cohort=cohort,
                                  attributes=attrs, min_children=min_children)
    result = result[(result["category"] == category) & (result["note"].fillna("") == "")]
    if data.audience == "external":
        result = result[~hidden_cells(result, data.audience, shares=[("n", "denominator")])]
    if result.empty:
        return _nothing(f"Chart of {category.lower()}", f"fewer than {min_children} young people in every year")
    return plots.series_with_ci(
        result.assign(year=result["collection_year"].map(lambda y: periods.year_label(int(y)))),
        x="year", value="pct", lower="lower", upper="upper", group="age",
        ylabel="Percentage of care leavers", title=f"Care leavers: {category.lower()}, by age group",
        footnote="Share of care leavers with their birthday in the year; Wilson 95% intervals.",
    )


def accommodation_table(data: NotebookData, *, year: int | None = None, cohort_filter: str = "",
                        min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Accommodation type by DfE age group: young people, share, % suitable and % in touch (staying put included)."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    if not years:
        return _nothing("Care leavers' accommodation", "no OC3 rows up to the period end")
    year = years[-1] if year is None else year
    result = leavers.accommodation_by_type(data.tables, [year], cohort=cohort, attributes=attrs,
                                           min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Care leavers' accommodation", _young(_reason(result, min_children)))
    totals = result[result["accommodation"] == "All types"].set_index("age")["n"]
    result = result.assign(age_total=result["age"].map(totals))
    types = result["accommodation"] != "All types"
    # the types of an age add up to its "All types" row: secondary suppression on that line
    hide_n = pd.concat([hidden_cells(result[types], data.audience, lines=(["age"], "n", "age_total")),
                        hidden_cells(result[~types], data.audience, counts=["n"])]).reindex(result.index)
    hide = hide_n | hidden_cells(result, data.audience, shares=[("n_suitable", "n")])
    keep = (result["n"] > 0) | ~types
    result, hide, hide_n = result[keep], hide[keep], hide_n[keep]
    table = pd.DataFrame({
        "Age": result["age"],
        "Accommodation": result["accommodation"],
        "Young people": result["n"].map(_count),
        "Share of the age group (%)": result["pct_of_age"].map(_fmt),
        "Suitable (%)": result["pct_suitable"].map(_fmt),
        "95% interval": [_interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "In touch (%)": result["pct_in_touch"].map(_fmt),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide_n, ["Young people", "Share of the age group (%)"])
    table = _blank(table, hide, ["Suitable (%)", "95% interval", "In touch (%)"])
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}. Staying put is "
                           "living with former foster carers. Suitability leaves out young people abroad, deported "
                           "or whose residence is not known, as DfE does.")


def flows_table(data: NotebookData, ages: Sequence[int] = (18, 19, 21), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Where the same young people were at one birthday and the next (from, to, number, share)."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transitions(data.tables, ages, measure=measure, last_year=_last_year(data), cohort=cohort,
                                 attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Birthday-to-birthday journeys", _young(_reason(result, min_children)))
    totals = result.groupby(["from_age", "from_value"])["n"].transform("sum")
    result = result.assign(total=totals)
    hide = hidden_cells(result, data.audience, lines=(["from_age", "from_value"], "n", "total"))
    table = pd.DataFrame({
        "From": [f"{v} at {a}" for a, v in zip(result["from_age"], result["from_value"], strict=True)],
        "To": [f"{v} at {a}" for a, v in zip(result["to_age"], result["to_value"], strict=True)],
        "Young people": result["n"].map(_count),
        "Share of 'from' (%)": result["pct_of_from"].map(_fmt),
    })
    table = _blank(table, hide, ["Young people", "Share of 'from' (%)"])
    followed = int(result["n_young_people"].iloc[0])
    followed_text = HIDDEN if data.audience == "external" and _small(followed) else f"{followed:,}"
    return _caption(table, f"The same {followed_text} young people followed at ages "
                           f"{', '.join(str(a) for a in ages)} (only those in the care-leaver cohort at every age).")


def _last_year(data: NotebookData) -> int | None:
    years = leaver_years(data)
    return years[-1] if years else None


def flows_chart(data: NotebookData, ages: Sequence[int] = (18, 19), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """100% stacked bars of where young people went between the first two ages of ``ages``."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transitions(data.tables, ages, measure=measure, last_year=_last_year(data), cohort=cohort,
                                 attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Chart of journeys", _young(_reason(result, min_children)))
    first = result[result["from_age"] == min(ages)]
    if data.audience == "external":
        first = first.assign(total=first.groupby("from_value")["n"].transform("sum"))
        first = first[~hidden_cells(first, data.audience, lines=(["from_value"], "n", "total"))]
    if first.empty:
        return _nothing("Chart of journeys", "every flow is a handful of young people")
    a, b = sorted(ages)[:2]
    first = first.assign(from_value=first["from_value"].map(lambda v: textwrap.fill(str(v), 24)),
                         to_value=first["to_value"].map(lambda v: textwrap.fill(str(v), 24)))
    return plots.flow_chart(first, source="from_value", target="to_value", count="n",
                            title=f"Where care leavers were at {b}, by where they were at {a}")


def paths_table(data: NotebookData, ages: Sequence[int] = (18, 19, 21), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """The commonest whole journeys across ``ages`` (e.g. EET at 18 -> NEET at 19 -> EET at 21)."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transition_paths(data.tables, ages, measure=measure, last_year=_last_year(data),
                                      cohort=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Journeys", _young(_reason(result, min_children)))
    if data.audience == "external":  # paths of a handful of young people are merged, never listed
        small = result["n"].map(_small).astype(bool)
        if small.any():
            merged = {"path": "Other journeys (each of 5 or fewer)", "n": result.loc[small, "n"].sum(),
                      "pct": result.loc[small, "pct"].sum()}
            result = pd.concat([result[~small], pd.DataFrame([merged])], ignore_index=True)
    table = pd.DataFrame({"Journey": result["path"], "Young people": result["n"].map(_count),
                          "Share (%)": result["pct"].map(_fmt)})
    if data.audience == "external" and len(table) and _small(result["n"].iloc[-1]):
        table.loc[table.index[-1], ["Young people", "Share (%)"]] = HIDDEN
    return table


def england_table(data: NotebookData, *, year: int | None = None, cohort_filter: str = "",
                  min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """The authority's care leavers beside England by DfE age group, or the national-files message."""
    if data.national is None:
        return Markdown(data.national_message)
    attrs, cohort = attributes(data, cohort_filter)
    national = data.national
    england = national[(national["geography"].astype(str) == leavers.compare.ENGLAND)
                       & national["indicator_id"].astype(str).str.startswith("leavers_")]
    published = sorted({pd.Timestamp(p).year for p in england["period_end"]})
    candidates = [y for y in leaver_years(data) if y in published] if year is None else [year]
    if not candidates:
        return Markdown("*England's care-leaver figures are not in the national files for the years of these "
                        "returns.*")
    year = candidates[-1]
    result = leavers.compare_with_england(data.tables, national, year, cohort=cohort, attributes=attrs,
                                          min_children=min_children)
    names = {"in_touch": "In touch", "eet": "In education, employment or training",
             "neet": "Not in education, employment or training", "higher_education": "In higher education",
             "suitable_accommodation": "In suitable accommodation"}
    hide = hidden_cells(result, data.audience, shares=[("numerator", "denominator")])
    table = pd.DataFrame({
        "Age": result["age"],
        "Measure": result["measure"].map(names),
        "Young people": result["denominator"].map(_count),
        "Value (%)": result["value"].map(_fmt),
        "95% interval": [_interval(lo, hi, 0, "%") for lo, hi in
                         zip(result["lower_95"], result["upper_95"], strict=True)],
        "England (%)": result["england"].map(_fmt),
        "Compared with England": result["comparison"],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Value (%)", "95% interval", "Compared with England"])
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}, DfE definitions. "
                           "Similar: England's value lies inside the authority's 95% interval.")


# ---------------------------------------------------------------------------------------------
# Deep dive: a cohort beside everyone else
# ---------------------------------------------------------------------------------------------


def deep_dive_title(question: str, cohort_filter: str) -> Markdown:
    """The question as the report's title, with the filter that answers it."""
    text = (question or "").strip() or "Deep dive"
    cohort = (cohort_filter or "").strip()
    who = f"Cohort: `{cohort}`, compared with everyone else." if cohort else (
        "No cohort filter was given, so the figures below are for every child.")
    return Markdown(f"# {text}\n\n{who}")


def _proportion_row(measure: str, x1: float, n1: float, x2: float, n2: float, min_children: int,
                    decimals: int = 0) -> dict:
    row = {"Measure": measure, "n_1": n1, "x_1": x1, "n_2": n2, "x_2": x2, "unit": "%"}
    note_1, note_2 = cohorts.too_few(int(n1), min_children), cohorts.too_few(int(n2), min_children)
    for k, (x, n, note) in enumerate(((x1, n1, note_1), (x2, n2, note_2)), start=1):
        if not note:
            lo, hi = stats.wilson_interval(int(x), int(n))
            row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = 100 * x / n, 100 * float(lo), 100 * float(hi)
    if not (note_1 or note_2):
        # statsmodels also computes ratios it does not return; a share of 0 makes them warn
        with np.errstate(divide="ignore", invalid="ignore"):
            lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
            p_value = proportions_2indep_test(x1, n1, x2, n2, method="score", compare="diff").pvalue
        row.update(difference=100 * (x1 / n1 - x2 / n2), diff_lower=100 * float(lo), diff_upper=100 * float(hi),
                   p_value=float(p_value), comparison="difference (percentage points)")
    row["note"] = note_1 or note_2
    return row


def compare_cohort(data: NotebookData, cohort_filter: str, *, min_children: int = cohorts.MIN_CHILDREN,
                   since_years: int = SURVIVAL_YEARS) -> pd.DataFrame:
    """The key measures for a cohort and for everyone else, with the difference and its test.

    Child attributes on the period end decide the cohort (:func:`cpanalysis.cohort.label_cohort`).
    Measures and comparisons (cohort minus everyone else, or cohort / everyone else):

    - moves per child per year in care in the latest complete collection year: rate ratio with
      the score interval and test (statsmodels ``confint_poisson_2indep`` /
      ``test_poisson_2indep``, ``method="score"``; moves of one child are treated as
      independent, so the placement-year rate ratio below, with child-clustered errors, is
      the more cautious of the two);
    - children with 3+ moves in that year, reliably improved / deteriorated SDQ scores, care
      leavers aged 19-21 in education, employment or training: difference in percentage
      points, Newcombe interval and score test (``confint_proportions_2indep``,
      ``proportions_2indep_test``);
    - average change in SDQ score (consecutive annual scores): difference of means, Welch
      interval and t-test;
    - moves out of placements per placement-year (placements starting in the last
      ``since_years`` years): rate ratio from :func:`cpanalysis.moves.moves_by_distance`
      (Poisson, child-clustered);
    - placements still going at 12 months: Kaplan-Meier for each group, difference of the two
      estimates with the log-rank p-value.

    Returns
    -------
    DataFrame
        Numbers (not for display; :func:`deep_dive_table` words them): ``Measure, unit, n_1, x_1,
        value_1, lower_1, upper_1`` (cohort), ``n_2, x_2, value_2, lower_2, upper_2`` (everyone
        else), ``comparison, difference, diff_lower, diff_upper, p_value, note``. ``n`` counts
        children (young people for care leavers, placements for placement measures); ``x`` is
        the count behind a share or a rate.
    """
    attrs, cohort = attributes(data, cohort_filter)
    if cohort is None:
        attrs = cohorts.label_cohort(attrs, "True")  # no filter: every child is "in the cohort"
    group = attrs.set_index("child_id")[cohorts.COHORT_GROUP]
    inside, outside = cohorts.IN_COHORT, cohorts.EVERYONE_ELSE
    rows: list[dict] = []

    # placement moves in the latest complete year
    placements, spells = data.tables["placements"], data.tables["periods_of_care"]
    years = _complete_years(data, placements.assign(collection_year=placements["start"].map(periods.collection_year)),
                            last=1)
    if years:
        child = moves.moves_per_child_year(placements, spells, years)
        child = child.assign(group=child["child_id"].map(group))
        a, b = child[child["group"] == inside], child[child["group"] == outside]
        label = periods.year_label(years[0])
        y1, y2 = a["days_in_care"].sum() / 365.25, b["days_in_care"].sum() / 365.25
        m1, m2 = int(a["moves"].sum()), int(b["moves"].sum())
        row = {"Measure": f"Moves per child per year in care ({label})", "unit": "rate", "n_1": len(a), "x_1": m1,
               "n_2": len(b), "x_2": m2}
        note = cohorts.too_few(min(len(a), len(b)), min_children)
        for k, (m, y, n) in enumerate(((m1, y1, len(a)), (m2, y2, len(b))), start=1):
            if n >= min_children and y > 0:
                lo, hi = stats.rate_interval(m, y, per=1)
                row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = m / y, float(lo), float(hi)
        if not note and y1 > 0 and y2 > 0 and m2 > 0:
            lo, hi = confint_poisson_2indep(m1, y1, m2, y2, method="score", compare="ratio")
            p = poisson_2indep_test(m1, y1, m2, y2, method="score", compare="ratio").pvalue
            row.update(comparison="rate ratio", difference=(m1 / y1) / (m2 / y2), diff_lower=float(lo),
                       diff_upper=float(hi), p_value=float(p))
        row["note"] = note
        rows.append(row)
        rows.append(_proportion_row(f"Children with 3 or more moves ({label})", int((a["moves"] >= 3).sum()), len(a),
                                    int((b["moves"] >= 3).sum()), len(b), min_children, 1))

    # placement-level moves per placement-year
    durations = placement_durations(data, since_years)
    by_group = moves.moves_by_distance(durations, by=cohorts.COHORT_GROUP, reference=None, attributes=attrs,
                                       min_children=1)
    by_group = by_group.set_index("breakdown_value")
    row = {"Measure": f"Moves out of a placement per placement-year (placements since "
                      f"{data.period_end - pd.DateOffset(years=since_years):%b %Y})", "unit": "rate"}
    for k, name in enumerate((inside, outside), start=1):
        if name in by_group.index:
            g = by_group.loc[name]
            row[f"n_{k}"], row[f"x_{k}"] = g["n_placements"], g["n_moves"]
            if g["n_children"] >= min_children:
                row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = g["moves_per_year"], g["lower"], g["upper"]
    children = {n: (by_group.loc[n, "n_children"] if n in by_group.index else 0) for n in (inside, outside)}
    row["note"] = cohorts.too_few(int(min(children.values())), min_children)
    if not row["note"] and inside in by_group.index and not pd.isna(by_group.loc[inside, "rate_ratio"]):
        g = by_group.loc[inside]
        if by_group.index[0] == outside:
            row.update(comparison="rate ratio", difference=g["rate_ratio"], diff_lower=g["rr_lower"],
                       diff_upper=g["rr_upper"], p_value=g["p_value"])
    rows.append(row)

    # placements still going at 12 months
    survival = moves.placement_survival(durations, at_months=(12,), by=cohorts.COHORT_GROUP, attributes=attrs,
                                        min_children=min_children)
    survival = survival[survival["statistic"] == "survival_12m"].set_index("breakdown_value")
    row = {"Measure": "Placements still going after 12 months", "unit": "%"}
    for k, name in enumerate((inside, outside), start=1):
        if name in survival.index:
            s = survival.loc[name]
            row[f"n_{k}"], row[f"x_{k}"] = s["n_placements"], np.nan
            if not pd.isna(s["value"]):
                row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = (100 * s["value"], 100 * s["lower"],
                                                                          100 * s["upper"])
    if not pd.isna(row.get("value_1")) and not pd.isna(row.get("value_2")):
        test = moves.logrank_test(durations, cohorts.COHORT_GROUP, attributes=attrs, min_children=min_children)
        row.update(comparison="difference (percentage points); log-rank test",
                   difference=row["value_1"] - row["value_2"], p_value=float(test["p_value"].iloc[0]))
        row["note"] = ""
    else:
        row["note"] = f"not produced: fewer than {min_children} children"
    rows.append(row)

    # SDQ change between consecutive annual scores
    pairs = sdq_pairs(data)
    pairs = pairs.assign(group=pairs["child_id"].map(group))
    a, b = pairs[pairs["group"] == inside], pairs[pairs["group"] == outside]
    row = {"Measure": "Average change in SDQ score (points; below 0 is better)", "unit": "points",
           "n_1": len(a), "n_2": len(b)}
    for k, part in enumerate((a, b), start=1):
        if len(part) >= min_children:
            mean, lo, hi, _ = stats.mean_interval(part["change"].astype(float))
            row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = mean, lo, hi
    row["note"] = cohorts.too_few(min(len(a), len(b)), min_children)
    if not row["note"]:
        test = sps.ttest_ind(a["change"].astype(float), b["change"].astype(float), equal_var=False)
        ci = test.confidence_interval()
        row.update(comparison="difference (points)", difference=a["change"].mean() - b["change"].mean(),
                   diff_lower=float(ci.low), diff_upper=float(ci.high), p_value=float(test.pvalue))
    rows.append(row)
    for category, name in ((sdq.IMPROVED, "SDQ score reliably improved"),
                           (sdq.DETERIORATED, "SDQ score reliably worse")):
        hit_a = sdq.change_category(a["score_1"], a["score_2"])
        hit_b = sdq.change_category(b["score_1"], b["score_2"])
        rows.append(_proportion_row(name, sum(c == category for c in hit_a), len(a),
                                    sum(c == category for c in hit_b), len(b), min_children))

    # care leavers aged 19-21 in education, employment or training
    years = leaver_years(data)
    if years:
        leaver = leavers.leaver_rows(data.tables, years[-1:])
        leaver = leaver[leaver["age"].between(19, 21)]
        leaver = leaver.assign(group=leaver["child_id"].map(group))
        a, b = leaver[leaver["group"] == inside], leaver[leaver["group"] == outside]
        rows.append(_proportion_row(f"Care leavers aged 19-21 in education, employment or training "
                                    f"({periods.year_label(years[-1])})", int(a["eet"].sum()), len(a),
                                    int(b["eet"].sum()), len(b), min_children))
    columns = ["Measure", "unit", "n_1", "x_1", "value_1", "lower_1", "upper_1", "n_2", "x_2", "value_2", "lower_2",
               "upper_2", "comparison", "difference", "diff_lower", "diff_upper", "p_value", "note"]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["note"] = out["note"].fillna("")
    return out


def _value_text(value: object, lower: object, upper: object, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    if unit == "%":
        return f"{value:.0f}% ({_interval(lower, upper, 0, '%')})" if not pd.isna(lower) else f"{value:.0f}%"
    if unit == "points":
        return f"{_signed(value)} ({_interval(lower, upper, 1)})"
    return f"{value:.2f} ({_interval(lower, upper, 2)})"


def deep_dive_table(data: NotebookData, cohort_filter: str, *, min_children: int = cohorts.MIN_CHILDREN,
                    since_years: int = SURVIVAL_YEARS) -> pd.DataFrame | Markdown:
    """:func:`compare_cohort` worded for readers: each measure for the cohort, everyone else and the comparison."""
    if not (cohort_filter or "").strip():
        return Markdown("*No cohort filter was given: set `cohort_filter` (for example "
                        "`\"placed_over_20_miles\"`) to compare a cohort with everyone else.*")
    result = compare_cohort(data, cohort_filter, min_children=min_children, since_years=since_years)
    hide_1 = hidden_cells(result.rename(columns={"n_1": "n", "x_1": "x"}), data.audience, counts=["n"],
                          shares=[("x", "n")]) & (result["unit"] == "%")
    hide_1 |= hidden_cells(result, data.audience, counts=["n_1", "x_1"]) & (result["unit"] != "%")
    hide_2 = hidden_cells(result.rename(columns={"n_2": "n", "x_2": "x"}), data.audience, counts=["n"],
                          shares=[("x", "n")]) & (result["unit"] == "%")
    hide_2 |= hidden_cells(result, data.audience, counts=["n_2", "x_2"]) & (result["unit"] != "%")

    def comparison(row: pd.Series) -> str:
        if pd.isna(row["difference"]):
            return ""
        if row["comparison"] == "rate ratio":
            return f"{row['difference']:.2f} times ({_interval(row['diff_lower'], row['diff_upper'], 2)})"
        if row["unit"] == "points":
            return f"{_signed(row['difference'])} points ({_interval(row['diff_lower'], row['diff_upper'], 1)})"
        points = _signed(row["difference"], 0)
        unit = "point" if points in ("+1", "-1") else "points"
        if pd.isna(row["diff_lower"]):  # Kaplan-Meier: the p-value is the log-rank test's
            return f"{points} {unit} (log-rank test)"
        return f"{points} {unit} ({_interval(row['diff_lower'], row['diff_upper'], 0)})"

    table = pd.DataFrame({
        "Measure": result["Measure"],
        "Cohort": [_value_text(v, lo, hi, u) for v, lo, hi, u in
                   zip(result["value_1"], result["lower_1"], result["upper_1"], result["unit"], strict=True)],
        "Cohort (n)": result["n_1"].map(_count),
        "Everyone else": [_value_text(v, lo, hi, u) for v, lo, hi, u in
                          zip(result["value_2"], result["lower_2"], result["upper_2"], result["unit"], strict=True)],
        "Everyone else (n)": result["n_2"].map(_count),
        "Cohort compared with everyone else": result.apply(comparison, axis=1),
        "p-value": result["p_value"].map(_p),
        "Note": result["note"],
    })
    table = _blank(table, hide_1, ["Cohort", "Cohort (n)", "Cohort compared with everyone else", "p-value"])
    table = _blank(table, hide_2, ["Everyone else", "Everyone else (n)", "Cohort compared with everyone else",
                                   "p-value"])
    return _caption(table, "Values with 95% intervals. Rates compare as a ratio (above 1: the cohort moves more); "
                           "shares and averages as a difference (cohort minus everyone else). n is children, "
                           "placements for placement measures, young people for care leavers.")


def deep_dive_answer(data: NotebookData, cohort_filter: str, *, min_children: int = cohorts.MIN_CHILDREN) -> Markdown:
    """Two plain-English sentences answering the two standing questions of a deep dive (moves and SDQ)."""
    if not (cohort_filter or "").strip():
        return Markdown("")
    result = compare_cohort(data, cohort_filter, min_children=min_children).set_index("Measure")
    sentences = []
    rate = result[result.index.str.startswith("Moves per child per year")]
    if len(rate):
        r = rate.iloc[0]
        if pd.isna(r["difference"]):
            sentences.append(f"Moves: not compared ({r['note'] or 'too few moves'}).")
        else:
            verdict = ("more often than everyone else" if r["diff_lower"] > 1
                       else "less often than everyone else" if r["diff_upper"] < 1
                       else "about as often as everyone else, within chance")
            sentences.append(f"Moves: in the latest complete year, children in the cohort moved {verdict} "
                             f"({r['difference']:.2f} times the rate, 95% interval "
                             f"{_interval(r['diff_lower'], r['diff_upper'], 2)}).")
    change = result.loc["Average change in SDQ score (points; below 0 is better)"]
    if pd.isna(change["difference"]):
        sentences.append(f"SDQ: not compared ({change['note'] or 'too few children with two scores'}).")
    else:
        own = change["value_1"]
        improve = ("improved on average" if change["upper_1"] < 0 else "got worse on average"
                   if change["lower_1"] > 0 else "did not change by more than chance on average")
        sentences.append(f"SDQ: the cohort's scores {improve} ({own:+.1f} points between consecutive years); "
                         f"the gap with everyone else is {change['difference']:+.1f} points (95% interval "
                         f"{_interval(change['diff_lower'], change['diff_upper'], 1)}).")
    return Markdown(" ".join(sentences))

