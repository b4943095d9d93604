"""MOTHER and MC_DOB: whether a looked-after young woman is a mother (DfE 393, 607, 174, 612)."""

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


@rule("174", "header", "warning", fields=("MC_DOB", "SEX"))
def mc_dob_for_a_male(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 174: mother's child date of birth is recorded but sex shows that the child is a male.

    SEX compared by meaning (1 up to 2023-24 and M from 2024-25 are both male), as DfE's
    2022-23 and 2024-25 versions each check their year's code.
    """
    header = ctx.tables["header"]
    bad = (header["sex"] == "M") & header["mc_dob"].notna()
    return findings(header, bad, "header", "MC_DOB", "MC_DOB " + _dates(header["mc_dob"]) + " is given but the child is male.")


#: MOTHER code: not a mother (MOTHER is an Int8 flag in the processed header).
NOT_A_MOTHER = 0


@rule("612", "header", "warning", fields=("MC_DOB", "MOTHER", "SEX"))
def mc_dob_but_not_a_mother(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 612: date of birth field has been completed but mother field indicates child is not a
    mother (a female child with MC_DOB given and MOTHER 0 or blank; SEX by meaning)."""
    header = ctx.tables["header"]
    not_mother = (header["mother"] == NOT_A_MOTHER).fillna(False) | header["mother"].isna()
    bad = (header["sex"] == "F") & not_mother & header["mc_dob"].notna()
    def message(rows):
        mother = rows["mother"].astype(object).where(rows["mother"].notna(), "blank").astype(str)
        return "MC_DOB " + _dates(rows["mc_dob"]) + " is given but MOTHER is " + mother + "."
    return findings(header, bad, "header", "MC_DOB", message)
