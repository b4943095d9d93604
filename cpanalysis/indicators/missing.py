"""Missing and away-from-placement episodes (the 903 Missing table).

DfE publishes the share of children looked after during the year who had at least one missing
incident, and separately at least one "away from placement without authorisation" incident
(EES "Children looked after who were missing or away from placement"; LAIT ``Children_missing``,
``Children_Away``).
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.table import Rows, Stamp, proportion_rows
from cpanalysis.periods import Window

MISSING_CODE, AWAY_CODE = (c.code for c in codes.MISSING)


def _frame(ctx: IndicatorContext, win: Window, kind: str) -> pd.DataFrame:
    cohort = ctx.cached(("during", win), lambda: ctx.looked_after_during(win.start, win.end))
    # missing and away share the cohort and its attributes; each adds its own "hit"
    frame = ctx.cached(("during_attributes", win), lambda: ctx.attributes(cohort, win.end)).copy()
    m = ctx.missing
    in_window = (m["mis_start"] >= win.start) & (m["mis_start"] <= win.end)
    if ctx.options.missing_started_before_window:
        # an incident still going on the window's first day (no end recorded, or ending then or later)
        ended = m["mis_end"] if "mis_end" in m.columns else pd.Series(pd.NaT, index=m.index)
        ongoing = (m["mis_start"] < win.start) & (ended.isna() | (ended >= win.start))
        in_window |= ongoing
    started = m["child_id"][(m["missing"] == kind) & in_window]
    frame["hit"] = frame.index.isin(started)
    return frame


def missing_episodes_children(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children looked after who went missing in the window (LAIT ``Children_missing``).

    Cohort and denominator: children looked after at any time in the window (a non-V3/V4 episode
    overlapping it). Numerator: those with a Missing-table row with MISSING = M (missing from
    care) in the window: starting in it or, as DfE counts (LAIT's methodology), started before it
    and still going on its first day (``missing_started_before_window=False`` leaves those out).
    Breakdowns: age band on the period end, sex.
    """
    frame = _frame(ctx, win, MISSING_CODE)
    indicator_id = "missing_episodes_children"
    return proportion_rows(frame, "hit", indicator_id, stamp, cat.get(indicator_id).breakdowns)


def away_episodes_children(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children looked after who were away from placement without authorisation (LAIT ``Children_Away``).

    Cohort and denominator: as :func:`missing_episodes_children`. Numerator: those with a
    Missing-table row with MISSING = A in the window (as :func:`missing_episodes_children`).
    """
    frame = _frame(ctx, win, AWAY_CODE)
    indicator_id = "away_episodes_children"
    return proportion_rows(frame, "hit", indicator_id, stamp, cat.get(indicator_id).breakdowns)


INDICATORS = (missing_episodes_children, away_episodes_children)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Both missing indicators for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
