"""Tables worded for readers: what the report notebooks display.

Notebooks only load, call and show (``docs/architecture.md``); the formatting of a figure for a
board paper (``10% (8-13%)``, ``n = 686``, ``Similar to England``) lives here so every report
words things the same way. Nothing here returns child-level rows: every table is an aggregate.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd
from IPython.display import HTML, Markdown
from matplotlib.figure import Figure

from cpanalysis import disclosure, plots
from cpanalysis.errors import CpanalysisError
from cpanalysis.pipeline.comparators import latest_published_year
from cpanalysis.pipeline.data import ENGLAND_CODE, NotebookData
from cpanalysis.plots import format_value, indicator_label, period_label, versus_label
from cpanalysis.writing import markdown_text

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


#: How a hidden count reads in a report table for an external audience.
HIDDEN = f"[{disclosure.SUPPRESSED}]"


def returns_table(data: NotebookData) -> pd.DataFrame:
    """The returns read: label, collection year, annual or in-year, the date each runs to."""
    rows = data.manifest.get("returns", [])
    return pd.DataFrame({
        "Return": [r["label"] for r in rows],
        "Collection year": [r["collection_year"] for r in rows],
        "Type": ["In-year extract" if r["is_in_year"] else "Annual return" for r in rows],
        "Runs to": [pd.Timestamp(r["as_at"]).strftime("%-d %b %Y") for r in rows],
    })


def _hide_small(frame: pd.DataFrame, columns: Sequence[str], audience: str,
                total: str | None = None) -> pd.DataFrame:
    """Counts of 1 to 5 as ``[c]`` for an external audience, row by row.

    With ``total``, the ``columns`` of a row add up to it (read = kept + quarantined): a second
    cell of the row is hidden when one is, so that no subtraction gives the hidden one back.
    """
    if audience != "external" or frame.empty:
        return frame
    out = frame.copy().astype({c: object for c in [*columns, *([total] if total else [])]})
    for i in range(len(frame)):
        names = [*columns, *([total] if total else [])]
        cells = frame.iloc[i][names].to_numpy(dtype=float)[None, :]
        lines = [[(0, j) for j in range(len(names))]] if total else [[(0, j)] for j in range(len(names))]
        mask = disclosure.suppression_mask(cells, lines, {(0, len(names) - 1)} if total else set())[0]
        for name, hide in zip(names, mask, strict=True):
            if hide:
                out.iloc[i, out.columns.get_loc(name)] = HIDDEN
    return out


def row_reconciliation(data: NotebookData, audience: str | None = None) -> pd.DataFrame:
    """Rows read, kept and quarantined per table, and whether every row is accounted for.

    The invariant of the build: rows read = rows kept + rows quarantined (nothing silently dropped).
    For an external audience counts of 1 to 5 show as ``[c]`` (with a second cell of the row);
    ``audience`` overrides ``data.audience`` (``"internal"``: the numbers, for a sentence that
    applies its own rule).
    """
    rows = data.manifest.get("rows", {})
    out = pd.DataFrame(
        [(t, v["read"], v["kept"], v["quarantined"]) for t, v in sorted(rows.items())],
        columns=["Table", "Rows read", "Kept", "Quarantined"],
    )
    out["Every row accounted for"] = (out["Rows read"] == out["Kept"] + out["Quarantined"]).map(
        {True: "Yes", False: "No"})
    return _hide_small(out, ["Kept", "Quarantined"], audience or data.audience, total="Rows read")


def issue_summary(data: NotebookData, audience: str | None = None) -> pd.DataFrame:
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
    counts = counts[["Severity", "Rule", "What it checks", "Table", "Action", "Rows"]].reset_index(drop=True)
    return _hide_small(counts, ["Rows"], audience or data.audience)


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
    if data.audience == "external":  # a handful of rows, recorded or not, is shown as [c]
        recorded = (out["Rows"] * out["Recorded (%)"] / 100).round()
        small = [_small_count(n) or _small_count(r) or _small_count(n - r)
                 for n, r in zip(out["Rows"], recorded, strict=True)]
        out = out.astype({"Rows": object, "Recorded (%)": object})
        out.loc[[bool(x) for x in small], ["Rows", "Recorded (%)"]] = HIDDEN
    return out


def _small_count(value: object) -> bool:
    return value is not None and not pd.isna(value) and 1 <= float(value) <= disclosure.THRESHOLD


def _interval(row: pd.Series) -> str:
    if pd.isna(row.get("lower_95")) or pd.isna(row.get("upper_95")):
        return ""
    unit = str(row["unit"])
    if unit == "%":  # the same wording as every other page: "8 to 13%"
        return f"{row['lower_95']:.0f} to {row['upper_95']:.0f}%"
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
        # said where England's number would be (a count of England is not comparable with ours)
        missing = "" if unit == "count" else f"not published by DfE up to {data.period_end:%-d %B %Y}"
        if unit == "count":
            when = None
        rows.append({
            "Measure": indicator_label(ind),
            "Value": value,
            "95% interval": _interval(row),
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
        out["95% interval"] = [_interval(r) for _, r in parts.iterrows()]
        out["Children (n)"] = [("" if pd.isna(n) else f"{n:,.0f}") for n in parts["denominator"]]
    out.attrs["caption"] = (f"{indicator_label(indicator_id)} by {breakdown.replace('_', ' ')}, "
                            f"{period_label(data.period_end, data.window)}.")
    return out


def period_sentence(data: NotebookData) -> str:
    """``"the 12 months to 30 Sep 2025"`` or ``"2025"`` (year ending 31 March) for the period end."""
    return period_label(data.period_end, data.window)


def show(table: pd.DataFrame):
    """A table for display in a report: no row numbers, numbers with thousands separators.

    A note (Markdown, e.g. "national files not found") is shown as it is."""
    if not isinstance(table, pd.DataFrame):
        return table
    # years stay as written (2025, not 2,025); other numbers get thousands separators
    numbers = [c for c in table.columns if "year" not in str(c).lower()]
    # Styler writes cell text as HTML unless told: text from the data is escaped
    styled = (table.style.format(escape="html").hide(axis="index")
              .format(thousands=",", precision=1, subset=numbers, escape="html"))
    caption = table.attrs.get("caption")
    return styled.set_caption(caption) if caption else styled


def describe_run(data: NotebookData) -> str:
    """Markdown sentences naming the authority, period, data and audience of a report, and where
    its national figures come from (:func:`cpanalysis.dfe.snapshot.source_line`): every page
    states its source."""
    returns = data.manifest.get("returns", [])
    # return labels are folder names as the analyst typed them: text, never HTML
    span = (f"{markdown_text(returns[0]['label'])} to {markdown_text(returns[-1]['label'])}"
            if returns else "no returns")
    audience = ("Figures based on fewer than a handful of children are suppressed (external audience)."
                if data.audience == "external" else "Internal report: figures are not suppressed; do not share outside the authority.")
    source = f" {data.national_source}" if data.national_source else ""
    return (f"**{markdown_text(data.la_name)}** ({markdown_text(data.la_code)}), "
            f"{period_label(data.period_end, data.window)}. "
            f"Data: {len(returns)} SSDA903 returns, {span}. {audience}{source}")


def _unavailable(what: str, exc: Exception) -> Markdown:
    return Markdown(f"*{what} is not available for this data: {markdown_text(exc)}*")


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


# ----------------------------------------------------------------------------- outcomes over time, national comparison
#: Geography code of the statistical neighbours' median in chart tables (not an ONS code).
NEIGHBOUR_MEDIAN = "statistical_neighbours_median"


def _national_note(data: NotebookData) -> Markdown:
    return Markdown(f"*National comparison not available: {data.national_message}*")


def _yearly_local(data: NotebookData) -> pd.DataFrame:
    # Yearly rows only: at a 31 March the rolling window repeats the year's figure under the same key.
    rows = data.indicators[data.indicators["period_type"] == "year"]
    return rows.assign(period_end=pd.to_datetime(rows["period_end"]))


def _with_national(data: NotebookData) -> pd.DataFrame:
    national = data.national.assign(period_end=pd.to_datetime(data.national["period_end"]),
                                    geography=data.national["geography"].astype(str))
    return pd.concat([_yearly_local(data), national], ignore_index=True)


def neighbour_median_rows(data: NotebookData) -> pd.DataFrame:
    """The statistical neighbours' median of each published figure, as tidy rows (geography
    :data:`NEIGHBOUR_MEDIAN`), for drawing beside England and the region; empty without them."""
    if data.national is None or not data.neighbours:
        return data.indicators.iloc[0:0]
    rows = data.national[data.national["geography"].astype(str).isin(data.neighbours) & data.national["value"].notna()]
    keys = ["indicator_id", "period_end", "period_type", "breakdown", "breakdown_value", "unit", "polarity"]
    median = rows.groupby(keys, dropna=False, observed=True)["value"].median().reset_index()
    return median.assign(geography=NEIGHBOUR_MEDIAN, source="dfe", suppressed="")


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
    parts = [data.for_charts, neighbour_median_rows(data)]
    if published_only:
        parts.append(data.national[(data.national["geography"].astype(str) == data.la_code)
                                   & (data.national["indicator_id"] == indicator_id)])
    table = pd.concat(parts, ignore_index=True)
    comparators = {**data.comparators}
    if data.neighbours:
        comparators[NEIGHBOUR_MEDIAN] = "Statistical neighbours (median)"
    try:
        return plots.trend_chart(table, indicator_id, data.la_code, comparators=comparators,
                                 la_name=data.la_name, period_type="year", **options)
    except CpanalysisError as exc:
        return _unavailable(indicator_label(indicator_id), exc)


def _pick(frame: pd.DataFrame, indicator_id: str, when: pd.Timestamp) -> pd.Series | None:
    rows = frame[(frame["indicator_id"] == indicator_id) & (pd.to_datetime(frame["period_end"]) == when)
                 & (frame["breakdown"] == "Total") & (frame["breakdown_value"] == "Total")]
    return rows.iloc[0] if len(rows) else None


def _shown(row: pd.Series | None, column: str = "value") -> str:
    if row is None:
        return ""
    if str(row.get("suppressed") or ""):
        return f"[{row['suppressed']}]"
    return format_value(row[column], str(row["unit"]))


def comparison_table(data: NotebookData, indicator_ids: Sequence[str]) -> pd.DataFrame | Markdown:
    """Each measure in the latest year DfE has published: ours, England, the region, the neighbours.

    The region comparison is with the rest of the region (:func:`cpanalysis.compare.compare_with_region`),
    the neighbours' with the pooled neighbours (:func:`~cpanalysis.compare.compare_with_neighbours`,
    whose median is shown as the CSC dashboard shows it). Our figure is the authority's own
    computation for the year ending 31 March. Without the national files: the message saying how
    to get them.
    """
    from cpanalysis import compare

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
            rows.append({"Measure": indicator_label(ind), "Year": "",
                         "England": f"not published by DfE up to {data.period_end:%-d %B %Y}"})
            continue
        ours = _pick(neighbours, ind, when)
        if ours is None:
            england = _pick(table[table["geography"] == ENGLAND_CODE], ind, when)
            rows.append({"Measure": indicator_label(ind), "Year": str(when.year),
                         "Ours": f"no figure of ours for {when.year}", "England": _shown(england)})
            continue
        unit = str(ours["unit"])
        reg = _pick(region, ind, when)
        england = _pick(table[table["geography"] == ENGLAND_CODE], ind, when)
        rows.append({
            "Measure": indicator_label(ind), "Year": str(when.year), "Ours": _shown(ours),
            "95% interval": _interval(ours) if not str(ours.get("suppressed") or "") else "",
            "England": _shown(england),
            "Region": "" if reg is None else format_value(reg["region_value"], unit),
            "vs rest of region": "" if reg is None else reg["comparison"],
            "Neighbours (median)": format_value(ours["neighbour_median"], unit) if ours["neighbours_with_data"] else "",
            "vs neighbours": ours["comparison"] if ours["neighbours_with_data"] else "",
            "Rank among neighbours": ("" if pd.isna(ours["rank_among_neighbours"]) else
                                      f"{ours['rank_among_neighbours']:.0f} of {ours['neighbours_with_data'] + 1}"),
        })
    return pd.DataFrame(rows, columns=["Measure", "Year", "Ours", "95% interval", "England", "Region",
                                       "vs rest of region", "Neighbours (median)", "vs neighbours",
                                       "Rank among neighbours"]).fillna("")


def national_position(data: NotebookData, indicator_ids: Sequence[str]) -> pd.DataFrame | Markdown:
    """LAIT quartile band (A best) and rank of the authority's published figure among all authorities.

    Bands and ranks are :func:`cpanalysis.compare.lait_bands` over every authority's published
    value in the latest year DfE has published on or before the period end; our own computed
    figure for that year is shown beside it (the reconciliation explains any difference).
    """
    from cpanalysis import compare

    if data.national is None:
        return _national_note(data)
    table = _with_national(data)
    local = _yearly_local(data)
    rows = []
    for ind in indicator_ids:
        when = latest_published_year(data, ind)
        if when is None:  # said where the numbers would be, not dropped
            rows.append({"Measure": indicator_label(ind), "Year": "",
                         "Published figure": f"not published by DfE up to {data.period_end:%-d %B %Y}"})
            continue
        bands = compare.lait_bands(table, ind, when)
        ranked = int(bands["rank"].notna().sum())
        mine = bands[bands["geography"].astype(str) == data.la_code]
        ours = _pick(local, ind, when)
        published = mine.iloc[0] if len(mine) else None
        rows.append({
            "Measure": indicator_label(ind), "Year": str(when.year),
            "Published figure": _shown(published), "Band (A best)": "" if published is None else published["band"],
            "Rank": ("" if published is None or pd.isna(published["rank"]) else
                     f"{published['rank']:.0f} of {ranked}"),
            "Our computed figure": _shown(ours),
            "England": _shown(_pick(table[table["geography"] == ENGLAND_CODE], ind, when)),
        })
    return pd.DataFrame(rows, columns=["Measure", "Year", "Published figure", "Band (A best)", "Rank",
                                       "Our computed figure", "England"]).fillna("")


def funnel(data: NotebookData, indicator_id: str) -> Figure | Markdown:
    """:func:`cpanalysis.plots.funnel_plot` of every authority in the latest published year, our
    authority's point being its own computed figure for that year."""
    if data.national is None:
        return _national_note(data)
    when = latest_published_year(data, indicator_id)
    if when is None:
        return Markdown(f"*{indicator_label(indicator_id)}: DfE publishes no England figure to compare with.*")
    try:
        return plots.funnel_plot(_with_national(data), indicator_id, data.la_code, period_end=when,
                                 la_name=data.la_name)
    except CpanalysisError as exc:
        return _unavailable(indicator_label(indicator_id), exc)


def reconciliation_table(data: NotebookData, indicator_ids: Sequence[str] | None = None) -> pd.DataFrame | Markdown:
    """Our computed 31 March figures against DfE's published row for the authority, with the likely
    reason for each difference (:func:`cpanalysis.compare.reconcile`), whole cohort only, latest year
    DfE has published for the authority on or before the period end."""
    from cpanalysis import compare

    if data.national is None:
        return _national_note(data)
    table = _with_national(data)
    published = table[(table["geography"] == data.la_code) & (table["source"] == "dfe")
                      & (table["period_end"] <= data.period_end)]
    if published.empty:
        return Markdown(f"*DfE publishes no figures for {data.la_name} ({data.la_code}) in these files.*")
    when = published["period_end"].max()
    recon = compare.reconcile(table, data.la_code, period_end=when)
    recon = recon[(recon["breakdown"] == "Total") & (recon["status"] != "not published")]
    if indicator_ids is not None:
        recon = recon[recon["indicator_id"].isin(list(indicator_ids))]
    order = {ind: i for i, ind in enumerate(indicator_ids or [])}
    recon = recon.sort_values("indicator_id", key=lambda s: s.map(lambda i: order.get(i, len(order))), kind="stable")
    return pd.DataFrame({
        "Measure": [indicator_label(i) for i in recon["indicator_id"]],
        "Year": [str(when.year)] * len(recon),
        "Ours": [format_value(v, u) if u != "%" else f"{v:.1f}%" for v, u in zip(recon["local_value"], recon["unit"], strict=True)],
        "DfE published": [f"[{s}]" if s else (format_value(v, u) if u != "%" else f"{v:.1f}%")
                          for v, u, s in zip(recon["dfe_value"], recon["unit"], recon["dfe_suppressed"], strict=True)],
        "Status": recon["status"].to_numpy(),
        "Explanation": recon["explanation"].to_numpy(),
    })


def what_this_shows(data: NotebookData, page: str, cohort_filter: str = "") -> Markdown:
    """The plain findings a page opens with (:func:`cpanalysis.pipeline.findings.what_this_shows`)."""
    from cpanalysis.pipeline import findings

    return findings.what_this_shows(data, page, cohort_filter)


# ----------------------------------------------------------------------------- the strategy scorecard
def quarter_changes(data: NotebookData, previous_indicators: str = "") -> pd.DataFrame | None:
    """:func:`cpanalysis.pipeline.changes.compare_runs` of the previous run's ``indicators.csv`` against
    this one, or None when there is no previous run. For an external audience the previous run's
    figures are suppressed too (the previous run may have been internal)."""
    from cpanalysis.pipeline import changes, exports
    from cpanalysis.pipeline.data import apply_disclosure

    if not previous_indicators:
        return None
    before = exports.read_indicators_csv(previous_indicators)
    # compare_runs reads the previous run at its own latest period end only: protect just that
    # period (every breakdown, for secondary suppression), which is much faster than the whole file.
    ends = pd.to_datetime(before["period_end"])
    before = apply_disclosure(before[ends == ends.max()], data.audience)
    # This run's figures as its indicators.csv states them (rounded alike), so an unchanged value
    # shows no change, exactly as the run's changes.csv compares the two files.
    now = exports.from_ees(exports.to_ees(data.indicators, data.la_code).astype(str))
    return changes.compare_runs(before, now, geography=data.la_code)


def strategy_scorecard(data: NotebookData, previous_indicators: str = "") -> pd.DataFrame:
    """:func:`cpanalysis.scorecard.scorecard` for the report's authority: the local figures, England
    and published attainment when the national files are present, the targets in
    ``local/targets.csv`` beside the returns (if any) and the change since the previous run."""
    from cpanalysis import scorecard

    path = scorecard.find_targets(data.data_dir)
    targets = scorecard.read_targets(path) if path is not None else None
    return scorecard.scorecard(data.indicators, data.la_code, data.period_end, national=data.national,
                               targets=targets, changes=quarter_changes(data, previous_indicators))


def scorecard_summary(card: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: measures, targets met / not met, trends getting better / worse (for the overview)."""
    from cpanalysis import scorecard

    summary = scorecard.target_summary(card)
    return pd.DataFrame({
        "Outcome": summary["outcome"] + ": " + summary["outcome_title"],
        "Measures": summary["measures"],
        "Targets met": [f"{m} of {t}" if t else "no targets" for m, t in zip(summary["met"], summary["with_target"], strict=True)],
        "Trend getting better": summary["getting_better"],
        "Trend getting worse": summary["getting_worse"],
    })


def _change_text(row: pd.Series) -> str:
    from cpanalysis.pipeline.changes import describe_change

    if pd.isna(row.get("previous_period_end")):
        return ""
    return describe_change({"verdict": row["change_verdict"], "change": row["change"], "unit": row["unit"],
                            "previous_period_end": row["previous_period_end"], "direction": row["change_direction"],
                            "beyond_noise": row["beyond_noise"]})


def scorecard_table(card: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One outcome's measures worded for a board paper: value, interval, n, trend, England, target, change."""
    rows = card[card["outcome"] == outcome]
    columns = ["Measure", "Latest", "Period", "95% interval", "Children (n)", "Trend (5 years)", "England",
               "vs England", "Target", "Target met", "Since the previous run"]
    out = []
    for _, r in rows.iterrows():
        unit = str(r["unit"])
        suppressed = str(r["suppressed"] or "")
        trend_text = f"{r['trend_arrow']} {r['trend_assessment']}".strip()
        # near a target, enough decimals that "9%, target at most 9%, not met" cannot happen
        value_text, target_text = plots.format_pair(r["value"], r["target"], unit)
        out.append({
            "Measure": r["indicator"] + (" (DfE published)" if r["source"] == "dfe" else ""),
            "Latest": f"[{suppressed}]" if suppressed else value_text,
            "Period": period_label(r["period_end"], str(r["period_type"])),
            "95% interval": "" if suppressed else _interval(r),
            "Children (n)": "" if pd.isna(r["denominator"]) or unit in ("count", "rate_per_10k") else f"{r['denominator']:,.0f}",
            "Trend (5 years)": trend_text,
            "England": "" if pd.isna(r["england_value"]) else f"{format_value(r['england_value'], unit)} ({r['england_period_end'].year})",
            "vs England": r["vs_england"],
            "Target": "" if pd.isna(r["target"]) else
                      f"{'at least' if r['target_comparison'] == 'at_least' else 'at most'} {target_text}",
            "Target met": r["target_status"],
            "Since the previous run": _change_text(r),
        })
    table = pd.DataFrame(out, columns=columns)
    # A column saying the same on every row makes every row four lines tall: say it once instead
    periods_shown = table["Period"].unique()
    if len(periods_shown) == 1:
        table = table.drop(columns="Period")
        label = str(periods_shown[0])
        table.attrs["caption"] = f"Latest values: {f'the year to 31 March {label}' if label.isdigit() else label}."
    if (table["Since the previous run"] == "").all():  # the first quarter reported
        table = table.drop(columns="Since the previous run")
    return table


#: Tile colours by target status: (border, background). Colour is never the only cue: each tile
#: also says "Target met" / "Target not met" in words with a symbol.
TILE_COLOURS = {"Met": ("#00703C", "#E8F3EC"), "Not met": ("#D4351C", "#FBEAE7"),
                "Not assessed": ("#505A5F", "#F3F2F1"), "": ("#1D70B8", "#F3F2F1")}
TILE_SYMBOLS = {"Met": "\u2714 Target met", "Not met": "\u2716 Target not met",
                "Not assessed": "Target not assessed (value hidden or missing)"}


def _tile(r: pd.Series) -> str:
    """One measure as an HTML tile: value, interval, n, target status, trend in words, England, change."""
    from html import escape

    unit = str(r["unit"])
    suppressed = str(r["suppressed"] or "")
    value_text, target_text = plots.format_pair(r["value"], r["target"], unit)
    status = str(r["target_status"] or "")
    border, background = TILE_COLOURS.get(status, TILE_COLOURS[""])
    lines = [f"{period_label(r['period_end'], str(r['period_type']))}"
             + ("" if pd.isna(r["denominator"]) or unit in ("count", "rate_per_10k") else f", n = {r['denominator']:,.0f}")]
    if not suppressed and _interval(r):
        lines.append(f"95% interval {_interval(r)}")
    if status:
        aim = "at least" if r["target_comparison"] == "at_least" else "at most"
        lines.append(f"<strong>{TILE_SYMBOLS.get(status, status)}</strong> (target {aim} {escape(target_text)})")
    trend = str(r["trend_assessment"] or "")
    if trend and trend != "Cannot be calculated":
        lines.append(f"Trend (5 years): {escape(str(r['trend_arrow'] or ''))} {escape(trend)}".replace(":  ", ": "))
    if r["vs_england"]:
        england = "" if pd.isna(r["england_value"]) else f" ({format_value(r['england_value'], unit)})"
        lines.append(f"Against England{escape(england)}: {escape(str(r['vs_england']))}")
    change = _change_text(r)
    if change:
        lines.append(escape(change))
    big = f"[{escape(suppressed)}]" if suppressed else escape(value_text)
    name = escape(str(r["indicator"]) + (" (DfE published)" if r["source"] == "dfe" else ""))
    details = "".join(f'<div style="margin-top:2px">{line}</div>' for line in lines)
    return (f'<div role="group" aria-label="{name}" style="border-left:6px solid {border};background:{background};'
            f'padding:8px 10px;break-inside:avoid;page-break-inside:avoid">'
            f'<div style="font-weight:bold">{name}</div>'
            f'<div style="font-size:1.8em;font-weight:bold;color:{border}">{big}</div>'
            f'<div style="font-size:0.9em">{details}</div></div>')


def scorecard_tiles(card: pd.DataFrame, outcome: str, columns: int = 3) -> HTML | Markdown:
    """One outcome's measures as text tiles in a grid (HTML, not a picture of text).

    Each tile gives the value (with enough decimals to tell it from its target), its 95%
    interval and n, whether the target is met (in words, with a symbol and a colour), the
    five-year trend as getting better or worse, the comparison with England and the change
    since the previous run. Text from the data (a local measure's title) is escaped.
    """
    rows = card[card["outcome"] == outcome]
    if rows.empty:
        return Markdown("*No measures of this outcome are available for this data.*")
    tiles = "".join(_tile(r) for _, r in rows.iterrows())
    return HTML(f'<div class="scorecard-tiles" style="display:grid;grid-template-columns:repeat({columns}, '
                f'minmax(0, 1fr));gap:10px;margin:8px 0 16px 0">{tiles}</div>')


def changes_table(data: NotebookData, previous_indicators: str = "") -> pd.DataFrame | Markdown:
    """What changed since the previous quarter's run, beyond-noise changes first (for the board paper),
    or a sentence saying there is no previous run to compare with."""
    from cpanalysis.pipeline import changes

    table = quarter_changes(data, previous_indicators)
    if table is None:
        return Markdown("*There is no previous run to compare with (the first quarter reported, or "
                        "`cpanalysis run` found no earlier `reports/<date>/indicators.csv`), so changes "
                        "since the previous run are not shown.*")
    if table.empty:
        return Markdown("*The previous run shares no measures with this one.*")
    return changes.changes_for_readers(changes.headline_changes(table))
