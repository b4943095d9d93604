"""Notebook 01, profile: who our children are, against England.

The headline counts and rates with their intervals and England's latest published figure
(:func:`headline_table`), and one measure by a breakdown at the period end as a table
(:func:`breakdown_table`) or a chart (:func:`breakdown_chart`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis.compare import versus_label
from cpanalysis.errors import CpanalysisError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import title_of
from cpanalysis.reports import plots, wording
from cpanalysis.reports.common import _unavailable, england_value
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.wording import format_value, period_label


def headline_table(data: NotebookData, indicator_ids: Sequence[str] | str) -> pd.DataFrame:
    """The latest value of each measure with its interval, n, England and the comparison label.

    ``indicator_ids`` is a list of ids or the name of a catalogue set
    (:func:`cpanalysis.indicators.catalogue.measure_set`, e.g. ``"profile"``).

    England is DfE's latest published year on or before the period end (annual, 31 March); the
    comparison uses the Fingertips rule (:func:`cpanalysis.compare.versus_label`).
    """
    if isinstance(indicator_ids, str):
        indicator_ids = catalogue.measure_set(indicator_ids)
    latest = data.latest().set_index("indicator_id")
    rows = []
    for ind in indicator_ids:
        if ind not in latest.index:
            continue
        row = latest.loc[ind]
        unit = str(row["unit"])
        bench, when = england_value(data, ind)
        value = f"[{row['suppressed']}]" if row["suppressed"] else format_value(row["value"], unit)
        # said where England's number would be (a count of England is not comparable with ours)
        missing = "" if unit == "count" else f"not published by DfE up to {data.period_end:%-d %B %Y}"
        if unit == "count":
            when = None
        rows.append({
            "Measure": title_of(ind),
            "Value": value,
            "95% interval": wording.row_interval(row),
            "Children (n)": "" if pd.isna(row["denominator"]) or unit in ("count", "rate_per_10k") else f"{row['denominator']:,.0f}",
            "England": missing if when is None else f"{format_value(bench, unit)} ({when.year})",
            "Compared with England": "" if when is None else versus_label(
                row["value"], row["lower_95"], row["upper_95"], bench, str(row["polarity"]),
                None if unit in ("count", "rate_per_10k") else row["denominator"], str(row["suppressed"] or "")),
        })
    return pd.DataFrame(rows, columns=["Measure", "Value", "95% interval", "Children (n)", "England",
                                       "Compared with England"])

def breakdown_table(data: NotebookData, indicator_id: str, breakdown: str) -> pd.DataFrame:
    """One measure at the period end by a breakdown (age band, sex ...), with each group's share.

    For counts the share is the group's percentage of the total; for percentages the value itself
    with its interval and n.
    """
    rows = data.indicators[(data.indicators["indicator_id"] == indicator_id)
                           & (pd.to_datetime(data.indicators["period_end"]) == data.period_end)
                           & (data.indicators["period_type"] == data.window)
                           & (data.indicators["breakdown"].isin([breakdown, "Total"]))]
    if rows.empty:
        return pd.DataFrame(columns=["Group", "Value", "Share of total (%)"])
    total = rows[rows["breakdown"] == "Total"]["value"]
    parts = rows[rows["breakdown"] == breakdown]
    if parts.empty:  # said where the numbers would be (a rate by age needs the population by age)
        return pd.DataFrame({"Group": [f"Every {breakdown.replace('_', ' ')}"],
                             "Value": [f"no figures by {breakdown.replace('_', ' ')} in the data for "
                                       f"{period_label(data.period_end, data.window)}"]})
    unit = str(parts["unit"].iloc[0]) if len(parts) else ""
    out = pd.DataFrame({"Group": parts["breakdown_value"].to_numpy(),
                        "Value": [f"[{s}]" if s else format_value(v, unit)
                                  for v, s in zip(parts["value"], parts["suppressed"], strict=True)]})
    if unit == "count" and len(total) and total.iloc[0]:
        # a suppressed group has no share to show (blank, never "nan")
        shares = parts["value"].astype(float).to_numpy() / float(total.iloc[0]) * 100
        out["Share of total (%)"] = ["" if pd.isna(v) else f"{v:.1f}" for v in shares]
    else:
        out["95% interval"] = [wording.row_interval(r) for _, r in parts.iterrows()]
        out["Children (n)"] = [("" if pd.isna(n) else f"{n:,.0f}") for n in parts["denominator"]]
    out.attrs["caption"] = (f"{title_of(indicator_id)} by {breakdown.replace('_', ' ')}, "
                            f"{period_label(data.period_end, data.window)}.")
    return out

def breakdown_chart(data: NotebookData, indicator_id: str, breakdown: str, **options) -> Figure | Markdown:
    """:func:`cpanalysis.reports.plots.bar_with_ci` of one measure by a breakdown at the period end (or a note)."""
    rows = data.for_charts
    rows = rows[rows["period_type"].isin([data.window, "year"])]
    try:
        return plots.bar_with_ci(rows, indicator_id, la_code=data.la_code, breakdown=breakdown,
                                 period_end=data.period_end, **options)
    except CpanalysisError as exc:
        return _unavailable(f"{title_of(indicator_id)} by {breakdown.replace('_', ' ')}", exc)
