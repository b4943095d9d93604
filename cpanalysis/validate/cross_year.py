"""Rules comparing a return with last year's (DfE 202, 203, 204, 1002).

DfE's validator compares the return with the previous year's only (its ``_last`` tables).
cpanalysis reads every return, so "last year" is the annual return of the collection year
before (:attr:`Context.previous_annual`); rules about a child's whole history (1002) look at
every return read up to this one.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis.validate.engine import Context, _dates, _same, findings, rule


def _header_changed(ctx: Context, column: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    header = ctx.tables["header"]
    last = ctx.last_year("header", [column])
    changed = last["in_last_year"] & header["child_id"].notna() & ~_same(header[column], last[f"last_{column}"])
    return header, changed, last


@rule("202", "header", "warning")
def sex_differs_from_last_year(ctx: Context) -> pd.DataFrame:
    """DfE 202: the child's sex conflicts with the sex recorded in last year's return.

    Compared by meaning (``sex``: 1 and M are both male), so the recoding of SEX from 1/2 to
    M/F/U in 2024-25 is not a change. (DfE's validator 0.1.17 compares the codes, so it reports
    every child returned as 1/2 in 2023-24 and M/F in 2024-25: see docs/validation_rules.md.)
    """
    header, changed, last = _header_changed(ctx, "sex")
    def message(rows):
        return "SEX is " + rows["sex"].astype(str) + " but was " + last.loc[rows.index, "last_sex"].astype(str) + " last year."
    return findings(header, changed, "header", "SEX", message)


@rule("203", "header", "warning")
def dob_differs_from_last_year(ctx: Context) -> pd.DataFrame:
    """DfE 203: the child's date of birth differs from the one in last year's return."""
    header, changed, last = _header_changed(ctx, "dob")
    def message(rows):
        return "DOB " + _dates(rows["dob"]) + " but " + _dates(last.loc[rows.index, "last_dob"]) + " last year."
    return findings(header, changed, "header", "DOB", message)


@rule("204", "header", "warning")
def ethnicity_differs_from_last_year(ctx: Context) -> pd.DataFrame:
    """DfE 204: the child's ethnicity differs from the one in last year's return."""
    header, changed, last = _header_changed(ctx, "ethnic")
    def message(rows):
        return "ETHNIC is " + rows["ethnic"].astype(str) + " but was " + last.loc[rows.index, "last_ethnic"].astype(str) + " last year."
    return findings(header, changed, "header", "ETHNIC", message)


@rule("1002", "oc3", "warning")
def care_leaver_never_looked_after(ctx: Context) -> pd.DataFrame:
    """DfE 1002: the young person has no episodes of care, so should have no care-leaver
    information.

    Episodes of every return read up to this one count (DfE's tool sees only this year and
    last, and warns that it reports young people whose care ended earlier).
    """
    oc3 = ctx.tables["oc3"]
    eps = ctx.tables["episodes"]
    if oc3.empty:
        return findings(oc3, pd.Series(False, index=oc3.index), "oc3", "CHILD", "")
    first_year = eps.dropna(subset=["child_id"]).groupby("child_id")["collection_year"].min()
    seen = oc3["child_id"].map(first_year)
    never = oc3["child_id"].notna() & (seen.isna() | (seen > oc3["collection_year"]))
    return findings(oc3, never, "oc3", "CHILD", "care-leaver information but no episode of care in this or any earlier return read.")
