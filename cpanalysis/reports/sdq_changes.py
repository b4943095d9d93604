"""Notebook ``03_sdq_changes``: do children's SDQ scores improve?

Reliable change (Jacobson-Truax), the average change between consecutive annual scores, band
transitions and their tests, the mixed-model trajectory, completion each year and who lacks a
score, each worded for readers from :mod:`cpanalysis.sdq`.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure, periods, sdq
from cpanalysis.reports import fits, plots, wording
from cpanalysis.reports.common import (
    HIDDEN,
    TERM_LABELS,
    _all_not_produced,
    _blank,
    _caption,
    _group_names,
    _nothing,
    _reason,
    group_label,
)
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.scope import _complete_years, attributes, scope


def sdq_pairs(data: NotebookData, pairing: sdq.Pairing = "consecutive") -> pd.DataFrame:
    """Child-level pairs of scores (for the other functions here; never displayed)."""
    return sdq.sdq_pairs(data.tables["oc2"], pairing=pairing, placements=data.tables["placements"])


def sdq_overview(data: NotebookData, cohort_filter: str = "") -> Markdown:
    """A sentence with the number of children with two scores a year apart and the years covered."""
    attrs, cohort = attributes(data, cohort_filter)
    pairs = cohorts.restrict(sdq_pairs(data), children=cohort, attributes=attrs)
    if pairs.empty:
        return Markdown("*No child has SDQ scores in two consecutive annual returns.*")
    n = pairs["child_id"].nunique()
    shown = HIDDEN if data.audience == "external" and disclosure.is_small(n) else f"{n:,}"
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
    result = sdq.reliable_change(sdq_pairs(data), reliability=reliability, by=by, children=cohort, attributes=attrs,
                                 min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Reliable change", _reason(result, min_children))
    main = result["category"] != sdq.RECOVERED
    hide = disclosure.hidden_cells(result[main], data.audience, lines=(["breakdown_value"], "n", "denominator"))
    hide = pd.concat([hide, disclosure.hidden_cells(result[~main], data.audience, shares=[("n", "denominator")])])
    hide = hide.reindex(result.index)
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Change": result["category"].map(lambda c: f"{c} (of those starting at 17+)" if c == sdq.RECOVERED else c),
        "Children": result["n"].map(wording.count),
        "Out of": result["denominator"].map(wording.count),
        "Share (%)": result["pct"].map(wording.number),
        "95% interval": [wording.interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Children", "Share (%)", "95% interval"])
    table = _blank(table, result["denominator"].map(disclosure.is_small).astype(bool) & (data.audience == "external"), ["Out of"])
    if by is None:
        table = table.drop(columns=group_label(by))
    smallest = int(result["smallest_reliable_change"].iloc[0])
    return _caption(table, f"A change of {smallest} points or more is reliable (Jacobson-Truax, SD "
                           f"{result['sd'].iloc[0]:.1f}, reliability {reliability:.2f}).")


def _groups_with_total(result: pd.DataFrame, audience: str, count: str = "n_children") -> pd.Series:
    """Rows hidden so that no group's children come back as the whole cohort less the other groups.

    The groups (moves between the scores, in the cohort or not) and the whole-cohort row are one
    line (:func:`cpanalysis.disclosure.hidden_cells`, ``lines``): when one group is hidden, a
    second is too; a lone group that is hidden takes the whole-cohort row with it.
    """
    hide = pd.Series(False, index=result.index)
    whole = result["breakdown"] == cohorts.TOTAL
    parts = result[~whole]
    if audience != "external" or parts.empty or not whole.any():
        return hide
    lined = parts.assign(_total=float(result.loc[whole, count].iloc[0]))
    hidden = disclosure.hidden_cells(lined, audience, counts=[count], lines=(["breakdown"], count, "_total"))
    hide.loc[parts.index] = hidden.to_numpy()
    if hidden.all() and len(parts) == 1:
        hide.loc[whole] = True
    return hide


def _paired_change(data: NotebookData, by: str | None, cohort: cohorts.ChildCohort | None, attrs: pd.DataFrame,
                   min_children: int) -> pd.DataFrame:
    """:func:`cpanalysis.sdq.paired_change`, kept beside the processed tables (:mod:`.fits`).

    Its Wilcoxon test is exact for groups of up to 50 children (scipy enumerates every sign
    pattern: about a second of CPU for a deep dive's small groups), and the table and the chart
    of a breakdown ask for the same result. The key holds the pairs, the children, the breakdown,
    the attribute table when a breakdown reads it, and ``min_children``.
    """
    pairs = sdq_pairs(data)
    return fits.cached_fit(
        data.processed_dir, "sdq_paired_change", [pairs, attrs if by is not None else None],
        None if cohort is None else cohort.children, {"by": by, "min_children": min_children}, [sdq, cohorts],
        lambda: sdq.paired_change(pairs, by=by, children=cohort, attributes=attrs, min_children=min_children))


def paired_change_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                        min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Average first and second score, the average change with its interval, paired t and Wilcoxon."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = _paired_change(data, by, cohort, attrs, min_children)
    if _all_not_produced(result):
        return _nothing("Change in SDQ scores", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, counts=["n_children"]) | _groups_with_total(result, data.audience)
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Children": result["n_children"].map(wording.count),
        "Average first score": result["mean_1"].map(lambda v: wording.number(v, 1)),
        "Average second score": result["mean_2"].map(lambda v: wording.number(v, 1)),
        "Average change (points)": result["mean_change"].map(wording.signed),
        "95% interval": [wording.interval(lo, hi, 1) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "Paired t-test p": result["p_t"].map(wording.p_value),
        "Median change": result["median_change"].map(wording.signed),
        "Wilcoxon p": result["p_wilcoxon"].map(wording.p_value),
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
    result = _paired_change(data, by, cohort, attrs, min_children)
    result = result[result["note"].fillna("") == ""]
    if data.audience == "external":
        result = result[~disclosure.hidden_cells(result, data.audience, counts=["n_children"])]
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
    pairs = cohorts.restrict(sdq_pairs(data), children=cohort, attributes=attrs)
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
    result = sdq.band_tests(sdq_pairs(data), by=by, children=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Tests of band change", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, counts=["n_left_concern", "n_entered_concern"])
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Test": result["test"],
        "Left the concern band": result["n_left_concern"].map(wording.count),
        "Entered the concern band": result["n_entered_concern"].map(wording.count),
        "p-value": result["p_value"].map(wording.p_value),
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
    # The mixed model is the page's dearest step: kept beside the processed tables, keyed on
    # its input, the children chosen, the parameters and the code (reports.fits).
    result = fits.cached_fit(
        data.processed_dir, "sdq_trajectory", frame, None if cohort is None else cohort.children,
        {"min_children": min_children}, [sdq, cohorts],
        lambda: sdq.trajectory_model(frame, children=cohort, attributes=attrs, min_children=min_children))
    if _all_not_produced(result):
        return _nothing("Trajectory model", _reason(result, min_children))
    table = pd.DataFrame({
        "Term": result["term"].map(lambda t: TERM_LABELS.get(t, t)),
        "Estimate (points)": result["estimate"].map(lambda v: wording.number(v, 2)),
        "95% interval": [wording.interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "p-value": result["p_value"].map(wording.p_value),
    })
    first = result.iloc[0]
    children = HIDDEN if data.audience == "external" and disclosure.is_small(first["n_children"]) else f"{first['n_children']:,.0f}"
    return _caption(table, f"Linear mixed model ({first['model']}) of {first['n_scores']:,.0f} scores of "
                           f"{children} children. Positive estimates mean more difficulties.")


def completion_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                     min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """SDQ completion each year: eligible children (5-16, in care 12 months) with a valid score."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    oc2 = data.tables["oc2"]
    years = _complete_years(data, oc2)
    result = sdq.completion(oc2, years, by=by, children=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("SDQ completion", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, shares=[("n_with_score", "n_eligible")])
    table = pd.DataFrame({
        "Year": result["collection_year"].map(lambda y: periods.year_label(int(y))),
        group_label(by): _group_names(result, by, cohort),
        "Eligible children": result["n_eligible"].map(wording.count),
        "With a score": result["n_with_score"].map(wording.count),
        "Completion (%)": result["pct"].map(wording.number),
        "95% interval": [wording.interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
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
    result = sdq.with_and_without_scores(oc2, data.tables, year, children=cohort, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Who lacks a score", _reason(result, min_children))
    names = {"age": "Age (years)", "years_in_care": "Years in care", "n_moves": "Moves in this period of care",
             "placement_group": "Placement type (%)", "sex": "Sex (%)", "uasc_on_date": "UASC (%)"}
    table = pd.DataFrame({
        "Characteristic": result["characteristic"].map(names),
        "Value": result["value"].map(lambda v: {"mean": "Average", "True": "Yes", "False": "No", "F": "Female",
                                                "M": "Male"}.get(str(v), str(v))),
        "With a score": result["with_score"].map(lambda v: wording.number(v, 1)),
        "Without a score": result["without_score"].map(lambda v: wording.number(v, 1)),
        "p-value": result["p_value"].map(wording.p_value),
    })
    if data.audience == "external":
        n_with, n_without = result["n_with"].iloc[0], result["n_without"].iloc[0]
        pct = result["value"] != "mean"
        small = [(pct & (result["with_score"] * n_with / 100).round().map(disclosure.is_small)),
                 (pct & (result["without_score"] * n_without / 100).round().map(disclosure.is_small))]
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
    pairs = cohorts.restrict(sdq_pairs(data), children=cohort, attributes=attrs)
    if data.audience == "external" and disclosure.is_small((pairs["score_1"] >= 17).sum()):
        pairs = pairs[pairs["score_1"] < 17]  # too few concern-band children to describe externally
    return Markdown(sdq.regression_to_mean_note(pairs, min_children=min_children))
