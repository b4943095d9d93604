"""Placements, periods of care and legal-status spells derived from stitched episodes.

An SSDA903 *episode* starts whenever a child's legal status and/or placement changes, so an
episode is not a placement and not a period of care. This module turns the stitched episodes
table (``data/processed/episodes.parquet``, one history per child) into:

* **periods of care** (:func:`assign_periods_of_care`, :func:`derive_periods_of_care`): a chain
  of episodes from one with ``RNE = S`` to one whose ``REC`` is not ``X1`` (ssda903.md §3.1);
* **placements** (:func:`derive_placements`): runs of episodes with the same carers (the
  **carer spells** view), with the counting choices DfE leaves open as named parameters
  (methods.md §2.2);
* **placement changes** (:func:`derive_placement_changes`): every placement record, a
  same-carer change (RNE T/U) included, with the reason for each change (the view of DfE's
  new-placements and reasons-for-change tables; ``docs/indicator_views.md``);
* **legal-status spells** (:func:`derive_legal_status_spells`);
* and a window count of placements per child (:func:`count_placements`), the building block of
  the "3 or more placements in the year" and "2 years" stability indicators.

Every function takes and returns DataFrames in the processed-table layout of
``docs/architecture.md`` and never changes its input.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cpanalysis import codes
from cpanalysis.errors import ParameterError

#: Temporary-placement choices accepted by :func:`derive_placements`.
TEMPORARY_CHOICES = ("merge", "count", "exclude")

#: Columns of the placements table, in order (docs/architecture.md, "Processed tables").
PLACEMENT_COLUMNS = (
    "child_id",
    "period_id",
    "placement_seq",
    "start",
    "end",
    "place",
    "place_last",
    "place_provider",
    "home_post",
    "pl_post",
    "pl_distance",
    "pl_la",
    "pl_location",
    "start_rne",
    "end_rec",
    "end_reason",
    "n_episodes",
    "is_short_break",
    "is_temporary",
)
#: Columns of the placement-changes view: the placement columns plus the change.
PLACEMENT_CHANGE_COLUMNS = (*PLACEMENT_COLUMNS, "is_change", "change_reason")
#: Columns of the periods-of-care table, in order.
PERIOD_COLUMNS = (
    "child_id",
    "period_id",
    "start",
    "end",
    "end_rec",
    "first_ls",
    "cin",
    "is_short_break",
    "n_episodes",
    "n_placements",
)
#: Columns of the legal-status-spells table, in order.
SPELL_COLUMNS = ("child_id", "period_id", "ls", "start", "end")

# Episode columns the derivations read; absent optional ones are added as blanks so that a
# hand-made table with only the core columns still works.
_REQUIRED = ("child_id", "decom", "dec", "rne", "ls", "place", "rec")
_OPTIONAL_TEXT = (
    "cin",
    "place_provider",
    "reason_place_change",
    "home_post",
    "pl_post",
    "pl_la",
    "pl_location",
)


def _prepare(episodes: pd.DataFrame) -> pd.DataFrame:
    """Copy, check the core columns, add missing optional ones and sort by child and start."""
    missing = [c for c in _REQUIRED if c not in episodes.columns]
    if missing:
        raise ParameterError(
            f"the episodes table lacks the column(s) {', '.join(missing)}; expected the processed "
            "episodes layout of docs/architecture.md (child_id, decom, dec, rne, ls, place, rec, ...)"
        )
    out = episodes.copy()
    for column in _OPTIONAL_TEXT:
        if column not in out.columns:
            out[column] = None
    if "pl_distance" not in out.columns:
        out["pl_distance"] = np.nan
    out["child_id"] = out["child_id"].astype(str)
    for column in ("decom", "dec"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    # Stable sort: child, start, then end with open episodes last, so ties keep input order.
    out = out.sort_values(["child_id", "decom", "dec"], na_position="last", kind="mergesort")
    return out.reset_index(drop=True)


def flag_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Add the derived episode flags ``is_short_break`` and ``is_temporary``.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout (at least ``ls`` and ``place``).

    Returns
    -------
    pandas.DataFrame
        A copy with ``is_short_break`` (bool; ``LS`` is V3 or V4, the short-break statuses DfE
        excludes from every headline figure) and ``is_temporary`` (bool; ``PLACE`` is one of the
        temporary placement codes T0-T4).
    """
    out = episodes.copy()
    out["is_short_break"] = out["ls"].isin(codes.LS_SHORT_BREAK).astype(bool)
    out["is_temporary"] = out["place"].isin(codes.PLACE_TEMPORARY).astype(bool)
    return out


def assign_periods_of_care(episodes: pd.DataFrame) -> pd.DataFrame:
    """Number each child's periods of care (``period_id`` 1, 2, ... in date order).

    A period of care is a maximal chain of episodes (ssda903.md §3.1): consecutive episodes
    chain when the earlier one ended with ``REC = X1`` on the day the later one started and the
    later one does not have ``RNE = S``. A new period therefore starts at

    * the child's first episode;
    * any episode with ``RNE = S`` (started to be looked after);
    * any episode following one whose ``REC`` is not ``X1`` (an E code, the stitching marker
      ``E99``, or blank);
    * any episode following a gap or an overlap: the previous ``DEC`` is not this ``DECOM``
      (including a previous episode left open).

    Stitched data (:func:`cpanalysis.stitch.stitch`) has already closed open episodes and
    truncated overlaps, so the last two cases only arise in unrepaired input.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout.

    Returns
    -------
    pandas.DataFrame
        A copy sorted by ``child_id, decom`` with an ``int64`` column ``period_id``.
    """
    out = _prepare(episodes)
    same_child = out["child_id"].eq(out["child_id"].shift())
    prev_rec = out["rec"].shift()
    prev_dec = out["dec"].shift()
    chained = (
        same_child
        & out["rne"].ne(codes.RNE_START)
        & prev_rec.eq(codes.REC_CONTINUES)
        & prev_dec.eq(out["decom"])
    )
    out["period_id"] = (~chained).astype("int64").groupby(out["child_id"]).cumsum().astype("int64")
    return out


def _with_periods(episodes: pd.DataFrame) -> pd.DataFrame:
    if "period_id" in episodes.columns and episodes["period_id"].notna().all():
        return _prepare(episodes)
    return assign_periods_of_care(episodes)


def derive_placements(
    episodes: pd.DataFrame,
    same_carer_moves: bool = False,
    temporary: str = "merge",
) -> pd.DataFrame:
    """Group episodes into placements, one row per placement.

    Counting rule (methods.md §2.2, ssda903.md §3.1). Within a period of care a new placement
    starts on an episode whose ``RNE`` is

    * ``S`` (or whatever the first episode of a period of care is): the first placement;
    * ``P`` or ``B``: new placement with new carers, a genuine move;
    * ``T`` or ``U`` (same carers, new placement record: a foster carer becoming the adopter,
      A3/A5, or a placement redesignated long-term) **only when** ``same_carer_moves=True``.
      DfE does not count a child placed for adoption with their existing foster carers as
      changing placement, hence the default ``False``;
    * ``L`` (legal status only) never.

    Temporary placements (``PLACE`` T0-T4: hospital, holiday, respite while carers are away,
    up to 7 days) are handled by ``temporary``; DfE does not publish its rule:

    * ``"merge"`` (default, the reading of DfE guidance in methods.md §2.2): a temporary episode
      never starts a placement; its days belong to the placement it interrupts, and the episode
      that follows is a continuation of that placement when it returns to the same ``PLACE``
      and ``PL_POST`` (a blank postcode on either side matches). A return to a different place
      is judged by its ``RNE`` as usual. A temporary episode that opens a period of care (an
      error, rules 380/381) has nothing to merge into and starts a placement itself.
    * ``"count"``: temporary episodes are ordinary episodes, so a temporary move and the
      return from it are two more placements.
    * ``"exclude"``: temporary episodes are dropped before grouping, with their days; the
      remaining episodes are taken at face value, so the return (``RNE = P``) starts a new
      placement and the interrupted placement ends on the day the temporary move began.

    With A = a foster placement, T1 = a hospital stay: A (S), T1 (P), A (P) gives 1 placement
    with ``"merge"``, 2 with ``"exclude"`` and 3 with ``"count"``.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout (``child_id, decom, dec, rne, ls, place, rec`` at
        least). ``period_id`` is computed with :func:`assign_periods_of_care` when absent.
    same_carer_moves : bool, default False
        Count ``RNE`` T and U (same carers) as new placements.
    temporary : {"merge", "count", "exclude"}, default "merge"
        Treatment of temporary placements T0-T4, as above.

    Returns
    -------
    pandas.DataFrame
        The placements table of docs/architecture.md: ``child_id, period_id, placement_seq
        (1.. within child), start, end (NaT while open), place (type at start), place_last,
        place_provider, home_post, pl_post, pl_distance, pl_la, pl_location (all from the first
        episode), start_rne, end_rec (REC of its last episode), end_reason
        (REASON_PLACE_CHANGE of its last episode), n_episodes, is_short_break (every episode
        LS V3/V4), is_temporary (its first episode is T0-T4)``. Sorted by child and start.

    Raises
    ------
    ParameterError
        ``temporary`` is not one of the choices, or core columns are missing.
    """
    if temporary not in TEMPORARY_CHOICES:
        raise ParameterError(
            f"temporary={temporary!r} is not a choice for derive_placements; "
            f"use one of {', '.join(TEMPORARY_CHOICES)}"
        )
    eps = _with_periods(episodes)
    is_temp = eps["place"].isin(codes.PLACE_TEMPORARY)
    if temporary == "exclude":
        eps = eps.loc[~is_temp].reset_index(drop=True)
        is_temp = pd.Series(False, index=eps.index)

    move_rnes = set(codes.RNE_NEW_PLACEMENT_NEW_CARER) - {codes.RNE_START}
    if same_carer_moves:
        move_rnes |= set(codes.RNE_SAME_CARER)
    group = [eps["child_id"], eps["period_id"]]
    first_in_period = ~(
        eps["child_id"].eq(eps["child_id"].shift()) & eps["period_id"].eq(eps["period_id"].shift())
    )
    starts = first_in_period | eps["rne"].isin(move_rnes)

    if temporary == "merge" and is_temp.any():
        # The placement a temporary move interrupts: the latest non-temporary episode before it.
        anchor_place = eps["place"].where(~is_temp).groupby(group).ffill().groupby(group).shift()
        anchor_post = eps["pl_post"].where(~is_temp).groupby(group).ffill().groupby(group).shift()
        after_temp = is_temp.groupby(group).shift(fill_value=False).astype(bool) & ~first_in_period
        post_matches = anchor_post.isna() | eps["pl_post"].isna() | anchor_post.eq(eps["pl_post"])
        returns_home = after_temp & ~is_temp & anchor_place.eq(eps["place"]) & post_matches
        starts = first_in_period | (starts & ~is_temp & ~returns_home)

    eps["placement_seq"] = starts.astype("int64").groupby(eps["child_id"]).cumsum().astype("int64")
    eps["_short"] = eps["ls"].isin(codes.LS_SHORT_BREAK)
    eps["_temp"] = eps["place"].isin(codes.PLACE_TEMPORARY)
    keys = ["child_id", "placement_seq"]
    first = eps.drop_duplicates(keys, keep="first").set_index(keys)
    last = eps.drop_duplicates(keys, keep="last").set_index(keys)
    grouped = eps.groupby(keys, sort=True)

    out = pd.DataFrame(index=first.index)
    out["period_id"] = first["period_id"].astype("int64")
    out["start"] = first["decom"]
    out["end"] = last["dec"]
    out["place"] = first["place"]
    out["place_last"] = last["place"]
    for column in ("place_provider", "home_post", "pl_post", "pl_distance", "pl_la", "pl_location"):
        out[column] = first[column]
    out["start_rne"] = first["rne"]
    out["end_rec"] = last["rec"]
    out["end_reason"] = last["reason_place_change"]
    out["n_episodes"] = grouped.size().astype("int64")
    out["is_short_break"] = grouped["_short"].all().astype(bool)
    out["is_temporary"] = first["_temp"].astype(bool)
    out = out.reset_index()
    out["pl_distance"] = out["pl_distance"].astype("float64")
    return out.loc[:, list(PLACEMENT_COLUMNS)].sort_values(["child_id", "start", "placement_seq"]).reset_index(
        drop=True
    )


def derive_placement_changes(episodes: pd.DataFrame, temporary: str = "merge") -> pd.DataFrame:
    """The placement-changes view: every placement record, and which ones are changes.

    DfE's new-placements table ("Total new placements" and "Reason for placement change during
    the year") counts **every** change of placement record, same carers included: its reasons
    include "Change in the status of placement only" (REASON_PLACE_CHANGE ``PLACE``, England
    2025: 10,500 of 59,140 changes), its reasons sum to "Total placements changing", and total
    new placements = first placements of periods of care started + changes. So a new placement
    starts at every episode with RNE P, B, T or U (:func:`derive_placements` with
    ``same_carer_moves=True``). Long-term stability and adoption timing read the carer spells
    instead (``same_carer_moves=False``), where a same-carer change does not restart the clock.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout; ``period_id`` is computed when absent.
    temporary : {"merge", "count", "exclude"}, default "merge"
        Temporary placements T0-T4, as in :func:`derive_placements`.

    Returns
    -------
    pandas.DataFrame
        :data:`PLACEMENT_CHANGE_COLUMNS`: the placements columns plus ``is_change`` (bool: not
        the first placement of its period of care, so the child changed placement on ``start``)
        and ``change_reason`` (for a change, the REASON_PLACE_CHANGE recorded on the last episode
        of the placement it ended, ssda903.md §1.2; ``None`` for a first placement).
    """
    out = derive_placements(episodes, same_carer_moves=True, temporary=temporary)
    same_period = out["child_id"].eq(out["child_id"].shift()) & out["period_id"].eq(out["period_id"].shift())
    out["is_change"] = same_period.astype(bool)
    out["change_reason"] = out["end_reason"].shift().where(same_period)
    out["change_reason"] = out["change_reason"].astype(object).where(out["change_reason"].notna(), None)
    return out.loc[:, list(PLACEMENT_CHANGE_COLUMNS)]


def derive_periods_of_care(episodes: pd.DataFrame, placements: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per period of care.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout; ``period_id`` is computed when absent.
    placements : pandas.DataFrame, optional
        Placements (from :func:`derive_placements`, any counting rule) used for
        ``n_placements``; the default rule is applied when omitted.

    Returns
    -------
    pandas.DataFrame
        ``child_id, period_id, start (first DECOM), end (last DEC, NaT while looked after),
        end_rec (REC of the last episode), first_ls, cin (CIN of the first episode),
        is_short_break (every episode LS V3/V4), n_episodes, n_placements``.
    """
    eps = _with_periods(episodes)
    if placements is None:
        placements = derive_placements(eps)
    keys = ["child_id", "period_id"]
    eps["_short"] = eps["ls"].isin(codes.LS_SHORT_BREAK)
    first = eps.drop_duplicates(keys, keep="first").set_index(keys)
    last = eps.drop_duplicates(keys, keep="last").set_index(keys)
    grouped = eps.groupby(keys, sort=True)
    out = pd.DataFrame(index=first.index)
    out["start"] = first["decom"]
    out["end"] = last["dec"]
    out["end_rec"] = last["rec"]
    out["first_ls"] = first["ls"]
    out["cin"] = first["cin"]
    out["is_short_break"] = grouped["_short"].all().astype(bool)
    out["n_episodes"] = grouped.size().astype("int64")
    counts = placements.assign(child_id=placements["child_id"].astype(str)).groupby(keys).size()
    out["n_placements"] = counts.reindex(out.index).fillna(0).astype("int64")
    return out.reset_index().loc[:, list(PERIOD_COLUMNS)].sort_values(keys).reset_index(drop=True)


def derive_legal_status_spells(episodes: pd.DataFrame) -> pd.DataFrame:
    """Consecutive episodes of a period of care with the same legal status, merged.

    A spell ends when the legal status changes (``RNE`` L, B or U with a new ``LS``) or the
    period of care ends; a placement move under the same status does not end it.

    Parameters
    ----------
    episodes : pandas.DataFrame
        Episodes in the processed layout; ``period_id`` is computed when absent.

    Returns
    -------
    pandas.DataFrame
        ``child_id, period_id, ls, start (first DECOM), end (last DEC, NaT while open)``.
    """
    eps = _with_periods(episodes)
    new_spell = ~(
        eps["child_id"].eq(eps["child_id"].shift())
        & eps["period_id"].eq(eps["period_id"].shift())
        & eps["ls"].eq(eps["ls"].shift())
    )
    eps["_spell"] = new_spell.astype("int64").cumsum()
    first = eps.drop_duplicates("_spell", keep="first").set_index("_spell")
    last = eps.drop_duplicates("_spell", keep="last").set_index("_spell")
    out = first.loc[:, ["child_id", "period_id", "ls"]].copy()
    out["start"] = first["decom"]
    out["end"] = last["dec"]
    return out.reset_index(drop=True).loc[:, list(SPELL_COLUMNS)]


def placements_in_window(
    placements: pd.DataFrame,
    window_start: pd.Timestamp | str,
    window_end: pd.Timestamp | str,
    exclude_short_breaks: bool = True,
    ending_on_first_day: bool = False,
) -> pd.DataFrame:
    """The placements a child was in at any time between two dates (both inclusive).

    A placement is in the window when it started on or before ``window_end`` and had not ended
    by ``window_start``: ``start <= window_end`` and (``end`` is blank or ``end >
    window_start``). So the placement open on the first day counts, and so does the one open on
    the last day. A placement whose ``end`` (DEC) **is** ``window_start`` does not count: by the
    SSDA903 convention a child is no longer in an episode on its DEC (the same convention makes
    DEC = 31 March mean "not looked after on 31 March"), and the next placement, starting that
    day, is counted instead.

    Parameters
    ----------
    placements : pandas.DataFrame
        Placements table (:func:`derive_placements`).
    window_start, window_end : date-like
        First and last day of the window (1 April and 31 March for a collection year).
    exclude_short_breaks : bool, default True
        Drop short-break placements (every episode LS V3/V4), as every DfE headline does.
    ending_on_first_day : bool, default False
        Also count a placement ending **on** ``window_start`` (the child moved on 1 April: they
        spent part of that day in it). DfE says placements "open on 1 April" count without saying
        whether a placement left that day was open on it; by the DEC convention it was not.

    Returns
    -------
    pandas.DataFrame
        The rows of ``placements`` in the window.
    """
    start, end = pd.Timestamp(window_start), pd.Timestamp(window_end)
    if end < start:
        raise ParameterError(f"window_end {end.date()} is before window_start {start.date()}")
    ended_in_time = (placements["end"] >= start) if ending_on_first_day else (placements["end"] > start)
    in_window = (placements["start"] <= end) & (placements["end"].isna() | ended_in_time)
    if exclude_short_breaks and "is_short_break" in placements.columns:
        in_window &= ~placements["is_short_break"].astype(bool)
    return placements.loc[in_window]


def count_placements(
    placements: pd.DataFrame,
    child_ids: Iterable[str],
    window_start: pd.Timestamp | str,
    window_end: pd.Timestamp | str,
    exclude_short_breaks: bool = True,
) -> pd.Series:
    """Number of placements each child had during a window (the stability-indicator count).

    DfE's short-term stability measure counts, for each child looked after on 31 March, the
    placements during the year ending 31 March, **including any open on 1 April and any open on
    31 March** (dfe_statistics.md; methods.md §2.2). This function counts exactly the rows of
    :func:`placements_in_window`: every placement overlapping ``[window_start, window_end]``,
    the one open at the start and the one open at the end included, a placement ending on
    ``window_start`` excluded. Which episodes form a placement (T/U, temporary placements) is
    decided when ``placements`` is built (:func:`derive_placements`).

    Parameters
    ----------
    placements : pandas.DataFrame
        Placements table (:func:`derive_placements`).
    child_ids : iterable of str
        The cohort (e.g. children looked after on 31 March). Children with no placement in the
        window get 0.
    window_start, window_end : date-like
        First and last day of the window, both inclusive.
    exclude_short_breaks : bool, default True
        Ignore short-break placements (LS V3/V4), as DfE does.

    Returns
    -------
    pandas.Series
        ``int64`` counts indexed by ``child_id`` in the order of ``child_ids``.
    """
    ids = pd.Index([str(c) for c in child_ids], name="child_id")
    rows = placements_in_window(placements, window_start, window_end, exclude_short_breaks)
    counts = rows.groupby(rows["child_id"].astype(str)).size()
    return counts.reindex(ids, fill_value=0).astype("int64").rename("n_placements")
