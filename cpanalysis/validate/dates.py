"""Header and episode dates against the collection year (DfE 301, 351, 302, 354, 385, 148)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import periods
from cpanalysis.validate.engine import ValidationContext, _dates, findings, rule


@rule("301", "header", "warning", fields=("DOB",))
def born_after_year_end(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 301: the date of birth falls after the end of the collection year (or the as-at date
    of an in-year extract)."""
    header = ctx.table("header")
    bad = header["dob"] > header["year_end"]
    def message(header):
        return "DOB " + _dates(header["dob"]) + " is after the return's end " + _dates(header["year_end"]) + "."
    return findings(header, bad, "header", "DOB", message)


@rule("351", "header", "warning", fields=("DOB",))
def over_25(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 351: the child was over 25 at the start of the collection year (a stale record)."""
    header = ctx.table("header")
    age = periods.age_at(header["dob"], header["year_start"])
    bad = (age > 25).fillna(False).astype(bool)
    return findings(header, bad, "header", "DOB", "aged " + age.astype(str) + " on 1 April, over 25.")


@rule("302", "episodes", "warning", fields=("DECOM", "header.DOB"))
def episode_before_birth(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 302: the first episode starts before the child was born (DOB from the same return's
    header)."""
    eps = ctx.sequence
    first = eps.loc[~eps["has_prev"], ["decom", "header_dob"]]  # only the columns read (issue 15)
    bad = first["decom"] < first["header_dob"]
    def message(first):
        return "DECOM " + _dates(first["decom"]) + " is before DOB " + _dates(first["header_dob"]) + "."
    return findings(first, bad, "episodes", "DECOM", message)


@rule("354", "episodes", "warning", fields=("DECOM",))
def started_after_year_end(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 354: the episode starts after the end of the collection year (or the as-at date of
    an in-year extract): a future or mistyped date."""
    eps = ctx.table("episodes")
    bad = eps["decom"] > eps["year_end"]
    def message(eps):
        return "DECOM " + _dates(eps["decom"]) + " is after the return's end " + _dates(eps["year_end"]) + "."
    return findings(eps, bad, "episodes", "DECOM", message)


@rule("385", "episodes", "warning", fields=("DEC",))
def ceased_after_year_end(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 385: the date the episode ceased must be on or before the end of the collection year
    (or the as-at date of an in-year extract)."""
    eps = ctx.table("episodes")
    bad = eps["dec"] > eps["year_end"]
    def message(eps):
        return "DEC " + _dates(eps["dec"]) + " is after the return's end " + _dates(eps["year_end"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)


@rule("148", "episodes", "warning", fields=("REC", "DEC"))
def dec_and_rec_together(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 148: DEC and REC must both be filled or both be blank."""
    eps = ctx.tables["episodes"]
    dec_only = eps["dec"].notna() & eps["rec"].isna()
    rec_only = eps["dec"].isna() & eps["rec"].notna()
    def message(eps):
        return pd.Series("DEC is given but REC is blank.", index=eps.index).where(dec_only.loc[eps.index], "REC is given but DEC is blank.")
    return findings(eps, dec_only | rec_only, "episodes", "REC", message)
