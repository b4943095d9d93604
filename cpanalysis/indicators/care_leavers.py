"""Outcome 5, leaving care: the OC3 measures for ages 17-18, 19-21 and single ages 17-21.

Cohort (``dfe_statistics.md`` §3, ``ssda903.md`` §3.5): young people with an OC3 row for the
17th to 21st birthday falling in the window. A row belongs to the collection year containing the
birthday (rule 391), so a birthday on 1 April belongs to the year that starts that day. For a
rolling window the rows of the two collection years it spans are used, each for its own
birthdays; at an in-year quarter end with no OC3 rows yet for that year the latest complete
year is carried forward (:meth:`cpanalysis.indicators.context.IndicatorContext.annual_rows`).

Exclusions from every denominator: young people who died since leaving care (IN_TOUCH DIED),
returned home to their parents for 6+ months (RHOM), looked after only under short breaks, and
those still looked after at the end of the birthday (OC3 is not expected for them, rules
1007/1016; a young person whose care ends **on** the birthday is a care leaver).

DfE counts the OC3 rows the authority returns. A 19-21 year old usually left care years before
the returns an authority has loaded, so a care leaver with **no** episode in the loaded returns
stays in the cohort: only evidence that they were looked after under short breaks alone (every
loaded period of care is V3/V4) excludes them. The cohort is therefore the same whether the
figures are computed from the last three returns or from the whole history, except for a young
person whose short-break-only care ended before the loaded returns (no evidence is left of it). Young people the authority is not in touch with, who refused contact or no longer
need services stay in (their activity is "not known").

The DfE information window around the birthday is unconfirmed ("on or around"; often quoted as 3
months before to 1 month after). ``oc3_birthday_lag_months`` (default 0, DfE) shifts the
birthday window back so that at an in-year quarter end every recording window has closed; any
lag other than 0 no longer reproduces the published 31 March figures.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.table import Rows, Stamp, count_rows, proportion_rows
from cpanalysis.periods import Window

AGE_GROUP_LABELS = {"17_18": "17 to 18 years", "19_21": "19 to 21 years"}
_MEASURES = ("in_touch", "not_in_touch", "eet", "neet", "higher_education", "activity_not_known",
             "suitable_accommodation")


def _birthday_window(ctx: IndicatorContext, used: Window) -> Window:
    lag = int(ctx.options.oc3_birthday_lag_months)
    if lag == 0:
        return used
    end = periods.months_before(used.end, lag) - pd.Timedelta(days=1)
    return Window(periods.months_before(end, 12), end, used.period_type)


def leavers_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame | None:
    """Care leavers with their 17th-21st birthday in the window, after exclusions, one row each.

    Columns: ``age`` (at the birthday), ``care_leaver_age`` (DfE group label), ``sex``,
    ``birthday``, ``geo``, ``in_touch``, ``activ``, ``accom`` and the measure flags of :data:`_MEASURES`
    (``in_accommodation_denominator`` marks who counts for suitability). ``None`` when the OC3
    table is empty.
    """
    return ctx.cached(("oc3", win), lambda: _leavers_frame(ctx, win))


def _leavers_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame | None:
    rows, used = ctx.annual_rows("oc3", win)
    if rows.empty:
        return None
    bwin = _birthday_window(ctx, used)
    every = ctx.cached("oc3_all", lambda: _all_leavers(ctx))
    frame = every[(every["birthday"] >= bwin.start) & (every["birthday"] <= bwin.end)]
    # one birthday per child falls in any 12 months, so at most one row per child remains
    return frame.drop_duplicates("child_id", keep="last").set_index("child_id")


def _all_leavers(ctx: IndicatorContext) -> pd.DataFrame:
    """Every OC3 row with the 17th-21st birthday of its collection year, after the exclusions."""
    rows = ctx.oc3.assign(collection_year=pd.to_numeric(ctx.oc3["collection_year"], errors="coerce"))
    rows = rows[rows["collection_year"].notna()].reset_index(drop=True)
    dob = ctx.children["dob"].reindex(rows["child_id"]).reset_index(drop=True)
    if "dob" in rows.columns:
        dob = dob.fillna(rows["dob"])
    # the birthday falling in the row's collection year (rule 391): the last one by 31 March
    years = rows["collection_year"].astype(int)
    ends = {year: periods.year_end(year) for year in years.unique()}  # a few years, many rows
    age = periods.age_at(dob, years.map(ends))
    keep = age.between(17, 21).fillna(False).to_numpy()
    frame = rows.loc[keep].assign(age=age[keep].astype(int))
    frame["birthday"] = periods.birthday(dob[keep], frame["age"])
    frame = frame.drop_duplicates(["child_id", "collection_year"], keep="last")
    for col in ("in_touch", "activ", "accom"):
        frame[col] = frame[col].astype(object) if col in frame.columns else None
    frame = frame[~frame["in_touch"].isin(codes.IN_TOUCH_EXCLUDED)]
    frame = frame[~frame["child_id"].isin(_short_breaks_only(ctx))]
    frame = frame[~_looked_after_at(ctx, frame)].copy()
    frame["sex"] = ctx.attributes(pd.Index(frame["child_id"]), pd.Timestamp(0))["sex"].to_numpy()
    frame["geo"] = ctx.geo_of(frame["child_id"])
    frame["care_leaver_age"] = pd.Categorical.from_codes(
        (frame["age"].to_numpy() > 18).astype(int), categories=list(AGE_GROUP_LABELS.values())
    )
    activ = frame["activ"]
    frame["in_touch_flag"] = frame["in_touch"] == "YES"
    frame["not_in_touch"] = frame["in_touch"] == "NO"
    frame["eet"] = activ.isin(codes.ACTIV_EET)
    frame["neet"] = activ.isin(codes.ACTIV_NEET)
    frame["higher_education"] = activ.isin(codes.ACTIV_HIGHER_EDUCATION)
    frame["activity_not_known"] = ~(frame["eet"] | frame["neet"])
    frame["suitable_accommodation"] = frame["accom"].map(codes.accom_suitable).eq(True)
    frame["in_accommodation_denominator"] = ~frame["accom"].map(codes.accom_type).isin(
        codes.ACCOM_EXCLUDED_FROM_SUITABILITY
    )
    frame["staying_put"] = frame["accom"].map(codes.accom_type) == codes.ACCOM_STAYING_PUT
    frame["left_foster_care_at_18"] = frame["child_id"].isin(_left_foster_care_at_18(ctx))
    # only what the measures read: every window filters this frame many times
    keep = ["child_id", "geo", "age", "birthday", "sex", "care_leaver_age", "in_touch", "activ", "accom", "in_touch_flag",
            *_MEASURES[1:], "in_accommodation_denominator", "staying_put", "left_foster_care_at_18"]
    return frame[keep].reset_index(drop=True)


def _short_breaks_only(ctx: IndicatorContext) -> pd.Index:
    """Children whose every loaded period of care is a short break (LS V3/V4 throughout).

    A child with no period of care in the loaded returns is not among them: the absence of
    episodes is no evidence of short-break care (a care leaver's episodes are often in returns
    older than those loaded).
    """
    p = ctx.periods_of_care
    only_breaks = p.groupby("child_id")["is_short_break"].all()
    return pd.Index(only_breaks.index[only_breaks.to_numpy(dtype=bool)], dtype=object)


def _looked_after_at(ctx: IndicatorContext, rows: pd.DataFrame) -> pd.Series:
    """Whether each row's young person was looked after at the end of their birthday."""
    e = ctx.care_episodes[["child_id", "decom", "dec"]]
    pairs = rows[["child_id", "birthday"]].reset_index().merge(e, on="child_id", how="inner")
    inside = (pairs["decom"] <= pairs["birthday"]) & (pairs["dec"].isna() | (pairs["dec"] > pairs["birthday"]))
    hit = set(pairs.loc[inside, "index"])
    return pd.Series(rows.index.isin(list(hit)), index=rows.index)


def care_leavers_cohort(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Care leavers aged 17-21 with their birthday in the window (EES activity "Total"; LAIT ``NoCareLeavers``).

    Cohort and count: see the module docstring. Breakdowns: DfE age group (17 to 18, 19 to 21), sex.
    """
    frame = leavers_frame(ctx, win)
    if frame is None:
        return None
    return count_rows(frame, "care_leavers_cohort", stamp, cat.get("care_leavers_cohort").breakdowns)


def leavers_measures(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every ``leavers_<age>_<measure>`` indicator (EES care leavers' activity and accommodation).

    For each age group (17_18, 19_21 and single ages 17-21), the denominator is every care leaver
    of that age in the cohort, and the numerator:

    * ``in_touch``: IN_TOUCH YES; ``not_in_touch``: IN_TOUCH NO (LAIT ``CareLeavers_LA_NotInTouch``);
    * ``eet``: ACTIV in education, apprenticeship, training or employment (F1-F5, P1-P5);
    * ``neet``: ACTIV G4-G6; ``higher_education``: F1/P1;
    * ``activity_not_known``: neither EET nor NEET (ACTIV 0 or blank, typically not in touch,
      refused contact or no longer requiring services): EES "Total information not known";
    * ``suitable_accommodation``: ACCOM suffix 1, over the age group **excluding** young people
      gone abroad, deported or whose residence is not known (ACCOM G, H, R); "no information"
      (ACCOM 0) stays in the denominator.

    Breakdown: sex for the two DfE age groups.
    """
    frame = leavers_frame(ctx, win)
    if frame is None:
        return []
    out = []
    for age_id, ages in cat.CARE_LEAVER_AGES.items():
        group = frame[frame["age"].isin(ages)]
        for measure in _MEASURES:
            indicator_id = f"leavers_{age_id}_{measure}"
            data = group
            if measure == "suitable_accommodation":
                data = group[group["in_accommodation_denominator"]]
            column = "in_touch_flag" if measure == "in_touch" else measure
            out.append(proportion_rows(data, column, indicator_id, stamp, cat.get(indicator_id).breakdowns))
    return out


def _left_foster_care_at_18(ctx: IndicatorContext) -> pd.Index:
    """Children whose (non-short-break) period of care ended on their 18th birthday from foster care."""
    p = ctx.periods_of_care
    p = p[(~p["is_short_break"]) & p["end"].notna() & p["last_place"].isin(codes.PLACE_FOSTER)]
    b18 = periods.birthday(ctx.children["dob"].reindex(p["child_id"]).reset_index(drop=True), 18)
    hit = p["end"].reset_index(drop=True) == b18
    return pd.Index(p["child_id"].reset_index(drop=True)[hit.fillna(False)].unique(), dtype=object)


def _staying_put(ctx: IndicatorContext, win: Window, stamp: Stamp, indicator_id: str,
                 ages: tuple[int, ...]) -> Rows | None:
    frame = leavers_frame(ctx, win)
    if frame is None:
        return None
    frame = frame[frame["age"].isin(ages) & frame["left_foster_care_at_18"]]
    return proportion_rows(frame, "staying_put", indicator_id, stamp)


def staying_put_18(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Staying put at 18 (EES care leavers "staying put", experimental).

    Cohort and denominator: care leavers with their 18th birthday in the window whose period of
    care ended on that birthday from a foster placement (U1-U6). Numerator: still living with
    their former foster carers (ACCOM type Z). Exclusions: as the care-leaver cohort.
    """
    return _staying_put(ctx, win, stamp, "staying_put_18", (18,))


def staying_put_19_20(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Staying put at 19-20 (LAIT ``StayingPut``).

    Cohort and denominator: care leavers with their 19th or 20th birthday in the window who left
    foster care on their 18th birthday. Numerator: ACCOM type Z (with former foster carers).
    Not produced when the loaded returns start after the first of the 36 months ending on the
    period end: an 18th birthday (when they left care) can lie that far back, and a period of
    care ended before the earliest return is not loaded, so the young person would drop out.
    """
    if not ctx.covers(periods.months_before(win.end, 36)):
        return None
    return _staying_put(ctx, win, stamp, "staying_put_19_20", (19, 20))


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every care-leaver indicator for one window."""
    return [
        care_leavers_cohort(ctx, win, stamp),
        *leavers_measures(ctx, win, stamp),
        staying_put_18(ctx, win, stamp),
        staying_put_19_20(ctx, win, stamp),
    ]
