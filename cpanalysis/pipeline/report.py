"""Tables worded for readers: what the report notebooks display.

Notebooks only load, call and show (``docs/architecture.md``); the formatting of a figure for a
board paper (``10% (8-13%)``, ``n = 686``, ``Similar to England``) lives here so every report
words things the same way. Nothing here returns child-level rows: every table is an aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import plots
from cpanalysis.errors import CpanalysisError
from cpanalysis.pipeline.data import ENGLAND_CODE, NotebookData
from cpanalysis.plots import format_value, indicator_label, period_label, versus_label

#: Fields whose completeness the data-quality report shows: (table, column, what it is for).
COMPLETENESS_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("children", "upn", "Unique pupil number (education outcomes)"),
    ("children", "ethnic", "Ethnicity (breakdowns)"),
    ("episodes", "home_post", "Home postcode (placement distance)"),
    ("episodes", "pl_post", "Placement postcode (placement distance)"),
    ("episodes", "pl_distance", "Placement distance (derived from the two postcodes)"),
    ("episodes", "place_provider", "Placement provider (in-house or not)"),
    ("episodes", "urn", "Ofsted URN of the placement"),
    ("oc2", "sdq_score", "SDQ score (needed for ages 5-16 of the 12-month cohort)"),
    ("oc3", "activ", "Care leaver activity"),
    ("oc3", "accom", "Care leaver accommodation"),
)


def returns_table(data: NotebookData) -> pd.DataFrame:
    """The returns read: label, collection year, annual or in-year, the date each runs to."""
    rows = data.manifest.get("returns", [])
    return pd.DataFrame({
        "Return": [r["label"] for r in rows],
        "Collection year": [r["collection_year"] for r in rows],
        "Type": ["In-year extract" if r["is_in_year"] else "Annual return" for r in rows],
        "Runs to": [pd.Timestamp(r["as_at"]).strftime("%-d %b %Y") for r in rows],
    })


def row_reconciliation(data: NotebookData) -> pd.DataFrame:
    """Rows read, kept and quarantined per table, and whether every row is accounted for.

    The invariant of the build: rows read = rows kept + rows quarantined (nothing silently dropped).
    """
    rows = data.manifest.get("rows", {})
    out = pd.DataFrame(
        [(t, v["read"], v["kept"], v["quarantined"]) for t, v in sorted(rows.items())],
        columns=["Table", "Rows read", "Kept", "Quarantined"],
    )
    out["Every row accounted for"] = (out["Rows read"] == out["Kept"] + out["Quarantined"]).map(
        {True: "Yes", False: "No"})
    return out


def issue_summary(data: NotebookData) -> pd.DataFrame:
    """Validation and stitching findings counted by rule (never the children concerned).

    Columns: severity, rule id, what the rule checks, table, what was done, number of rows.
    """
    from cpanalysis import validate

    issues = data.tables["issues"]
    if issues.empty:
        return pd.DataFrame(columns=["Severity", "Rule", "What it checks", "Table", "Action", "Rows"])
    counts = (issues.groupby(["severity", "rule_id", "table", "action"], dropna=False).size()
              .rename("Rows").reset_index())
    order = {"error": 0, "warning": 1, "info": 2}
    counts = counts.sort_values(["severity", "Rows"], key=lambda s: s.map(order) if s.name == "severity" else -s)
    described = {k: r.description for k, r in validate.RULES.items()}
    counts["What it checks"] = counts["rule_id"].map(lambda r: described.get(r, _stitch_rule(r)))
    counts = counts.rename(columns={"severity": "Severity", "rule_id": "Rule", "table": "Table", "action": "Action"})
    return counts[["Severity", "Rule", "What it checks", "Table", "Action", "Rows"]].reset_index(drop=True)


def _stitch_rule(rule_id: str) -> str:
    if str(rule_id).startswith("STITCH"):
        return "Stitching returns into one history (a later return's copy of the row is kept, or a gap or overlap repaired)"
    return ""


def completeness(data: NotebookData, fields: Sequence[tuple[str, str, str]] = COMPLETENESS_FIELDS) -> pd.DataFrame:
    """Share of rows with each key field recorded, in the latest collection year of each table."""
    rows = []
    for table, column, purpose in fields:
        frame = data.tables.get(table)
        if frame is None or column not in frame:
            continue
        if "collection_year" in frame and frame["collection_year"].notna().any():
            frame = frame[frame["collection_year"] == frame["collection_year"].max()]
        filled = frame[column].notna() & (frame[column].astype(str).str.strip() != "")
        rows.append((f"{table}.{column}", purpose, len(frame), 100 * filled.mean() if len(frame) else float("nan")))
    out = pd.DataFrame(rows, columns=["Field", "Used for", "Rows", "Recorded (%)"])
    out["Recorded (%)"] = out["Recorded (%)"].round(1)
    return out


def _interval(row: pd.Series) -> str:
    if pd.isna(row.get("lower_95")) or pd.isna(row.get("upper_95")):
        return ""
    unit = str(row["unit"])
    if unit == "%":
        return f"{row['lower_95']:.0f}-{row['upper_95']:.0f}%"
    return f"{format_value(row['lower_95'], unit)} to {format_value(row['upper_95'], unit)}"


def england_value(data: NotebookData, indicator_id: str, breakdown: str = "Total",
                  breakdown_value: str = "Total", code: str = ENGLAND_CODE) -> tuple[float, pd.Timestamp | None]:
    """A comparator's latest published value on or before the period end (NaN, None when absent)."""
    if data.national is None:
        return float("nan"), None
    rows = data.national[(data.national["indicator_id"] == indicator_id)
                         & (data.national["geography"].astype(str) == code)
                         & (data.national["breakdown"] == breakdown)
                         & (data.national["breakdown_value"] == breakdown_value)
                         & (pd.to_datetime(data.national["period_end"]) <= data.period_end)]
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return float("nan"), None
    row = rows.loc[pd.to_datetime(rows["period_end"]).idxmax()]
    return float(row["value"]), pd.Timestamp(row["period_end"])


def headline_table(data: NotebookData, indicator_ids: Sequence[str]) -> pd.DataFrame:
    """The latest value of each measure with its interval, n, England and the comparison label.

    England is DfE's latest published year on or before the period end (annual, 31 March); the
    comparison uses the Fingertips rule (:func:`cpanalysis.plots.versus_label`).
    """
    latest = data.latest().set_index("indicator_id")
    rows = []
    for ind in indicator_ids:
        if ind not in latest.index:
            continue
        row = latest.loc[ind]
        unit = str(row["unit"])
        bench, when = england_value(data, ind)
        value = f"[{row['suppressed']}]" if row["suppressed"] else format_value(row["value"], unit)
        if unit == "count":  # England's count is not comparable with one authority's
            when = None
        rows.append({
            "Measure": indicator_label(ind),
            "Value": value,
            "95% interval": _interval(row),
            "Children (n)": "" if pd.isna(row["denominator"]) or unit in ("count", "rate_per_10k") else f"{row['denominator']:,.0f}",
            "England": "" if when is None else f"{format_value(bench, unit)} ({when.year})",
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
    unit = str(parts["unit"].iloc[0]) if len(parts) else ""
    out = pd.DataFrame({"Group": parts["breakdown_value"].to_numpy(),
                        "Value": [f"[{s}]" if s else format_value(v, unit)
                                  for v, s in zip(parts["value"], parts["suppressed"], strict=True)]})
    if unit == "count" and len(total) and total.iloc[0]:
        out["Share of total (%)"] = (parts["value"].to_numpy() / float(total.iloc[0]) * 100).round(1)
    else:
        out["95% interval"] = [_interval(r) for _, r in parts.iterrows()]
        out["Children (n)"] = [("" if pd.isna(n) else f"{n:,.0f}") for n in parts["denominator"]]
    return out


def period_sentence(data: NotebookData) -> str:
    """``"the 12 months to 30 Sep 2025"`` or ``"2025"`` (year ending 31 March) for the period end."""
    return period_label(data.period_end, data.window)


def show(table: pd.DataFrame):
    """A table for display in a report: no row numbers, numbers with thousands separators."""
    return table.style.hide(axis="index").format(thousands=",", precision=1)


def describe_run(data: NotebookData) -> str:
    """Markdown sentence naming the authority, period, data and audience of a report."""
    returns = data.manifest.get("returns", [])
    span = f"{returns[0]['label']} to {returns[-1]['label']}" if returns else "no returns"
    audience = ("Figures based on fewer than a handful of children are suppressed (external audience)."
                if data.audience == "external" else "Internal report: figures are not suppressed; do not share outside the authority.")
    return (f"**{data.la_name}** ({data.la_code}), {period_label(data.period_end, data.window)}. "
            f"Data: {len(returns)} SSDA903 returns, {span}. {audience}")


def _unavailable(what: str, exc: Exception) -> Markdown:
    return Markdown(f"*{what} is not available for this data: {exc}*")


def trend(data: NotebookData, indicator_id: str, *, period_type: str = "year", national: bool = True,
          **options) -> Figure | Markdown:
    """:func:`cpanalysis.plots.trend_chart` of one measure for the report's authority.

    England and the region are drawn when ``national`` and the national files are present.
    When the data cannot give the measure (no population table for a rate, no OC2 rows ...)
    a one-line note is returned instead, so one missing measure never stops a report.

    Parameters
    ----------
    data : NotebookData
    indicator_id : str
    period_type : str; default "year"
        ``"year"`` (each 31 March) or ``"rolling_12m"`` (the recent quarter ends).
    national : bool; default True
    **options
        Passed to :func:`~cpanalysis.plots.trend_chart` (``breakdown``, ``band`` ...).
    """
    table = data.for_charts if national else data.indicators
    comparators = data.comparators if national and data.national is not None else {}
    try:
        return plots.trend_chart(table, indicator_id, data.la_code, comparators=comparators,
                                 la_name=data.la_name, period_type=period_type, **options)
    except CpanalysisError as exc:
        return _unavailable(indicator_label(indicator_id), exc)


def breakdown_chart(data: NotebookData, indicator_id: str, breakdown: str, **options) -> Figure | Markdown:
    """:func:`cpanalysis.plots.bar_with_ci` of one measure by a breakdown at the period end (or a note)."""
    rows = data.for_charts
    rows = rows[rows["period_type"].isin([data.window, "year"])]
    try:
        return plots.bar_with_ci(rows, indicator_id, la_code=data.la_code, breakdown=breakdown,
                                 period_end=data.period_end, **options)
    except CpanalysisError as exc:
        return _unavailable(f"{indicator_label(indicator_id)} by {breakdown.replace('_', ' ')}", exc)
