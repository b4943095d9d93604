"""Missing or away from placement without authorisation, against the episodes (DfE 574, 575,
577). Rule 567 (an end before the start) is in :mod:`.integrity`."""

from __future__ import annotations

import pandas as pd

from cpanalysis.validate.engine import ValidationContext, _dates, _none, findings, rule


def _missing(ctx: ValidationContext) -> pd.DataFrame:
    """Missing periods with a child and a start: only the columns 575 and 577 read."""
    missing = ctx.tables["missing"]
    missing = missing.loc[missing["child_id"].notna() & missing["mis_start"].notna(), ["return_label", "child_id", "mis_start", "mis_end"]]
    return missing.assign(return_label=missing["return_label"].astype(object))


@rule("574", "missing", "warning", fields=("MIS_START", "MIS_END"))
def missing_periods_overlap(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 574: a new missing/away from placement without authorisation period cannot start when
    the previous one is still open; missing periods should also not overlap.

    As DfE checks it: the child's periods in the return ordered by end (the start when open),
    each against the one before: reported when that one has no MIS_END or ends after this
    MIS_START.
    """
    missing = ctx.tables["missing"]
    frame = missing.loc[missing["child_id"].notna(), ["return_label", "child_id", "mis_start", "mis_end"]]
    frame = frame.assign(end_or_start=frame["mis_end"].fillna(frame["mis_start"]))
    frame = frame.sort_values(["return_label", "child_id", "end_or_start", "mis_start"], kind="stable")
    by = frame.groupby(["return_label", "child_id"], sort=False)
    has_prev = by.cumcount() > 0
    prev_end = by["mis_end"].shift(1)
    bad = has_prev & (prev_end.isna() | (frame["mis_start"] < prev_end))
    def message(rows):
        ended = prev_end.loc[rows.index]
        return pd.Series("the previous missing period is still open (no MIS_END).", index=rows.index).where(
            ended.isna(), "MIS_START " + _dates(rows["mis_start"]) + " is before the previous missing period's MIS_END " + _dates(ended) + ".")
    return findings(frame, bad, "missing", "MIS_START", message)


@rule("575", "missing", "warning", fields=("MIS_END", "MIS_START", "episodes.DECOM", "episodes.DEC"))
def missing_open_after_placement_ended(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 575: if the placement from which the child goes missing/away from placement without
    authorisation ends, the missing period must also have an end date.

    As DfE checks it: a missing period with no MIS_END that starts within an episode of the
    return (DECOM to DEC) that has ended.
    """
    missing = _missing(ctx)
    open_missing = missing[missing["mis_end"].isna()]
    if open_missing.empty:
        return _none()
    eps = ctx.tables["episodes"]
    ended = eps.loc[eps["dec"].notna() & eps["decom"].notna(), ["return_label", "child_id", "decom", "dec"]]
    ended = ended.assign(return_label=ended["return_label"].astype(object))
    pairs = open_missing[["return_label", "child_id", "mis_start"]].rename_axis("row").reset_index().merge(
        ended, on=["return_label", "child_id"])
    within = pairs[(pairs["mis_start"] >= pairs["decom"]) & (pairs["mis_start"] <= pairs["dec"])]
    bad = pd.Series(open_missing.index.isin(within["row"]), index=open_missing.index)
    first_dec = within.groupby("row")["dec"].min()
    def message(rows):
        return "no MIS_END but the placement it started in ended on " + _dates(first_dec.reindex(rows.index)) + "."
    return findings(open_missing, bad, "missing", "MIS_END", message)


@rule("577", "missing", "warning", fields=("MIS_END", "MIS_START", "episodes.DECOM", "episodes.DEC"))
def missing_outside_period_of_care(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 577: child ceased to be looked after but there is a missing/away from placement
    without authorisation period without an end date.

    As DfE checks it, against every period of care of the child in the return (episodes
    chained while each starts by the previous DEC): a missing period is reported when, for
    every period, it is open although the period has ended, or open and started before the
    period, or ends after the period ended or before it started. A child with no episodes
    in the return is not judged.
    """
    missing = _missing(ctx)
    eps = ctx.tables["episodes"]
    # Only the four columns read, before filtering and sorting (each a copy of a million rows).
    eps = eps.loc[eps["decom"].notna() & eps["child_id"].notna(), ["return_label", "child_id", "decom", "dec"]]
    eps = eps.sort_values(["return_label", "child_id", "decom"], kind="stable")
    if missing.empty or eps.empty:
        return _none()
    by = eps.groupby(["return_label", "child_id"], sort=False)
    new_period = (by.cumcount() == 0) | (eps["decom"] > by["dec"].shift(1))
    period = new_period.cumsum()
    first, last = eps[new_period], eps[period.ne(period.shift(-1))]
    # the period ends with its last episode's DEC (blank when that one is open)
    periods = pd.DataFrame({"return_label": first["return_label"].astype(object).to_numpy(), "child_id": first["child_id"].to_numpy(),
                            "start": first["decom"].to_numpy(), "end": last["dec"].to_numpy()})
    pairs = missing[["return_label", "child_id", "mis_start", "mis_end"]].rename_axis("row").reset_index().merge(
        periods, on=["return_label", "child_id"])
    open_ = pairs["mis_end"].isna()
    outside = (
        (open_ & pairs["end"].notna())
        | (open_ & (pairs["mis_start"] < pairs["start"]))
        | (pairs["mis_end"] > pairs["end"]).fillna(False)
        | (pairs["mis_end"] < pairs["start"]).fillna(False)
    )
    every = outside.groupby(pairs["row"]).all()
    bad = pd.Series(missing.index.isin(every[every].index), index=missing.index)
    def message(rows):
        return pd.Series("no MIS_END but the child's period of care has ended.", index=rows.index).where(
            rows["mis_end"].isna(), "the missing period (" + _dates(rows["mis_start"]) + " to " + _dates(rows["mis_end"])
            + ") is outside every period of care in this return.")
    return findings(missing, bad, "missing", "MIS_END", message)
