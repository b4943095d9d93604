"""Notebook 02, outcome trends: the strategy outcomes over time beside England, the region and
the statistical neighbours.

:func:`outcome_trend` draws one measure's yearly series with the comparators;
:func:`comparison_table` sets each measure in the latest year DfE has published beside England,
the rest of the region and the neighbours (notebook 06 shows it too).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis.errors import CpanalysisError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import title_of
from cpanalysis.reports import plots, wording
from cpanalysis.reports.common import (
    NEIGHBOUR_MEDIAN,
    _national_note,
    _pick,
    _shown,
    _unavailable,
    _with_national,
    chart_rows,
    latest_published_year,
    trend,
    with_hidden_footnote,
)
from cpanalysis.reports.loading import ENGLAND_CODE, NotebookData
from cpanalysis.reports.wording import format_value


def outcome_trend(data: NotebookData, indicator_id: str, **options) -> Figure | Markdown:
    """:func:`trend` of one measure's yearly series with England, the region and the statistical
    neighbours' median (dashed lines) when the national files are present. A measure the authority
    does not compute (attainment, published by DfE from the National Pupil Database) is drawn from
    DfE's published figures for the authority, or replaced by the national-files note."""
    published_only = not (data.indicators["indicator_id"] == indicator_id).any()  # attainment: DfE's figures
    if data.national is None:
        if published_only:
            return _national_note(data)
        return trend(data, indicator_id, national=False, **options)
    table = chart_rows(data, indicator_id, medians=True)  # the measure's rows, grouped once per notebook
    if published_only:
        table = pd.concat([table, data.national[(data.national["geography"].astype(str) == data.la_code)
                                                & (data.national["indicator_id"] == indicator_id)]],
                          ignore_index=True)
    comparators = {**data.comparators}
    if data.neighbours:
        comparators[NEIGHBOUR_MEDIAN] = "Statistical neighbours (median)"
    try:
        return plots.trend_chart(table, indicator_id, data.la_code, comparators=comparators,
                                 la_name=data.la_name, period_type="year", **options)
    except CpanalysisError as exc:
        return _unavailable(title_of(indicator_id), exc, data, indicator_id)

#: Beside our figure when it is DfE's published one (attainment: the returns do not hold it).
DFE_MARK = " (DfE)"
#: The caption's note for :data:`DFE_MARK`.
DFE_NOTE = "(DfE): our figure as DfE publishes it; the SSDA903 returns do not hold this measure."


def comparison_table(data: NotebookData, indicator_ids: Sequence[str] | str) -> pd.DataFrame | Markdown:
    """Each measure in the latest year DfE has published: ours, England, the region, the neighbours.

    ``indicator_ids``: ids, or the name of a catalogue set (``"outcome_trends"``,
    :func:`cpanalysis.indicators.catalogue.measure_set`).

    The region comparison is with the rest of the region (:func:`cpanalysis.compare.compare_with_region`),
    the neighbours' with the pooled neighbours (:func:`~cpanalysis.compare.compare_with_neighbours`,
    whose median is shown as the CSC dashboard shows it). Our figure is the authority's own
    computation for the year ending 31 March; for a measure the returns do not hold (attainment)
    it is DfE's published figure for the authority, marked :data:`DFE_MARK` and explained in the
    caption (:data:`DFE_NOTE`). Without the national files: the message saying how to get them.
    """
    from cpanalysis import compare

    if isinstance(indicator_ids, str):
        indicator_ids = catalogue.measure_set(indicator_ids)
    if data.national is None:
        return _national_note(data)
    table = _with_national(data)
    # Only the measures shown, whole cohort: the tests run row by row, so this keeps the report quick.
    table = table[table["indicator_id"].isin(list(indicator_ids)) & (table["breakdown"] == "Total")]
    with warnings.catch_warnings():
        # statsmodels warns on groups where every or no child has the outcome; those rows are Not compared.
        warnings.simplefilter("ignore", RuntimeWarning)
        region = (compare.compare_with_region(table, data.la_code, data.region_code)
                  if data.region_code else table.iloc[0:0])
        neighbours = compare.compare_with_neighbours(table, data.la_code, data.neighbours)
    rows = []
    for ind in indicator_ids:
        when = latest_published_year(data, ind)
        if when is None:  # said where the numbers would be, not dropped
            rows.append({"Measure": title_of(ind), "Year": "",
                         "England": f"not published by DfE up to {data.period_end:%-d %B %Y}"})
            continue
        ours = _pick(neighbours, ind, when)
        if ours is None:
            england = _pick(table[table["geography"] == ENGLAND_CODE], ind, when)
            rows.append({"Measure": title_of(ind), "Year": str(when.year),
                         "Ours": f"no figure of ours for {when.year}", "England": _shown(england)})
            continue
        unit = str(ours["unit"])
        reg = _pick(region, ind, when)
        england = _pick(table[table["geography"] == ENGLAND_CODE], ind, when)
        # Attainment is not in the returns: our row is then DfE's published figure, and says so.
        published = str(ours.get("source")) == "dfe"
        rows.append({
            "Measure": title_of(ind), "Year": str(when.year),
            "Ours": _shown(ours) + (DFE_MARK if published else ""), "_published": _shown(ours) if published else "",
            "95% interval": wording.row_interval(ours) if not str(ours.get("suppressed") or "") else "",
            "England": _shown(england),
            "Region": "" if reg is None else format_value(reg["region_value"], unit),
            "vs rest of region": "" if reg is None else reg["comparison"],
            "Neighbours (median)": format_value(ours["neighbour_median"], unit) if ours["neighbours_with_data"] else "",
            "vs neighbours": ours["comparison"] if ours["neighbours_with_data"] else "",
            "Rank among neighbours": ("" if pd.isna(ours["rank_among_neighbours"]) else
                                      f"{ours['rank_among_neighbours']:.0f} of {ours['neighbours_with_data'] + 1}"),
        })
    table = pd.DataFrame(rows, columns=["Measure", "Year", "Ours", "95% interval", "England", "Region",
                                        "vs rest of region", "Neighbours (median)", "vs neighbours",
                                        "Rank among neighbours", "_published"]).fillna("")
    # the hidden-figure footnote for our own [c]; DfE's reasons for its symbols, ours as published included
    caption = str(with_hidden_footnote(table, table["Ours"]).attrs.get("caption") or "")
    if (table["_published"] != "").any():
        caption = f"{caption} {DFE_NOTE}".strip()
    table = table.drop(columns="_published")
    if caption:
        table.attrs["caption"] = caption
    return table
