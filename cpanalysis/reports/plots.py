"""Charts in one house style: the GOV.UK Analysis Function accessible palette, uncertainty shown.

Every chart takes the package's tidy indicator table (``docs/architecture.md``) or an analysis
table, and follows the same conventions (``docs/methods.md`` §5.7):

- the authority in dark blue with its 95% confidence interval (error bars or a band) and the
  number of children (``n``) written beside each value;
- England (and the region or neighbours when given) as lines, never as bars to be compared by eye;
- suppressed values and values on fewer than ``min_n`` children greyed out, never hidden;
- a title that states the finding (:func:`finding_title`), and a footnote naming the method,
  confidence level and comparator.

Functions return a :class:`matplotlib.figure.Figure` already closed in pyplot, so a notebook
shows it by leaving it as the cell's last expression, a script saves it with ``fig.savefig``, and
nothing accumulates in memory when a pipeline draws hundreds of charts.

Palette: Analysis Function guidance "Data visualisation: colours" (categorical palette, 2023):
dark blue #12436D, turquoise #28A197, dark pink #801650, orange #F46A25, dark grey #3D3D3D,
light purple #A285D1.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib
import matplotlib.legend
import matplotlib.patches
import matplotlib.pyplot as plt  # imported for its side effect too: a notebook shows returned figures
import matplotlib.text
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cpanalysis import compare
from cpanalysis.compare import versus_label
from cpanalysis.config import ENGLAND_CODE, MIN_CHILDREN
from cpanalysis.errors import ParameterError
from cpanalysis.indicators.catalogue import title_of as indicator_label
from cpanalysis.reports.wording import VERSUS_PHRASE as _VERSUS_PHRASE
from cpanalysis.reports.wording import format_value, period_label

#: The Analysis Function categorical palette, in the order the guidance says to use it.
PALETTE: dict[str, str] = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}
COLOURS: tuple[str, ...] = tuple(PALETTE.values())
LA_COLOUR = PALETTE["dark_blue"]
ENGLAND_COLOUR = PALETTE["orange"]
REGION_COLOUR = PALETTE["turquoise"]
NEIGHBOURS_COLOUR = PALETTE["dark_pink"]
#: GOV.UK mid grey: suppressed or small-number values.
SUPPRESSED_COLOUR = "#B1B4B6"
#: Text colour for annotations (GOV.UK secondary text).
ANNOTATION_COLOUR = "#505A5F"

#: Values on fewer children than this are greyed and not compared (``methods.md`` §4.2).
MIN_N = MIN_CHILDREN

_UNIT_AXIS = {
    "%": "Percentage of children",
    "rate_per_10k": "Rate per 10,000 children",
    "mean": "Average",
    "count": "Number of children",
    "days": "Days",
}


def use_house_style() -> None:
    """Apply the house style to matplotlib's global settings (``rcParams``).

    Call once at the top of a notebook or script. The chart functions of this module already set
    their own colours, so the style matters mostly for charts drawn directly with matplotlib or
    seaborn: the Analysis Function palette as the colour cycle, no top/right spines, light
    horizontal grid lines, sans-serif text at sizes readable on a projected board paper, and
    no mathtext: a ``$`` in a title or label is printed as a dollar sign.
    """
    matplotlib.rcParams.update(
        {
            "axes.prop_cycle": matplotlib.cycler(color=list(COLOURS)),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 10,
            "axes.edgecolor": PALETTE["dark_grey"],
            "grid.color": "#DDDDDD",
            "grid.linewidth": 0.8,
            "font.family": "sans-serif",
            "font.sans-serif": ["Arial", "Helvetica", "DejaVu Sans"],
            "font.size": 10,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            # Titles and labels come from data (a local measure's title, an authority's name):
            # "$5 to $10 a week" must print as written, not as mathtext between the two $.
            "text.parse_math": False,
        }
    )
    _show_figures_with_alt_text()


def figure_alt_text(fig: Figure) -> str:
    """A description of a chart for readers who cannot see it (the HTML ``alt`` text).

    The chart's own message when its function set one (``fig.alt_text``), else what the figure
    says of itself: its titles, the series in its legend and its axes, and the footnote. A
    screen-reader user hears the same facts the title and legend give a sighted reader.
    """
    own = getattr(fig, "alt_text", "")
    if own:
        return str(own)
    parts: list[str] = []
    if fig._suptitle is not None and fig._suptitle.get_text():  # noqa: SLF001 - matplotlib has no getter
        parts.append(fig._suptitle.get_text())  # noqa: SLF001
    for ax in fig.axes:
        if not ax.axison and not ax.get_title():
            continue
        title = " ".join(ax.get_title(loc).replace("\n", " ") for loc in ("left", "center", "right")).strip()
        if title:
            parts.append(title)
        legend = ax.get_legend()
        if legend is not None:
            series = [t.get_text() for t in legend.get_texts() if t.get_text()]
            if series:
                parts.append("Series: " + ", ".join(series))
        axes = [f"{name} axis: {label}" for name, label in (("horizontal", ax.get_xlabel()),
                                                            ("vertical", ax.get_ylabel())) if label]
        parts.extend(axes)
    notes = [t.get_text().replace("\n", " ") for t in fig.texts if t.get_text()]
    parts.extend(notes)
    text = ". ".join(p.rstrip(".") for p in parts if p)
    return f"Chart: {text}." if text else "Chart without a title."


def _png_with_alt(fig: Figure) -> tuple[bytes, dict[str, str]]:
    """IPython's PNG of a figure with its alt text in the output's metadata (nbconvert uses it)."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight"), {"alt": figure_alt_text(fig)}


def _show_figures_with_alt_text() -> None:
    """In a notebook kernel, display every matplotlib figure as PNG with its alt text."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    # Load the inline backend first: on loading it registers its own PNG formatter (once), which
    # would replace this one if it came later, at the first figure.
    if "inline" in matplotlib.get_backend():
        import matplotlib_inline.backend_inline  # noqa: F401 - imported for its registration
    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt)


def _as_str(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _series(tidy: pd.DataFrame, indicator_id: str, geography: str, breakdown: str = "Total",
            breakdown_value: str = "Total", period_type: str | None = None) -> pd.DataFrame:
    rows = tidy[
        (tidy["indicator_id"] == indicator_id)
        & (tidy["geography"].astype(str) == str(geography))
        & (tidy["breakdown"] == breakdown)
        & (tidy["breakdown_value"] == breakdown_value)
    ]
    if period_type is not None:
        rows = rows[rows["period_type"] == period_type]
    rows = rows.assign(period_end=pd.to_datetime(rows["period_end"]))
    # A period may hold a local and a DfE row for the authority: the local one is ours.
    rows = rows.sort_values(["period_end", "source"], key=lambda s: s if s.name != "source" else s.ne("local"))
    return rows.drop_duplicates("period_end").reset_index(drop=True)


def _greyed(rows: pd.DataFrame, min_n: int) -> pd.Series:
    symbol = rows["suppressed"].map(_as_str) != ""
    small = pd.to_numeric(rows["denominator"], errors="coerce") < min_n
    return symbol | small.fillna(False) | rows["value"].isna()


_ON_THE_DAY = "on the period end"


def _n_values(rows: pd.DataFrame) -> pd.Series:
    """The ``n`` written beside a value: children in the denominator, or in the numerator of a rate."""
    unit = rows["unit"].astype(str)
    n = pd.to_numeric(rows["denominator"], errors="coerce").where(~unit.isin(["rate_per_10k", "count"]))
    return n.fillna(pd.to_numeric(rows["numerator"], errors="coerce").where(unit == "rate_per_10k"))


def finding_title(tidy: pd.DataFrame, indicator_id: str, la_code: str, *, period_end: object = None,
                  comparator: str = ENGLAND_CODE, comparator_name: str = "England",
                  breakdown: str = "Total", breakdown_value: str = "Total",
                  period_type: str | None = None, label: str | None = None,
                  min_n: int = MIN_N) -> str:
    """A chart title that states the finding, written from the data.

    ``"Children with 3+ placements: 10% in 2025, similar to England (10%)"``. The comparison uses
    :func:`versus_label` (benchmark inside the authority's 95% interval = similar).

    Parameters
    ----------
    tidy : DataFrame
        Tidy indicator table holding the authority's rows and, optionally, the comparator's.
    indicator_id, la_code : str
        What and whose value to describe.
    period_end : date-like, optional
        Period described; default the authority's latest.
    comparator, comparator_name : str; default England
        Geography code and name of the benchmark.
    breakdown, breakdown_value : str; default "Total"
    period_type : str, optional
        ``year``, ``rolling_12m`` or ``quarter``; default any.
    label : str, optional
        Indicator wording; default the catalogue title.
    min_n : int; default 10

    Returns
    -------
    str
        The title; ``"<label>: no value"`` when the authority has no row.
    """
    label = label or indicator_label(indicator_id)
    ours = _series(tidy, indicator_id, la_code, breakdown, breakdown_value, period_type)
    if period_end is not None:
        ours = ours[ours["period_end"] == pd.Timestamp(period_end)]
    if ours.empty:
        return f"{label}: no value"
    row = ours.iloc[-1]
    unit = str(row["unit"])
    when = f"in {period_label(row['period_end'], str(row['period_type']))}"
    if _ON_THE_DAY in label:  # a snapshot, not a window: "looked after on 30 Sep 2025"
        label, when = label.replace(_ON_THE_DAY, f"on {pd.Timestamp(row['period_end']):%-d %b %Y}"), ""
    if _as_str(row["suppressed"]) or pd.isna(row["value"]):
        return f"{label}: suppressed{' ' + when if when else ''} (small numbers)"
    text = f"{label}: {format_value(row['value'], unit)}{' ' + when if when else ''}"
    theirs = _series(tidy, indicator_id, comparator, breakdown, breakdown_value, None)
    theirs = theirs[theirs["period_end"] == row["period_end"]]
    if theirs.empty or pd.isna(theirs["value"].iloc[0]):
        return text
    bench = float(theirs["value"].iloc[0])
    verdict = versus_label(row["value"], row["lower_95"], row["upper_95"], bench,
                           str(row["polarity"]), row["denominator"], _as_str(row["suppressed"]), min_n)
    bench_text = format_value(bench, unit)
    if verdict == "Not compared":
        return f"{text} ({comparator_name} {bench_text}; {_why_not_compared(row, unit, min_n)})"
    return f"{text}, {_VERSUS_PHRASE[verdict]} {comparator_name} ({bench_text})"


def _why_not_compared(row: pd.Series, unit: str, min_n: int) -> str:
    """Why a value with a comparator's figure beside it is not compared (for a title)."""
    n = pd.to_numeric(row.get("denominator"), errors="coerce")
    if not pd.isna(n) and n < min_n:
        return "too few children to compare"
    if unit == "count":  # the authority's own children, not a sample: no interval to compare with
        return "a count, so not compared"
    # e.g. DfE's Attainment 8 averages: published without an interval, so no overlap test
    return "no interval published, so not compared"


# --------------------------------------------------------------------------- chart helpers


def _new_figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    plt.close(fig)
    return fig, ax


def _title(ax: Axes, text: str, width: int = 75) -> None:
    ax.set_title(textwrap.fill(text, width), loc="left", fontsize=11)


def _footnote(fig: Figure, text: str) -> None:
    # Just below the figure's edge: ``bbox_inches="tight"`` (notebooks, savefig) takes it in, and
    # it never collides with a legend placed at the bottom of the figure.
    fig.text(0.01, 0, textwrap.fill(text, 130), ha="left", va="top", fontsize=8, color=ANNOTATION_COLOUR)


def _tick_labels(dates: pd.Series, period_type: str) -> list[str]:
    if period_type == "year" and all((d.month, d.day) == (3, 31) for d in dates):
        return [f"{d.year}" for d in dates]
    return [f"{d:%b %Y}" for d in dates]


def _error(values: pd.Series, lower: pd.Series, upper: pd.Series) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce").to_numpy(float)
    lo = pd.to_numeric(lower, errors="coerce").to_numpy(float)
    hi = pd.to_numeric(upper, errors="coerce").to_numpy(float)
    return np.vstack([np.nan_to_num(v - lo), np.nan_to_num(hi - v)]).clip(min=0)


#: Longest series whose periods are labelled horizontally, with their n underneath.
MAX_N_LABELS = 10


def text_overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible texts of a figure whose boxes overlap (for tests and reviewers).

    Every text matplotlib draws is checked: titles, tick and axis labels, annotations, legend
    entries and footnotes, after the figure is drawn. Texts of one legend are not compared with
    each other (the legend lays them out).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    found = []
    for text in fig.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        legend = next((a for a in fig.findobj(matplotlib.legend.Legend) if text in a.get_texts()
                       or text is a.get_title()), None)
        found.append((text, box, legend))
    pairs = []
    for i, (a, box_a, legend_a) in enumerate(found):
        for b, box_b, legend_b in found[i + 1:]:
            if legend_a is not None and legend_a is legend_b:
                continue
            if box_a.overlaps(box_b):
                pairs.append((a.get_text(), b.get_text()))
    return pairs


def _n_text(n: object) -> str:
    return "" if pd.isna(n) else f"n={float(n):,.0f}"


# --------------------------------------------------------------------------- charts


def trend_chart(tidy: pd.DataFrame, indicator_id: str, la_code: str, *,
                comparators: dict[str, str] | None = None, breakdown: str = "Total",
                breakdown_value: str = "Total", period_type: str | None = "year",
                la_name: str = "Our authority", title: str | None = None, band: bool = False,
                show_n: bool = True, min_n: int = MIN_N, ax: Axes | None = None) -> Figure:
    """The authority's values over time with 95% intervals, against England as a line.

    Parameters
    ----------
    tidy : DataFrame
        Tidy indicator table (local rows for ``la_code``, DfE rows for the comparators).
    indicator_id, la_code : str
    comparators : dict, optional
        Geography code -> name drawn as lines; default ``{"E92000001": "England"}``. The first is
        the benchmark of the title.
    breakdown, breakdown_value : str; default "Total"
    period_type : str or None; default "year"
        Which series to draw (``rolling_12m`` for quarter ends, ``None`` for all rows).
    la_name : str; default "Our authority"
    title : str, optional
        Default :func:`finding_title` for the latest period.
    band : bool; default False
        Draw the interval as a shaded band instead of error bars (for long quarterly series).
    show_n : bool; default True
        Write the denominator under each period's label (series of up to
        :data:`MAX_N_LABELS` points).
    min_n : int; default 10
        Points on fewer children are greyed.
    ax : Axes, optional
        Draw into an existing axes.

    Returns
    -------
    Figure
    """
    comparators = {ENGLAND_CODE: "England"} if comparators is None else comparators
    rows = _series(tidy, indicator_id, la_code, breakdown, breakdown_value, period_type)
    if rows.empty:
        raise ParameterError(
            f"no values of {indicator_id!r} for {la_code} ({breakdown}={breakdown_value}, "
            f"period type {period_type}) in the indicator table"
        )
    fig, ax = _new_figure(ax, (7.5, 4.0))
    unit = str(rows["unit"].iloc[0])
    x = rows["period_end"]
    grey = _greyed(rows, min_n)
    ok = ~grey
    values = pd.to_numeric(rows["value"], errors="coerce")
    # The line breaks where a value is missing or greyed (NaN), so a gap in the data is a gap in
    # the chart, never a straight line across years with no results.
    ax.plot(x, values.where(ok), color=LA_COLOUR, linewidth=1.5, label=la_name, zorder=3)
    has_interval = unit != "count" and rows["lower_95"][ok].notna().any()
    if not has_interval:  # a count of the authority's own children, or a value published without one
        ax.plot(x[ok], values[ok], "o", color=LA_COLOUR, zorder=4)
    elif band:
        ax.fill_between(x, rows["lower_95"].where(ok).astype(float), rows["upper_95"].where(ok).astype(float),
                        color=LA_COLOUR, alpha=0.15, linewidth=0, label="95% confidence interval")
        ax.plot(x[ok], values[ok], "o", color=LA_COLOUR, zorder=4)
    else:
        ax.errorbar(x[ok], values[ok], yerr=_error(values[ok], rows["lower_95"][ok], rows["upper_95"][ok]),
                    fmt="o", color=LA_COLOUR, ecolor=LA_COLOUR, elinewidth=1, capsize=3, zorder=4,
                    label="95% confidence interval")
    shown = grey & values.notna()
    if shown.any():
        ax.plot(x[shown], values[shown], "o", color=SUPPRESSED_COLOUR, zorder=4,
                label=f"Suppressed or fewer than {min_n} children")
    hidden = grey & values.isna()
    for when, symbol in zip(x[hidden], rows["suppressed"][hidden].map(_as_str), strict=True):
        ax.annotate(symbol or "x", (when, 0), xycoords=("data", "axes fraction"), xytext=(0, 4),
                    textcoords="offset points", ha="center", color=SUPPRESSED_COLOUR, fontsize=9)
    for i, (code, name) in enumerate(comparators.items()):
        comp = _series(tidy, indicator_id, code, breakdown, breakdown_value, None)
        comp = comp[comp["period_end"].isin(x)]
        if comp.empty:
            continue
        # on the authority's dates, NaN where the comparator has no value: a gap, not a bridge
        comp_values = comp.drop_duplicates("period_end").set_index("period_end")["value"].astype(float)
        colour = ENGLAND_COLOUR if code == ENGLAND_CODE else (REGION_COLOUR, NEIGHBOURS_COLOUR, PALETTE["dark_grey"])[i % 3]
        ax.plot(list(x), comp_values.reindex(list(x)).to_numpy(), linestyle="--", linewidth=1.8,
                color=colour, label=name, zorder=2)
    # n goes under each year's label rather than on the chart, where it would sit on lines,
    # error bars or the title; long quarterly series leave it to the tables.
    labels = _tick_labels(x, str(rows["period_type"].iloc[0]))
    write_n = show_n and len(x) <= MAX_N_LABELS
    if write_n:
        labels = [f"{label}\n{_n_text(n)}" if _n_text(n) else label for label, n in zip(labels, _n_values(rows), strict=True)]
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, rotation=0 if len(x) <= MAX_N_LABELS else 45, fontsize=8,
                       ha="center" if len(x) <= MAX_N_LABELS else "right")
    ax.set_ylabel(_UNIT_AXIS.get(unit, unit))
    ax.set_ylim(bottom=0)
    if unit == "%":
        ax.set_ylim(top=min(100.0, ax.get_ylim()[1] * 1.1))
    first = next(iter(comparators), ENGLAND_CODE)
    _title(ax, title or finding_title(tidy, indicator_id, la_code, comparator=first,
                                      comparator_name=comparators.get(first, "England"),
                                      breakdown=breakdown, breakdown_value=breakdown_value,
                                      period_type=period_type, min_n=min_n))
    # beside the plot, not under it, where it met the year labels
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    if has_interval:
        note = ("Points: 95% confidence intervals (Wilson for percentages, Byar for rates, t for means); "
                "n under each year = children in the denominator (in the count, for a rate).")
    elif unit == "count":
        note = "A count of the authority's own children: not a sample, so no confidence interval."
    else:
        note = ("No confidence interval is published for this measure (e.g. DfE's Attainment 8 averages), "
                "so it is not compared with other areas; n = children in the denominator.")
    if str(rows["period_type"].iloc[0]) == "rolling_12m":
        note += " Rolling 12-month windows overlap by nine months: read the shape, not each step."
    if hidden.any():  # the letter at the foot of a year is otherwise unexplained
        from cpanalysis.dfe.symbols import symbol_reason

        letters = sorted(set(rows["suppressed"][hidden].map(_as_str).replace("", "x")))
        note += (" A letter at the foot of a year stands for a figure not shown: "
                 + "; ".join(f"{s}, {symbol_reason(s)}" for s in letters) + ".")
    _footnote(fig, note)
    return fig


def bar_with_ci(tidy: pd.DataFrame, indicator_id: str, *, la_code: str | None = None,
                breakdown: str = "Total", period_end: object = None,
                geographies: Sequence[str] | None = None, names: dict[str, str] | None = None,
                highlight: str | None = None, comparator: str = ENGLAND_CODE, title: str | None = None,
                min_n: int = MIN_N, ax: Axes | None = None) -> Figure:
    """Horizontal bars with 95% error bars: a breakdown of one authority, or several areas.

    Two uses:

    - ``la_code`` and ``breakdown`` (e.g. ``"age_band"``): one bar per group of the authority,
      with the comparator's value for the same group as an orange marker;
    - ``geographies`` (authority, neighbours, region ...): one bar per area for ``breakdown_value
      "Total"``, the ``highlight`` area in dark blue and the others light purple, the comparator as
      a dashed vertical line.

    Parameters
    ----------
    tidy : DataFrame
        Tidy indicator table.
    indicator_id : str
    la_code : str, optional
        The authority (first use).
    breakdown : str; default "Total"
    period_end : date-like, optional
        Default the latest period in the rows drawn.
    geographies : sequence of str, optional
        Areas to draw (second use).
    names : dict, optional
        Geography code -> display name.
    highlight : str, optional
        Area drawn in dark blue (second use); default ``la_code``.
    comparator : str; default England
    title : str, optional
    min_n : int; default 10
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    names = names or {}
    rows = tidy[tidy["indicator_id"] == indicator_id].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    if geographies is not None:
        rows = rows[rows["geography"].astype(str).isin([str(g) for g in geographies])
                    & (rows["breakdown"] == "Total")]
        key = "geography"
    elif la_code is not None:
        rows = rows[(rows["geography"].astype(str) == str(la_code)) & (rows["breakdown"] == breakdown)]
        if breakdown != "Total":
            rows = rows[rows["breakdown_value"] != "Total"]
        key = "breakdown_value"
    else:
        raise ParameterError("bar_with_ci needs la_code (a breakdown of one authority) or geographies")
    if rows.empty:
        raise ParameterError(f"no values of {indicator_id!r} to draw for {la_code or list(geographies or [])}")
    when = pd.Timestamp(period_end) if period_end is not None else rows["period_end"].max()
    rows = rows[rows["period_end"] == when]
    rows = rows.sort_values("source", key=lambda s: s.ne("local")).drop_duplicates(key)
    if geographies is not None:
        order = {str(g): i for i, g in enumerate(geographies)}
        rows = rows.sort_values("geography", key=lambda s: s.astype(str).map(order))
    rows = rows.reset_index(drop=True)
    unit = str(rows["unit"].iloc[0])
    fig, ax = _new_figure(ax, (7.0, 0.9 + 0.42 * len(rows)))
    labels = [names.get(str(v), str(v)) for v in rows[key]]
    y = np.arange(len(rows))[::-1]
    values = pd.to_numeric(rows["value"], errors="coerce")
    grey = _greyed(rows, min_n)
    focus = str(highlight or la_code or "")
    colours = [
        SUPPRESSED_COLOUR if g else (LA_COLOUR if key == "breakdown_value" or str(v) == focus else PALETTE["light_purple"])
        for g, v in zip(grey, rows[key], strict=True)
    ]
    ax.barh(y, values.fillna(0), color=colours, height=0.65, zorder=2)
    ax.errorbar(values[~grey], y[~grey.to_numpy()],
                xerr=_error(values[~grey], rows["lower_95"][~grey], rows["upper_95"][~grey]),
                fmt="none", ecolor=PALETTE["dark_grey"], elinewidth=1, capsize=3, zorder=3)
    ends = pd.to_numeric(rows["upper_95"], errors="coerce").fillna(values).fillna(0)
    for yi, end, n, symbol in zip(y, ends, _n_values(rows), rows["suppressed"].map(_as_str), strict=True):
        ax.annotate(symbol or _n_text(n), (end, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7, color=ANNOTATION_COLOUR)
    bench = tidy[(tidy["indicator_id"] == indicator_id) & (tidy["geography"].astype(str) == comparator)
                 & (pd.to_datetime(tidy["period_end"]) == when)]
    if key == "breakdown_value":
        bench = bench[bench["breakdown"] == breakdown].set_index("breakdown_value")["value"]
        marks = [(yi, bench.get(v)) for yi, v in zip(y, rows[key], strict=True) if v in bench.index]
        if marks:
            ax.plot([float(m[1]) for m in marks], [m[0] for m in marks], "D", color=ENGLAND_COLOUR,
                    markersize=6, zorder=4, label=names.get(comparator, "England"))
    else:
        bench = bench[bench["breakdown"] == "Total"]["value"]
        if not bench.empty and comparator not in [str(g) for g in rows["geography"]]:
            ax.axvline(float(bench.iloc[0]), color=ENGLAND_COLOUR, linestyle="--", linewidth=1.8,
                       label=names.get(comparator, "England"), zorder=4)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.set_xlabel(_UNIT_AXIS.get(unit, unit))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)
    _title(ax, title or f"{indicator_label(indicator_id)}, {period_label(when, str(rows['period_type'].iloc[0]))}")
    if unit == "count":
        _footnote(fig, "Counts of the authority's own children (not a sample, so no interval).")
    else:
        _footnote(fig, "Bars: value with 95% confidence interval; n = children in the denominator; "
                       f"grey = suppressed or fewer than {min_n} children.")
    return fig


def funnel_plot(tidy: pd.DataFrame, indicator_id: str, la_code: str, *, period_end: object = None,
                benchmark_code: str = ENGLAND_CODE, la_name: str = "Our authority",
                title: str | None = None, ax: Axes | None = None) -> Figure:
    """Every authority's percentage against its cohort size, with 95% and 99.8% funnel limits.

    Points are the authority-level rows of ``tidy`` (geography codes ``E06``-``E10``; DfE rows
    supply the other authorities); the benchmark line and limits are England's value
    (:func:`funnel_limits`). Suppressed authorities are not plotted and are counted in the
    footnote.

    Parameters
    ----------
    tidy : DataFrame
        Tidy table with authority-level rows (``source`` dfe and/or local) and the benchmark row.
    indicator_id, la_code : str
    period_end : date-like, optional
        Default the latest period with a benchmark value.
    benchmark_code : str; default England
    la_name : str; default "Our authority"
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    rows = tidy[(tidy["indicator_id"] == indicator_id) & (tidy["breakdown"] == "Total")].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    rows["geography"] = rows["geography"].astype(str)
    bench_rows = rows[rows["geography"] == benchmark_code].dropna(subset=["value"])
    if bench_rows.empty:
        raise ParameterError(f"no benchmark ({benchmark_code}) value of {indicator_id!r} for a funnel plot")
    when = pd.Timestamp(period_end) if period_end is not None else bench_rows["period_end"].max()
    bench = float(bench_rows[bench_rows["period_end"] == when]["value"].iloc[0])
    las = rows[(rows["period_end"] == when) & rows["geography"].str.match(r"^E(06|08|09|10)")]
    las = las.sort_values("source", key=lambda s: s.ne("local")).drop_duplicates("geography")
    hidden = las["value"].isna() | (las["suppressed"].map(_as_str) != "")
    las, n_hidden = las[~hidden], int(hidden.sum())
    fig, ax = _new_figure(ax, (7.0, 4.5))
    n = pd.to_numeric(las["denominator"], errors="coerce")
    grid = np.linspace(max(1.0, float(n.min()) * 0.8 if len(n) else 1.0), float(n.max()) * 1.05 if len(n) else 100, 200)
    ax.axhline(bench, color=ENGLAND_COLOUR, linewidth=1.8, label=f"England {format_value(bench, '%')}")
    for level, style in ((0.95, ":"), (0.998, "--")):
        low, high, _ = compare.funnel_limits(bench / 100, grid, confidence=level)
        ax.plot(grid, low * 100, style, color=PALETTE["dark_grey"], linewidth=1)
        ax.plot(grid, high * 100, style, color=PALETTE["dark_grey"], linewidth=1,
                label="95% limits" if level == 0.95 else "99.8% limits")
    others = las["geography"] != str(la_code)
    ax.scatter(n[others], las["value"][others].astype(float), s=14, color=PALETTE["light_purple"],
               alpha=0.8, label="Other authorities", zorder=3)
    ours = las[~others]
    if not ours.empty:
        ax.scatter(pd.to_numeric(ours["denominator"]), ours["value"].astype(float), s=60,
                   color=LA_COLOUR, zorder=5, label=la_name)
    ax.set_xlabel("Children in the cohort (denominator)")
    ax.set_ylabel(_UNIT_AXIS["%"])
    ax.grid(axis="x", visible=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    _title(ax, title or f"{indicator_label(indicator_id)}, {period_label(when)}: every authority")
    _footnote(fig, "Limits: England's value +/- 1.96 and 3.09 standard errors at each cohort size "
                   "(95% and 99.8%; exact binomial limits for small cohorts). "
                   f"{n_hidden} authorities with suppressed values not shown.")
    return fig


def km_plot(curves: pd.DataFrame, *, group: str = "group", time: str = "time",
            survival: str = "survival", lower: str = "lower_95", upper: str = "upper_95",
            time_unit: str = "months", title: str | None = None, ax: Axes | None = None) -> Figure:
    """Kaplan-Meier curves as steps with 95% bands, one colour per group.

    Parameters
    ----------
    curves : DataFrame
        One row per group and event time: the survival probability (0-1) just after ``time`` and
        its limits (as :mod:`cpanalysis.moves` returns them). Each group's curve should start at
        time 0, survival 1.
    group, time, survival, lower, upper : str
        Column names.
    time_unit : str; default "months"
    title : str, optional
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    fig, ax = _new_figure(ax, (7.0, 4.0))
    groups = list(dict.fromkeys(curves[group])) if group in curves else [None]
    for i, name in enumerate(groups):
        part = curves if name is None else curves[curves[group] == name]
        part = part.sort_values(time)
        colour = COLOURS[i % len(COLOURS)]
        ax.step(part[time], part[survival] * 100, where="post", color=colour, linewidth=1.8,
                label=str(name) if name is not None else "All placements")
        if lower in part and upper in part:
            ax.fill_between(part[time], part[lower] * 100, part[upper] * 100, step="post",
                            color=colour, alpha=0.15, linewidth=0)
    ax.set_ylim(0, 102)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"Time since the placement started ({time_unit})")
    ax.set_ylabel("Placements still going (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    _title(ax, title or "How long placements last")
    _footnote(fig, "Kaplan-Meier estimate with 95% confidence band; placements still going are censored.")
    return fig


def flow_chart(flows: pd.DataFrame, *, source: str = "from", target: str = "to", count: str = "n",
               order: Sequence[str] | None = None, title: str | None = None,
               min_label: float = 8.0, ax: Axes | None = None) -> Figure:
    """Transitions as 100% stacked bars: one bar per starting state, coloured by where people went.

    A readable stand-in for a Sankey diagram (e.g. care leavers' activity at 18 -> at 19).

    Parameters
    ----------
    flows : DataFrame
        One row per (from, to) pair with a count of young people.
    source, target, count : str; default "from", "to", "n"
        Column names.
    order : sequence of str, optional
        Order of the states (bars and segments); default first appearance.
    title : str, optional
    min_label : float; default 8.0
        Segments narrower than this percentage are not labelled.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    table = flows.pivot_table(index=source, columns=target, values=count, aggfunc="sum", fill_value=0)
    states = list(order) if order is not None else list(dict.fromkeys([*flows[source], *flows[target]]))
    rows = [s for s in states if s in table.index]
    cols = [s for s in states if s in table.columns]
    table = table.loc[rows, cols]
    totals = table.sum(axis=1)
    shares = table.div(totals.where(totals > 0), axis=0).fillna(0) * 100
    fig, ax = _new_figure(ax, (7.5, 0.9 + 0.5 * len(rows)))
    y = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for i, col in enumerate(cols):
        widths = shares[col].to_numpy(float)
        colour = COLOURS[i % len(COLOURS)]
        ax.barh(y, widths, left=left, color=colour, height=0.65, label=str(col), edgecolor="white")
        for yi, x0, w in zip(y, left, widths, strict=True):
            if w >= min_label:
                ax.text(x0 + w / 2, yi, f"{w:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if colour != PALETTE["light_purple"] else "black")
        left += widths
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r} (n={totals[r]:,.0f})" for r in rows])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Percentage of young people")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="Went to")
    _title(ax, title or "Where young people went next")
    return fig


_ARROWS = {"Increasing": "\u2191", "Decreasing": "\u2193"}
#: Size of one scorecard tile (inches) and the characters per line of its title and details,
#: which fit the tile's width at 10.5 and 9 points.
TILE_SIZE = (3.6, 2.1)
TILE_TITLE_WIDTH = 38
TILE_DETAIL_WIDTH = 46


def scorecard_tile(row: pd.Series | dict, *, label: str | None = None, versus: str | None = None,
                   benchmark: float | None = None, trend: str | None = None,
                   change: str | None = None, target: float | None = None,
                   ax: Axes | None = None) -> Figure:
    """One indicator as a tile: the latest value, n, England label, trend arrow, change and target.

    Parameters
    ----------
    row : Series or dict
        One tidy-table row (``indicator_id``, ``value``, ``unit``, ``denominator``, ``period_end``,
        ``period_type``, ``suppressed``).
    label : str, optional
        Default the catalogue title.
    versus : str, optional
        Comparison label with England (``Better``, ``Similar`` ...).
    benchmark : float, optional
        England's value, shown beside the label.
    trend : str, optional
        Result of the trend test (``Increasing``, ``Decreasing``, ``No significant change``).
    change : str, optional
        Sentence about the change since the previous quarter.
    target : float, optional
        The strategy's target, when it sets one.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    row = dict(row)
    unit = str(row.get("unit", ""))
    fig, ax = _new_figure(ax, TILE_SIZE)
    ax.set_axis_off()
    ax.add_patch(matplotlib.patches.Rectangle((0, 0), 1, 1, transform=ax.transAxes, facecolor="#F3F2F1",
                                              edgecolor="none", zorder=0))
    ax.add_patch(matplotlib.patches.Rectangle((0, 0), 0.02, 1, transform=ax.transAxes, facecolor=LA_COLOUR,
                                              edgecolor="none", zorder=1))
    # Each block hangs a few points below the one above (an annotation anchored to the previous
    # text's box), so a title wrapped onto three lines pushes the value down instead of under it.
    title = ax.text(0.06, 0.94, textwrap.fill(label or indicator_label(str(row.get("indicator_id", ""))),
                                              TILE_TITLE_WIDTH),
                    fontsize=10.5, va="top", color="black", transform=ax.transAxes, linespacing=1.15)
    suppressed = _as_str(row.get("suppressed"))
    big = f"[{suppressed}]" if suppressed else format_value(row.get("value"), unit)
    value = ax.annotate(big, xy=(0, 0), xycoords=title, xytext=(0, -4), textcoords="offset points",
                        fontsize=20, fontweight="bold", va="top",
                        color=SUPPRESSED_COLOUR if suppressed else LA_COLOUR)
    arrow = _ARROWS.get(trend or "", "\u2192" if trend else "")
    if arrow:
        ax.annotate(arrow, xy=(0.94, 0.5), xycoords=("axes fraction", value), fontsize=20, ha="right",
                    va="center", color=PALETTE["dark_grey"])
    lines = []
    if row.get("period_end") is not None:
        when = period_label(row["period_end"], str(row.get("period_type", "year")))
        n = row.get("denominator")
        lines.append(f"{when}" + (f", n={float(n):,.0f}" if n is not None and not pd.isna(n) else ""))
    if versus:
        lines.append(f"vs England: {versus}" + (f" ({format_value(benchmark, unit)})" if benchmark is not None else ""))
    if trend:
        lines.append(f"Trend: {trend}")
    if change:
        lines.append(change)
    if target is not None:
        lines.append(f"Target: {format_value(target, unit)}")
    details = "\n".join(textwrap.fill(line[:1].upper() + line[1:], TILE_DETAIL_WIDTH, subsequent_indent="  ")
                        for line in lines)
    ax.annotate(details, xy=(0, 0), xycoords=value, xytext=(0, -4), textcoords="offset points", fontsize=9,
                va="top", color=ANNOTATION_COLOUR, linespacing=1.3)
    for text in ax.texts:  # the tile's own box sets the grid's spacing, not its text
        text.set_in_layout(False)
    return fig


# --------------------------------------------------------------------------- journeys (SDQ, moves, leavers)


def estimate_chart(labels: Sequence[str], values: Sequence[float], lower: Sequence[float],
                   upper: Sequence[float], *, n: Sequence[float] | None = None,
                   reference: float | None = None, xlabel: str = "", title: str | None = None,
                   footnote: str | None = None, ax: Axes | None = None) -> Figure:
    """Point estimates with 95% intervals, one row per group (a forest plot).

    For an analysis result that is not an indicator (an average change in SDQ score by number of
    moves, a rate ratio ...). The first label is drawn at the top, in dark blue; the others in
    turquoise; ``n`` is written beside each estimate and ``reference`` (0 for a change, 1 for a
    ratio) is a dashed vertical line.

    Parameters
    ----------
    labels : sequence of str
    values, lower, upper : sequence of float
        Estimates and their interval (NaN limits draw the point alone).
    n : sequence of float, optional
        Number of children behind each estimate.
    reference : float, optional
    xlabel, title, footnote : str, optional
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    labels = [str(label) for label in labels]
    v = pd.to_numeric(pd.Series(list(values)), errors="coerce")
    lo = pd.to_numeric(pd.Series(list(lower)), errors="coerce")
    hi = pd.to_numeric(pd.Series(list(upper)), errors="coerce")
    if len({len(labels), len(v), len(lo), len(hi)}) != 1:
        raise ParameterError("labels, values, lower and upper must have the same length")
    fig, ax = _new_figure(ax, (7.0, 1.0 + 0.45 * max(len(labels), 1)))
    y = np.arange(len(labels))[::-1]
    colours = [LA_COLOUR] + [REGION_COLOUR] * (len(labels) - 1)
    for yi, value, err, colour in zip(y, v, _error(v, lo, hi).T, colours, strict=True):
        ax.errorbar(value, yi, xerr=err[:, None], fmt="o", color=colour, ecolor=colour, capsize=3, markersize=6)
    if reference is not None:
        ax.axvline(reference, color=PALETTE["dark_grey"], linestyle="--", linewidth=1)
    if n is not None:
        right = np.nanmax(np.r_[hi.to_numpy(float), v.to_numpy(float)]) if len(v) else 0.0
        for yi, count in zip(y, list(n), strict=True):
            ax.annotate(_n_text(count), (right, yi), xytext=(8, 0), textcoords="offset points", va="center",
                        fontsize=8, color=ANNOTATION_COLOUR)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    _title(ax, title or "Estimates with 95% confidence intervals")
    if footnote:
        _footnote(fig, footnote)
    return fig


def series_with_ci(table: pd.DataFrame, *, x: str, value: str, lower: str, upper: str,
                   group: str | None = None, ylabel: str = "", title: str | None = None,
                   footnote: str | None = None, ax: Axes | None = None) -> Figure:
    """Lines over time (or any ordered x) with a shaded 95% band, one colour per group.

    Parameters
    ----------
    table : DataFrame
        One row per group and x value, in x order.
    x, value, lower, upper : str
        Column names (x is shown as text: a year label such as ``2024-25``).
    group : str, optional
        Column of the groups (one line each; the first in dark blue).
    ylabel, title, footnote : str, optional
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    fig, ax = _new_figure(ax, (7.0, 3.8))
    order = list(dict.fromkeys(table[x].astype(str)))
    position = {label: i for i, label in enumerate(order)}
    names = list(dict.fromkeys(table[group])) if group is not None else [None]
    for i, name in enumerate(names):
        part = table if name is None else table[table[group] == name]
        xs = part[x].astype(str).map(position).to_numpy(float)
        colour = COLOURS[i % len(COLOURS)]
        ax.plot(xs, part[value].to_numpy(float), marker="o", color=colour, linewidth=1.8,
                label=None if name is None else str(name))
        ax.fill_between(xs, part[lower].to_numpy(float), part[upper].to_numpy(float), color=colour, alpha=0.15,
                        linewidth=0)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(order)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(ylabel)
    if group is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    _title(ax, title or ylabel)
    if footnote:
        _footnote(fig, footnote)
    return fig
