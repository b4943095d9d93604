"""Previous permanence (DfE 630) and placed for adoption (DfE 184, 117, 557)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.validate.engine import ValidationContext, _combine, _dates, _none, findings, rule

#: PREV_PERM code meaning "no previous permanence" (or not known), which needs no LA or date.
NO_PREVIOUS_PERMANENCE = "Z1"


@rule("630", "episodes", "warning", fields=("RNE", "DECOM", "previous_permanence.PREV_PERM", "previous_permanence.LA_PERM", "previous_permanence.DATE_PERM"))
def previous_permanence_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 630: information on previous permanence is missing for a child who started to be
    looked after in the year.

    An episode with RNE S starting on or after 1 April needs the child's previous permanence row
    in the same return, with PREV_PERM completed, and LA_PERM and DATE_PERM completed unless
    PREV_PERM is Z1 (as DfE checks it).
    """
    eps = ctx.table("episodes")
    perm = ctx.tables["previous_permanence"]
    started = (eps["rne"] == codes.RNE_START) & (eps["decom"] >= eps["year_start"]) & eps["child_id"].notna()
    if not started.any():
        return _none()
    rows = eps.loc[started, ["return_label", "child_id"]].reset_index()
    merged = rows.merge(perm[["return_label", "child_id", "prev_perm", "la_perm", "date_perm"]],
                        on=["return_label", "child_id"], how="left", indicator=True)
    absent = merged["_merge"] == "left_only"
    present = merged["_merge"] == "both"
    incomplete = present & (merged["prev_perm"] != NO_PREVIOUS_PERMANENCE) & merged[["la_perm", "date_perm"]].isna().any(axis=1)
    blank = present & merged["prev_perm"].isna()
    bad_index = set(merged.loc[absent | incomplete | blank, "index"])
    bad = pd.Series(eps.index.isin(list(bad_index)), index=eps.index)
    return findings(eps, bad, "episodes", "PREV_PERM",
                    "started to be looked after in the year but previous permanence is missing or incomplete.")


@rule("184", "placed_for_adoption", "warning", fields=("DATE_PLACED", "DOB"))
def placed_before_birth(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 184: date of decision that a child should be placed for adoption (DATE_PLACED) is
    before the child was born (the DOB given in the same row, as DfE compares them)."""
    placed = ctx.tables["placed_for_adoption"]
    bad = (placed["date_placed"] < placed["dob"]).fillna(False)
    def message(rows):
        return "DATE_PLACED " + _dates(rows["date_placed"]) + " is before DOB " + _dates(rows["dob"]) + "."
    return findings(placed, bad, "placed_for_adoption", "DATE_PLACED", message)


@rule("117", "placed_for_adoption", "warning", fields=("DATE_PLACED", "DATE_PLACED_CEASED", "episodes.DEC", "episodes.REC", "episodes.DECOM"))
def placement_decision_after_leaving(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 117: date of decision that a child should/should no longer be placed for adoption is
    beyond the current collection year or after the child ceased to be looked after.

    As DfE checks it: DATE_PLACED or DATE_PLACED_CEASED after the return's end, or after the DEC
    of the child's latest episode whose REC is not X1. Reported on the placed-for-adoption row
    and that episode.
    """
    placed = ctx.table("placed_for_adoption")
    if placed.empty:
        return _none()
    eps = ctx.tables["episodes"]
    # Only the columns read, before sorting (a copy of every column was a million rows wide).
    latest = eps.loc[eps["decom"].notna() & eps["child_id"].notna() & (eps["rec"] != codes.REC_CONTINUES), ["return_label", "child_id", "decom", "dec"]]
    latest = latest.sort_values(["return_label", "child_id", "decom"], kind="stable").drop_duplicates(["return_label", "child_id"], keep="last")
    latest = latest.assign(return_label=latest["return_label"].astype(object))[["return_label", "child_id", "dec"]].rename_axis("episode").reset_index()
    rows = placed.assign(return_label=placed["return_label"].astype(object)).rename_axis("row").reset_index()
    merged = rows.merge(latest, on=["return_label", "child_id"], how="left")
    late = pd.Series(False, index=merged.index)
    for column in ("date_placed", "date_placed_ceased"):
        late |= (merged[column] > merged["year_end"]).fillna(False) | (merged[column] > merged["dec"]).fillna(False)
    hit = merged[late]
    def message(rows):
        return "DATE_PLACED " + _dates(rows["date_placed"]) + " or DATE_PLACED_CEASED " + _dates(rows["date_placed_ceased"]) + " is after the return's end or the child's DEC."
    on_placed = findings(placed, pd.Series(placed.index.isin(hit["row"]), index=placed.index), "placed_for_adoption", "DATE_PLACED", message)
    episodes = hit["episode"].dropna().astype(int)
    on_episode = findings(eps, pd.Series(eps.index.isin(episodes), index=eps.index), "episodes", "DEC",
                          "the child's placed-for-adoption dates are after this episode's DEC or the return's end.")
    return _combine([on_placed, on_episode])


#: Legal statuses that mean a decision to place for adoption (DfE 557), by the first collection
#: year of each version: freeing (D1) or placement (E1) order to 2023-24, E1 from 2024-25.
ADOPTION_ORDERS: dict[int, frozenset[str]] = {2023: frozenset({"D1", "E1"}), 2025: frozenset({"E1"})}


@rule("557", "episodes", "warning", fields=("REC", "PLACE", "LS", "placed_for_adoption.DATE_PLACED_CEASED",
                                             "placed_for_adoption.REASON_PLACED_CEASED"), first_year=2023)
def left_care_not_adopted_placement_not_ceased(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 557: child for whom the decision was made that they should be placed for adoption has
    left care but was not adopted, and the decision that they should no longer be placed for
    adoption has not been completed.

    As DfE checks it: an episode placed for adoption (PLACE A3-A6) or under a placement order
    (LS E1; D1 too up to 2023-24) that ended care (REC given, not X1) other than by adoption (not
    E11/E12), when the child has no placed-for-adoption row in the return, or one without
    DATE_PLACED_CEASED or REASON_PLACED_CEASED. Reported on the episode and on that row.
    """
    eps = ctx.tables["episodes"]
    newer = eps["collection_year"] >= 2025
    under_order = eps["ls"].isin(ADOPTION_ORDERS[2025]) | (~newer & eps["ls"].isin(ADOPTION_ORDERS[2023]))
    left = eps["rec"].notna() & (eps["rec"] != codes.REC_CONTINUES) & ~eps["rec"].isin(codes.REC_ADOPTED)
    chosen = eps[(eps["place"].isin(codes.PLACE_ADOPTION) | under_order) & left & eps["child_id"].notna()]
    if chosen.empty:
        return _none()
    placed = ctx.tables["placed_for_adoption"]
    placed = placed.loc[placed["child_id"].notna(), ["return_label", "child_id", "date_placed_ceased", "reason_placed_ceased"]]
    pairs = chosen[["return_label", "child_id"]].astype({"return_label": object}).rename_axis("episode").reset_index().merge(
        placed.astype({"return_label": object}).rename_axis("placed").reset_index(), on=["return_label", "child_id"], how="left")
    incomplete = pairs["date_placed_ceased"].isna() | pairs["reason_placed_ceased"].isna()
    hit = pairs[pairs["placed"].isna() | incomplete]
    without_row = set(hit.loc[hit["placed"].isna(), "episode"])
    def message(rows):
        none = pd.Series(rows.index.isin(list(without_row)), index=rows.index)
        return ("REC " + rows["rec"].astype(str) + ": left care not adopted after a decision to place for adoption, but "
                + pd.Series("the child has no placed-for-adoption row.", index=rows.index).where(
                    none, "the placed-for-adoption row has no DATE_PLACED_CEASED or REASON_PLACED_CEASED."))
    on_episodes = findings(eps, pd.Series(eps.index.isin(hit["episode"]), index=eps.index), "episodes", "REC", message)
    rows = hit["placed"].dropna().astype(int)
    all_placed = ctx.tables["placed_for_adoption"]
    on_placed = findings(all_placed, pd.Series(all_placed.index.isin(rows), index=all_placed.index), "placed_for_adoption",
                         "DATE_PLACED_CEASED", "the child left care not adopted, but DATE_PLACED_CEASED or REASON_PLACED_CEASED is blank.")
    return _combine([on_episodes, on_placed])
