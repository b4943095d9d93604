"""OC3: care leavers (DfE 391, 1001, 153, 344, 345)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods
from cpanalysis.validate.engine import ValidationContext, _dates, _none, findings, rule

#: Birthdays for which care-leaver (OC3) information is collected (DfE 391). Ages 22 to 25
#: (young people who ask the authority for support) are collected from 2022-23.
OC3_AGES = range(17, 22)
OC3_AGES_FROM_2023 = range(17, 26)
OC3_EXTENDED_FROM_YEAR = 2023


@rule("391", "oc3", "warning", fields=("DOB", "IN_TOUCH", "ACTIV", "ACCOM"))
def oc3_wrong_age(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 391: care-leaver information is only for young people whose 17th to 21st birthday
    (22nd to 25th too from 2022-23) falls in the collection year (1 April to 31 March)."""
    oc3 = ctx.table("oc3")
    if oc3.empty:
        return _none()
    year_end = oc3["collection_year"].map(lambda y: periods.year_end(int(y)))
    age_at_end = periods.age_at(oc3["dob"], year_end)
    upper = oc3["collection_year"].map(lambda y: max(OC3_AGES_FROM_2023 if y >= OC3_EXTENDED_FROM_YEAR else OC3_AGES))
    # The birthday reached during the year is the age at its end.
    bad = age_at_end.notna() & ((age_at_end < min(OC3_AGES)) | (age_at_end > upper))
    return findings(oc3, bad.fillna(False).astype(bool), "oc3", "DOB", "aged " + age_at_end.astype(str) + " at 31 March: not a care-leaver birthday year.")


#: DfE relevant/former relevant child (rule 1001): at least 13 weeks looked after since the 14th
#: birthday, some of it after the 16th birthday (short breaks V3/V4 excluded).
RELEVANT_MIN_DAYS = 91


@rule("1001", "oc3", "warning", fields=("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM", "header.DOB", "episodes.DECOM", "episodes.DEC", "episodes.LS"))
def oc3_not_care_leaver(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 1001: the young person's episodes do not make them a relevant or former relevant
    child, so they should not have care-leaver information.

    Relevant: looked after for at least 13 weeks (91 days) in total since their 14th birthday,
    including some time after their 16th birthday, not counting short breaks (V3/V4). Episodes
    of every return read are combined (each day counted once; an open episode counts to its
    return's end). Young people with no episodes in any return read are not judged (their care
    may predate the returns loaded).
    """
    oc3 = ctx.tables["oc3"]
    eps = ctx.table("episodes")
    eps = eps[eps["decom"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK) & eps["child_id"].isin(oc3["child_id"])]
    if oc3.empty or eps.empty:
        return _none()
    # The OC3 row's DOB, else the header's (OC3 DOB may be left blank).
    with_header = ctx.with_header("oc3")
    dob = with_header["dob"].fillna(with_header["header_dob"]).groupby(with_header["child_id"]).first()
    eps = eps.assign(birth=eps["child_id"].map(dob)).dropna(subset=["birth"])
    days_since_14, after_16 = _care_since_14(eps)
    judged = oc3["child_id"].isin(days_since_14.index)
    days = oc3["child_id"].map(days_since_14)
    bad = judged & ((days < RELEVANT_MIN_DAYS) | ~oc3["child_id"].map(after_16).fillna(False).astype(bool))
    def message(oc3):
        return "looked after " + days.astype("Int64").astype(str) + " day(s) since the 14th birthday in the returns read: not a care leaver (needs 91, some after 16)."
    return findings(oc3, bad.fillna(False).astype(bool), "oc3", "CHILD", message)


def _care_since_14(eps: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Days looked after since the 14th birthday, and whether any care came after the 16th,
    per child (index ``child_id``), from episodes carrying the child's date of birth (``birth``).

    Each day is counted once however many episodes cover it (overlapping episodes of different
    returns are merged), counting both the first and the last day; an open episode runs to its
    return's end. Children whose care all ended before their 14th birthday have 0 days.
    """
    start = eps["decom"]
    end = eps["dec"].fillna(eps["year_end"])
    end = end.where(end >= start, start)
    from14 = periods.birthday(eps["birth"], 14)
    from16 = periods.birthday(eps["birth"], 16)
    after_16 = (end >= from16).groupby(eps["child_id"]).any()
    # Only care from the 14th birthday counts: clip each episode to start there, then merge
    # overlapping spans per child (a span starts a new block when it begins after every
    # earlier span of the same child has ended).
    since = pd.DataFrame({"child_id": eps["child_id"], "start": start.where(start >= from14, from14), "end": end})
    since = since[since["end"] >= since["start"]].sort_values(["child_id", "start"], kind="stable")
    ended_before = since.groupby("child_id")["end"].cummax().groupby(since["child_id"]).shift()
    block = (ended_before.isna() | (since["start"] > ended_before)).cumsum()
    blocks = since.groupby(block).agg(child_id=("child_id", "first"), start=("start", "min"), end=("end", "max"))
    days = ((blocks["end"] - blocks["start"]).dt.days + 1).groupby(blocks["child_id"]).sum()
    return days.reindex(after_16.index, fill_value=0), after_16


@rule("153", "oc3", "warning", fields=("IN_TOUCH", "ACTIV", "ACCOM"))
def oc3_partly_completed(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 153: IN_TOUCH, ACTIV and ACCOM must all be completed or all be left blank."""
    oc3 = ctx.tables["oc3"]
    filled = oc3[["in_touch", "activ", "accom"]].notna().sum(axis=1)
    return findings(oc3, filled.between(1, 2), "oc3", None, "only " + filled.astype(str) + " of IN_TOUCH, ACTIV and ACCOM completed.")


@rule("344", "oc3", "warning", fields=("IN_TOUCH", "ACTIV", "ACCOM"))
def oc3_died_or_home_with_details(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 344: the young person died (DIED) or returned home for 6 months or more (RHOM), yet
    activity or accommodation is given (they should be 0)."""
    oc3 = ctx.tables["oc3"]
    detail = (oc3["activ"].notna() & ~oc3["activ"].isin(codes.ACTIV_NOT_KNOWN)) | (
        oc3["accom"].notna() & ~oc3["accom"].isin(codes.ACCOM_NOT_KNOWN)
    )
    bad = oc3["in_touch"].isin(codes.IN_TOUCH_EXCLUDED) & detail
    return findings(oc3, bad, "oc3", "IN_TOUCH", "IN_TOUCH " + oc3["in_touch"].astype(str) + " but ACTIV/ACCOM are not 0.")


@rule("345", "oc3", "warning", fields=("IN_TOUCH", "ACTIV", "ACCOM"))
def oc3_in_touch_without_details(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 345: the authority is in touch (IN_TOUCH YES) but activity or accommodation is 0
    (not known)."""
    oc3 = ctx.tables["oc3"]
    unknown = oc3["activ"].isin(codes.ACTIV_NOT_KNOWN) | oc3["accom"].isin(codes.ACCOM_NOT_KNOWN)
    bad = (oc3["in_touch"] == codes.IN_TOUCH_YES) & unknown
    return findings(oc3, bad, "oc3", "IN_TOUCH", "IN_TOUCH YES but ACTIV or ACCOM is 0.")


@rule("1016", "oc3", "warning", fields=("IN_TOUCH", "ACTIV", "ACCOM", "DOB", "episodes.DEC"))
def oc3_left_care_after_17th_or_18th(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 1016: care-leaver information is not required for 17- or 18-year-olds who ceased to
    be looked after after their birthday.

    Aged 17 at 31 March with an episode in the return ending on or after the 17th birthday, or
    aged 18 with one ending on or after the 18th, yet IN_TOUCH, ACTIV or ACCOM is given.
    """
    oc3 = ctx.table("oc3")
    eps = ctx.tables["episodes"]
    if oc3.empty or eps.empty:
        return _none()
    age = periods.age_at(oc3["dob"], oc3["year_end"])
    last_dec = eps.dropna(subset=["dec"]).groupby(["return_label", "child_id"])["dec"].max()
    keys = pd.MultiIndex.from_arrays([oc3["return_label"], oc3["child_id"]])
    dec = pd.Series(last_dec.reindex(keys).to_numpy(), index=oc3.index)
    birthday = periods.birthday(oc3["dob"], age.clip(lower=0).fillna(0).astype(int))
    after = age.isin([17, 18]).fillna(False).astype(bool) & (dec >= birthday).fillna(False)
    given = oc3[["in_touch", "activ", "accom"]].notna().any(axis=1)
    def message(rows):
        return "aged " + age.loc[rows.index].astype(str) + " at 31 March and left care on " + _dates(dec.loc[rows.index]) + ", after the birthday: no care-leaver information is needed."
    return findings(oc3, after & given, "oc3", "IN_TOUCH", message)
