"""The adoption scorecard's timeliness measures A1, A2 and A10 over DfE's three-year windows.

DfE publishes each as the average over the children adopted in the **three years** ending
31 March (the 2022-2025 scorecard: adoptions from 1 April 2022 to 31 March 2025), so a small
authority's figure is not one year's handful of children. The package computes the same three
years ending on the period end (36 months to a quarter end for a rolling window) from the 903:

* **A1** - days from entering care to moving in with the adoptive family: from the start of the
  period of care that ended in adoption to the first day of the placement with the adopters
  (the first episode of the last carer spell with a placed-for-adoption code, PLACE A3-A6);
* **A10** - A1 adjusted for foster carer adoptions: a child adopted by their foster carers
  "moved in" when they moved in with those carers (the start of the last carer spell; a
  same-carer change, RNE T/U, does not start a new one: ``docs/indicator_views.md``);
* **A2** - days from the court's authority to place (the placement order: the first episode of
  the period with legal status E1) to the decision on a match with the adopters (AD1
  ``DATE_MATCH``).

A window is produced only when the loaded returns reach back to its first day
(:meth:`~cpanalysis.indicators.context.IndicatorContext.covers`): with fewer than three years loaded the
average would silently be over fewer years. The start of a period of care (A1, A10) and the
placement order (A2) may lie before the earliest loaded return; the earliest loaded episode then
stands for them, so load the authority's whole history for these measures.
Definitions: ``docs/dfe_statistics.md`` (adoption scorecard).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import codes
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.profile import ceased_frame
from cpanalysis.indicators.table import Rows, Stamp, mean_rows
from cpanalysis.periods import Window

#: Months in DfE's scorecard window.
SCORECARD_MONTHS = 36
#: Legal status of a placement order (court authority to place for adoption).
PLACEMENT_ORDER = "E1"


def scorecard_window(win: Window) -> Window:
    """The three years ending on ``win``'s last day (same period type)."""
    return Window(win.shifted_start(SCORECARD_MONTHS), win.end, win.period_type)


def adopted_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame | None:
    """Children adopted (last ceasing REC E11/E12) in the three years ending on the period end,
    with the start of their period of care; None when the loaded returns do not cover them."""
    three = scorecard_window(win)
    if not ctx.covers(three.start):
        return None
    ceased = ceased_frame(ctx, three)
    return ceased[ceased["end_rec"].isin(codes.REC_ADOPTED)]


def _last_spell(ctx: IndicatorContext) -> pd.DataFrame:
    """The last carer spell of each period of care (short breaks left out), keyed on child and period."""
    p = ctx.placements[~ctx.placements["is_short_break"]]
    return p.sort_values("start").drop_duplicates(["child_id", "period_id"], keep="last").set_index(
        ["child_id", "period_id"]
    )


def _keys(adopted: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([adopted.index, adopted["period_id"]])


def _days(adopted: pd.DataFrame, later: np.ndarray, earlier: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"days": (later - earlier) / np.timedelta64(1, "D"), "geo": adopted["geo"].to_numpy()},
                        index=adopted.index)


def _moved_in_with_adopters(ctx: IndicatorContext) -> pd.Series:
    """First day of each period's last carer spell on which the placement was an adoptive one
    (the DECOM of its first A3-A6 episode), keyed on child and period; absent when none was."""
    spells = ctx.cached("last_spell_of_period", lambda: _last_spell(ctx))
    e = ctx.care_episodes
    e = e.loc[e["place"].isin(codes.PLACE_ADOPTION), ["child_id", "period_id", "decom"]]
    keys = pd.MultiIndex.from_arrays([e["child_id"], e["period_id"]])
    spell_start = spells["start"].reindex(keys).to_numpy()
    e = e.loc[e["decom"].to_numpy() >= spell_start]  # NaT compares False: periods without a spell drop out
    return e.groupby(["child_id", "period_id"])["decom"].min()


def adoption_a1_days(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Adoption scorecard A1: average days between entering care and moving in with the adoptive family.

    DfE measure: adoption scorecard A1, "average time between a child entering care and moving
    in with its adoptive family, for children who have been adopted", a three-year average.
    Cohort and denominator: children adopted (last ceasing with REC E11/E12) in the three years
    ending on the period end. Numerator: the sum of their days from the start of the period of
    care that ended in adoption to the first day of their placement with the adopters (the first
    episode of the last carer spell with PLACE A3-A6; for a child adopted by their foster carers,
    the day the foster placement became an adoptive one). Value: the mean, with a t interval.
    Exclusions: short breaks; a child with no adoptive placement recorded in the period.
    Not produced when the loaded returns do not reach back three years.
    """
    adopted = adopted_frame(ctx, win)
    if adopted is None:
        return None
    moved = ctx.cached("moved_in_with_adopters", lambda: _moved_in_with_adopters(ctx))
    frame = _days(adopted, moved.reindex(_keys(adopted)).to_numpy(), adopted["start"].to_numpy())
    return mean_rows(frame, "days", "adoption_a1_days", stamp)


def adoption_a10_days(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Adoption scorecard A10: A1 adjusted for foster carer adoptions.

    DfE measure: adoption scorecard A10, "average time between a child entering care and moving
    in with its adoptive family, adjusted for foster carer adoptions", a three-year average.
    Cohort and denominator: as :func:`adoption_a1_days`. Numerator: the sum of days from the start
    of the period of care that ended in adoption to the start of the last carer spell of that
    period, so a child adopted by their foster carers counts from the day they moved in with them
    (a same-carer change, RNE T/U, never starts a carer spell). Value: the mean, with a t interval.
    Exclusions: short breaks. Not produced when the loaded returns do not reach back three years.
    """
    adopted = adopted_frame(ctx, win)
    if adopted is None:
        return None
    spells = ctx.cached("last_spell_of_period", lambda: _last_spell(ctx))
    frame = _days(adopted, spells["start"].reindex(_keys(adopted)).to_numpy(), adopted["start"].to_numpy())
    return mean_rows(frame, "days", "adoption_a10_days", stamp)


def _placement_order(ctx: IndicatorContext) -> pd.Series:
    """Date of the placement order in each period of care: the DECOM of its first E1 episode."""
    e = ctx.care_episodes
    e = e.loc[e["ls"] == PLACEMENT_ORDER]
    return e.groupby(["child_id", "period_id"])["decom"].min()


def _match_dates(ctx: IndicatorContext, adopted: pd.DataFrame) -> np.ndarray:
    """Each adopted child's AD1 match date: the latest DATE_MATCH on or before the adoption."""
    ad1 = ctx.ad1
    if ad1.empty:
        return np.full(len(adopted), np.datetime64("NaT"), dtype="datetime64[ns]")
    rows = ad1.loc[ad1["date_match"].notna(), ["child_id", "date_match"]]
    rows = rows.merge(pd.DataFrame({"child_id": adopted.index, "end": adopted["end"].to_numpy()}), on="child_id")
    rows = rows.loc[rows["date_match"] <= rows["end"]]
    latest = rows.groupby("child_id")["date_match"].max()
    return latest.reindex(adopted.index).to_numpy(dtype="datetime64[ns]")


def adoption_a2_days(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Adoption scorecard A2: average days between court authority to place and the match decision.

    DfE measure: adoption scorecard A2, "average time between a local authority receiving court
    authority to place a child and the local authority deciding on a match to an adoptive
    family", a three-year average. Cohort and denominator: children adopted (REC E11/E12) in the
    three years ending on the period end who had a placement order (legal status E1) in the
    period of care that ended in adoption and an AD1 match date (DATE_MATCH). Numerator: the sum
    of days from the placement order (the first E1 episode's DECOM) to the match date (the latest
    DATE_MATCH on or before the adoption). A match dated before the placement order counts 0
    days, or is left out with ``a2_match_before_authority="exclude"`` (DfE's guidance does not
    say). Value: the mean, with a t interval. Exclusions: short breaks; children adopted with
    parental consent and no placement order (the 903 does not date consent); children without a
    match date. Not produced when the loaded returns do not reach back three years.
    """
    adopted = adopted_frame(ctx, win)
    if adopted is None:
        return None
    order = ctx.cached("placement_order", lambda: _placement_order(ctx))
    frame = _days(adopted, _match_dates(ctx, adopted), order.reindex(_keys(adopted)).to_numpy())
    early = frame["days"] < 0
    if ctx.options.a2_match_before_authority == "zero":
        frame.loc[early, "days"] = 0.0
    else:
        frame.loc[early, "days"] = np.nan
    return mean_rows(frame, "days", "adoption_a2_days", stamp)


INDICATORS = (adoption_a1_days, adoption_a2_days, adoption_a10_days)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every adoption scorecard measure for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
