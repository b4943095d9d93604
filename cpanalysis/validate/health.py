"""OC2: children looked after continuously for 12 months at 31 March (DfE 180, 185, 190, 191, 198, 215)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods
from cpanalysis.validate.engine import ValidationContext, _combine, _in, findings, rule

#: What decides the 12-month OC2 cohort (:attr:`ValidationContext.oc2_cohort`): the fields of
#: the rules that depend on it.
OC2_COHORT_FIELDS = ("episodes.RNE", "episodes.DECOM", "episodes.DEC", "episodes.REC", "episodes.LS")


@rule("180", "oc2", "warning", fields=("SDQ_SCORE",))
def sdq_out_of_range(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 180: the SDQ total difficulties score must be a whole number from 0 to 40."""
    oc2 = ctx.tables["oc2"]
    score = oc2["sdq_score"]
    bad = score.notna() & ((score < codes.SDQ_MIN) | (score > codes.SDQ_MAX))
    return findings(oc2, bad.fillna(False), "oc2", "SDQ_SCORE", "SDQ_SCORE " + score.astype(str) + " is outside 0-40.")


def _oc2_outside_cohort(ctx: ValidationContext) -> pd.DataFrame:
    oc2 = ctx.tables["oc2"]
    annual = ~oc2["is_in_year"].astype(bool)
    return oc2[annual & oc2["child_id"].notna() & ~_in(oc2, ctx.oc2_cohort)]


@rule("185", "oc2", "warning", fields=("SDQ_SCORE", *OC2_COHORT_FIELDS))
def sdq_score_outside_cohort(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 185: an SDQ score is given for a child not looked after continuously for 12 months at
    31 March (cohort: :attr:`ValidationContext.oc2_cohort`; annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    return findings(outside, outside["sdq_score"].notna(), "oc2", "SDQ_SCORE", "SDQ score given but the child is not in the 12-month cohort.")


@rule("198", "oc2", "warning", fields=("SDQ_REASON", *OC2_COHORT_FIELDS))
def sdq_reason_outside_cohort(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 198: a reason for no SDQ score is given for a child not looked after continuously for
    12 months at 31 March (annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    return findings(outside, outside["sdq_reason"].notna(), "oc2", "SDQ_REASON", "SDQ reason given but the child is not in the 12-month cohort.")


@rule("190", "oc2", "warning", fields=("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED", *OC2_COHORT_FIELDS))
def oc2_items_outside_cohort(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 190: OC2 items (convicted, health, substance misuse ...) are completed for a child not
    looked after continuously for 12 months at 31 March (annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    filled = outside[[f.lower() for f in codes.OC2_FLAGS]].notna().any(axis=1)
    return findings(outside, filled, "oc2", None, "OC2 items completed but the child is not in the 12-month cohort.")


#: OC2 items DfE 191 requires for every child in the 12-month cohort.
OC2_ALWAYS_REQUIRED = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")


@rule("191", "oc2", "warning", fields=("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "CHILD", "header.CHILD", *OC2_COHORT_FIELDS))
def oc2_missing_in_cohort(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 191: a child looked after continuously for 12 months at 31 March has blank OC2 items
    (immunisations, teeth check, health assessment, substance misuse), or no OC2 row at all.

    A missing OC2 row is reported on the child's header row of that return (table ``header``).
    """
    cohort = ctx.oc2_cohort
    oc2 = ctx.tables["oc2"]
    in_cohort = oc2[_in(oc2, cohort)]
    blank = in_cohort[[c.lower() for c in OC2_ALWAYS_REQUIRED]].isna().any(axis=1)
    present = findings(in_cohort, blank, "oc2", None, "child in the 12-month cohort with blank OC2 items (immunisations, teeth, health assessment or substance misuse).")
    header = ctx.tables["header"]
    absent_pairs = cohort[~_in(cohort, oc2)]
    first_header_row = header["child_id"].notna() & ~header.duplicated(["return_label", "child_id"])
    absent = findings(header, _in(header, absent_pairs) & first_header_row, "header", "CHILD",
                      "child looked after continuously for 12 months at 31 March but has no OC2 row.")
    return _combine([present, absent])


#: Birthdays in the year at which an SDQ score (or the reason for none) is expected (DfE 197B).
SDQ_BIRTHDAYS = (4, 17)


@rule("197B", "oc2", "warning", fields=("SDQ_REASON", "SDQ_SCORE", "DOB", *OC2_COHORT_FIELDS))
def sdq_missing_at_4_or_17(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 197B: an SDQ score or the reason for no score should be reported for a child whose
    4th or 17th birthday falls in the year, looked after continuously for 12 months at 31 March
    (annual returns only)."""
    oc2 = ctx.table("oc2")
    if oc2.empty:
        return _combine([])
    birthday_in_year = pd.Series(False, index=oc2.index)
    for age in SDQ_BIRTHDAYS:
        day = periods.birthday(oc2["dob"], age)
        birthday_in_year |= (day >= oc2["year_start"]) & (day <= oc2["year_end"])
    bad = birthday_in_year & _in(oc2, ctx.oc2_cohort) & oc2["sdq_score"].isna() & oc2["sdq_reason"].isna()
    return findings(oc2, bad.fillna(False), "oc2", "SDQ_REASON", "4th or 17th birthday in the year but no SDQ score and no reason.")


#: OC2 items DfE 215 counts as "completed" for a care leaver (every OC2 item but the SDQ).
_OC2_ITEMS = ("convicted", "health_check", "immunisations", "teeth_check", "health_assessment", "substance_misuse",
              "intervention_received", "intervention_offered")


@rule("215", "oc3", "warning", fields=("CHILD", "IN_TOUCH", "ACTIV", "ACCOM", "oc2.CHILD", "oc2.CONVICTED", "oc2.HEALTH_CHECK", "oc2.IMMUNISATIONS", "oc2.TEETH_CHECK", "oc2.HEALTH_ASSESSMENT", "oc2.SUBSTANCE_MISUSE", "oc2.INTERVENTION_RECEIVED", "oc2.INTERVENTION_OFFERED"))
def care_leaver_with_oc2_items(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 215: child has care leaver information but one or more data items relating to
    children looked after for 12 months have been completed.

    As DfE checks it: an OC3 row with IN_TOUCH, ACTIV or ACCOM given, and an OC2 row of the same
    child in the return with any item other than the SDQ given. Reported on both rows.
    """
    oc3, oc2 = ctx.tables["oc3"], ctx.tables["oc2"]
    leavers = oc3[oc3["child_id"].notna() & oc3[["in_touch", "activ", "accom"]].notna().any(axis=1)]
    with_items = oc2[oc2["child_id"].notna() & oc2[list(_OC2_ITEMS)].notna().any(axis=1)]
    message = "care-leaver information (OC3) and OC2 items for children looked after for 12 months are both given."
    return _combine([
        findings(oc3, _in(oc3, with_items) & oc3.index.to_series().isin(leavers.index), "oc3", "CHILD", message),
        findings(oc2, _in(oc2, leavers) & oc2.index.to_series().isin(with_items.index), "oc2", "CHILD", message),
    ])
