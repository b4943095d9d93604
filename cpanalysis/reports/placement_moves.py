"""Notebook ``04_placement_moves``: how often children move and how long placements last.

Moves per child per year in care, why placements ended, placement survival (Kaplan-Meier and the
log-rank test), how placements end (competing risks), the Cox model and moves by distance from
home, each worded for readers from :mod:`cpanalysis.moves`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import codes, disclosure, moves, periods
from cpanalysis import cohort as cohorts
from cpanalysis.errors import CpanalysisError
from cpanalysis.reports import fits, plots, wording
from cpanalysis.reports.common import (
    HIDDEN,
    SURVIVAL_YEARS,
    TERM_LABELS,
    YEARS_SHOWN,
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


def moves_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                min_children: int = cohorts.MIN_CHILDREN, years: int = YEARS_SHOWN) -> pd.DataFrame | Markdown:
    """Moves per child per year in care and the share with 3+ moves, each of the last ``years`` collection years.

    ``years=1`` keeps a breakdown by many groups to one readable row per group (the latest year).
    """
    attrs, cohort, by = scope(data, cohort_filter, by)
    shown = _complete_years(data, data.tables["placements"].assign(
        collection_year=data.tables["placements"]["start"].map(periods.collection_year)), last=years)
    child = moves.moves_per_child_year(data.tables["placements"], data.tables["periods_of_care"], shown)
    result = moves.summarise_moves(child, by=by, children=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Placement moves", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, counts=["n_children", "n_moves"])
    hide_3 = hide | disclosure.hidden_cells(result, data.audience, shares=[("n_3plus", "n_children")])
    table = pd.DataFrame({
        "Year": result["collection_year"].map(lambda y: periods.year_label(int(y))),
        group_label(by): _group_names(result, by, cohort),
        "Children looked after": result["n_children"].map(wording.count),
        "Moves": result["n_moves"].map(wording.count),
        "Moves per child per year": result["moves_per_year"].map(lambda v: wording.number(v, 2)),
        "95% interval": [wording.interval(lo, hi, 2) for lo, hi in
                         zip(result["moves_per_year_lower"], result["moves_per_year_upper"], strict=True)],
        "Children with 3+ moves": result["n_3plus"].map(wording.count),
        "3+ moves (%)": result["pct_3plus"].map(lambda v: wording.number(v, 1)),
        "3+ interval": [wording.interval(lo, hi, 1, "%") for lo, hi in
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
    result = moves.summarise_moves(child, by=by, children=cohort, attributes=attrs, min_children=min_children)
    result = result[(result["note"].fillna("") == "")
                    & ~disclosure.hidden_cells(result, data.audience, counts=["n_children", "n_moves"])]
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
    result = moves.move_reasons(placements, years=years, children=cohort, attributes=attrs, min_children=min_children)
    result = result[result["breakdown"] == "Total"]
    # The group table and the detailed table share their totals: suppressed together, so that a
    # group less its reasons shown never gives back a hidden reason.
    linked = linked_reasons_hidden(result, data.audience)
    keep = result["level"] == level
    result, hide = result[keep], linked[keep]
    if _all_not_produced(result):
        return _nothing("Reasons for moves", _reason(result, min_children))
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
    hide_total = moves_row["total_moves"].map(disclosure.is_small).astype(bool) & (data.audience == "external")
    table.loc[len(table)] = ["All moves (number)", *[HIDDEN if h else f"{n:,.0f}" for h, n in
                                                     zip(hide_total, moves_row["total_moves"], strict=True)]]
    return _caption(table.reset_index(drop=True), "Share of the year's moves (number of moves). Disruption: the "
                    "placement ended at the carer's or child's request, an allegation or standards concern, or "
                    "an approval ended; planned: the care plan or the status of the placement changed. The "
                    "reasons add up to all moves (a reason left blank is 'Not recorded'); the grouping is "
                    "the package's default, which an authority can change (reason_groups).")


def linked_reasons_hidden(result: pd.DataFrame, audience: str) -> pd.Series:
    """Which rows of :func:`cpanalysis.moves.move_reasons` (both levels) an external reader must not see.

    Per collection year and breakdown group, the counts of moves form linked lines: each reason
    group ("Disruption") is the sum of its reasons, the groups add up to the year's moves and so do
    the reasons. :func:`cpanalysis.disclosure.linked_mask` hides counts of 1 to 5, a group with any
    reason hidden, and a second cell of every line with one hidden cell; the year's moves (every
    share is printed against it) stay shown. A row whose ``pct`` is missing (too few children) is
    left as it is.
    """
    hide = pd.Series(False, index=result.index)
    if audience != "external" or result.empty:
        return hide
    for _, year in result.groupby(["collection_year", "breakdown", "breakdown_value"], sort=False, dropna=False):
        groups, reasons = year[year["level"] == "group"], year[year["level"] == "reason"]
        index = [*groups.index, *reasons.index]
        counts = np.r_[year.loc[index, "n_moves"].to_numpy(float), float(year["total_moves"].iloc[0])]
        total = len(index)
        position = {row: k for k, row in enumerate(index)}
        group_of = {row: moves._reason_group(code, codes.PLACE_CHANGE_GROUPS) for row, code in reasons["reason"].items()}
        lines = [(total, [position[r] for r in groups.index]), (total, [position[r] for r in reasons.index])]
        for row, name in groups["reason"].items():
            parts = [position[r] for r, g in group_of.items() if g == name]
            if parts:
                lines.append((position[row], parts))
        mask = disclosure.linked_mask(counts, lines, grand_totals={total})
        if mask[total]:  # every share is printed against the year's moves: all go with it
            mask[:] = True
        hide.loc[index] = mask[:-1]
    return hide


def _first_day_loaded(data: NotebookData) -> pd.Timestamp | None:
    """1 April of the earliest collection year loaded (the build manifest's first return), if known."""
    returns = data.manifest.get("returns", []) if isinstance(data.manifest, dict) else []
    years = [int(r["collection_year"]) for r in returns if r.get("collection_year") is not None]
    return periods.year_start(min(years)) if years else None


def survival_start(data: NotebookData, since_years: int = SURVIVAL_YEARS) -> pd.Timestamp:
    """First start date of the placements followed: ``since_years`` before the period end, or the
    first day of the earliest return loaded when that is later. A placement that ended before the
    returns begin is in none of them, while one that started as long ago but lasted is (it was
    still open), so following placements from before the returns would keep only the long ones:
    on the demo's last three returns the median was 6 months against 4 on the whole history."""
    started = data.period_end - pd.DateOffset(years=since_years)
    first = _first_day_loaded(data)
    return max(started, first) if first is not None else started


def placement_durations(data: NotebookData, since_years: int = SURVIVAL_YEARS) -> pd.DataFrame:
    """Placement-level durations of placements starting from :func:`survival_start` (not displayed)."""
    return moves.placement_durations(data.tables["placements"], data.period_end, children=data.tables["children"],
                                     started_from=survival_start(data, since_years))


def _survival_caption(data: NotebookData, since_years: int) -> str:
    start = survival_start(data, since_years)
    if start > data.period_end - pd.DateOffset(years=since_years):
        return (f"Placements starting from {start:%-d %B %Y} (the first return loaded; a placement that ended "
                f"before it is in no return) to {data.period_end:%-d %B %Y}")
    return f"Placements starting in the {since_years} years to {data.period_end:%-d %B %Y}"




def _survival_cell(row: pd.Series) -> str:
    if pd.isna(row["value"]):
        return ""
    if row["statistic"] == "median_days":
        value = row["value"] / moves.DAYS_PER_MONTH
        lo, hi = row["lower"] / moves.DAYS_PER_MONTH, row["upper"] / moves.DAYS_PER_MONTH
        upper = "not reached" if pd.isna(hi) else f"{hi:.0f}"
        return f"{value:.0f} ({lo:.0f} to {upper})" if not pd.isna(lo) else f"{value:.0f}"
    return wording.share_with_interval(row["value"], row["lower"], row["upper"])


def survival_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                   since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN
                   ) -> pd.DataFrame | Markdown:
    """How long placements last: median (months) and the share still going at 3, 6, 12 and 24 months."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    result = moves.placement_survival(placement_durations(data, since_years), by=by, children=cohort, attributes=attrs,
                                      min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Placement survival", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, counts=["n_children", "n_endings"])
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
    table["Placements"] = [HIDDEN if first_hide[g] else wording.count(first.loc[g, "n_placements"]) for g in wide.index]
    table["Children"] = [HIDDEN if first_hide[g] else wording.count(first.loc[g, "n_children"]) for g in wide.index]
    for column in wide.columns:
        table[column] = wide[column].to_numpy()
    table["Note"] = [first.loc[g, "note"] if isinstance(first.loc[g, "note"], str) else "" for g in wide.index]
    table = table.drop(columns=group_label(by)) if by is None else table
    return _caption(table, f"{_survival_caption(data, since_years)}, "
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
    curves = moves.survival_curve(placement_durations(data, since_years), by=by, children=cohort, attributes=attrs,
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
    result = moves.logrank_test(placement_durations(data, since_years), by, children=cohort, attributes=attrs,
                                min_children=min_children).iloc[0]
    if pd.isna(result["p_value"]):
        return Markdown(f"*Log-rank test by {group_label(by).lower()}: {result['note']}.*")
    verdict = ("differs between the groups more than chance would explain" if result["p_value"] < 0.05
               else "does not differ between the groups by more than chance would explain")
    extra = f" ({result['note']})" if result["note"] else ""
    return Markdown(f"Log-rank test by {group_label(by).lower()}: how long placements last {verdict} "
                    f"(chi-squared {result['chi2']:.1f} on {result['df']:.0f} degrees of freedom, "
                    f"p {wording.p_clause(result['p_value'])}){extra}.")


def disruption_table(data: NotebookData, *, cohort_filter: str = "", by: str | None = None,
                     since_years: int = SURVIVAL_YEARS, min_children: int = cohorts.MIN_CHILDREN
                     ) -> pd.DataFrame | Markdown:
    """Cumulative incidence of each way a placement ends (disruption, planned, other move, left care)."""
    attrs, cohort, by = scope(data, cohort_filter, by)
    durations = placement_durations(data, since_years)
    result = moves.disruption_incidence(durations, by=by, children=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Disruption", _reason(result, min_children))
    result = result.assign(
        group=_group_names(result, by, cohort),
        cell=[wording.share_with_interval(v, lo, hi) for v, lo, hi in
              zip(result["cumulative_incidence"], result["lower"], result["upper"], strict=True)],
        when=result["months"].map(lambda m: "" if pd.isna(m) else f"By {m:.0f} months"),
    )
    if data.audience == "external":
        # each cell rests on the endings of its kind by its time: hide those behind 1-5 endings
        placed = cohorts.restrict(durations, children=cohort, by=by, attributes=attrs)
        counts = []
        for _, value, part in cohorts.groups(placed, by):
            for ending, days in zip(result["ending"], result["days"], strict=True):
                counts.append(((value, ending, days), int(((part["ending"] == ending)
                                                           & (part["duration_days"] <= days)).sum())))
        counted = dict(counts)
        endings = [counted.get((v, e, d), 0) for v, e, d in
                   zip(result["breakdown_value"], result["ending"], result["days"], strict=True)]
        small = result["n_children"].map(disclosure.is_small).astype(bool) | pd.Series(endings, index=result.index).map(disclosure.is_small)
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
    durations = placement_durations(data, since_years)
    # kept beside the processed tables, keyed on its input, the children, the parameters and the code
    result = fits.cached_fit(
        data.processed_dir, "placement_cox", durations, None if cohort is None else cohort.children,
        {"event": event, "min_children": min_children}, [moves, cohorts],
        lambda: moves.placement_cox(durations, event=event, children=cohort, attributes=attrs,
                                    min_children=min_children))
    if _all_not_produced(result):
        return _nothing("Cox model", _reason(result, min_children))

    def term(name: str) -> str:
        if ": " in name:
            column, level = name.split(": ", 1)
            return f"{group_label(column)}: {level}"
        return TERM_LABELS.get(name, name)

    table = pd.DataFrame({
        "Characteristic": result["term"].map(term),
        "Hazard ratio": result["hazard_ratio"].map(lambda v: wording.number(v, 2)),
        "95% interval": [wording.interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "p-value": result["p_value"].map(wording.p_value),
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
        result = moves.moves_by_distance(placement_durations(data, since_years), by=by, children=cohort,
                                         attributes=attrs, min_children=min_children)
    except CpanalysisError as exc:
        return _nothing("Moves by distance", str(exc))
    if _all_not_produced(result):
        return _nothing("Moves by distance", _reason(result, min_children))
    hide = disclosure.hidden_cells(result, data.audience, counts=["n_children", "n_moves"])
    is_reference = (result["rate_ratio"] == 1) & result["p_value"].isna()
    table = pd.DataFrame({
        group_label(by): _group_names(result, by, cohort),
        "Placements": result["n_placements"].map(wording.count),
        "Moves": result["n_moves"].map(wording.count),
        "Years in placement": result["years_at_risk"].map(lambda v: wording.number(v, 0)),
        "Moves per placement-year": result["moves_per_year"].map(lambda v: wording.number(v, 2)),
        "95% interval": [wording.interval(lo, hi, 2) for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        # the reference group's ratio is 1 by definition: say so rather than "1.00 (1.00 to 1.00)"
        "Rate ratio": [("1 (reference)" if reference else wording.number(v, 2)) for v, reference in
                       zip(result["rate_ratio"], is_reference, strict=True)],
        "Rate ratio interval": [("" if reference else wording.interval(lo, hi, 2)) for lo, hi, reference in
                                zip(result["rr_lower"], result["rr_upper"], is_reference, strict=True)],
        "p-value": result["p_value"].map(wording.p_value),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Placements", "Moves", "Moves per placement-year", "95% interval"])
    return _caption(table, "Moves on in care out of each placement per year spent in it (leaving care is not a move). "
                           "Rate ratio against the first group (Poisson model, standard errors allow for children "
                           "with several placements).")
