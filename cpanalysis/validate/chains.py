"""Episode chains within one return (DfE 501, 142, 433, 388, 357, 431, 432, 434-437, 504, 361)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.validate.engine import (
    ValidationContext,
    _combine,
    _dates,
    _in,
    _none,
    _same,
    findings,
    rule,
)


@rule("501", "episodes", "warning", fields=("DECOM", "DEC"))
def overlapping_episodes(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 501: a new episode starts before the end date of the previous episode (overlap).

    Reported on the later episode. Stitching truncates the earlier one (LIIA RULE_4).
    """
    eps = ctx.sequence
    bad = eps["prev_dec"].notna() & (eps["decom"] < eps["prev_dec"])
    def message(eps):
        return "DECOM " + _dates(eps["decom"]) + " is before the previous episode's DEC " + _dates(eps["prev_dec"]) + "."
    return findings(eps, bad, "episodes", "DECOM", message)


@rule("142", "episodes", "warning", fields=("DEC", "REC"))
def open_episode_followed(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 142: a new episode has started, but the previous episode has not ended (no DEC or no
    REC).

    Reported on the episode that is not the child's last in the return. Stitching closes an
    episode with no DEC (LIIA RULE_1/1A).
    """
    eps = ctx.sequence
    bad = eps["has_next"] & (eps["dec"].isna() | eps["rec"].isna())
    def message(eps):
        missing = pd.Series("DEC", index=eps.index).where(eps["dec"].isna(), "REC")
        return "the episode has no " + missing + " but a later episode starts " + _dates(eps["next_decom"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)


#: RNE codes that continue a period of care (every code except S).
RNE_CONTINUATION = frozenset(codes.RNE.codes) - {codes.RNE_START}
#: L: legal status changes, placement does not.
RNE_LEGAL_ONLY = codes.RNE_LEGAL_CHANGE - codes.RNE_PLACEMENT_CHANGE
#: P and T: placement changes, legal status does not.
RNE_PLACEMENT_ONLY = codes.RNE_PLACEMENT_CHANGE - codes.RNE_LEGAL_CHANGE
#: U and B: both change.
RNE_BOTH = codes.RNE_PLACEMENT_CHANGE & codes.RNE_LEGAL_CHANGE


@rule("433", "episodes", "warning", fields=("DECOM", "RNE", "DEC"))
def continuation_not_on_previous_dec(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 433: the reason for new episode suggests that this is a continuation episode (RNE L,
    P, T, U, B), but the episode does not start on the same day as the last episode finished.

    As DfE checks it: any episode after the child's first in the return whose DECOM differs
    from the previous episode's DEC (a gap, an overlap, or no previous DEC), and a continuation
    episode whose DECOM is blank or unreadable when the child has a dated episode. An overlap is
    also 501's; an open previous episode also 142's.
    """
    eps = ctx.sequence
    bad = eps["rne"].isin(RNE_CONTINUATION) & eps["has_prev"] & ~(eps["decom"] == eps["prev_dec"]).fillna(False)
    def message(eps):
        return (
            "RNE " + eps["rne"].astype(str) + " suggests a continuation episode, but DECOM " + _dates(eps["decom"])
            + " is not the previous episode's DEC (" + _dates(eps["prev_dec"]) + ")."
        )
    # A continuation episode whose DECOM is blank or unreadable cannot start on the previous DEC.
    rows = ctx.tables["episodes"]
    dated = rows[rows["decom"].notna() & rows["child_id"].notna()]
    undated = rows["decom"].isna() & rows["rne"].isin(RNE_CONTINUATION) & _in(rows, dated)
    return _combine([
        findings(eps, bad, "episodes", "DECOM", message),
        findings(rows, undated, "episodes", "DECOM", "RNE " + rows["rne"].astype(str) + " suggests a continuation episode, "
                 "but DECOM is blank or unreadable."),
    ])


@rule("388", "episodes", "warning", fields=("REC", "DEC", "DECOM"))
def x1_without_continuation(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 388: reason episode ceased is coded new episode begins (X1), but there is no
    continuation episode; or an episode ends on the day the next begins with a REC other
    than X1.

    Three cases, as DfE checks them within the return: REC X1 and the next episode does not
    start on DEC; REC not X1 and the next episode starts on DEC (care continued, so X1
    was due); REC X1 on the child's last episode with a DEC.
    """
    eps = ctx.sequence
    ended = eps["dec"].notna()
    x1 = eps["rec"] == codes.REC_CONTINUES
    next_on_dec = (eps["next_decom"] == eps["dec"]).fillna(False)
    x1_gap = eps["has_next"] & ended & x1 & ~next_on_dec
    not_x1 = eps["has_next"] & ended & eps["rec"].notna() & ~x1 & next_on_dec
    x1_last = ~eps["has_next"] & ended & x1
    def message(eps):
        text = pd.Series("REC X1 but no later episode follows in this return.", index=eps.index)
        text = text.where(~x1_gap.loc[eps.index], "REC X1 but the next episode starts " + _dates(eps["next_decom"]) + ", not on DEC " + _dates(eps["dec"]) + ".")
        return text.where(~not_x1.loc[eps.index], "REC " + eps["rec"].astype(str) + " but the next episode starts on DEC " + _dates(eps["dec"]) + " (X1 expected).")
    return findings(eps, x1_gap | not_x1 | x1_last, "episodes", "REC", message)


@rule("357", "episodes", "warning", fields=("RNE", "DECOM"))
def first_episode_not_s(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 357: the first episode ever for a child must have RNE S.

    Judged on the first episode of a child in a return when it starts within that return's
    year and no return read holds an earlier episode for the child (an episode carried in
    from an earlier year whose return was not loaded is not judged).
    """
    eps = ctx.sequence
    earliest = eps.groupby("child_id")["decom"].transform("min")
    first = ~eps["has_prev"] & (eps["decom"] <= earliest) & (eps["decom"] >= eps["year_start"])
    bad = first & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    return findings(eps, bad, "episodes", "RNE", "RNE " + eps["rne"].astype(str) + " on the child's first episode; expected S.")


@rule("431", "episodes", "warning", fields=("RNE", "DECOM", "DEC"))
def s_on_day_previous_ended(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 431: the reason for new episode is started to be looked after (S), but the previous
    episode ended on the same day (or later: care did not really stop)."""
    eps = ctx.sequence
    bad = (eps["rne"] == codes.RNE_START) & (eps["decom"] <= eps["prev_dec"])
    def message(eps):
        when = pd.Series("on", index=eps.index).where(eps["decom"] == eps["prev_dec"], "after")
        return "RNE S but the previous episode ended " + when + " DECOM " + _dates(eps["decom"]) + "."
    return findings(eps, bad, "episodes", "RNE", message)


@rule("432", "episodes", "warning", fields=("RNE", "REC"))
def not_s_after_leaving(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 432: the previous episode ended care (REC not X1) but the next episode's RNE is not S."""
    eps = ctx.sequence
    left = eps["prev_rec"].notna() & (eps["prev_rec"] != codes.REC_CONTINUES)
    bad = left & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    def message(eps):
        return "the previous episode ended care (REC " + eps["prev_rec"].astype(str) + ") but RNE is " + eps["rne"].astype(str) + ", not S."
    return findings(eps, bad, "episodes", "RNE", message)


def _changes(eps: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(follows on, legal status changed, placement changed) against the previous episode."""
    follows = eps["prev_dec"].notna() & (eps["prev_dec"] == eps["decom"])
    ls_changed = ~_same(eps["ls"], eps["prev_ls"])
    placement_changed = pd.Series(False, index=eps.index)
    for col in ("place", "place_provider", "pl_post", "urn"):
        placement_changed |= ~_same(eps[col], eps[f"prev_{col}"])
    return follows, ls_changed, placement_changed


@rule("434", "episodes", "warning", fields=("RNE", "LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"))
def rne_l_inconsistent(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 434: RNE L (legal status change only) but the legal status did not change, or a
    placement detail (PLACE, PLACE_PROVIDER, PL_POST, URN) did."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_LEGAL_ONLY) & (~ls_changed | placement_changed)
    def message(eps):
        return pd.Series("RNE L but the placement changed.", index=eps.index).where(placement_changed.loc[eps.index], "RNE L but LS did not change.")
    return findings(eps, bad, "episodes", "RNE", message)


@rule("435", "episodes", "warning", fields=("RNE", "LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"))
def rne_p_t_inconsistent(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 435: RNE P or T (placement change only) but the legal status changed, or no
    placement detail (PLACE, PLACE_PROVIDER, PL_POST, URN) changed."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_PLACEMENT_ONLY) & (ls_changed | ~placement_changed)
    def message(eps):
        return ("RNE " + eps["rne"].astype(str) + " but LS changed.").where(
            ls_changed.loc[eps.index], "RNE " + eps["rne"].astype(str) + " but no placement detail changed."
        )
    return findings(eps, bad, "episodes", "RNE", message)


@rule("436", "episodes", "warning", fields=("RNE", "LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN"))
def rne_u_b_inconsistent(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 436: RNE U or B (legal status and placement change) but not both changed."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_BOTH) & ~(ls_changed & placement_changed)
    def message(eps):
        return "RNE " + eps["rne"].astype(str) + " but " + pd.Series("LS", index=eps.index).where(~ls_changed.loc[eps.index], "the placement") + " did not change."
    return findings(eps, bad, "episodes", "RNE", message)


@rule("437", "episodes", "warning", fields=("REC",))
def episodes_after_death(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 437: the episode ended because the child died (E2) or was assessed as 18 or over
    (E15), yet further episodes follow."""
    eps = ctx.sequence
    bad = eps["rec"].isin(codes.REC_NO_FURTHER_EPISODES) & eps["has_next"]
    return findings(eps, bad, "episodes", "REC", "REC " + eps["rec"].astype(str) + " but a later episode follows.")


@rule("504", "episodes", "warning", fields=("CIN", "REC", "DEC", "DECOM"))
def cin_changed_within_period(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 504: the category of need code differs from that reported at start of current period
    of being looked after.

    As DfE checks it: an episode following on from the previous one (previous REC X1 and DEC =
    this DECOM) with a different CIN.
    """
    eps = ctx.sequence
    follows = (eps["prev_rec"] == codes.REC_CONTINUES) & (eps["prev_dec"] == eps["decom"])
    bad = follows & ~_same(eps["cin"], eps["prev_cin"])
    def message(eps):
        return "CIN " + eps["cin"].astype(str) + " differs from CIN " + eps["prev_cin"].astype(str) + " at the start of the period of care."
    return findings(eps, bad, "episodes", "CIN", message)


#: Longest police protection (LS L1) the Children Act 1989 allows, in days (72 hours).
MAX_POLICE_PROTECTION_DAYS = 3
#: Legal status: police protection, in local authority accommodation.
LS_POLICE_PROTECTION = "L1"


@rule("361", "episodes", "warning", fields=("LS", "DECOM", "DEC"))
def police_protection_too_long(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 361: police protection legal status lasted longer than maximum 72 hours allowed in
    the Children Act 1989.

    As DfE checks it: consecutive LS L1 episodes (each starting on the previous DEC) form one
    spell, open ones running to the return's end; every episode of a spell longer than 3 days
    is reported.
    """
    eps = ctx.sequence
    l1 = eps[eps["ls"] == LS_POLICE_PROTECTION]
    if l1.empty:
        return _none()
    follows = (l1["prev_ls"] == LS_POLICE_PROTECTION) & (l1["prev_dec"] == l1["decom"])
    spell = (~follows).cumsum()
    end = l1["dec"].fillna(l1["year_end"])
    days = (end.groupby(spell).transform("max") - l1["decom"].groupby(spell).transform("min")).dt.days
    def message(rows):
        return "police protection (LS L1) for " + days.loc[rows.index].astype(str) + " days, over 72 hours."
    return findings(l1, days > MAX_POLICE_PROTECTION_DAYS, "episodes", "LS", message)
