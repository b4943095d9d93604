"""What every report module of :mod:`cpanalysis.reports` shares: set-up, wording, disclosure, `show`.

Numbers worded for a board paper (rounded values, intervals as text, signed changes, p-values),
the readers' names of breakdowns and model terms, :func:`show` (a table
styled for a report). No analysis is done here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure
from cpanalysis.config import DEFAULT_LA_CODE
from cpanalysis.errors import CpanalysisError
from cpanalysis.indicators.catalogue import title_of
from cpanalysis.reports import plots
from cpanalysis.reports.loading import ENGLAND_CODE, NotebookData, load_for_notebook
from cpanalysis.reports.wording import format_value, period_label
from cpanalysis.writing import markdown_text

#: What a hidden (suppressed) figure shows, as in the indicator tables.
HIDDEN = f"[{disclosure.SUPPRESSED}]"
#: The footnote of a table showing one of our figures as :data:`HIDDEN` (external audience), in
#: the words every page's description uses (:func:`describe_run`).
HIDDEN_FOOTNOTE = f"{HIDDEN}: figures based on fewer than a handful of children are suppressed (external audience)."
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
    "uasc": "Unaccompanied asylum-seeking child",  # the indicators' breakdown: UASC on the date
    "uasc_on_date": "Unaccompanied asylum-seeking child on the date",
    "ever_uasc": "Ever an unaccompanied asylum-seeking child",
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
    "ever_uasc": "Unaccompanied asylum-seeking child",  # ever UASC (moves.COX_COVARIATES)
}


# ---------------------------------------------------------------------------------------------
# Formatting and disclosure
# ---------------------------------------------------------------------------------------------


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


def with_hidden_footnote(table: pd.DataFrame, ours: pd.Series) -> pd.DataFrame:
    """``table`` with :data:`HIDDEN_FOOTNOTE` added to its caption when one of our figures
    (``ours``: the table's cells holding them) reads :data:`HIDDEN`, so a hidden figure reads as
    hidden and says why; DfE's own symbols in the other cells (a neighbour's ``[c]``) get
    :func:`dfe_symbols_footnote` instead, which says they are DfE's."""
    caption = str(table.attrs.get("caption") or "")
    if (ours.astype(str) == HIDDEN).any():
        caption = f"{caption} {HIDDEN_FOOTNOTE}".strip()
    others = table.drop(columns=[c for c in table.columns if c == ours.name], errors="ignore")
    if ours.name is None or ours.name not in table.columns:  # ``ours`` is a row (page 06's neighbours)
        others = table.drop(index=[table.index[0]]) if len(table) else table
    note = dfe_symbols_footnote(others)
    if note:
        caption = f"{caption} {note}".strip()
    if caption:
        table.attrs["caption"] = caption
    return table


#: A cell holding a DfE symbol as the tables show it (``[c]``, ``[x]``, ``[-]`` ...).
_SYMBOL_CELL = r"^\[([a-z]+|-)\]$"


def dfe_symbols_footnote(cells: pd.DataFrame) -> str:
    """"In DfE's published figures, [c] ..." for the DfE symbols among ``cells`` (``""`` if none).

    DfE's figures (England, the region, neighbours, the authority as published) show DfE's own
    symbol where DfE published no number; the footnote gives DfE's reason for each one shown
    (:data:`cpanalysis.dfe.symbols.SYMBOLS`), so a reader is never left with an unexplained
    ``[c]`` or ``[-]``.
    """
    text = cells.astype(str).stack() if len(cells.columns) and len(cells) else pd.Series(dtype=str)
    found = sorted(set(text[text.str.fullmatch(_SYMBOL_CELL)].str[1:-1]))
    if not found:
        return ""
    from cpanalysis.dfe.symbols import symbol_reason  # only when a table shows one

    reasons = "; ".join(f"[{s}] {symbol_reason(s)}" for s in found)
    return f"In DfE's published figures: {reasons}."


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
    """A table styled for a report; notes (Markdown) and figures are returned as they are.

    No row numbers; numbers with thousands separators and one decimal, except columns naming a
    year (2025, not 2,025); cell text escaped (a file name or title from the data is text, never
    HTML); an empty ``Note`` column dropped, notes starting with a capital; the ``Year`` column
    kept on one line; the caption ``caption`` or the table's ``attrs["caption"]``, followed by
    :data:`HIDDEN_FOOTNOTE` when a cell shows :data:`HIDDEN` and the caption does not explain it.
    """
    if not isinstance(obj, pd.DataFrame):
        return obj
    if "Note" in obj and (obj["Note"].fillna("") == "").all():  # an empty column of notes says nothing
        obj = obj.drop(columns="Note")
    elif "Note" in obj:
        obj = obj.assign(Note=obj["Note"].fillna("").map(lambda n: n[:1].upper() + n[1:]))
    numbers = [c for c in obj.columns if "year" not in str(c).lower()]
    # Styler writes cell text as HTML unless told: text from the data is escaped.
    styled = (obj.style.format(escape="html").hide(axis="index")
              .format(thousands=",", precision=1, subset=numbers, escape="html"))
    years = [c for c in obj.columns if str(c) == "Year"]
    if years:  # "2024-25" would otherwise break at its hyphen in a wide table
        styled = styled.set_properties(subset=years, **{"white-space": "nowrap"})
    text = caption or obj.attrs.get("caption")
    if HIDDEN not in str(text or "") and obj.astype(str).apply(lambda c: c.str.contains(HIDDEN, regex=False)).any().any():
        # a table of our own figures hiding one says why (the tables beside DfE's figures say it
        # through with_hidden_footnote, which tells our [c] from DfE's)
        text = f"{text or ''} {HIDDEN_FOOTNOTE}".strip()
    return styled.set_caption(text) if text else styled


def group_label(by: str | None) -> str:
    """Readers' name of a breakdown (``"placement_group"`` -> ``"Placement type"``)."""
    if by is None:
        return "Group"
    return GROUP_LABELS.get(by, by.replace("_", " ").capitalize())


def _group_names(frame: pd.DataFrame, by: str | None, cohort: cohorts.ChildCohort | None = None) -> pd.Series:
    # The total row reads "All children" (or "Whole cohort" under a filter); booleans read Yes / No
    names = {"Total": "All children" if cohort is None else "Whole cohort", "True": "Yes", "False": "No"}
    if by in ("moves_between_band", "moves_band"):
        names.update({"0": "No moves", "1": "1 move", "2": "2 moves", "3+": "3 or more moves"})
    return frame["breakdown_value"].astype(str).map(lambda v: names.get(v, v))


# ---------------------------------------------------------------------------------------------
# Every page: set-up, the run described, comparators
# ---------------------------------------------------------------------------------------------


def setup(data_dir: str, period_end: str = "", la_code: str = DEFAULT_LA_CODE, *, dfe_dir: str = "",
          audience: str = "internal", definitions: dict | None = None, describe: bool = True) -> NotebookData:
    """A report notebook's set-up in one call: the house style, the data, the sentence naming them.

    Loads with :func:`cpanalysis.reports.loading.load_for_notebook` and, with ``describe``,
    displays :func:`describe_run` (a page with its own title first passes ``describe=False`` and
    shows it after the title). ``definitions`` are the definition choices that differ from
    DfE's reading (the notebooks' parameter of that name; :meth:`cpanalysis.indicators.Options.from_definitions`).
    """
    from IPython.display import display

    plots.use_house_style()
    data = load_for_notebook(data_dir, period_end, la_code, dfe_dir=dfe_dir, audience=audience,
                             definitions=definitions)
    if describe:
        display(Markdown(describe_run(data)))
    return data


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

def period_sentence(data: NotebookData) -> str:
    """``"the 12 months to 30 Sep 2025"`` or ``"2025"`` (year ending 31 March) for the period end."""
    return period_label(data.period_end, data.window)

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
            f"Data: {len(returns)} SSDA903 returns, {span}. {audience}{source}{definitions_sentence(data)}")


def definitions_sentence(data: NotebookData) -> str:
    """" Definitions differ from DfE's ..." naming each changed choice, or "" (DfE's throughout).

    Figures counted another way than DfE's are not comparable with England's, so a page computed
    with ``definitions`` says so next to its source.
    """
    if not getattr(data, "definitions", None):
        return ""
    chosen = "; ".join(f"{markdown_text(name)} = {markdown_text(value)}" for name, value in data.definitions.items())
    return (f" **Definitions differ from DfE's** ({chosen}): the figures are not directly comparable with "
            "DfE's published ones (the choices are explained in the package's docs/indicator_views.md).")

def _unavailable(what: str, exc: Exception, data: NotebookData | None = None, indicator_id: str = "",
                 period_type: str = "year") -> Markdown:
    """The note in place of a chart. A measure with no figure of ours for the chart's periods
    (``indicator_id`` has no ``period_type`` rows in ``data.indicators``: it looks back further
    than the returns loaded, or the data cannot give it) is said in a reader's words, naming the
    returns, not the table's keys."""
    if data is not None and indicator_id:
        local = data.indicators
        if not ((local["indicator_id"] == indicator_id) & (local["period_type"] == period_type)).any():
            returns = data.manifest.get("returns", []) if isinstance(data.manifest, dict) else []
            span = f" ({returns[0]['label']} to {returns[-1]['label']})" if returns else ""
            when = " at 31 March" if period_type == "year" else ""
            return Markdown(f"*{what}: no figure{when} from the returns loaded{markdown_text(span)}.*")
    return Markdown(f"*{what} is not available for this data: {markdown_text(exc)}*")

def trend(data: NotebookData, indicator_id: str, *, period_type: str = "year", national: bool = True,
          **options) -> Figure | Markdown:
    """:func:`cpanalysis.reports.plots.trend_chart` of one measure for the report's authority.

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
        Passed to :func:`~cpanalysis.reports.plots.trend_chart` (``breakdown``, ``band`` ...).
    """
    table = chart_rows(data, indicator_id, national=national)
    comparators = data.comparators if national and data.national is not None else {}
    try:
        return plots.trend_chart(table, indicator_id, data.la_code, comparators=comparators,
                                 la_name=data.la_name, period_type=period_type, **options)
    except CpanalysisError as exc:
        return _unavailable(title_of(indicator_id), exc, data, indicator_id, period_type)

def chart_rows(data: NotebookData, indicator_id: str, *, national: bool = True, medians: bool = False) -> pd.DataFrame:
    """One measure's rows of the table a chart reads, in the table's order.

    The table is :attr:`NotebookData.for_charts` (``data.indicators`` when not ``national``),
    followed by :func:`neighbour_median_rows` when ``medians``. It is built and grouped by
    measure once per notebook (``data.cache``): page 02 draws eighteen charts, each of which
    concatenated and scanned the whole national table again. The rows are exactly those the
    whole table holds for ``indicator_id``, in the same order (a chart draws the same figure).
    """
    key = ("chart_rows", bool(national), bool(medians))
    if key not in data.cache:
        parts = [data.for_charts if national else data.indicators]
        if medians:
            parts.append(neighbour_median_rows(data))
        table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        data.cache[key] = (table, table.groupby("indicator_id", sort=False, observed=True, dropna=False).indices)
    table, positions = data.cache[key]
    return table.iloc[positions.get(indicator_id, [])]


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
