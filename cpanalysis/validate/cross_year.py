"""Rules comparing a return with last year's (DfE 202, 203, 204, 208, 205B, 624, 1002, 348).

DfE's validator compares the return with the previous year's only (its ``_last`` tables).
cpanalysis reads every return, so "last year" is the annual return of the collection year
before (:attr:`ValidationContext.previous_annual`); rules about a child's whole history (1002) look at
every return read up to this one.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import periods
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


def _header_changed(ctx: ValidationContext, column: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    header = ctx.tables["header"]
    last = ctx.last_year("header", [column])
    changed = last["in_last_year"] & header["child_id"].notna() & ~_same(header[column], last[f"last_{column}"])
    return header, changed, last


@rule("202", "header", "warning", fields=("SEX",))
def sex_differs_from_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 202: the child's sex conflicts with the sex recorded in last year's return.

    Compared by meaning (``sex``: 1 and M are both male), so the recoding of SEX from 1/2 to
    M/F/U in 2024-25 is not a change. (DfE's validator 0.1.17 compares the codes, so it reports
    every child returned as 1/2 in 2023-24 and M/F in 2024-25: see docs/validation_rules.md.)
    """
    header, changed, last = _header_changed(ctx, "sex")
    def message(rows):
        return "SEX is " + rows["sex"].astype(str) + " but was " + last.loc[rows.index, "last_sex"].astype(str) + " last year."
    return findings(header, changed, "header", "SEX", message)


@rule("203", "header", "warning", fields=("DOB",))
def dob_differs_from_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 203: the child's date of birth differs from the one in last year's return."""
    header, changed, last = _header_changed(ctx, "dob")
    def message(rows):
        return "DOB " + _dates(rows["dob"]) + " but " + _dates(last.loc[rows.index, "last_dob"]) + " last year."
    return findings(header, changed, "header", "DOB", message)


@rule("204", "header", "warning", fields=("ETHNIC",))
def ethnicity_differs_from_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 204: the child's ethnicity differs from the one in last year's return."""
    header, changed, last = _header_changed(ctx, "ethnic")
    def message(rows):
        return "ETHNIC is " + rows["ethnic"].astype(str) + " but was " + last.loc[rows.index, "last_ethnic"].astype(str) + " last year."
    return findings(header, changed, "header", "ETHNIC", message)


#: UPN codes for a child without a UPN (codes.py: UN1 not yet of school age; UN2-UN5 other reasons).
UPN_NOT_YET = "UN1"
UPN_UNKNOWN_LATER = ("UN2", "UN3", "UN4", "UN5")


@rule("208", "header", "warning", fields=("UPN",))
def upn_differs_from_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 208: the UPN this year disagrees with the UPN already recorded for this child (last
    year's return).

    As DfE checks it (case ignored; UPNs are upper-cased on reading), a child in last year's header
    is reported when the UPN differs, except:

    * blank both years (left to DfE 442, a missing UPN);
    * UN1 or blank last year and UN2-UN5 now (a child without a UPN, for a later reason);
    * an unknown code (UN1-UN5) or blank last year and a real UPN now (the UPN found since).

    DfE's code also reports a blank last year followed by UN1 this year, which its own comment
    lists as a valid change; the package does not (docs/validation_rules.md).
    """
    header, changed, last = _header_changed(ctx, "upn")
    now, before = header["upn"], last["last_upn"]
    unknown_codes = (UPN_NOT_YET, *UPN_UNKNOWN_LATER)
    later_reason = (before.eq(UPN_NOT_YET).fillna(False) | before.isna()) & now.isin(UPN_UNKNOWN_LATER)
    blank_to_not_yet = before.isna() & now.eq(UPN_NOT_YET).fillna(False)
    found_since = (before.isin(unknown_codes) | before.isna()) & ~(now.isin(unknown_codes) | now.isna())
    bad = changed & ~later_reason & ~blank_to_not_yet & ~found_since

    def message(rows):
        def shown(values):
            return values.astype(object).where(values.notna(), "blank").astype(str)
        return "UPN " + shown(rows["upn"]) + " but " + shown(last.loc[rows.index, "last_upn"]) + " last year."
    return findings(header, bad, "header", "UPN", message)


@rule("1002", "oc3", "warning", fields=("CHILD", "IN_TOUCH", "ACTIV", "ACCOM", "episodes.CHILD"))
def care_leaver_never_looked_after(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 1002: the young person has no episodes of care, so should have no care-leaver
    information.

    Episodes of every return read up to this one count (DfE's tool sees only this year and
    last, and warns that it reports young people whose care ended earlier). A return is judged
    only when last year's annual return was read too (:attr:`ValidationContext.previous_annual`),
    as DfE's rule runs only with its ``Episodes_last``: in the earliest return read, most care
    leavers left care before it, so without this nearly every OC3 row would be reported
    (367 of the 2023-24 return's rows when a demo authority loads only its last three returns).
    """
    oc3 = ctx.tables["oc3"]
    eps = ctx.tables["episodes"]
    if oc3.empty:
        return findings(oc3, pd.Series(False, index=oc3.index), "oc3", "CHILD", "")
    first_year = eps.dropna(subset=["child_id"]).groupby("child_id")["collection_year"].min()
    seen = oc3["child_id"].map(first_year)
    judged = oc3["return_label"].astype(object).isin(list(ctx.previous_annual))
    never = judged & oc3["child_id"].notna() & (seen.isna() | (seen > oc3["collection_year"]))
    return findings(oc3, never, "oc3", "CHILD", "care-leaver information but no episode of care in this or any earlier return read.")


@rule("205B", "uasc", "warning", fields=("DUC", "CHILD", "DOB", "header.CHILD"))
def uasc_both_years_duc_inconsistent(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 205B: a child previously identified as UASC is also UASC this year, but the dates UASC
    ceased in both years do not support this.

    As DfE checks it: a child in the header and UASC tables of both this return and last year's
    is reported when last year's DUC is not their 18th birthday, or when this year's DUC is
    neither in this collection year nor the same as last year's. Reported on the UASC row and
    the child's header row.
    """
    uasc = ctx.table("uasc")
    if uasc.empty:
        return _none()
    header = ctx.tables["header"]
    last = ctx.last_year("uasc", ["duc", "dob"])
    in_header = _in(uasc, header)
    last_labels = uasc["return_label"].map(ctx.previous_annual).astype(object)
    last_header = set(zip(header["return_label"], header["child_id"], strict=False))
    in_last_header = pd.Series([(lab, c) in last_header for lab, c in zip(last_labels, uasc["child_id"], strict=False)],
                               index=uasc.index, dtype=bool)
    both_years = last["in_last_year"] & in_header & in_last_header
    last_18th = periods.birthday(last["last_dob"], 18) if len(last) else last["last_dob"]
    duc_in_year = (uasc["duc"] >= uasc["year_start"]) & (uasc["duc"] <= uasc["year_end"])
    same_duc = (uasc["duc"] == last["last_duc"]).fillna(False)
    last_is_18th = (last["last_duc"] == last_18th).fillna(False)
    bad = both_years & ((~duc_in_year.fillna(False) & ~same_duc) | ~last_is_18th)
    message = "UASC in both years but the dates UASC ceased (this year and last) do not support this."
    on_uasc = findings(uasc, bad, "uasc", "DUC", message)
    on_header = findings(header, _in(header, uasc[bad]) & header["child_id"].notna(), "header", "CHILD", message)
    return _combine([on_uasc, on_header])


@rule("624", "header", "warning", fields=("MC_DOB", "oc3.CHILD", "episodes.CHILD"))
def mc_dob_differs_from_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 624: date of birth of the first child contradicts the date of birth of the first
    child previously recorded (MC_DOB differs from a MC_DOB given in last year's return,
    including a blank this year).

    A blank is not reported for a care leaver not looked after in the year (in OC3, no episode
    in the return): DfE 628 asks that her motherhood details be left blank. (DfE's validator
    reports it under 624 although its 628 demands it: see docs/validation_rules.md.)
    """
    header = ctx.tables["header"]
    last = ctx.last_year("header", ["mc_dob"])
    oc3 = ctx.tables["oc3"]
    leavers = oc3[oc3[["in_touch", "activ", "accom"]].notna().any(axis=1)]
    blank_as_628_asks = header["mc_dob"].isna() & _in(header, leavers) & ~_in(header, ctx.tables["episodes"])
    bad = (last["in_last_year"] & header["child_id"].notna() & last["last_mc_dob"].notna()
           & ~_same(header["mc_dob"], last["last_mc_dob"]) & ~blank_as_628_asks)
    def message(rows):
        return "MC_DOB " + _dates(rows["mc_dob"]) + " but " + _dates(last.loc[rows.index, "last_mc_dob"]) + " last year."
    return findings(header, bad, "header", "MC_DOB", message)


#: IN_TOUCH: the young person has died since leaving care.
IN_TOUCH_DIED = "DIED"


@rule("348", "oc3", "warning", fields=("IN_TOUCH",), first_year=2026)
def care_leaver_died_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 348: care leaver has previously been reported as having died (IN_TOUCH DIED last year
    but not this year), from 2025-26.

    As DfE checks it: the young person's OC3 row in last year's annual return
    (:attr:`ValidationContext.previous_annual`) has IN_TOUCH DIED and this year's has anything
    else, a blank included.
    """
    oc3 = ctx.tables["oc3"]
    last = ctx.last_year("oc3", ["in_touch"])
    bad = oc3["child_id"].notna() & last["last_in_touch"].eq(IN_TOUCH_DIED).fillna(False) & ~oc3["in_touch"].eq(IN_TOUCH_DIED).fillna(False)
    def message(rows):
        now = rows["in_touch"].astype(object).where(rows["in_touch"].notna(), "blank").astype(str)
        return "IN_TOUCH " + now + " but the young person was reported as having died (DIED) last year."
    return findings(oc3, bad, "oc3", "IN_TOUCH", message)
