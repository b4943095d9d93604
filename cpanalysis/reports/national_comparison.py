"""Notebook 06, national comparison: bands and ranks, funnels, the neighbours named, reconciliation.

:func:`national_position` (LAIT bands and rank among all authorities), :func:`funnel`,
:func:`reconciliation_table` (our figures against DfE's published row) and the comparators, named:

:func:`neighbours_table` is notebook 06's table of the authority beside each of its ten DfE
statistical neighbours (named, closest first), their median, the region and England, measure by
measure. :func:`missing_comparisons` says, once and in plain words, which comparisons a pack cannot
make and why (a year DfE has not yet published, a measure DfE does not publish, an authority with
no neighbours after a boundary change); the run's index lists them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis.errors import CpanalysisError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import title_of
from cpanalysis.reports import plots
from cpanalysis.reports.common import (
    HIDDEN,
    _national_note,
    _pick,
    _shown,
    _unavailable,
    _with_national,
    _yearly_local,
    latest_published_year,
    with_hidden_footnote,
)
from cpanalysis.reports.loading import ENGLAND_CODE, NotebookData
from cpanalysis.reports.outcome_trends import comparison_table
from cpanalysis.reports.wording import format_value

__all__ = ["area_names", "comparison_table", "funnel", "latest_published_year", "missing_comparisons",
           "national_position", "neighbours_table", "reconciliation_table"]

#: Said where a published number would be but DfE has none for that area and year.
NOT_PUBLISHED = "not published"


def area_names(data: NotebookData) -> dict[str, str]:
    """Code -> name of every authority in the national files (empty without them).

    Kept in ``data.cache``: the runner asks once before it hands its kernels the loaded data, so
    no kernel reads every national file's area columns again (about 0.4 s of CPU).
    """
    if data.national_folder is None:
        return {}
    if "area_names" not in data.cache:
        from cpanalysis import dfe
        from cpanalysis.errors import CpanalysisError

        try:
            codes = dfe.la_codes(data.national_folder)
        except CpanalysisError:
            return {}
        codes = codes[codes["new_la_code"] != ""]
        data.cache["area_names"] = dict(zip(codes["new_la_code"], codes["la_name"], strict=True))
    return dict(data.cache["area_names"])


def _published(data: NotebookData, indicator_id: str, when: pd.Timestamp) -> pd.DataFrame:
    rows = data.national[(data.national["indicator_id"] == indicator_id)
                         & (pd.to_datetime(data.national["period_end"]) == when)
                         & (data.national["breakdown"] == "Total") & (data.national["breakdown_value"] == "Total")]
    return rows.assign(geography=rows["geography"].astype(str)).drop_duplicates("geography").set_index("geography")


def _cell(rows: pd.DataFrame, code: str, unit: str) -> str:
    if code not in rows.index:
        return NOT_PUBLISHED
    row = rows.loc[code]
    if str(row["suppressed"] or ""):
        return f"[{row['suppressed']}]"
    return format_value(row["value"], unit)


def neighbours_table(data: NotebookData, indicator_ids: Sequence[str] | str = "neighbours") -> pd.DataFrame | Markdown:
    """The authority beside each statistical neighbour, named, in DfE's latest published year.

    ``indicator_ids``: ids, or the name of a catalogue set (default ``"neighbours"``,
    :func:`cpanalysis.indicators.catalogue.measure_set`).

    Rows: our own computed figure, DfE's published figure for us, each of the ten neighbours
    (closest first, named), the neighbours' median, the region and England. Columns: one per
    measure, headed with its year (the latest on or before the period end with an England
    figure). A figure DfE does not publish for an area says ``not published``; a suppressed one
    shows DfE's symbol (``[c]``).

    Returns
    -------
    DataFrame or Markdown
        A one-sentence Markdown when there are no national figures or no neighbours.
    """
    if isinstance(indicator_ids, str):
        indicator_ids = catalogue.measure_set(indicator_ids)
    if data.national is None:
        return Markdown(f"*National comparison not available: {data.national_message}*")
    if not data.neighbours:
        return Markdown(f"*{data.la_name} has no statistical neighbours in DfE's model (an authority created "
                        "or changed by a boundary change after the model was made has none).*")
    names = area_names(data)
    labels = ["Ours (computed from our returns)", f"{data.la_name} (published by DfE)"]
    labels += [f"{rank}. {names.get(code, code)}" for rank, code in enumerate(data.neighbours, start=1)]
    labels += ["Neighbours' median"] + ([data.region_name or data.region_code] if data.region_code else []) + ["England"]
    table = pd.DataFrame({"Area": labels})
    local = data.indicators[(data.indicators["period_type"] == "year") & (data.indicators["breakdown"] == "Total")]
    for indicator_id in indicator_ids:
        when = latest_published_year(data, indicator_id)
        title = title_of(indicator_id)
        if when is None:
            table[title] = [NOT_PUBLISHED] * len(labels)
            continue
        rows = _published(data, indicator_id, when)
        unit = str(rows["unit"].iloc[0]) if len(rows) else "%"
        ours = local[(local["indicator_id"] == indicator_id) & (pd.to_datetime(local["period_end"]) == when)]
        ours_text = (format_value(ours["value"].iloc[0], unit) if len(ours) and pd.notna(ours["value"].iloc[0])
                     else (HIDDEN if len(ours) and str(ours["suppressed"].iloc[0] or "") else _no_figure(indicator_id)))
        values = rows.loc[[c for c in data.neighbours if c in rows.index], "value"].dropna()
        column = [ours_text, _cell(rows, data.la_code, unit)]
        column += [_cell(rows, code, unit) for code in data.neighbours]
        column.append(format_value(values.median(), unit) if len(values) else NOT_PUBLISHED)
        if data.region_code:
            column.append(_cell(rows, data.region_code, unit))
        column.append(_cell(rows, ENGLAND_CODE, unit))
        table[f"{title} ({when.year})"] = column
    table.attrs["caption"] = ("DfE's statistical neighbours, closest first; figures for the latest year DfE has "
                              "published on or before the period end.")
    return with_hidden_footnote(table, table.iloc[0, 1:])  # our own figures are the first row


def missing_comparisons(data: NotebookData, indicator_ids: Sequence[str] | None = None) -> list[str]:
    """Plain sentences, one per reason, naming the comparisons this pack cannot make.

    Parameters
    ----------
    data : NotebookData
    indicator_ids : sequence of str or None; default None
        Measures to check; None means every catalogue measure with a DfE equivalent that the
        authority has a yearly figure for.

    Returns
    -------
    list of str
        Empty when every comparison can be made. Measures sharing a reason are listed in one
        sentence (the index states each missing comparison once).
    """
    from cpanalysis.indicators import catalogue

    if data.national is None:
        return [f"No comparison with England, the region or the statistical neighbours: {data.national_message}"]
    out = []
    if not data.region_code:
        out.append(f"Region: {data.la_name} ({data.la_code}) has no region in DfE's files, so no regional comparison.")
    if not data.neighbours:
        out.append(f"Statistical neighbours: {data.la_name} ({data.la_code}) has none in DfE's model (an "
                   "authority created or changed by a boundary change after the model was made has none).")
    local = data.indicators[(data.indicators["period_type"] == "year") & (data.indicators["breakdown"] == "Total")
                            & data.indicators["value"].notna()]
    if indicator_ids is None:
        with_dfe = {r.id for r in catalogue.CATALOGUE.values() if r.dfe_equivalent}
        indicator_ids = [i for i in catalogue.ids() if i in with_dfe and i in set(local["indicator_id"])]
    # England's figure in any breakdown (some measures are published by breakdown only)
    england = data.national[(data.national["geography"].astype(str) == ENGLAND_CODE)
                            & (pd.to_datetime(data.national["period_end"]) <= data.period_end)]
    england_latest = pd.to_datetime(england["period_end"]).groupby(england["indicator_id"].astype(str)).max()
    never, behind = [], {}
    for indicator_id in indicator_ids:
        ours = pd.to_datetime(local.loc[local["indicator_id"] == indicator_id, "period_end"])
        ours = ours[ours <= data.period_end]
        if indicator_id not in england_latest.index:
            never.append(title_of(indicator_id))
            continue
        if ours.empty:
            continue
        latest = england_latest[indicator_id]
        if latest < ours.max():
            key = (ours.max().year, latest.year)
            behind.setdefault(key, []).append(title_of(indicator_id))
    if never:
        out.append("No England figure in the national figures the package reads, so not compared: "
                   + "; ".join(never) + ".")
    for (year, latest), titles in sorted(behind.items()):
        since = f"its latest is {latest}"
        out.append(f"Not yet published by DfE for the year to 31 March {year} ({since}), so compared in an "
                   f"earlier year or not at all: " + "; ".join(titles) + ".")
    return out


def national_position(data: NotebookData, indicator_ids: Sequence[str] | str) -> pd.DataFrame | Markdown:
    """LAIT quartile band (A best) and rank of the authority's published figure among all authorities.

    ``indicator_ids``: ids, or the name of a catalogue set (``"national_position"``,
    :func:`cpanalysis.indicators.catalogue.measure_set`).

    Bands and ranks are :func:`cpanalysis.compare.lait_bands` over every authority's published
    value in the latest year DfE has published on or before the period end; our own computed
    figure for that year is shown beside it (the reconciliation explains any difference).
    """
    from cpanalysis import compare

    if isinstance(indicator_ids, str):
        indicator_ids = catalogue.measure_set(indicator_ids)
    if data.national is None:
        return _national_note(data)
    table = _with_national(data)
    local = _yearly_local(data)
    rows = []
    for ind in indicator_ids:
        when = latest_published_year(data, ind)
        if when is None:  # said where the numbers would be, not dropped
            rows.append({"Measure": title_of(ind), "Year": "",
                         "Published figure": f"not published by DfE up to {data.period_end:%-d %B %Y}"})
            continue
        bands = compare.lait_bands(table, ind, when)
        ranked = int(bands["rank"].notna().sum())
        mine = bands[bands["geography"].astype(str) == data.la_code]
        ours = _pick(local, ind, when)
        published = mine.iloc[0] if len(mine) else None
        rows.append({
            "Measure": title_of(ind), "Year": str(when.year),
            "Published figure": _shown(published), "Band (A best)": "" if published is None else published["band"],
            "Rank": ("" if published is None or pd.isna(published["rank"]) else
                     f"{published['rank']:.0f} of {ranked}"),
            "Our computed figure": _shown(ours),
            "England": _shown(_pick(table[table["geography"] == ENGLAND_CODE], ind, when)),
        })
    table = pd.DataFrame(rows, columns=["Measure", "Year", "Published figure", "Band (A best)", "Rank",
                                        "Our computed figure", "England"]).fillna("")
    return with_hidden_footnote(table, table["Our computed figure"])

def funnel(data: NotebookData, indicator_id: str) -> Figure | Markdown:
    """:func:`cpanalysis.reports.plots.funnel_plot` of every authority in the latest published year, our
    authority's point being its own computed figure for that year."""
    if data.national is None:
        return _national_note(data)
    when = latest_published_year(data, indicator_id)
    if when is None:
        return Markdown(f"*{title_of(indicator_id)}: DfE publishes no England figure to compare with.*")
    try:
        return plots.funnel_plot(_with_national(data), indicator_id, data.la_code, period_end=when,
                                 la_name=data.la_name)
    except CpanalysisError as exc:
        return _unavailable(title_of(indicator_id), exc)

#: Our cell where we have no figure for a measure the 903 gives (a measure that looks back
#: further than the returns loaded, :meth:`cpanalysis.indicators.context.IndicatorContext.covers`).
NO_LOCAL_FIGURE = "no figure from the returns loaded"
#: Our cell for a measure only DfE computes (attainment, school moves): its figure is the next row.
DFE_ONLY = "DfE's figure only (next row)"


def _no_figure(indicator_id: str) -> str:
    """What our row says where it has no figure: why, in words a reader can act on."""
    family = getattr(catalogue.get(indicator_id), "family", "")
    return DFE_ONLY if family in ("attainment", "published") else NO_LOCAL_FIGURE


def _reconciled(value: float, unit: str, suppressed: str) -> str:
    """Our figure in the reconciliation: one decimal for a percentage (to set beside DfE's
    unrounded figure), :data:`HIDDEN` where an external table hides it, never ``nan``."""
    if suppressed:
        return HIDDEN
    if pd.isna(value):
        return NO_LOCAL_FIGURE
    return format_value(value, unit) if unit != "%" else f"{value:.1f}%"


def reconciliation_table(data: NotebookData, indicator_ids: Sequence[str] | str | None = None) -> pd.DataFrame | Markdown:
    """Our computed 31 March figures against DfE's published row for the authority, with the likely
    reason for each difference (:func:`cpanalysis.compare.reconcile`), whole cohort only, latest year
    DfE has published for the authority on or before the period end. ``indicator_ids``: ids, the
    name of a catalogue set (``"reconciliation"``), or None for every published measure."""
    from cpanalysis import compare

    if isinstance(indicator_ids, str):
        indicator_ids = catalogue.measure_set(indicator_ids)
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
    table = pd.DataFrame({
        "Measure": [title_of(i) for i in recon["indicator_id"]],
        "Year": [str(when.year)] * len(recon),
        "Ours": [_reconciled(v, u, hidden) for v, u, hidden in
                 zip(recon["local_value"], recon["unit"], recon["local_suppressed"], strict=True)],
        "DfE published": [f"[{s}]" if s else (format_value(v, u) if u != "%" else f"{v:.1f}%")
                          for v, u, s in zip(recon["dfe_value"], recon["unit"], recon["dfe_suppressed"], strict=True)],
        "Status": recon["status"].to_numpy(),
        "Explanation": recon["explanation"].to_numpy(),
    })
    return with_hidden_footnote(table, table["Ours"])
