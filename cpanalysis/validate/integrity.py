"""Cross-table integrity within a return (DfE INT rules, EPI, 1012, duplicate UPN 444) and UASC / missing dates (304, 567,
a UASC under 11: 231)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods, schema
from cpanalysis.validate.engine import (
    ValidationContext,
    _combine,
    _dates,
    _in,
    _none,
    findings,
    rule,
)

_NOT_IN_HEADER = {
    "ad1": "INT01", "placed_for_adoption": "INT02", "episodes": "INT03", "missing": "INT04", "oc2": "INT05",
    "oc3": "INT06", "previous_permanence": "INT07", "reviews": "INT08", "uasc": "INT09",
}
_DOB_DIFFERS = {
    "ad1": "INT11", "placed_for_adoption": "INT12", "missing": "INT13", "oc2": "INT14", "oc3": "INT15",
    "previous_permanence": "INT16", "reviews": "INT17", "uasc": "INT18",
}
_ONCE_ONLY = {"ad1": "INT31", "header": "INT32", "oc2": "INT33", "oc3": "INT34", "previous_permanence": "INT35", "uasc": "INT36"}


def _not_in_header_rule(rule_id: str, table: str) -> None:
    def check(ctx: ValidationContext) -> pd.DataFrame:
        frame = ctx.tables[table]
        bad = frame["child_id"].notna() & ~_in(frame, ctx.header_dob)
        return findings(frame, bad, table, "CHILD", f"the child is in {table} but not in this return's header.")

    check.__name__ = f"{table}_child_not_in_header"
    check.__doc__ = f"DfE {rule_id}: a child in the {table} table does not exist in the same return's header."
    rule(rule_id, table, fields=("CHILD", "header.CHILD"))(check)


def _dob_differs_rule(rule_id: str, table: str) -> None:
    def check(ctx: ValidationContext) -> pd.DataFrame:
        frame = ctx.with_header(table)
        bad = frame["dob"].notna() & frame["header_dob"].notna() & (frame["dob"] != frame["header_dob"])
        def message(frame):
            return "DOB " + _dates(frame["dob"]) + " differs from the header's " + _dates(frame["header_dob"]) + "."
        return findings(frame, bad, table, "DOB", message)

    check.__name__ = f"{table}_dob_differs"
    check.__doc__ = f"DfE {rule_id}: the DOB in the {table} table differs from the DOB in the same return's header."
    rule(rule_id, table, fields=("DOB", "header.DOB"))(check)


def _once_only_rule(rule_id: str, table: str) -> None:
    def check(ctx: ValidationContext) -> pd.DataFrame:
        frame = ctx.tables[table]
        key = ["return_label", "child_id"]
        repeated = frame["child_id"].notna() & frame.duplicated(key)
        if repeated.any():
            # Exact copies (compared as text) are DUP's. Only a row of a repeated child, or one
            # with no CHILD, can be text-equal to a repeated row: a text copy of every cell of
            # a million-row header was most of this rule's memory (issue 15).
            content = [c for c in frame.columns if c not in schema.METADATA_COLUMNS]
            candidates = frame.loc[frame.duplicated(key, keep=False) | frame["child_id"].isna(), ["return_label", *content]]
            exact = candidates.astype(str).duplicated().reindex(frame.index, fill_value=False)
            repeated &= ~exact
        return findings(frame, repeated, table, "CHILD", f"the child has more than one row in {table} in this return.")

    check.__name__ = f"{table}_child_repeated"
    check.__doc__ = (
        f"DfE {rule_id}: a child should appear only once in the {table} table of a return.\n\n"
        "Exact copies are the DUP rule's; this reports a second, different row (kept)."
    )
    rule(rule_id, table, fields=("CHILD",))(check)


for _table, _rule_id in _NOT_IN_HEADER.items():
    _not_in_header_rule(_rule_id, _table)
for _table, _rule_id in _DOB_DIFFERS.items():
    _dob_differs_rule(_rule_id, _table)
for _table, _rule_id in _ONCE_ONLY.items():
    _once_only_rule(_rule_id, _table)


@rule("INT21", "uasc", "warning", fields=("SEX", "header.SEX"))
def uasc_sex_differs(ctx: ValidationContext) -> pd.DataFrame:
    """DfE INT21: SEX in the UASC table differs from SEX in the same return's header (compared
    after recoding 1/2 to M/F)."""
    uasc = ctx.with_header("uasc")
    bad = uasc["sex"].notna() & uasc["header_sex"].notna() & (uasc["sex"] != uasc["header_sex"])
    return findings(uasc, bad, "uasc", "SEX", "SEX " + uasc["sex"].astype(str) + " differs from the header's " + uasc["header_sex"].astype(str) + ".")


@rule("304", "uasc", "warning", fields=("DUC", "DOB"))
def uasc_ceased_after_18(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 304: the date UASC status ceased (DUC) must be on or before the child's 18th birthday."""
    uasc = ctx.tables["uasc"]
    eighteenth = periods.birthday(uasc["dob"], 18) if len(uasc) else uasc["dob"]
    bad = uasc["duc"].notna() & (uasc["duc"] > eighteenth)
    return findings(uasc, bad, "uasc", "DUC", "DUC " + _dates(uasc["duc"]) + " is after the 18th birthday " + _dates(pd.Series(eighteenth, index=uasc.index)) + ".")


@rule("567", "missing", "warning", fields=("MIS_END", "MIS_START"))
def missing_end_before_start(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 567: the date a missing (or away from placement) period ended is before the date it
    started."""
    missing = ctx.tables["missing"]
    bad = missing["mis_end"] < missing["mis_start"]
    def message(missing):
        return "MIS_END " + _dates(missing["mis_end"]) + " is before MIS_START " + _dates(missing["mis_start"]) + "."
    return findings(missing, bad, "missing", "MIS_END", message)


@rule("EPI", "header", "warning", fields=("CHILD", "episodes.CHILD", "oc3.CHILD"))
def header_child_without_episodes(ctx: ValidationContext) -> pd.DataFrame:
    """DfE EPI: episodes need to be loaded for this child before further validation is possible:
    the child is in the header but has no episode and no care-leaver (OC3) row in the return."""
    header = ctx.tables["header"]
    bad = header["child_id"].notna() & ~_in(header, ctx.tables["episodes"]) & ~_in(header, ctx.tables["oc3"])
    return findings(header, bad, "header", "CHILD", "the child is in the header but has no episode and no OC3 row in this return.")


#: Tables DfE 1012 checks: information about a child looked after in the year.
_NEEDS_EPISODES = ("placed_for_adoption", "missing", "reviews", "ad1", "previous_permanence", "oc2")


@rule("1012", "all", "warning", fields=("placed_for_adoption.CHILD", "missing.CHILD", "reviews.CHILD", "ad1.CHILD", "previous_permanence.CHILD", "oc2.CHILD", "episodes.CHILD"))
def data_without_episodes(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 1012: no other data should be returned for children who had no episodes in the
    current year (placed for adoption, missing, reviews, AD1, previous permanence, OC2 rows of
    a child with no episode in the return)."""
    eps = ctx.tables["episodes"]
    found = []
    for table in _NEEDS_EPISODES:
        frame = ctx.tables[table]
        bad = frame["child_id"].notna() & ~_in(frame, eps)
        found.append(findings(frame, bad, table, "CHILD", f"a {table} row but the child has no episode in this return."))
    return _combine(found)


@rule("444", "header", "warning", fields=("UPN",), first_year=2026)
def upn_duplicated(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 444: duplicate UPN has been reported, from 2025-26.

    As DfE checks it: a UPN other than the "unknown" codes UN1-UN5 on more than one header row
    of the return (a child's repeated header row included, which is also INT32's).
    """
    header = ctx.tables["header"]
    real = header["upn"].notna() & ~header["upn"].isin(codes.UPN_UNKNOWN.codes)
    counts = header[real].groupby(["return_label", "upn"], observed=True)["upn"].transform("size")
    bad = pd.Series(False, index=header.index)
    bad[counts.index[counts > 1]] = True
    return findings(header, bad, "header", "UPN", "UPN " + header["upn"].astype(str) + " is given for more than one header row of this return.")


#: Youngest age DfE expects of an unaccompanied asylum-seeking child at 31 March (DfE 231).
UASC_MIN_AGE = 11


@rule("231", "header", "warning", fields=("DOB", "uasc.CHILD"), first_year=2025)
def uasc_younger_than_expected(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 231: unaccompanied asylum-seeking children are generally older young people: a UASC
    born less than 11 years before the end of the collection year (31 March), from 2024-25.

    DfE's rule reads a header flag ``UASC_STATUS`` that its CSV reader never makes, so it fails
    to run; the package takes the child being in the return's UASC table as that status (what
    DfE's reader flags as ``UASC``). Reported on the header row (check the date of birth).
    """
    header = ctx.table("header")
    if header.empty:
        return _none()
    ends = {year: periods.year_end(int(year)) for year in header["collection_year"].unique()}
    year_end = header["collection_year"].map(ends).astype("datetime64[ns]")
    cutoff = year_end - pd.DateOffset(years=UASC_MIN_AGE)
    bad = header["child_id"].notna() & _in(header, ctx.tables["uasc"]) & (header["dob"] > cutoff).fillna(False)
    def message(rows):
        return "UASC but born " + _dates(rows["dob"]) + ", under 11 at 31 March: please check the date of birth."
    return findings(header, bad, "header", "DOB", message)
