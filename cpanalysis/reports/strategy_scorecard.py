"""Notebook 07, strategy scorecard: one page per outcome worded for a board paper.

:func:`strategy_scorecard` computes the scorecard (:func:`cpanalysis.scorecard.scorecard`) for the
report's authority with the change since the previous run (:func:`quarter_changes`);
:func:`scorecard_summary`, :func:`scorecard_table`, :func:`scorecard_tiles` and
:func:`changes_table` word it.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown

from cpanalysis.indicators import ees_layout
from cpanalysis.reports import wording
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.wording import format_value, period_label


# ----------------------------------------------------------------------------- the strategy scorecard
def quarter_changes(data: NotebookData, previous_indicators: str = "") -> pd.DataFrame | None:
    """:func:`cpanalysis.reports.changes.compare_runs` of the previous run's ``indicators.csv`` against
    this one, or None when there is no previous run. For an external audience the previous run's
    figures are suppressed too (the previous run may have been internal)."""
    from cpanalysis.reports import changes
    from cpanalysis.reports.loading import apply_disclosure

    if not previous_indicators:
        return None
    before = ees_layout.read_indicators_csv(previous_indicators)
    # compare_runs reads the previous run at its own latest period end only: protect just that
    # period (every breakdown, for secondary suppression), which is much faster than the whole file.
    ends = pd.to_datetime(before["period_end"])
    before = apply_disclosure(before[ends == ends.max()], data.audience)
    # This run's figures as its indicators.csv states them (rounded alike), so an unchanged value
    # shows no change, exactly as the run's changes.csv compares the two files.
    now = ees_layout.from_ees(ees_layout.to_ees(data.indicators, data.la_code).astype(str))
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
    if pd.isna(row.get("previous_period_end")):
        return ""
    return wording.describe_change({"verdict": row["change_verdict"], "change": row["change"], "unit": row["unit"],
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
        value_text, target_text = wording.format_pair(r["value"], r["target"], unit)
        out.append({
            "Measure": r["indicator"] + (" (DfE published)" if r["source"] == "dfe" else ""),
            "Latest": f"[{suppressed}]" if suppressed else value_text,
            "Period": period_label(r["period_end"], str(r["period_type"])),
            "95% interval": "" if suppressed else wording.row_interval(r),
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
    value_text, target_text = wording.format_pair(r["value"], r["target"], unit)
    status = str(r["target_status"] or "")
    border, background = TILE_COLOURS.get(status, TILE_COLOURS[""])
    lines = [f"{period_label(r['period_end'], str(r['period_type']))}"
             + ("" if pd.isna(r["denominator"]) or unit in ("count", "rate_per_10k") else f", n = {r['denominator']:,.0f}")]
    if not suppressed and wording.row_interval(r):
        lines.append(f"95% interval {wording.row_interval(r)}")
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
    return (f'<div role="group" aria-label="{name}" style="border-left:6px solid {border};background-color:{background};'
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
    from cpanalysis.reports import changes

    table = quarter_changes(data, previous_indicators)
    if table is None:
        return Markdown("*There is no previous run to compare with (the first quarter reported, or "
                        "`cpanalysis run` found no earlier `reports/<date>/indicators.csv`), so changes "
                        "since the previous run are not shown.*")
    if table.empty:
        return Markdown("*The previous run shares no measures with this one.*")
    return changes.changes_for_readers(changes.headline_changes(table))
