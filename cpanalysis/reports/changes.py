"""Quarter on quarter: what changed since the previous run, and whether it is beyond noise.

A board paper needs three facts per measure: the value now and at the previous run (usually last quarter), which way it moved,
and whether the move is more than chance. This module compares two runs' indicator tables
(``indicators.csv`` of the previous run and the current one) on the whole-cohort (``Total``) rows
of each run's own period end.

Is a change beyond noise?

- Percentages: the Newcombe (hybrid Wilson score) 95% confidence interval of the difference of two
  independent proportions (:func:`cpanalysis.trends.between_runs`, :func:`cpanalysis.trends.year_on_year`;
  Newcombe 1998, ``methods.md`` §5.6) excludes zero. Many of the same children are in both
  rolling windows, so the two are positively correlated and this interval is *conservative*:
  a change it calls beyond noise is real; one it does not may still be.
- Other units (rates, means, counts, days): the two 95% intervals do not overlap, an even more
  conservative rule that needs only the published limits.
- Not assessed when either value is suppressed, missing or has no interval.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import trends
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import title_of
from cpanalysis.indicators.ees_layout import read_indicators_csv
from cpanalysis.reports.wording import describe_change, format_value

#: Columns of :func:`compare_runs`.
CHANGE_COLUMNS = (
    "indicator_id", "indicator", "unit", "polarity", "previous_period_end", "previous_value",
    "period_end", "value", "change", "change_lower_95", "change_upper_95", "direction",
    "beyond_noise", "verdict", "method",
)
_RUN_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NEWCOMBE, OVERLAP = trends.NEWCOMBE, trends.OVERLAP


def _latest_totals(tidy: pd.DataFrame, geography: str | None) -> pd.DataFrame:
    rows = tidy[(tidy["breakdown"] == "Total") & (tidy["breakdown_value"] == "Total")].copy()
    if "source" in rows:
        rows = rows[rows["source"].fillna("local") == "local"]
    if geography is not None:
        rows = rows[rows["geography"].astype(str) == str(geography)]
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    if rows.empty:
        return rows
    rows = rows[rows["period_end"] == rows["period_end"].max()]
    # At a 31 March run both the year and the rolling window exist and are equal: keep one.
    rows = rows.sort_values("period_type", key=lambda s: s.ne("rolling_12m"), kind="mergesort")
    return rows.drop_duplicates("indicator_id").set_index("indicator_id")


def _as_table(table: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(table, (str, Path)):
        return read_indicators_csv(table)
    return table


def _verdict(direction: str, beyond: bool | None, polarity: str) -> str:
    if beyond is None:
        return "Not assessed"
    if not beyond or direction == "No change":
        return "No significant change"
    up = direction == "Up"
    if polarity == "high_good":
        return "Improved" if up else "Worsened"
    if polarity == "low_good":
        return "Worsened" if up else "Improved"
    return "Increased" if up else "Decreased"


def compare_runs(previous: pd.DataFrame | str | Path, current: pd.DataFrame | str | Path, *,
                 geography: str | None = None) -> pd.DataFrame:
    """What changed between two runs, measure by measure, and whether it is beyond noise.

    Parameters
    ----------
    previous, current : DataFrame or path
        Tidy indicator tables, or paths to runs' ``indicators.csv``. Each is compared at its own
        latest period end, whole cohort (``breakdown == "Total"``), local rows only.
    geography : str, optional
        The authority's code when the tables hold several areas.

    Returns
    -------
    DataFrame
        One row per indicator present in both, columns :data:`CHANGE_COLUMNS`: values, ``change``
        (current minus previous, percentage points for percentages) with its 95% limits when
        computable, ``direction`` (Up / Down / No change), ``beyond_noise`` (True / False / None
        when not assessed), ``verdict`` (Improved / Worsened / Increased / Decreased / No
        significant change / Not assessed) and the ``method`` used.

    Raises
    ------
    ParameterError
        If a path is not a readable ``indicators.csv``.

    References
    ----------
    Newcombe RG (1998). Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Statistics in Medicine 17: 873-890.
    """
    before = _latest_totals(_as_table(previous), geography)
    after = _latest_totals(_as_table(current), geography)
    shared = [i for i in after.index if i in before.index]
    rows = []
    for ind in shared:
        old, new = before.loc[ind], after.loc[ind]
        unit, polarity = str(new["unit"]), str(new["polarity"])
        change = new["value"] - old["value"]
        suppressed = bool(str(old["suppressed"] or "")) or bool(str(new["suppressed"] or ""))
        lo, hi, beyond, method = ((np.nan, np.nan, None, "") if suppressed or pd.isna(change)
                                  else trends.between_runs(unit, old, new))
        direction = ("No change" if pd.notna(change) and abs(change) < 1e-9 else
                     "Up" if pd.notna(change) and change > 0 else "Down" if pd.notna(change) else "")
        rows.append({
            "indicator_id": ind, "indicator": title_of(ind), "unit": unit, "polarity": polarity,
            "previous_period_end": old["period_end"], "previous_value": old["value"],
            "period_end": new["period_end"], "value": new["value"], "change": change,
            "change_lower_95": lo, "change_upper_95": hi, "direction": direction,
            "beyond_noise": beyond, "verdict": _verdict(direction, beyond, polarity), "method": method,
        })
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    # Rounded so that a CSV of the table is stable and readable (2 decimal places, as indicators.csv).
    for col in ("previous_value", "value", "change", "change_lower_95", "change_upper_95"):
        out[col] = out[col].astype(float).round(2)
    return out


def headline_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """The changes a board paper leads with: beyond-noise changes first (whatever the measure), then
    the rest in catalogue order; the care-leaver measures by single year of age are left to
    ``changes.csv`` unless their change is beyond noise."""
    if changes.empty:
        return changes
    # leavers_18_eet is a single age; leavers_19_21_eet (an age band) is a headline measure
    single_age = changes["indicator_id"].str.match(r"^leavers_\d{2}_[a-z]") & ~changes["beyond_noise"].map(lambda b: b is True)
    order = {ind: i for i, ind in enumerate(catalogue.CATALOGUE)}
    out = changes[~single_age].assign(
        _first=lambda f: f["beyond_noise"].map(lambda b: 0 if b is True else 1),
        _order=lambda f: f["indicator_id"].map(lambda i: order.get(i, len(order))),
    )
    return out.sort_values(["_first", "_order"], kind="mergesort").drop(columns=["_first", "_order"]).reset_index(drop=True)


def changes_for_readers(changes: pd.DataFrame) -> pd.DataFrame:
    """The :func:`compare_runs` table worded for the index page and a board paper.

    The two value columns are named by their period ends (``30 Jun 2025``, ``30 Sep 2025``), so
    a reader sees the gap between the runs, which need not be one quarter.
    """
    if changes.empty:
        return pd.DataFrame(columns=["Measure", "Previous run", "This run", "Change", "Assessment"])
    before, after = (_column_name(changes[c], fallback) for c, fallback in
                     (("previous_period_end", "Previous run"), ("period_end", "This run")))
    return pd.DataFrame({
        "Measure": changes["indicator"],
        before: [format_value(v, u) for v, u in zip(changes["previous_value"], changes["unit"], strict=True)],
        after: [format_value(v, u) for v, u in zip(changes["value"], changes["unit"], strict=True)],
        "Change": [describe_change(r) for r in changes.to_dict("records")],
        "Assessment": changes["verdict"],
    })


def _column_name(period_ends: pd.Series, fallback: str) -> str:
    """``30 Jun 2025`` when every row has that period end, else ``fallback``."""
    ends = pd.to_datetime(period_ends).dropna().unique()
    return f"{pd.Timestamp(ends[0]):%-d %b %Y}" if len(ends) == 1 else fallback


def run_audience(indicators_csv: str | Path) -> str | None:
    """The audience of the run that wrote ``indicators_csv`` (its ``run_manifest.json``), or None."""
    manifest = Path(indicators_csv).parent / "run_manifest.json"
    try:
        audience = json.loads(manifest.read_text(encoding="utf-8"))["parameters"]["audience"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return audience if isinstance(audience, str) else None


def run_definitions(indicators_csv: str | Path) -> dict:
    """The definition choices of the run that wrote ``indicators_csv`` (its ``run_manifest.json``).

    Empty (DfE's reading) when the manifest names none: runs made before ``--definition`` existed,
    or without a manifest, counted every indicator DfE's way.
    """
    manifest = Path(indicators_csv).parent / "run_manifest.json"
    try:
        chosen = json.loads(manifest.read_text(encoding="utf-8"))["parameters"].get("definitions") or {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return dict(chosen) if isinstance(chosen, dict) else {}


def check_previous_definitions(previous: str | Path, definitions: dict) -> None:
    """Refuse a previous run counted with other definition choices than this one.

    A change between two runs counted different ways would be read as a change in the children's
    outcomes (``changes.csv``, the scorecard's "since the previous run").

    Raises
    ------
    ParameterError
        When the previous run's manifest names other choices than ``definitions``.
    """
    found = run_definitions(previous)
    if found != dict(definitions):
        def words(chosen: dict) -> str:
            return "; ".join(f"{k} = {v}" for k, v in chosen.items()) or "DfE's reading"
        raise ParameterError(f"--previous {previous}: was counted with other definitions ({words(found)}) than "
                             f"this run ({words(dict(definitions))}); its changes would not be changes in outcomes")


def find_previous_run(reports: str | Path, period_end: object, audience: str | None = None,
                      definitions: dict | None = None) -> Path | None:
    """The latest earlier run's ``indicators.csv`` under ``reports/<YYYY-MM-DD>/``, if any.

    With ``audience``, only a run for the same audience counts (its manifest says so): an
    external pack compared with an internal run would copy unsuppressed values into
    ``changes.csv``, and an internal pack gains nothing from a suppressed one. With
    ``definitions``, only a run counted with the same definition choices counts
    (:func:`run_definitions`).
    """
    reports = Path(reports)
    if not reports.is_dir():
        return None
    end = pd.Timestamp(period_end)
    earlier = []
    for folder in reports.iterdir():
        if not _RUN_FOLDER.match(folder.name):
            continue
        when = pd.Timestamp(folder.name)
        csv = folder / "indicators.csv"
        if (folder.is_dir() and when < end and csv.is_file() and (audience is None or run_audience(csv) == audience)
                and (definitions is None or run_definitions(csv) == dict(definitions))):
            earlier.append((when, csv))
    return max(earlier)[1] if earlier else None


def check_previous_audience(previous: str | Path, audience: str) -> None:
    """Refuse a previous run for an external pack unless it was an external run too.

    Raises
    ------
    ParameterError
        When ``audience`` is external and the previous run was internal or has no manifest.
    """
    if audience != "external":
        return
    found = run_audience(previous)
    if found != "external":
        what = "an internal run" if found == "internal" else "a run without a run_manifest.json saying its audience"
        raise ParameterError(f"--previous {previous}: is {what}; an external pack is compared only with an "
                             "external run, so that no unsuppressed value reaches changes.csv")
