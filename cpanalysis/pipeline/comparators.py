"""The comparators, named: the statistical neighbours' table and the list of missing comparisons.

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

from cpanalysis.pipeline.data import ENGLAND_CODE, NotebookData
from cpanalysis.plots import format_value, indicator_label

#: Said where a published number would be but DfE has none for that area and year.
NOT_PUBLISHED = "not published"


def area_names(data: NotebookData) -> dict[str, str]:
    """Code -> name of every authority in the national files (empty without them)."""
    if data.national_folder is None:
        return {}
    from cpanalysis import dfe
    from cpanalysis.errors import CpanalysisError

    try:
        codes = dfe.la_codes(data.national_folder)
    except CpanalysisError:
        return {}
    codes = codes[codes["new_la_code"] != ""]
    return dict(zip(codes["new_la_code"], codes["la_name"], strict=True))


def latest_published_year(data: NotebookData, indicator_id: str) -> pd.Timestamp | None:
    """The latest 31 March on or before the period end for which DfE publishes England's figure."""
    if data.national is None:
        return None
    rows = data.national[(data.national["indicator_id"] == indicator_id)
                         & (data.national["geography"].astype(str) == ENGLAND_CODE)
                         & (data.national["breakdown"] == "Total") & data.national["value"].notna()]
    ends = pd.to_datetime(rows["period_end"])
    ends = ends[ends <= data.period_end]
    return ends.max() if len(ends) else None


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


def neighbours_table(data: NotebookData, indicator_ids: Sequence[str]) -> pd.DataFrame | Markdown:
    """The authority beside each statistical neighbour, named, in DfE's latest published year.

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
        title = indicator_label(indicator_id)
        if when is None:
            table[title] = [NOT_PUBLISHED] * len(labels)
            continue
        rows = _published(data, indicator_id, when)
        unit = str(rows["unit"].iloc[0]) if len(rows) else "%"
        ours = local[(local["indicator_id"] == indicator_id) & (pd.to_datetime(local["period_end"]) == when)]
        ours_text = (format_value(ours["value"].iloc[0], unit) if len(ours) and pd.notna(ours["value"].iloc[0])
                     else ("[c]" if len(ours) and str(ours["suppressed"].iloc[0] or "") else "not computed"))
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
    return table


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
            never.append(indicator_label(indicator_id))
            continue
        if ours.empty:
            continue
        latest = england_latest[indicator_id]
        if latest < ours.max():
            key = (ours.max().year, latest.year)
            behind.setdefault(key, []).append(indicator_label(indicator_id))
    if never:
        out.append("No England figure in the national figures the package reads, so not compared: "
                   + "; ".join(never) + ".")
    for (year, latest), titles in sorted(behind.items()):
        since = f"its latest is {latest}"
        out.append(f"Not yet published by DfE for the year to 31 March {year} ({since}), so compared in an "
                   f"earlier year or not at all: " + "; ".join(titles) + ".")
    return out
