"""Profile indicators: who is looked after, who started and who ceased (DfE headline counts).

All exclude short-break care (LS V3/V4). "Started" counts only the **first** start per child in
the window and "ceased" only the **last** ceasing, as DfE does (``dfe_statistics.md`` §3,
``ssda903.md`` §3.3). A child who ceases and returns to care in the same window therefore counts
once as a starter and once as a leaver.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.table import (
    BREAKDOWN_ORDERS,
    NOT_KNOWN,
    UASC_VALUES,
    Rows,
    Stamp,
    as_category,
    count_rows,
    proportion_rows,
    rate_by_rows,
    rate_rows,
)
from cpanalysis.periods import Window


def _group(values: pd.Series, groups: dict[str, str], order: tuple[str, ...] = ()) -> pd.Categorical:
    """DfE group of each code; a blank or unknown code is "Not known"."""
    return as_category(values.map(groups).fillna(NOT_KNOWN).to_numpy(dtype=object), order)


def on_date_frame(ctx: IndicatorContext, date: pd.Timestamp) -> pd.DataFrame:
    """Children looked after at the end of ``date`` with their breakdown attributes.

    Legal status and placement type are those of the episode open on the date
    (:meth:`~cpanalysis.indicators.context.IndicatorContext.episode_on`; a temporary placement per
    ``temporary_on_period_end``), grouped as DfE publishes them
    (:data:`cpanalysis.codes.LS_GROUPS`, :data:`cpanalysis.codes.PLACE_GROUPS`).
    """
    return ctx.cached(("on_frame", date), lambda: _on_date_frame(ctx, date))


def _on_date_frame(ctx: IndicatorContext, date: pd.Timestamp) -> pd.DataFrame:
    on = ctx.episode_on(date)
    frame = ctx.attributes(on.index, date)
    frame["legal_status"] = _group(on["ls"], codes.LS_GROUPS, BREAKDOWN_ORDERS[cat.LEGAL_STATUS])
    frame["placement_type"] = _group(on["place"], codes.PLACE_GROUPS, codes.PLACE_GROUP_ORDER)
    frame["place"] = on["place"]
    return frame


def started_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    """First start of a (non-short-break) period of care per child in the window, with attributes at that date."""
    return ctx.cached(("started", win), lambda: _started_frame(ctx, win))


def _started_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    p = ctx.periods_of_care
    hit = p.loc[(~p["is_short_break"]) & (p["start"] >= win.start) & (p["start"] <= win.end)]
    first = hit.sort_values(["child_id", "start"]).drop_duplicates("child_id", keep="first").set_index("child_id")
    frame = ctx.attributes(first.index, first["start"])
    frame["legal_status"] = _group(first["first_ls"], codes.LS_GROUPS, BREAKDOWN_ORDERS[cat.LEGAL_STATUS])
    frame["start"] = first["start"]
    return frame


def ceased_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    """Last ceasing (period of care ending with a reason other than X1) per child in the window.

    Attributes are taken at the ceasing date; ``ceased_reason`` is the strategy's grouping of REC
    (:data:`cpanalysis.codes.REC_GROUPS`; a code outside it, such as a repair marker, is "Other").
    """
    return ctx.cached(("ceased", win), lambda: _ceased_frame(ctx, win))


def _ceased_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame:
    p = ctx.periods_of_care
    ended = p["end"].notna() & (p["end_rec"] != codes.REC_CONTINUES)
    hit = p.loc[(~p["is_short_break"]) & ended & (p["end"] >= win.start) & (p["end"] <= win.end)]
    last = hit.sort_values(["child_id", "end"]).drop_duplicates("child_id", keep="last").set_index("child_id")
    frame = ctx.attributes(last.index, last["end"])
    frame["ceased_reason"] = as_category(last["end_rec"].map(codes.REC_GROUPS).fillna("Other").to_numpy(dtype=object),
                                         codes.REC_GROUP_ORDER)
    frame["legal_status"] = _group(last["last_ls"], codes.LS_GROUPS, BREAKDOWN_ORDERS[cat.LEGAL_STATUS])
    frame["placement_type"] = _group(last["last_place"], codes.PLACE_GROUPS, codes.PLACE_GROUP_ORDER)
    for col in ("end_rec", "period_id", "start", "end"):
        frame[col] = last[col]
    return frame


def cla_on_date(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children looked after on the period end (DfE "children looked after on 31 March").

    Cohort and numerator: children with an episode open at the end of the period end (DECOM on or
    before it, DEC blank or later; a DEC on the date means the child ceased that day).
    Exclusions: children whose open episode is a short break (LS V3/V4).
    Breakdowns: age band at the date, sex, ethnic group, legal status and placement type of the
    open episode, UASC on the date (``uasc_on_date``, DfE's characteristic: a child whose UASC
    status ended before the date is not UASC).
    """
    frame = on_date_frame(ctx, win.end)
    return count_rows(frame, "cla_on_date", stamp, cat.get("cla_on_date").breakdowns)


def _rate(ctx: IndicatorContext, frame: pd.DataFrame, indicator_id: str, win: Window, stamp: Stamp) -> Rows | None:
    return rate_rows(frame, ctx.population_for(win.end), indicator_id, stamp)


def cla_rate_per_10k(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Children looked after per 10,000 children under 18 (DfE CLA rate on 31 March), and by age.

    Numerator: :func:`cla_on_date`. Denominator: the ONS under-18 mid-year estimate DfE uses for
    the collection year containing the period end (the latest available year for an in-year
    quarter end). Byar / exact Poisson limits. Not produced without a population table.
    Breakdown ``age_band``: children looked after in each DfE age band per 10,000 children of
    that age, when the population table has rows by age band (column ``age_band``). DfE
    publishes only the under-18 rate, and no population by age is in the files the package
    reads, so the rates by age are the authority's own, with no England figure beside them.
    """
    frame = on_date_frame(ctx, win.end)
    return [_rate(ctx, frame, "cla_rate_per_10k", win, stamp),
            rate_by_rows(frame, cat.AGE_BAND, periods.AGE_BAND_ORDER, ctx.population_by_age_for(win.end),
                         "cla_rate_per_10k", stamp)]


def cla_started(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children who started to be looked after in the window (DfE "started during the year").

    Cohort and numerator: children with a period of care (first episode RNE S) starting in the
    window; only the first start per child counts, so two starts in a year count once.
    Exclusions: short-break periods (all episodes V3/V4).
    Breakdowns: age band at the start, sex, ethnic group, legal status at the start, UASC on the
    start date (``uasc_on_date`` then, as DfE).
    """
    frame = started_frame(ctx, win)
    return count_rows(frame, "cla_started", stamp, cat.get("cla_started").breakdowns)


def cla_started_rate_per_10k(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Children starting to be looked after per 10,000 under 18 (DfE start rate; see :func:`cla_started`)."""
    return _rate(ctx, started_frame(ctx, win), "cla_started_rate_per_10k", win, stamp)


def cla_ceased(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children who ceased to be looked after in the window (DfE "ceased during the year").

    Cohort and numerator: children with a period of care ending in the window (an episode with
    DEC in the window and REC other than X1); only the last ceasing per child counts.
    Exclusions: short-break periods. Breakdowns: reason group (adoption, SGO, CAO, returned home,
    18 / independent living, other), age band at ceasing, sex, ethnic group, legal status and
    placement type of the last episode, UASC on the date of ceasing (``uasc_on_date``
    then, as DfE).
    """
    frame = ceased_frame(ctx, win)
    return count_rows(frame, "cla_ceased", stamp, cat.get("cla_ceased").breakdowns)


def cla_ceased_rate_per_10k(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Children ceasing to be looked after per 10,000 under 18 (DfE cease rate; see :func:`cla_ceased`)."""
    return _rate(ctx, ceased_frame(ctx, win), "cla_ceased_rate_per_10k", win, stamp)


def cla_started_reentry(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Re-entries to care: children starting to be looked after who had been looked after before.

    DfE measure: children starting to be looked after in the year who had a previous period of
    care (the ChAT's re-entries; not in the EES or LAIT files the package reads).
    Cohort and denominator: :func:`cla_started` (children with a period of care starting in the
    window, each counted once). Numerator: those with an earlier period of care that had ended
    (a ceasing other than X1) on or before their last start in the window, so a child who left
    and came back within the window counts. Exclusions: short-break periods (LS V3/V4), both as
    the start and as the earlier period. Only the loaded returns are searched: a period of care
    that ended before the earliest loaded return is not seen, so load the whole history.
    Breakdowns: age band and sex at the first start.
    """
    frame = started_frame(ctx, win).copy()
    care = ctx.cached("care_periods", lambda: ctx.periods_of_care.loc[
        ~ctx.periods_of_care["is_short_break"], ["child_id", "start", "end", "end_rec"]])
    started = care.loc[(care["start"] >= win.start) & (care["start"] <= win.end)]
    last_start = started.groupby("child_id")["start"].max().rename("last_start").reset_index()
    ended = care.loc[care["end"].notna() & (care["end_rec"] != codes.REC_CONTINUES), ["child_id", "end"]]
    earlier = ended.merge(last_start, on="child_id")
    before = earlier.loc[earlier["end"] <= earlier["last_start"], "child_id"].unique()
    frame["hit"] = frame.index.isin(before)
    return proportion_rows(frame, "hit", "cla_started_reentry", stamp, cat.get("cla_started_reentry").breakdowns)


def uasc_on_date(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Unaccompanied asylum-seeking children looked after on the period end (DfE CLA who are UASC).

    DfE measure: children looked after on 31 March who are UASC (EES characteristics; LAIT
    ``Unacc_Asylmn_Seek_Childn``). Cohort: :func:`cla_on_date`. Numerator: those who are
    ``uasc_on_date`` on the period end (in the UASC table with the date of ceasing to be UASC,
    DUC, blank or after the period end): DfE counts the status on the date, so a child whose
    status ended earlier (``ever_uasc`` only) is not counted. Denominator: none (a count).
    Exclusions: as :func:`cla_on_date` (short breaks). Breakdowns: age band, sex.
    """
    frame = on_date_frame(ctx, win.end)
    frame = frame[frame["uasc"] == UASC_VALUES[0]]
    return count_rows(frame, "uasc_on_date", stamp, cat.get("uasc_on_date").breakdowns)


INDICATORS = (
    cla_on_date,
    cla_rate_per_10k,
    cla_started,
    cla_started_rate_per_10k,
    cla_ceased,
    cla_ceased_rate_per_10k,
    cla_started_reentry,
    uasc_on_date,
)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every profile indicator for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
