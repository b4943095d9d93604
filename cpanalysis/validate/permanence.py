"""Previous permanence (DfE 630): the permanence arrangement before a child starts care."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.validate.engine import Context, _none, findings, rule

#: PREV_PERM code meaning "no previous permanence" (or not known), which needs no LA or date.
NO_PREVIOUS_PERMANENCE = "Z1"


@rule("630", "episodes", "warning")
def previous_permanence_missing(ctx: Context) -> pd.DataFrame:
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
