"""MOTHER: whether a looked-after young woman is a mother (DfE 393, 607)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.validate.engine import ValidationContext, _combine, _dates, _in, findings, rule


@rule("393", "header", "warning", fields=("MOTHER", "SEX", "episodes.LS"))
def mother_blank_while_looked_after(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 393: the child is female and looked after (an episode in the return other than a
    short break, LS V3/V4) but MOTHER is blank."""
    header = ctx.tables["header"]
    eps = ctx.tables["episodes"]
    looked_after = eps[~eps["ls"].isin(codes.LS_SHORT_BREAK)]
    bad = (header["sex"] == "F") & header["mother"].isna() & _in(header, looked_after)
    return findings(header, bad, "header", "MOTHER", "female and looked after but MOTHER is blank.")


@rule("607", "episodes", "warning", fields=("DEC", "REC", "LS", "header.MOTHER", "header.SEX"))
def mother_blank_on_leaving_care(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 607: the child (female) ceased to be looked after in the year (DEC in the year, REC
    not X1, LS not V3/V4) but MOTHER is blank.

    Reported on the episode that ended care and on the child's header row, as DfE does.
    """
    eps = ctx.with_header("episodes")
    header = ctx.tables["header"]
    blank_mother = header[(header["sex"] == "F") & header["mother"].isna()]
    ceased = (
        eps["dec"].between(eps["year_start"], eps["year_end"])
        & eps["rec"].notna()
        & (eps["rec"] != codes.REC_CONTINUES)
        & ~eps["ls"].isin(codes.LS_SHORT_BREAK)
    )
    bad = ceased & _in(eps, blank_mother)
    def message(rows):
        return "ceased to be looked after on " + _dates(rows["dec"]) + " but MOTHER is blank."
    on_episodes = findings(eps, bad, "episodes", "MOTHER", message)
    on_header = findings(header, _in(header, eps[bad]) & _in(header, blank_mother), "header", "MOTHER",
                         "ceased to be looked after in the year but MOTHER is blank.")
    return _combine([on_episodes, on_header])
