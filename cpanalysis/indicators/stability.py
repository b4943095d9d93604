"""Outcome 3, stable homes: placement stability, distance, location, provider and permanence.

Three views of the episodes (``docs/indicator_views.md``):

* **episodes** - distance, location, provider and placement type on the period end come from the
  episode open that day (:meth:`~cpanalysis.indicators.context.IndicatorContext.episode_on`);
* **placement changes** - new placements and the reasons for placement change count every
  placement record, same-carer changes (RNE T/U) included, as DfE's new-placements table does
  (:attr:`~cpanalysis.indicators.context.IndicatorContext.placement_changes`);
* **carer spells** - long-term stability and adoption timing count time with the same carers: a
  child placed for adoption with their current foster carers (RNE T/U, PLACE A3/A5) has not
  moved. "3 or more placements" counts carer spells too unless ``same_carer_moves=True``.

In both placement views a temporary placement (T0-T4) followed by a return to the same
placement is one placement (``temporary="merge"``). Short-break placements (LS V3/V4) never
count. Definitions: ``dfe_statistics.md`` §3 and ``methods.md`` §2.1-2.2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis import codes, episodes, periods
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.profile import ceased_frame, on_date_frame
from cpanalysis.indicators.table import (
    UASC_VALUES,
    Rows,
    Stamp,
    as_category,
    mean_rows,
    proportion_rows,
    share_rows,
)
from cpanalysis.periods import Window

#: Distance (miles) above which a placement is "more than 20 miles from home".
DISTANCE_MILES = 20.0
NOT_RECORDED = "Not recorded"


def _placements_count(ctx: IndicatorContext, children: pd.Index, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Placements of each child in the window: the rows of :func:`cpanalysis.episodes.placements_in_window`
    (short breaks excluded), counted on the context's integer child keys."""
    # only the columns placements_in_window reads: it filters the table once per window
    counted = ctx.cached("counted_placements_narrow", lambda: ctx.counted_placements[
        ["child_id", "start", "end", "is_short_break"]])
    rows = episodes.placements_in_window(counted, start, end,
                                         ending_on_first_day=ctx.options.placement_ending_on_first_day)
    counts = np.bincount(rows["child_id"].to_numpy(dtype=np.int64), minlength=len(ctx.children))
    return counts[np.asarray(children, dtype=np.int64)]


def placements_3plus_12m(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Short-term stability: children looked after with 3 or more placements in the 12 months.

    DfE measure: "CLA on 31 March with 3 or more placements during the year" (EES stability
    measures; LAIT ``LACStable_2016on``). Cohort and denominator: children looked after on the
    period end. Numerator: those with 3 or more placements overlapping the 12-month window,
    counting the placement open on its first day and the one open on the period end
    (:func:`cpanalysis.episodes.count_placements`), including placements of an earlier period of
    care in the window. Placements are carer spells, or every placement record with
    ``same_carer_moves=True`` (DfE does not say whether it counts same-carer changes other than
    a foster placement becoming an adoption placement, which it does not). Exclusions: short
    breaks. Breakdowns: age band, sex, UASC on the period end (``uasc_on_date``, as DfE).
    """
    frame = on_date_frame(ctx, win.end).copy()
    frame["hit"] = _placements_count(ctx, frame.index, win.start, win.end) >= 3
    return proportion_rows(frame, "hit", "placements_3plus_12m", stamp, cat.get("placements_3plus_12m").breakdowns)


def placements_3plus_24m(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Two-year stability: children looked after for 2 years with 3 or more placements in them.

    DfE measure: "CLA 2 years on 31 March" x "With 3 or more placements during the previous 2
    years" (EES la_cla_placement_stability). Cohort and denominator: children looked after on
    the period end whose current period of care began on or before the first day of the 24
    months ending then ("CLA 2 years" read as continuously looked after for 2 years; DfE's
    wording is unconfirmed, dfe_statistics.md §3). Numerator: those with 3 or more placements
    overlapping those 24 months. Exclusions: short breaks (children with a V3/V4 episode in the
    24 months, and V3/V4 placements). Not produced when the loaded returns start after the first
    of those 24 months (:meth:`~cpanalysis.indicators.context.IndicatorContext.covers`): a
    period of care or a placement begun before the earliest return would otherwise start at its
    first loaded episode, dropping children from the cohort and placements from the count.
    """
    if not ctx.covers(periods.months_before(win.end, 24)):
        return None
    children = ctx.continuously_looked_after(win.end, 24)
    frame = on_date_frame(ctx, win.end).reindex(children)
    frame["hit"] = _placements_count(ctx, children, periods.months_before(win.end, 24), win.end) >= 3
    return proportion_rows(frame, "hit", "placements_3plus_24m", stamp)


def long_term_stability(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Long-term stability: children in care 2.5+ years in the same placement for 2+ years.

    DfE measure (former NI 63; EES "Children looked after continuously for at least 2.5 years on
    31 March aged under 16" x "Living with the same carer for at least 2 years"; LAIT
    ``LAC_LongStable%``). Cohort and denominator: children looked after on the period end, aged
    under 16 on it, whose period of care began on or before the first day of the 30 months
    ending then. Numerator: those whose current placement began on or before the first day of
    the 24 months ending then, or who are placed for adoption (PLACE A3-A6) and whose previous
    placement in the same period began by then (the adoptive placement and the one before it
    together last 2 years). Placements are carer spells whatever ``same_carer_moves``: a child
    placed for adoption with their foster carers, or whose carers moved house or transferred to
    the authority (RNE T/U), is still with the same carers, so the spell's start counts.
    Not produced when the loaded returns start after the first of the 30 months: a period of
    care begun earlier would start at its first loaded episode and the child could leave the
    cohort (on the demo's last three returns, 31 March 2024: 90% of 160 children instead of 75%
    of 264).
    """
    if not ctx.covers(periods.months_before(win.end, 30)):
        return None
    cutoff = periods.months_before(win.end, 24)
    children = ctx.continuously_looked_after(win.end, 30)
    frame = on_date_frame(ctx, win.end).reindex(children)
    frame = frame[frame["age"].fillna(99) < 16].copy()
    current = ctx.carer_spell_on(win.end).reindex(frame.index)
    long_enough = (current["start"] <= cutoff).fillna(False).to_numpy(dtype=bool)
    adoption = frame["place"].isin(codes.PLACE_ADOPTION).to_numpy()
    if adoption.any():
        prev = ctx.cached("placements_by_next_seq", lambda: _placements_by_next_seq(ctx))
        keys = pd.MultiIndex.from_arrays([frame.index, current["placement_seq"].fillna(-1).astype(int)])
        prev_rows = prev.reindex(keys)
        same_period = prev_rows["period_id"].to_numpy() == current["period_id"].to_numpy()
        prev_ok = (prev_rows["start"] <= cutoff).fillna(False).to_numpy(dtype=bool) & same_period
        long_enough = long_enough | (adoption & prev_ok)
    frame["hit"] = long_enough
    return proportion_rows(frame, "hit", "long_term_stability", stamp)


def _placements_by_next_seq(ctx: IndicatorContext) -> pd.DataFrame:
    """Non-short-break carer spells keyed by (child, the sequence number of the spell after them)."""
    p = ctx.placements.loc[~ctx.placements["is_short_break"], ["child_id", "period_id", "placement_seq", "start"]]
    return p.assign(next_seq=p["placement_seq"] + 1).set_index(["child_id", "next_seq"])


def _current_placement_frame(ctx: IndicatorContext, win: Window, distance: bool = False) -> pd.DataFrame:
    """Children looked after on the period end with the point-in-time fields of the episode open then.

    ``distance=True`` applies ``uasc_distance``: with ``"exclude"``, children who are
    ``uasc_on_date`` on the period end leave the cohort (they have no home postcode, so no
    distance). UASC on the date, DfE's characteristic, rather than ``ever_uasc``: a former UASC
    child (status ended) stays in the cohort, and counts as distance not known when the build
    left their distance blank (it blanks it for every ``ever_uasc`` child).
    """
    frame = on_date_frame(ctx, win.end).copy()
    current = ctx.episode_on(win.end).reindex(frame.index)
    for col in ("pl_distance", "pl_location", "place_provider"):
        frame[col] = current[col]
    frame["pl_distance"] = pd.to_numeric(frame["pl_distance"], errors="coerce")
    if distance and ctx.options.uasc_distance == "exclude":
        frame = frame[frame["uasc"] != UASC_VALUES[0]]
    return frame


def placed_over_20_miles(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children placed more than 20 miles from home (EES placement distance on 31 March).

    Cohort and denominator: children looked after on the period end (those whose distance is not
    known stay in the denominator, as in EES where "not known" is a category of the total).
    Numerator: those whose PL_DISTANCE on the period end (the episode open then,
    :meth:`~cpanalysis.indicators.context.IndicatorContext.episode_on`) is more than 20 miles (inside or
    outside the authority). A child in a temporary placement: parameter
    ``temporary_on_period_end``; children ``uasc_on_date`` (no distance): parameter
    ``uasc_distance``.
    """
    frame = _current_placement_frame(ctx, win, distance=True)
    frame["hit"] = frame["pl_distance"] > DISTANCE_MILES
    return proportion_rows(frame, "hit", "placed_over_20_miles", stamp, cat.get("placed_over_20_miles").breakdowns)


def placed_over_20_miles_outside_la(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children placed outside the authority and more than 20 miles from home (LAIT ``LACDistance``).

    Cohort and denominator: children looked after on the period end. Numerator: the episode
    open on the period end has PL_LOCATION OUT and PL_DISTANCE more than 20 miles. Parameters
    ``temporary_on_period_end`` and ``uasc_distance`` as :func:`placed_over_20_miles`.
    """
    frame = _current_placement_frame(ctx, win, distance=True)
    frame["hit"] = (frame["pl_distance"] > DISTANCE_MILES) & (frame["pl_location"] == codes.PL_LOCATION_OUT)
    return proportion_rows(frame, "hit", "placed_over_20_miles_outside_la", stamp)


def distance_not_known(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children whose placement distance is not known (EES "Distance not known or not recorded").

    Cohort and denominator: children looked after on the period end. Numerator: the episode
    open on the period end has no PL_DISTANCE (mostly UASC and confidential adoption
    placements). Parameters ``temporary_on_period_end`` and ``uasc_distance`` as
    :func:`placed_over_20_miles`.
    """
    frame = _current_placement_frame(ctx, win, distance=True)
    frame["hit"] = frame["pl_distance"].isna()
    return proportion_rows(frame, "hit", "distance_not_known", stamp)


def placed_inside_la(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children placed inside the authority's boundary (EES placement location "inside").

    Cohort and denominator: children looked after on the period end. Numerator: the episode
    open on the period end has PL_LOCATION IN (a blank location is not inside).
    """
    frame = _current_placement_frame(ctx, win)
    frame["hit"] = frame["pl_location"] == codes.PL_LOCATION_IN
    return proportion_rows(frame, "hit", "placed_inside_la", stamp)


def placed_in_house(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children placed in the authority's own provision (EES placement provider "Own provision").

    Cohort and denominator: children looked after on the period end. Numerator: the episode
    open on the period end has PLACE_PROVIDER PR1 (a placement transferred from an agency to the
    authority, RNE T, counts from the transfer). Breakdown: placement type group.
    """
    frame = _current_placement_frame(ctx, win)
    frame["hit"] = frame["place_provider"].isin(codes.PROVIDER_IN_HOUSE)
    return proportion_rows(frame, "hit", "placed_in_house", stamp, cat.get("placed_in_house").breakdowns)


def _new_placements(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    """Placement records (the placement-changes view) starting in the window, short breaks excluded:
    the columns the two new-placement indicators read, once per window."""
    return ctx.cached(("new_placements", win), lambda: _placements_starting(ctx, win))


def _placements_starting(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    p = ctx.placement_changes
    hit = (~p["is_short_break"]) & (p["start"] >= win.start) & (p["start"] <= win.end)
    return p.loc[hit, ["child_id", "pl_distance", "is_change", "change_reason"]]


def new_placements_over_20_miles(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """New placements more than 20 miles from home (EES "Location of new placements during the year").

    Unit: placements (not children), from the placement-changes view. Cohort and denominator:
    every non-short-break placement record starting in the window: first placements of a period
    of care plus every placement change, same-carer changes (RNE T/U) included ("Total new
    placements" = starts + changes; distance not known stays in). Numerator: those more than 20
    miles from home, inside or outside the authority (the sum of EES's two "more than 20 miles"
    rows).
    """
    frame = _new_placements(ctx, win).copy()
    frame["geo"] = ctx.geo_of(frame["child_id"])
    frame["hit"] = pd.to_numeric(frame["pl_distance"], errors="coerce") > DISTANCE_MILES
    return proportion_rows(frame, "hit", "new_placements_over_20_miles", stamp)


def placement_moves_reason(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Placement changes by reason (EES "Reason for placement change during the year").

    Unit: placement changes, from the placement-changes view. Cohort and denominator: every
    change of placement record in the window within a period of care, same-carer changes (RNE
    T/U) included, "Total placements changing". Numerator per group: changes with that
    REASON_PLACE_CHANGE (recorded on the last episode of the placement that ended), so "Change
    in the status of placement only" (PLACE) is counted and the reasons sum to the total; a
    blank reason is "Not recorded". The Total row is 100%.
    """
    moves = _new_placements(ctx, win)
    moves = moves[moves["is_change"]]
    frame = pd.DataFrame({
        cat.PLACEMENT_CHANGE_REASON: as_category(
            moves["change_reason"].map(codes.REASON_PLACE_CHANGE.labels()).fillna(NOT_RECORDED).to_numpy(dtype=object)
        ),
        "geo": ctx.geo_of(moves["child_id"]),
    })
    order = tuple(codes.REASON_PLACE_CHANGE.labels().values())
    return share_rows(frame, cat.PLACEMENT_CHANGE_REASON, order, "placement_moves_reason", stamp)


def permanence_sgo_cao(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children leaving care to a special guardianship or child arrangements order.

    Cohort and denominator: children ceasing to be looked after in the window, last ceasing per
    child (:func:`cpanalysis.indicators.profile.cla_ceased`). Numerator: those whose reason for
    ceasing is an SGO (E43-E48) or a residence / child arrangements order (E41), as in EES
    children who ceased during the year by reason. Exclusions: short breaks.
    """
    frame = ceased_frame(ctx, win).copy()
    frame["hit"] = frame["end_rec"].isin(codes.REC_SGO | codes.REC_CAO)
    return proportion_rows(frame, "hit", "permanence_sgo_cao", stamp)


def adoption_days_entry_to_placement(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Average days from entering care to moving in with the adoptive family (adoption scorecard A10).

    Cohort and denominator: children adopted in the window (last ceasing with REC E11/E12).
    Value: mean days from the start of the period of care that ended in adoption to the start of
    the placement the child was adopted from, with a t interval. Under the default counting rule
    a child adopted by their foster carers (A3/A5 with RNE T/U) is in the same placement as when
    fostered, so the days run to the date they moved in with those carers: DfE's "adjusted for
    foster carer adoptions". Placements are always carer spells, whatever ``same_carer_moves``.
    DfE publishes A10 as a 3-year average; this is the window's children. It may look back
    further than the loaded returns hold: a period of care that began before the earliest loaded
    return starts, for this measure, at its earliest loaded episode, so computed on the last
    three returns it can differ from the whole history (as can ``cla_started_reentry``, whose
    earlier period of care may lie before them; the measures with a fixed look-back,
    ``placements_3plus_24m``, ``long_term_stability`` and ``staying_put_19_20``, are not
    produced when the returns do not reach back to it).
    """
    adopted = ceased_frame(ctx, win)
    adopted = adopted[adopted["end_rec"].isin(codes.REC_ADOPTED)]
    last = ctx.cached("last_placement_of_period", lambda: _last_placement_of_period(ctx))
    keys = pd.MultiIndex.from_arrays([adopted.index, adopted["period_id"]])
    placed = last["start"].reindex(keys).to_numpy()
    frame = pd.DataFrame({"days": (placed - adopted["start"].to_numpy()) / np.timedelta64(1, "D"),
                          "geo": adopted["geo"].to_numpy()}, index=adopted.index)
    return mean_rows(frame, "days", "adoption_days_entry_to_placement", stamp)


def _last_placement_of_period(ctx: IndicatorContext) -> pd.DataFrame:
    p = ctx.placements[~ctx.placements["is_short_break"]]
    return p.sort_values("start").drop_duplicates(["child_id", "period_id"], keep="last").set_index(
        ["child_id", "period_id"]
    )


INDICATORS = (
    placements_3plus_12m,
    placements_3plus_24m,
    long_term_stability,
    placed_over_20_miles,
    placed_over_20_miles_outside_la,
    distance_not_known,
    placed_inside_la,
    placed_in_house,
    new_placements_over_20_miles,
    placement_moves_reason,
    permanence_sgo_cao,
    adoption_days_entry_to_placement,
)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every stability indicator for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
