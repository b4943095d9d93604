"""Social worker changes of children looked after, from the 903's social worker episodes.

The return has carried a social worker episodes table (``sw_episodes``: ``SW_ID``, ``SW_DECOM``,
``SW_DEC``, ``SW_REASON``) since 2023-24, covering the whole year of every child looked after on
31 March ([ssda903.md](ssda903.md) §1.11). DfE publishes from it the share of children looked after
on 31 March who had 3 or more social workers during the year (``la_cla_swcount.csv``, first for
the year to 31 March 2024), which the package computes the same way and sets beside the
published figure. A window that starts before 1 April 2023 has no figure: the episodes were not
collected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import periods
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.profile import on_date_frame
from cpanalysis.indicators.table import Rows, Stamp, proportion_rows
from cpanalysis.periods import Window

#: First collection year with social worker episodes (2023-24).
FIRST_YEAR = 2024
#: ``SW_ID`` prefix of a placeholder rather than a person (DfE's rule SW02STG1 allows ``SW`` or ``XX``).
PLACEHOLDER = "XX"


def social_workers_in_window(ctx: IndicatorContext, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Number of different social workers each child had in ``start``..``end``, indexed by child key.

    A social worker counts when one of their episodes with the child overlaps the window: it
    began on or before its last day and had not ended by its first (an episode ending on the
    first day is the previous worker handing over that day, as a placement ending on 1 April is
    not counted). ``SW_ID`` placeholders starting ``XX`` are not a person and are not counted.
    """
    sw = ctx.sw_episodes
    ids = sw["sw_id"].astype(str).str.strip().str.upper()
    open_ = (sw["sw_decom"] <= end) & (sw["sw_dec"].isna() | (sw["sw_dec"] > start))
    rows = sw.loc[open_ & ids.ne("") & ~ids.str.startswith(PLACEHOLDER)].assign(sw_id=ids)
    return rows.drop_duplicates(["child_id", "sw_id"]).groupby("child_id").size()


def social_workers_3plus_12m(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Children looked after with 3 or more social workers in the 12 months.

    DfE measure: "CLA on 31 March" x "3 or more social workers during the year" (EES
    ``la_cla_swcount.csv``, from 2024). Cohort and denominator: children looked after on the
    period end (:func:`cpanalysis.indicators.profile.cla_on_date`). Numerator: those with 3 or more
    different social workers (``SW_ID``) whose episodes overlap the 12 months
    (:func:`social_workers_in_window`); a child with no social worker episode has none.
    Exclusions: short breaks; ``XX`` placeholder ids. Not produced for a window starting before
    1 April 2023, before the loaded returns, or without a social worker episodes table.
    """
    if ctx.sw_episodes.empty or win.start < periods.year_start(FIRST_YEAR) or not ctx.covers(win.start):
        return None
    frame = on_date_frame(ctx, win.end).copy()
    counts = social_workers_in_window(ctx, win.start, win.end)
    frame["hit"] = counts.reindex(frame.index).fillna(0).to_numpy(dtype=np.int64) >= 3
    return proportion_rows(frame, "hit", "social_workers_3plus_12m", stamp)


INDICATORS = (social_workers_3plus_12m,)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every social worker indicator for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
