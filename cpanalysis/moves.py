"""Placement moves and placement survival: how often children move, why, and which placements last.

Everything here starts from the processed ``placements`` and ``periods_of_care`` tables of
``docs/architecture.md``. A **move** is a new placement within a period of care
(:func:`cpanalysis.cohort.move_number`); what counts as a new placement (RNE S/P/B by default,
T/U same-carer changes and temporary T0-T4 placements behind parameters) is decided once, by
``episodes.derive_placements``: pass a placements table rebuilt with other choices to see their
effect. Short-break (V3/V4) placements and periods are left out, as in every DfE headline figure.

Methods follow ``docs/methods.md`` §2:

- moves per child per collection year and over the whole period of care (:func:`moves_per_child_year`,
  :func:`moves_per_period`, summarised by :func:`summarise_moves`);
- reasons for change grouped into disruption vs planned (:func:`move_reasons`, grouping
  ``codes.PLACE_CHANGE_GROUPS`` by default, a named parameter because it needs practitioner sign-off);
- Kaplan-Meier placement survival with the median and survival at 3, 6, 12 and 24 months, and the
  log-rank test (:func:`placement_durations`, :func:`placement_survival`, :func:`survival_curve`,
  :func:`logrank_test`; statsmodels ``SurvfuncRight`` / ``survdiff``, delayed entry when a
  window is applied);
- cumulative incidence of disruption with planned endings, other moves and leaving care as
  competing events (:func:`disruption_incidence`; statsmodels ``CumIncidenceRight``, Aalen-Johansen);
- a Cox model with child-clustered standard errors (:func:`placement_cox`; ``PHReg.from_formula``, Efron ties);
- distance and out-of-area placement against subsequent moves (:func:`moves_by_distance`).

Small numbers follow the rule of :mod:`cpanalysis.cohort`: a statistic on fewer than
``min_children`` children stays in the table with NaN values and ``note`` saying why.
Outputs are aggregate tables; the child-level tables (:func:`moves_per_child_year`,
:func:`moves_per_period`, :func:`placement_durations`) are inputs for the summaries and must not
be printed in reports.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cpanalysis import codes, periods, stats
from cpanalysis.cohort import (
    MIN_CHILDREN,
    as_timestamp,
    distance_band,
    groups,
    move_number,
    moves_band,
    restrict,
    too_few,
    uasc_on_date,
    without_short_breaks,
)
from cpanalysis.errors import ParameterError

if TYPE_CHECKING:
    from statsmodels.duration.survfunc import SurvfuncRight

# statsmodels' submodules are imported inside the functions that use them, so a notebook kernel
# that never fits a survival or Cox model does not pay for their start-up.

#: Days in a month on the survival clock (365.25 / 12), so 12 months is one year of 365.25 days.
DAYS_PER_MONTH = 365.25 / 12
#: Months at which placement survival and cumulative incidence are reported (methods.md §2.3).
SURVIVAL_MONTHS = (3, 6, 12, 24)

#: Days at risk of a placement that ends on the day it starts.
SAME_DAY = 0.5

#: How a placement ended, for the competing-risks analysis.
DISRUPTION = "Disruption"
PLANNED = "Planned move"
OTHER_MOVE = "Other move"
LEFT_CARE = "Left care"
CENSORED = "Still in placement"
#: Competing events in the order of their status codes (1, 2, 3, 4) for ``CumIncidenceRight``.
ENDINGS = (DISRUPTION, PLANNED, OTHER_MOVE, LEFT_CARE)
#: Reason group for a move with no REASON_PLACE_CHANGE recorded.
NOT_RECORDED = "Not recorded"


def _placements(placements: pd.DataFrame) -> pd.DataFrame:
    required = ("child_id", "period_id", "start", "end")
    missing = [c for c in required if c not in placements.columns]
    if missing:
        raise ParameterError(
            f"the placements table has no column(s) {', '.join(missing)} (see docs/architecture.md)"
        )
    out = without_short_breaks(placements).copy()
    out["child_id"] = out["child_id"].astype(str)
    out["move_number"] = move_number(out)
    return out


def _reason_group(reason: object, reason_groups: Mapping[str, str]) -> str:
    if (
        reason is None
        or (isinstance(reason, float) and np.isnan(reason))
        or reason is pd.NA
        or reason == ""
    ):
        return NOT_RECORDED
    return reason_groups.get(str(reason), "Other")


def placement_moves(
    placements: pd.DataFrame, *, reason_groups: Mapping[str, str] = codes.PLACE_CHANGE_GROUPS
) -> pd.DataFrame:
    """One row per move: the date, the collection year and the reason the previous placement ended.

    Parameters
    ----------
    placements : DataFrame
        The processed ``placements`` table.
    reason_groups : mapping of REASON_PLACE_CHANGE code to group; default ``codes.PLACE_CHANGE_GROUPS``
        Grouping of the reason recorded on the placement that ended (Disruption / Planned / Other
        by default). A move with no reason recorded is ``"Not recorded"``; a code not in the
        mapping is ``"Other"``.

    Returns
    -------
    DataFrame
        ``child_id, period_id, move_number, date, collection_year, reason, reason_label,
        reason_group, from_place, to_place, to_distance, to_location`` (child level: not for reports).
    """
    placed = _placements(placements).sort_values(["child_id", "period_id", "start"], kind="stable")
    previous = placed.groupby(["child_id", "period_id"], sort=False).shift(1)
    moved = placed["move_number"] > 0
    reason = (
        previous.loc[moved, "end_reason"]
        if "end_reason" in placed
        else pd.Series(None, index=placed.index[moved])
    )
    out = pd.DataFrame(
        {
            "child_id": placed.loc[moved, "child_id"],
            "period_id": placed.loc[moved, "period_id"],
            "move_number": placed.loc[moved, "move_number"],
            "date": placed.loc[moved, "start"],
            "reason": reason,
            "from_place": previous.loc[moved, "place"] if "place" in placed else None,
            "to_place": placed.loc[moved, "place"] if "place" in placed else None,
            "to_distance": placed.loc[moved, "pl_distance"] if "pl_distance" in placed else np.nan,
            "to_location": placed.loc[moved, "pl_location"] if "pl_location" in placed else None,
        }
    )
    out["collection_year"] = [periods.collection_year(d) for d in out["date"]]
    out["reason_label"] = [
        NOT_RECORDED if _reason_group(r, {}) == NOT_RECORDED else codes.REASON_PLACE_CHANGE.label(r)
        for r in out["reason"]
    ]
    out["reason_group"] = [_reason_group(r, reason_groups) for r in out["reason"]]
    columns = [
        "child_id", "period_id", "move_number", "date", "collection_year", "reason", "reason_label",
        "reason_group", "from_place", "to_place", "to_distance", "to_location",
    ]  # fmt: skip
    return out[columns].reset_index(drop=True)


def _spells(periods_of_care: pd.DataFrame) -> pd.DataFrame:
    required = ("child_id", "period_id", "start", "end")
    missing = [c for c in required if c not in periods_of_care.columns]
    if missing:
        raise ParameterError(
            f"the periods_of_care table has no column(s) {', '.join(missing)} (see docs/architecture.md)"
        )
    out = without_short_breaks(periods_of_care).copy()
    out["child_id"] = out["child_id"].astype(str)
    return out


def moves_per_child_year(
    placements: pd.DataFrame, periods_of_care: pd.DataFrame, years: Sequence[int]
) -> pd.DataFrame:
    """Moves of each child in each collection year they were looked after.

    Cohort: every child looked after at any time in the collection year (1 April to 31 March,
    ``periods.year_start``/``year_end``) outside short breaks. Moves: placements starting in the
    year that are not the first placement of their period of care. Exposure: days looked after in
    the year (both ends inclusive; a period ending on a day does not count that day).

    Parameters
    ----------
    placements, periods_of_care : DataFrame
        Processed tables.
    years : sequence of int
        Collection years (year ending 31 March, e.g. ``[2023, 2024, 2025]``).

    Returns
    -------
    DataFrame
        Child level: ``child_id, collection_year, days_in_care, moves, moves_band``.
    """
    spells = _spells(periods_of_care)
    moves = placement_moves(placements)
    rows = []
    for year in years:
        first, last = periods.year_start(year), periods.year_end(year)
        # a period ending on day d is in care up to d - 1 (DfE: ceased that day)
        ends = spells["end"].fillna(last + pd.Timedelta(days=1))
        overlap_start = spells["start"].clip(lower=first)
        overlap_end = (ends - pd.Timedelta(days=1)).clip(upper=last)
        days = (overlap_end - overlap_start).dt.days + 1
        in_year = spells.assign(days=days)[days > 0]
        per_child = in_year.groupby("child_id")["days"].sum()
        in_moves = moves[moves["collection_year"] == year].groupby("child_id").size()
        frame = pd.DataFrame({"child_id": per_child.index, "days_in_care": per_child.to_numpy()})
        frame["collection_year"] = year
        frame["moves"] = frame["child_id"].map(in_moves).fillna(0).astype(int)
        rows.append(frame)
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["child_id", "days_in_care", "collection_year", "moves"])
    )
    out["moves_band"] = [moves_band(m) for m in out["moves"]]
    return out[["child_id", "collection_year", "days_in_care", "moves", "moves_band"]]


def moves_per_period(
    placements: pd.DataFrame, periods_of_care: pd.DataFrame, as_at: object
) -> pd.DataFrame:
    """Moves over each whole period of care (up to ``as_at`` for periods still open).

    Parameters
    ----------
    placements, periods_of_care : DataFrame
        Processed tables.
    as_at : date-like
        The extract date: open periods and moves after it are cut there.

    Returns
    -------
    DataFrame
        Child level: ``child_id, period_id, start, end, completed (bool), days_in_care, moves,
        moves_band`` for every period (not a short break) that started on or before ``as_at``.
    """
    when = as_timestamp(as_at, "as_at")
    spells = _spells(periods_of_care)
    spells = spells[spells["start"] <= when].copy()
    moves = placement_moves(placements)
    moves = moves[moves["date"] <= when]
    counted = moves.groupby(["child_id", "period_id"]).size()
    spells["completed"] = spells["end"].notna() & (spells["end"] <= when)
    stop = spells["end"].where(spells["completed"], when)
    spells["days_in_care"] = (stop - spells["start"]).dt.days
    keys = pd.MultiIndex.from_arrays([spells["child_id"], spells["period_id"]])
    spells["moves"] = counted.reindex(keys).fillna(0).astype(int).to_numpy()
    spells["moves_band"] = [moves_band(m) for m in spells["moves"]]
    return spells[
        [
            "child_id",
            "period_id",
            "start",
            "end",
            "completed",
            "days_in_care",
            "moves",
            "moves_band",
        ]
    ].reset_index(drop=True)


def summarise_moves(
    child_moves: pd.DataFrame,
    *,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Moves per child and per year in care, and the share with 3 or more moves, with intervals.

    Parameters
    ----------
    child_moves : DataFrame
        :func:`moves_per_child_year` (summarised per collection year) or :func:`moves_per_period`
        (summarised over all periods).
    cohort, children, by, attributes, min_children
        See :mod:`cpanalysis.cohort`.
    confidence : float; default 0.95

    Returns
    -------
    DataFrame
        One row per (collection year when present) and group: ``collection_year`` (or ``"All"``),
        ``breakdown, breakdown_value, n_children, n_moves, years_in_care, mean_moves,
        moves_per_year, moves_per_year_lower, moves_per_year_upper`` (exact Poisson / Byar interval
        of the rate per child-year, ``stats.rate_interval``), ``n_3plus, pct_3plus, pct_3plus_lower,
        pct_3plus_upper`` (Wilson, %), ``note``.
    """
    data = restrict(child_moves, cohort=cohort, children=children, by=by, attributes=attributes)
    per_year = "collection_year" in data.columns
    rows = []
    for year, frame in data.groupby("collection_year") if per_year else [("All", data)]:
        for breakdown, value, part in groups(frame, by):
            n_children = part["child_id"].nunique()
            note = too_few(n_children, min_children)
            n_moves = int(part["moves"].sum())
            years_in_care = float(part["days_in_care"].sum()) / 365.25
            row = {
                "collection_year": year,
                "breakdown": breakdown,
                "breakdown_value": value,
                "n_children": n_children,
                "n_moves": n_moves,
                "years_in_care": years_in_care,
                "note": note,
            }
            if not note:
                three = int((part["moves"] >= 3).sum())
                lo, hi = stats.rate_interval(n_moves, years_in_care, per=1, confidence=confidence)
                plo, phi = stats.wilson_interval(three, len(part), confidence)
                row.update(
                    mean_moves=n_moves / len(part),
                    moves_per_year=n_moves / years_in_care if years_in_care > 0 else np.nan,
                    moves_per_year_lower=float(lo),
                    moves_per_year_upper=float(hi),
                    n_3plus=three,
                    pct_3plus=100 * three / len(part),
                    pct_3plus_lower=100 * float(plo),
                    pct_3plus_upper=100 * float(phi),
                )
            rows.append(row)
    columns = [
        "collection_year", "breakdown", "breakdown_value", "n_children", "n_moves", "years_in_care",
        "mean_moves", "moves_per_year", "moves_per_year_lower", "moves_per_year_upper", "n_3plus",
        "pct_3plus", "pct_3plus_lower", "pct_3plus_upper", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def move_reasons(
    placements: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
    reason_groups: Mapping[str, str] = codes.PLACE_CHANGE_GROUPS,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Reasons for placement change by collection year, by reason and by group (disruption vs planned).

    DfE: REASON_PLACE_CHANGE is recorded on the episode that ends a placement when the child
    moves on in care (rule 225); EES publishes the count of placement changes by reason. The
    grouping into disruption (unplanned endings) and planned moves is the package's, a named
    parameter whose default (``codes.PLACE_CHANGE_GROUPS``) needs practitioner sign-off.

    Parameters
    ----------
    placements : DataFrame
        Processed ``placements`` table.
    years : sequence of int or None
        Collection years to report; default every year with a move.
    reason_groups : mapping; default ``codes.PLACE_CHANGE_GROUPS``
    cohort, children, by, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``collection_year, breakdown, breakdown_value, level ("group" or "reason"), reason
        (group name or code), reason_label, n_moves, total_moves, pct, lower, upper`` (Wilson %,
        share of the year's moves), ``n_children`` (children with a move in the year), ``note``.
    """
    moves = placement_moves(placements, reason_groups=reason_groups)
    if years is not None:
        moves = moves[moves["collection_year"].isin(list(years))]
    data = restrict(moves, cohort=cohort, children=children, by=by, attributes=attributes)
    order = list(dict.fromkeys([*reason_groups.values(), "Other", NOT_RECORDED]))
    rows = []
    for year, frame in data.groupby("collection_year"):
        for breakdown, value, part in groups(frame, by):
            n_children = part["child_id"].nunique()
            note = too_few(n_children, min_children)
            total = len(part)
            levels = [("group", g, g, part["reason_group"] == g) for g in order]
            levels += [
                ("reason", code, codes.REASON_PLACE_CHANGE.label(code), part["reason"] == code)
                for code in codes.REASON_PLACE_CHANGE.codes
            ]
            # a blank or unknown reason is a row of its own, so the reasons add up to every move
            levels.append(("reason", NOT_RECORDED, NOT_RECORDED,
                           ~part["reason"].isin(list(codes.REASON_PLACE_CHANGE.codes))))
            for level, reason, label, mask in levels:
                count = int(mask.sum())
                row = {
                    "collection_year": year, "breakdown": breakdown, "breakdown_value": value,
                    "level": level, "reason": reason, "reason_label": label, "n_moves": count,
                    "total_moves": total, "n_children": n_children, "note": note,
                }  # fmt: skip
                if not note:
                    lo, hi = stats.wilson_interval(count, total, confidence)
                    row.update(
                        pct=100 * count / total, lower=100 * float(lo), upper=100 * float(hi)
                    )
                rows.append(row)
    columns = [
        "collection_year", "breakdown", "breakdown_value", "level", "reason", "reason_label",
        "n_moves", "total_moves", "pct", "lower", "upper", "n_children", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


# ---------------------------------------------------------------------------------------------
# Survival of placements
# ---------------------------------------------------------------------------------------------


def placement_durations(
    placements: pd.DataFrame,
    as_at: object,
    *,
    children: pd.DataFrame | None = None,
    window_start: object | None = None,
    started_from: object | None = None,
    reason_groups: Mapping[str, str] = codes.PLACE_CHANGE_GROUPS,
    disruption_group: str = "Disruption",
    planned_group: str = "Planned",
) -> pd.DataFrame:
    """One row per placement with its time at risk, how it ended, and placement attributes.

    The unit is the placement; the clock starts on its start date and stops when it ends
    (right-censored at ``as_at`` while still running). An ending is classified as:

    - ``"Disruption"``: the child moved on in care (REC X1) and the reason recorded is in
      ``disruption_group`` of ``reason_groups`` (default CREQB, CHILD, ALLEG, STAND, APPRR);
    - ``"Planned move"``: moved on with a reason in ``planned_group`` (CARPL, PLACE);
    - ``"Other move"``: moved on for any other reason or none recorded;
    - ``"Left care"``: the period of care ended with the placement (any REC other than X1).

    Parameters
    ----------
    placements : DataFrame
        Processed ``placements`` table.
    as_at : date-like
        Extract date: endings after it are treated as still running (censored).
    children : DataFrame or None
        The processed ``children`` table; gives ``age_at_start``, ``age_band`` (at placement
        start), ``ever_uasc`` (the child is in the UASC table of any return: the status is part
        of the child's history, which outlasts the DUC) and ``uasc_on_date`` (UASC on the
        placement's start date, :func:`cpanalysis.cohort.uasc_on_date`). Without it those
        columns are missing.
    window_start : date-like or None
        Analyse time at risk from this date only: placements that ended before it are left out
        and earlier starters enter late (``entry_days`` > 0, left truncation / delayed entry).
    started_from : date-like or None
        Keep only placements starting on or after this date (a start cohort; no delayed entry).
    reason_groups, disruption_group, planned_group
        The grouping of REASON_PLACE_CHANGE and the names of its disruption and planned groups.

    Returns
    -------
    DataFrame
        Placement level: ``child_id, period_id, start, end, duration_days, entry_days, ended
        (bool), ending, reason, previous_moves, place, placement_group, provider_group, in_house,
        distance, distance_band, out_of_area, age_at_start, age_band, ever_uasc, uasc_on_date``. A placement
        ending on the day it started has ``duration_days`` 0.5 (:data:`SAME_DAY`); one
        starting on ``as_at`` and still running has had no time at risk and is not listed.
    """
    when = as_timestamp(as_at, "as_at")
    placed = _placements(placements)
    placed = placed[placed["start"] <= when].copy()
    if started_from is not None:
        placed = placed[placed["start"] >= as_timestamp(started_from, "started_from")]
    ended = placed["end"].notna() & (placed["end"] <= when)
    # a placement starting on the extract date and still running has had no time at risk
    at_risk = ended | (placed["start"] < when)
    placed, ended = placed[at_risk], ended[at_risk]
    stop = placed["end"].where(ended, when)
    entry = pd.Series(0, index=placed.index)
    if window_start is not None:
        first = as_timestamp(window_start, "window_start")
        # a placement ending on the window's first day was not at risk inside it
        keep = stop > first
        placed, ended, stop = placed[keep], ended[keep], stop[keep]
        entry = ((first - placed["start"]).dt.days).clip(lower=0)
    out = pd.DataFrame({"child_id": placed["child_id"], "period_id": placed["period_id"]})
    out["start"] = placed["start"]
    out["end"] = placed["end"].where(ended)
    # a placement ending the day it started is half a day at risk: survival methods need a
    # positive time, and it must still count as an ending
    out["duration_days"] = (stop - placed["start"]).dt.days.astype(float).clip(lower=SAME_DAY)
    out["entry_days"] = entry.astype(float)
    out["ended"] = ended.astype(bool)
    reason = placed["end_reason"] if "end_reason" in placed else pd.Series(None, index=placed.index)
    moved_on = (
        placed["end_rec"] == codes.REC_CONTINUES
        if "end_rec" in placed
        else pd.Series(True, index=placed.index)
    )
    group = [_reason_group(r, reason_groups) for r in reason]
    ending = np.select(
        [
            ~ended,
            ~moved_on.fillna(False).astype(bool),
            np.array(group) == disruption_group,
            np.array(group) == planned_group,
        ],
        [CENSORED, LEFT_CARE, DISRUPTION, PLANNED],
        default=OTHER_MOVE,
    )
    out["ending"] = ending
    out["reason"] = reason.where(ended)
    out["previous_moves"] = placed["move_number"]
    out["place"] = placed.get("place")
    out["placement_group"] = [
        codes.PLACE_GROUPS.get(p, "Not known") if isinstance(p, str) else "Not known"
        for p in out["place"]
    ]
    provider = (
        placed["place_provider"]
        if "place_provider" in placed
        else pd.Series(None, index=placed.index)
    )
    out["provider_group"] = [
        codes.PROVIDER_GROUPS.get(p, "Not known") if isinstance(p, str) else "Not known"
        for p in provider
    ]
    out["in_house"] = provider.isin(codes.PROVIDER_IN_HOUSE).to_numpy()
    distance = (
        pd.to_numeric(placed["pl_distance"], errors="coerce")
        if "pl_distance" in placed
        else pd.Series(np.nan, index=placed.index)
    )
    out["distance"] = distance.astype(float)
    out["distance_band"] = [distance_band(d) for d in out["distance"]]
    location = (
        placed["pl_location"] if "pl_location" in placed else pd.Series(None, index=placed.index)
    )
    out["out_of_area"] = (location == codes.PL_LOCATION_OUT).fillna(False).astype(bool).to_numpy()
    if children is not None:
        people = (
            children.assign(child_id=children["child_id"].astype(str))
            .drop_duplicates("child_id")
            .set_index("child_id")
        )
        dob = out["child_id"].map(people["dob"])
        out["age_at_start"] = periods.age_at(dob, out["start"])
        out["age_band"] = periods.age_band(out["age_at_start"])
        ever = people["ever_uasc"] if "ever_uasc" in people else pd.Series(False, index=people.index)
        duc = people["duc"] if "duc" in people else pd.Series(pd.NaT, index=people.index)
        out["ever_uasc"] = out["child_id"].map(ever).astype("boolean").fillna(False).astype(bool)
        out["uasc_on_date"] = uasc_on_date(out["ever_uasc"], out["child_id"].map(duc), out["start"])
    return out.reset_index(drop=True)


def _loglog_interval(p: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Log-log pointwise interval of a probability (Kalbfleisch & Prentice 2002, eq. 1.11).

    ``p ** exp(+-z se / (p log p))``: the default of R survival and lifelines; the limits stay
    inside 0-1. Where the standard error is 0 the interval is the point itself.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    lower = np.where(se == 0, p, np.nan)
    upper = lower.copy()
    ok = (p > 0) & (p < 1) & np.isfinite(se) & (se > 0)
    theta = z * se[ok] / (p[ok] * np.log(p[ok]))
    a, b = p[ok] ** np.exp(theta), p[ok] ** np.exp(-theta)
    lower[ok], upper[ok] = np.minimum(a, b), np.maximum(a, b)
    return lower, upper


def _survfunc(part: pd.DataFrame) -> SurvfuncRight:
    from statsmodels.duration.survfunc import SurvfuncRight

    entry = part["entry_days"].to_numpy() if (part["entry_days"] > 0).any() else None
    return SurvfuncRight(
        part["duration_days"].to_numpy(), part["ended"].astype(int).to_numpy(), entry=entry
    )


def _step(times: np.ndarray, values: np.ndarray, at: float, before: float = 1.0) -> float:
    """Value of a right-continuous step function at ``at`` (``before`` ahead of the first step)."""
    i = np.searchsorted(times, at, side="right") - 1
    return float(values[i]) if i >= 0 else before


def _check_durations(durations: pd.DataFrame) -> None:
    missing = [
        c
        for c in ("child_id", "duration_days", "entry_days", "ended")
        if c not in durations.columns
    ]
    if missing:
        raise ParameterError(
            f"placement survival needs the output of moves.placement_durations (missing {', '.join(missing)})"
        )


def placement_survival(
    durations: pd.DataFrame,
    *,
    at_months: Sequence[float] = SURVIVAL_MONTHS,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier survival of placements ("any ending"): median duration and survival at months.

    Method (methods.md §2.3): statsmodels ``SurvfuncRight`` on the placement clock, with delayed
    entry when :func:`placement_durations` applied a window. The median is ``quantile(0.5)`` with
    ``quantile_ci``; survival at ``m`` months is the KM estimate at ``m * 365.25 / 12`` days with a
    log-log pointwise interval from the Greenwood standard error.

    Parameters
    ----------
    durations : DataFrame
        :func:`placement_durations`.
    at_months : sequence of float; default (3, 6, 12, 24)
    cohort, children, by, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`. ``by`` may be a placement column of ``durations``
        (``placement_group``, ``age_band``, ``provider_group``, ``distance_band`` ...) or a child
        attribute.

    Returns
    -------
    DataFrame
        Tidy: one row per group and statistic: ``breakdown, breakdown_value, statistic
        ("median_days" or "survival_<m>m"), months, value, lower, upper, n_placements,
        n_children, n_endings, note``. Survival is a proportion (0-1). The median is NaN (not
        reached) when fewer than half the placements have ended.
    """
    _check_durations(durations)
    data = restrict(durations, cohort=cohort, children=children, by=by, attributes=attributes)
    z = stats.z_value(confidence)
    rows = []
    for breakdown, value, part in groups(data, by):
        base = {
            "breakdown": breakdown,
            "breakdown_value": value,
            "n_placements": len(part),
            "n_children": part["child_id"].nunique(),
            "n_endings": int(part["ended"].sum()),
        }
        note = too_few(base["n_children"], min_children)
        statistics = [("median_days", np.nan)] + [(f"survival_{m:g}m", float(m)) for m in at_months]
        if note or base["n_endings"] == 0:
            for name, months in statistics:
                rows.append(
                    {
                        **base,
                        "statistic": name,
                        "months": months,
                        "note": note or "no placement ended",
                    }
                )
            continue
        sf = _survfunc(part)
        median = sf.quantile(0.5)
        with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels logs 0 at S = 0
            lo, hi = sf.quantile_ci(0.5, alpha=1 - confidence)
        rows.append({**base, "statistic": "median_days", "months": np.nan, "value": _finite(median),
                     "lower": _finite(lo), "upper": _finite(hi), "note": ""})  # fmt: skip
        for name, months in statistics[1:]:
            days = months * DAYS_PER_MONTH
            s = _step(sf.surv_times, sf.surv_prob, days)
            se = _step(sf.surv_times, sf.surv_prob_se, days, before=0.0)
            lower, upper = _loglog_interval(np.array([s]), np.array([se]), z)
            rows.append({**base, "statistic": name, "months": months, "value": s,
                         "lower": float(lower[0]), "upper": float(upper[0]), "note": ""})  # fmt: skip
    columns = [
        "breakdown", "breakdown_value", "statistic", "months", "value", "lower", "upper",
        "n_placements", "n_children", "n_endings", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def _finite(value: object) -> float:
    value = float(value) if value is not None else np.nan
    return value if np.isfinite(value) else np.nan


def survival_curve(
    durations: pd.DataFrame,
    *,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The Kaplan-Meier step curve of placement survival, ready to plot, per group.

    Returns
    -------
    DataFrame
        ``breakdown, breakdown_value, days, months, survival, lower, upper, n_at_risk, n_endings,
        note``: a first row at day 0 (survival 1) then one row per ending time. Groups with fewer
        than ``min_children`` children get a single row with ``note`` set and no curve.
    """
    _check_durations(durations)
    data = restrict(durations, cohort=cohort, children=children, by=by, attributes=attributes)
    z = stats.z_value(confidence)
    frames = []
    for breakdown, value, part in groups(data, by):
        note = too_few(part["child_id"].nunique(), min_children)
        head = {"breakdown": breakdown, "breakdown_value": value}
        if note or not part["ended"].any():
            frames.append(pd.DataFrame([{**head, "note": note or "no placement ended"}]))
            continue
        sf = _survfunc(part)
        lower, upper = _loglog_interval(sf.surv_prob, sf.surv_prob_se, z)
        curve = pd.DataFrame(
            {
                "days": np.r_[0.0, sf.surv_times],
                "survival": np.r_[1.0, sf.surv_prob],
                "lower": np.r_[1.0, lower],
                "upper": np.r_[1.0, upper],
                "n_at_risk": np.r_[len(part), sf.n_risk],
                "n_endings": np.r_[0, sf.n_events],
            }
        )
        frames.append(curve.assign(**head, note=""))
    out = pd.concat(frames, ignore_index=True)
    if "days" not in out:  # every group too small: no curve at all
        out["days"] = np.nan
    out["months"] = out["days"] / DAYS_PER_MONTH
    columns = [
        "breakdown",
        "breakdown_value",
        "days",
        "months",
        "survival",
        "lower",
        "upper",
        "n_at_risk",
        "n_endings",
        "note",
    ]
    return out.reindex(columns=columns)


#: Columns of :func:`logrank_test`'s one-row table.
LOGRANK_COLUMNS = [
    "breakdown",
    "groups_tested",
    "chi2",
    "df",
    "p_value",
    "n_placements",
    "n_children",
    "note",
]


def logrank_test(
    durations: pd.DataFrame,
    by: str,
    *,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Log-rank test that placement survival is the same in every group of ``by``.

    statsmodels ``survdiff`` (delayed entry passed through). Groups with fewer than
    ``min_children`` children are left out of the test and named in ``note``; the test needs two
    groups or more.

    Returns
    -------
    DataFrame
        One row: ``breakdown, groups_tested, chi2, df, p_value, n_placements, n_children, note``.
    """
    from statsmodels.duration.survfunc import survdiff

    _check_durations(durations)
    data = restrict(durations, cohort=cohort, children=children, by=by, attributes=attributes)
    sizes = data.groupby("breakdown_value")["child_id"].nunique()
    small = sorted(sizes.index[sizes < min_children])
    data = data[~data["breakdown_value"].isin(small)]
    tested = sorted(set(data["breakdown_value"]))
    row = {
        "breakdown": by,
        "groups_tested": ", ".join(tested),
        "n_placements": len(data),
        "n_children": data["child_id"].nunique(),
        "note": (f"left out (fewer than {min_children} children): " + ", ".join(small))
        if small
        else "",
    }
    if len(tested) < 2:
        row["note"] = "not produced: fewer than two groups with enough children" + (
            f"; {row['note']}" if small else ""
        )
        return pd.DataFrame([row]).reindex(columns=LOGRANK_COLUMNS)
    entry = data["entry_days"].to_numpy() if (data["entry_days"] > 0).any() else None
    chi2, p_value = survdiff(
        data["duration_days"].to_numpy(),
        data["ended"].astype(int).to_numpy(),
        data["breakdown_value"].to_numpy(),
        entry=entry,
    )
    row.update(chi2=float(chi2), df=len(tested) - 1, p_value=float(p_value))
    return pd.DataFrame([row]).reindex(columns=LOGRANK_COLUMNS)


def disruption_incidence(
    durations: pd.DataFrame,
    *,
    at_months: Sequence[float] | None = SURVIVAL_MONTHS,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cumulative incidence of disruption with planned moves, other moves and leaving care competing.

    Aalen-Johansen estimator (statsmodels ``CumIncidenceRight``; methods.md §2.3): the
    probability that a placement has ended by each cause by a given time, which (unlike
    1 - Kaplan-Meier with other endings censored) does not overstate disruption. The four
    cumulative incidences add up to 1 - KM("any ending").

    ``CumIncidenceRight`` has no delayed entry, so ``durations`` must be a start cohort:
    build it with ``placement_durations(..., started_from=...)`` rather than ``window_start``.

    Parameters
    ----------
    durations : DataFrame
        :func:`placement_durations` without delayed entry.
    at_months : sequence of float or None; default (3, 6, 12, 24)
        Months to report; ``None`` gives the whole step curve (every ending time).
    cohort, children, by, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``breakdown, breakdown_value, ending, days, months, cumulative_incidence, lower, upper
        (log-log interval), n_placements, n_children, note``.

    Raises
    ------
    ParameterError
        If any placement enters late (``entry_days`` > 0).
    """
    from statsmodels.duration.survfunc import CumIncidenceRight

    _check_durations(durations)
    if (durations["entry_days"] > 0).any():
        raise ParameterError(
            "cumulative incidence needs placements followed from their start: build the durations with "
            "placement_durations(..., started_from=DATE) instead of window_start"
        )
    data = restrict(durations, cohort=cohort, children=children, by=by, attributes=attributes)
    z = stats.z_value(confidence)
    status_of = {name: i + 1 for i, name in enumerate(ENDINGS)}
    frames = []
    for breakdown, value, part in groups(data, by):
        head = {
            "breakdown": breakdown,
            "breakdown_value": value,
            "n_placements": len(part),
            "n_children": part["child_id"].nunique(),
        }
        note = too_few(head["n_children"], min_children)
        if note or not part["ended"].any():
            frames.append(
                pd.DataFrame(
                    [
                        {**head, "ending": name, "note": note or "no placement ended"}
                        for name in ENDINGS
                    ]
                )
            )
            continue
        status = part["ending"].map(status_of).fillna(0).astype(int).to_numpy()
        # statsmodels divides by zero for its variance where the last placements at risk end
        # together (n - d = 0): the estimate stands, its standard error there is NaN (no interval)
        with np.errstate(divide="ignore", invalid="ignore"):
            ci = CumIncidenceRight(part["duration_days"].to_numpy(), status)
        for k, name in enumerate(ENDINGS):
            # CumIncidenceRight returns one curve per status code present, up to the largest code
            if k < len(ci.cinc):
                cinc, se = np.asarray(ci.cinc[k]), np.asarray(ci.cinc_se[k])
            else:
                cinc = se = np.zeros(len(ci.times))
            if at_months is None:
                days = np.asarray(ci.times, dtype=float)
                values, ses = cinc, se
            else:
                days = np.array([m * DAYS_PER_MONTH for m in at_months])
                values = np.array([_step(ci.times, cinc, d, before=0.0) for d in days])
                ses = np.array([_step(ci.times, se, d, before=0.0) for d in days])
            lower, upper = _loglog_interval(values, ses, z)
            frames.append(
                pd.DataFrame(
                    {"days": days, "cumulative_incidence": values, "lower": lower, "upper": upper}
                ).assign(**head, ending=name, note="")
            )
    out = pd.concat(frames, ignore_index=True)
    if "days" not in out:  # every group too small: no curve at all
        out["days"] = np.nan
    out["months"] = out["days"] / DAYS_PER_MONTH
    columns = [
        "breakdown", "breakdown_value", "ending", "days", "months", "cumulative_incidence", "lower",
        "upper", "n_placements", "n_children", "note",
    ]  # fmt: skip
    return out.reindex(columns=columns)


#: Default Cox model covariates (methods.md §2.3). UASC enters as ``ever_uasc``: the question is
#: whether children who came to care as UASC keep placements differently, which does not end at DUC.
COX_COVARIATES = ("age_at_start", "placement_group", "out_of_area", "previous_moves", "ever_uasc")


def placement_cox(
    durations: pd.DataFrame,
    *,
    covariates: Sequence[str] = COX_COVARIATES,
    event: str = "any",
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cox proportional-hazards model of placement endings with child-clustered standard errors.

    statsmodels ``PHReg.from_formula`` (Efron ties, delayed entry from ``entry_days``) fitted with
    ``fit(groups=child_id)``: children contribute several placements, so the robust (sandwich)
    standard errors account for that dependence (methods.md §2.3). Text covariates are
    categorical with the most common value as reference; true/false covariates compare True
    with False. Rows with a missing covariate, and categories with no endings of the modelled
    type (no finite hazard ratio), are left out and named in ``note``.

    Parameters
    ----------
    durations : DataFrame
        :func:`placement_durations` (with ``children=`` for ``age_at_start`` and ``ever_uasc``).
    covariates : sequence of str; default ``COX_COVARIATES``
        Columns of ``durations`` (keep to about one per 10-15 endings).
    event : {"any", "disruption"}; default "any"
        ``"disruption"`` fits the cause-specific hazard of disruption (other endings censored at
        their date): the right estimand for rates, not for cumulative probabilities.
    cohort, children, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``term, hazard_ratio, lower, upper, p_value, n_placements, n_children, n_events, note``;
        one row per model term (a single row with the note when not produced).
    """
    from statsmodels.duration.hazard_regression import PHReg

    _check_durations(durations)
    if event not in ("any", "disruption"):
        raise ParameterError(f"event must be 'any' or 'disruption'; got {event!r}")
    missing = [c for c in covariates if c not in durations.columns]
    if missing:
        raise ParameterError(
            f"Cox covariate(s) {', '.join(missing)} not in the durations table "
            "(age_at_start and ever_uasc need placement_durations(..., children=...))"
        )
    data = restrict(durations, cohort=cohort, children=children, attributes=attributes)
    complete = data.dropna(subset=list(covariates))
    dropped = len(data) - len(complete)
    status = complete["ended"] if event == "any" else complete["ending"] == DISRUPTION
    model_data = complete.assign(status=status.astype(int).to_numpy())
    columns = [
        "term",
        "hazard_ratio",
        "lower",
        "upper",
        "p_value",
        "n_placements",
        "n_children",
        "n_events",
        "note",
    ]
    notes = [f"{dropped} placements with a missing covariate left out"] if dropped else []
    terms = []
    for column in covariates:
        values = model_data[column]
        if pd.api.types.is_bool_dtype(values):
            model_data[column] = values.astype(int)
            terms.append(column)
        elif pd.api.types.is_numeric_dtype(values):
            model_data[column] = values.astype(float)
            terms.append(column)
        else:
            model_data[column] = values.astype(str)
            # a category with no endings has no finite hazard ratio and makes the model singular
            events = model_data.groupby(column)["status"].sum()
            empty = sorted(events.index[events == 0])
            if empty and len(empty) < len(events):
                model_data = model_data[~model_data[column].isin(empty)]
                notes.append(f"{column} {', '.join(empty)}: no endings, left out")
            counts = model_data[column].value_counts()
            if len(counts) < 2:  # no placements, or one category only: nothing to compare
                notes.append(f"{column}: fewer than two categories, left out")
                continue
            reference = counts.index[0]
            terms.append(f"C({column}, Treatment(reference={reference!r}))")
    base = {
        "n_placements": len(model_data),
        "n_children": model_data["child_id"].nunique(),
        "n_events": int(model_data["status"].sum()),
    }
    note = too_few(base["n_children"], min_children)
    if not note and base["n_events"] == 0:
        note = "not produced: no placement ended"
    if not note and not terms:
        note = "not produced: no covariate varies"
    if note:
        return pd.DataFrame([{**base, "term": "(model)", "note": note}]).reindex(columns=columns)
    formula = "duration_days ~ " + " + ".join(terms)
    entry = model_data["entry_days"].to_numpy() if (model_data["entry_days"] > 0).any() else None
    model = PHReg.from_formula(
        formula, model_data, status=model_data["status"].to_numpy(), entry=entry, ties="efron"
    )
    result = model.fit(groups=model_data["child_id"].to_numpy())
    ci = np.exp(result.conf_int(alpha=1 - confidence))
    out = pd.DataFrame(
        {
            "term": [_term_label(name) for name in model.exog_names],
            "hazard_ratio": np.exp(result.params),
            "lower": ci[:, 0],
            "upper": ci[:, 1],
            "p_value": result.pvalues,
        }
    ).assign(**base, note="; ".join(notes))
    return out.reindex(columns=columns).reset_index(drop=True)


def _term_label(name: str) -> str:
    # "C(placement_group, Treatment(reference='Foster placements'))[T.Other]" -> "placement_group: Other"
    if name.startswith("C(") and "[T." in name:
        column = name[2:].split(",")[0]
        level = name.split("[T.", 1)[1].rstrip("]")
        return f"{column}: {level}"
    return name


def moves_by_distance(
    durations: pd.DataFrame,
    *,
    by: str = "distance_band",
    reference: str | None = None,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Are children placed far away (or out of area) moving more often? Move rates and rate ratios.

    The scrutiny question "are children placed more than 20 miles away moving more often?" as a
    rate: moves out of a placement (endings with the child moving on in care: disruption,
    planned or other move) per placement-year at risk, in each group of ``by``, and the rate
    ratio against ``reference``. Fitted as a Poisson GLM with log(years at risk) offset and
    child-clustered robust standard errors (statsmodels ``GLM.fit(cov_type="cluster")``), since one
    child contributes several placements. Leaving care is not a move (follow-up stops there).

    Parameters
    ----------
    durations : DataFrame
        :func:`placement_durations`.
    by : str; default "distance_band"
        ``"distance_band"`` (20 miles or less / Over 20 miles / Not known), ``"out_of_area"`` or
        any other placement column or child attribute.
    reference : str or None
        Reference group; default the first group (``"20 miles or less"`` for distance).
    cohort, children, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        One row per group: ``breakdown, breakdown_value, n_placements, n_children, n_moves,
        years_at_risk, moves_per_year, lower, upper`` (exact Poisson / Byar), ``rate_ratio,
        rr_lower, rr_upper, p_value`` (against the reference; 1 for the reference), ``note``.
        Groups with fewer than ``min_children`` children are shown but left out of the model.
    """
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    _check_durations(durations)
    data = restrict(durations, cohort=cohort, children=children, by=by, attributes=attributes)
    data = data.assign(
        moved=data["ending"].isin([DISRUPTION, PLANNED, OTHER_MOVE]).astype(int),
        years=(data["duration_days"] - data["entry_days"]).clip(lower=0) / 365.25,
    )
    rows = []
    for _, value, part in list(groups(data, by))[1:]:
        n_children = part["child_id"].nunique()
        years = float(part["years"].sum())
        moves = int(part["moved"].sum())
        row = {"breakdown": by, "breakdown_value": value, "n_placements": len(part), "n_children": n_children,
               "n_moves": moves, "years_at_risk": years, "note": too_few(n_children, min_children)}  # fmt: skip
        if not row["note"] and years > 0:
            lo, hi = stats.rate_interval(moves, years, per=1, confidence=confidence)
            row.update(moves_per_year=moves / years, lower=float(lo), upper=float(hi))
        rows.append(row)
    table = pd.DataFrame(rows)
    columns = [
        "breakdown", "breakdown_value", "n_placements", "n_children", "n_moves", "years_at_risk",
        "moves_per_year", "lower", "upper", "rate_ratio", "rr_lower", "rr_upper", "p_value", "note",
    ]  # fmt: skip
    if table.empty:
        return table.reindex(columns=columns)
    usable = table.loc[
        (table["note"] == "") & (table["years_at_risk"] > 0), "breakdown_value"
    ].tolist()
    if reference is None:
        reference = usable[0] if usable else None
    if reference is not None and reference not in usable:
        raise ParameterError(
            f"reference group {reference!r} is not a group with enough children: {usable}"
        )
    if len(usable) >= 2:
        model_data = data[data["breakdown_value"].isin(usable) & (data["years"] > 0)]
        formula = f"moved ~ C(breakdown_value, Treatment(reference={reference!r}))"
        glm = GLM.from_formula(
            formula, model_data, family=Poisson(), offset=np.log(model_data["years"])
        )
        result = glm.fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(model_data["child_id"])[0]}
        )
        ci = np.exp(result.conf_int(alpha=1 - confidence))
        for name in result.params.index:
            if "[T." not in name:
                continue
            level = name.split("[T.", 1)[1].rstrip("]")
            mask = table["breakdown_value"] == level
            table.loc[mask, "rate_ratio"] = float(np.exp(result.params[name]))
            table.loc[mask, "rr_lower"] = float(ci.loc[name, 0])
            table.loc[mask, "rr_upper"] = float(ci.loc[name, 1])
            table.loc[mask, "p_value"] = float(result.pvalues[name])
        table.loc[table["breakdown_value"] == reference, ["rate_ratio", "rr_lower", "rr_upper"]] = (
            1.0
        )
    return table.reindex(columns=columns)
