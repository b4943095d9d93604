"""Placement provider (DfE 526, 213, 550, 527-531), short breaks (DfE 365-367) and the reason
for a placement change (DfE 233, 234), Ofsted URN (DfE 218, 222), temporary
placements (DfE 226, 383) and the youngest age in supported accommodation (DfE 371)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, periods
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


@rule("526", "episodes", "warning", fields=("PLACE_PROVIDER", "PLACE"))
def provider_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 526: the placement provider is blank for a placement type that needs one (every type
    except temporary T0-T4 and other Z1/Z11-Z14)."""
    eps = ctx.tables["episodes"]
    bad = eps["place_provider"].isna() & eps["place"].notna() & ~eps["place"].isin(codes.PLACE_NO_PROVIDER)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER is blank for PLACE " + eps["place"].astype(str) + ".")


@rule("213", "episodes", "warning", fields=("PLACE_PROVIDER", "PLACE"))
def provider_not_expected(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 213: placement provider given for a temporary (T0-T4) or other (Z1/Z11-Z14) placement,
    which have none."""
    eps = ctx.tables["episodes"]
    bad = eps["place_provider"].notna() & eps["place"].isin(codes.PLACE_NO_PROVIDER)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER given for PLACE " + eps["place"].astype(str) + ".")


@rule("550", "episodes", "warning", fields=("PLACE_PROVIDER", "PLACE"))
def parents_provider_not_p1(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 550: provider PR0 (parents) can only go with placement P1 (placed with parents)."""
    eps = ctx.tables["episodes"]
    bad = (eps["place_provider"] == codes.PROVIDER_PARENTS) & eps["place"].notna() & ~eps["place"].isin(codes.PLACE_WITH_PARENTS)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER " + eps["place_provider"].astype(str) + " with PLACE " + eps["place"].astype(str) + ".")


def _provider_rule(rule_id: str, provider: str) -> None:
    excluded = codes.PROVIDER_EXCLUDED_PLACES[provider]

    def check(ctx: ValidationContext) -> pd.DataFrame:
        eps = ctx.tables["episodes"]
        bad = (eps["place_provider"] == provider) & eps["place"].isin(excluded)
        def message(eps):
            return f"PLACE_PROVIDER {provider} cannot go with PLACE " + eps["place"].astype(str) + "."
        return findings(eps, bad, "episodes", "PLACE_PROVIDER", message)

    check.__name__ = f"provider_{provider.lower()}_incompatible"
    check.__doc__ = f"DfE {rule_id}: provider {provider} cannot be associated with placement types {', '.join(sorted(excluded))}."
    rule(rule_id, "episodes", fields=("PLACE_PROVIDER", "PLACE"))(check)


for _rule_id, _provider in zip(("527", "528", "529", "530", "531"), sorted(codes.PROVIDER_EXCLUDED_PLACES), strict=False):
    _provider_rule(_rule_id, _provider)




# ---------------------------------------------------------------------------------------------
# Short breaks
# ---------------------------------------------------------------------------------------------
#: Longest single short break in nights (DfE 365) and most short-break days a year (DfE 367).
MAX_SHORT_BREAK_NIGHTS = 17
MAX_SHORT_BREAK_DAYS_A_YEAR = 75


@rule("365", "episodes", "warning", fields=("DEC", "LS", "DECOM"))
def short_break_too_long(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 365: an individual short break (LS V3) must not exceed 17 days (DEC - DECOM, in
    nights; open breaks are not judged)."""
    eps = ctx.tables["episodes"]
    nights = (eps["dec"] - eps["decom"]).dt.days
    bad = eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & (nights > MAX_SHORT_BREAK_NIGHTS)
    return findings(eps, bad, "episodes", "DEC", "short break of " + nights.astype("Int64").astype(str) + " days (over 17).")


@rule("366", "episodes", "warning", fields=("RNE", "LS"))
def short_break_placement_change(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 366: a child cannot change placement during an individual short break: every V3
    episode must have RNE S."""
    eps = ctx.tables["episodes"]
    bad = eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    return findings(eps, bad, "episodes", "RNE", "LS V3 episode with RNE " + eps["rne"].astype(str) + "; expected S.")


@rule("367", "episodes", "warning", fields=("LS", "DECOM", "DEC"))
def short_breaks_over_75_days(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 367: at most 75 days of short breaks (LS V3) in the collection year.

    Days are nights within the return's year (DEC - DECOM, clipped to the year; an open break
    counts to the return's end). Reported on the child's last V3 episode of the year.
    """
    eps = ctx.table("episodes")
    v3 = eps[eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & eps["decom"].notna() & eps["child_id"].notna()]
    if v3.empty:
        return _none()
    start = v3["decom"].clip(lower=v3["year_start"])
    end = v3["dec"].fillna(v3["year_end"]).clip(upper=v3["year_end"])
    days = (end - start).dt.days.clip(lower=0)
    total = days.groupby([v3["return_label"], v3["child_id"]]).transform("sum")
    last = v3["decom"] == v3.groupby(["return_label", "child_id"])["decom"].transform("max")
    bad = (total > MAX_SHORT_BREAK_DAYS_A_YEAR) & last
    return findings(v3, bad, "episodes", "LS", "short breaks total " + total.astype(str) + " days in the year (over 75).")



# ---------------------------------------------------------------------------------------------
# Reason for placement change (2025-26)
# ---------------------------------------------------------------------------------------------
#: REASON_PLACE_CHANGE: the child was admitted to custody.
REASON_CUSTODY = "CUSTOD"
#: Youngest age at which a placement can change because the child was admitted to custody (DfE 234).
MIN_CUSTODY_AGE = 10


def _header_dob(header: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """The DOB in the same return's header (first row of the child) of each of ``rows``."""
    births = header.dropna(subset=["child_id"]).drop_duplicates(["return_label", "child_id"])
    births = births.set_index(["return_label", "child_id"])["dob"]
    keys = pd.MultiIndex.from_arrays([rows["return_label"].astype(object), rows["child_id"]])
    return pd.Series(births.reindex(keys).to_numpy(dtype="datetime64[ns]"), index=rows.index)


@rule("233", "episodes", "warning", fields=("REASON_PLACE_CHANGE", "DEC"), first_year=2026)
def reason_place_change_on_open_episode(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 233: reason for placement change is not required when the episode has not ceased
    (REASON_PLACE_CHANGE given, DEC blank), from 2025-26.

    (DfE's validator 0.1.17 reads a column ``DATE_EPISODE_CEASED`` its episodes table does not
    have, so its 233 fails to run: see docs/validation_rules.md.)
    """
    eps = ctx.tables["episodes"]
    bad = eps["reason_place_change"].notna() & eps["dec"].isna()
    return findings(eps, bad, "episodes", "REASON_PLACE_CHANGE",
                    "REASON_PLACE_CHANGE " + eps["reason_place_change"].astype(str) + " but the episode has not ceased (no DEC).")


@rule("234", "episodes", "warning", fields=("REASON_PLACE_CHANGE", "DECOM", "header.DOB"), first_year=2026)
def custody_under_10(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 234: a child aged under 10 cannot change placement due to being admitted to custody,
    from 2025-26.

    As DfE checks it: REASON_PLACE_CHANGE CUSTOD on an episode starting (DECOM) before the
    child's 10th birthday (DOB from the same return's header). Reported on the episode and the
    child's header row.
    """
    eps = ctx.tables["episodes"]
    custody = eps[eps["reason_place_change"].eq(REASON_CUSTODY).fillna(False) & eps["child_id"].notna()]
    if custody.empty:
        return _none()
    header = ctx.tables["header"]
    tenth = periods.birthday(_header_dob(header, custody), MIN_CUSTODY_AGE)
    bad = (custody["decom"] < tenth).fillna(False)
    def message(rows):
        return "REASON_PLACE_CHANGE CUSTOD but the episode starts " + _dates(rows["decom"]) + ", before the 10th birthday " + _dates(tenth.loc[rows.index]) + "."
    on_episodes = findings(custody, bad, "episodes", "REASON_PLACE_CHANGE", message)
    young = custody[bad]
    on_header = findings(header, _in(header, young) & header["child_id"].notna(), "header", "DOB",
                         "the child's placement changed because of custody (CUSTOD) before the 10th birthday.")
    return _combine([on_episodes, on_header])


# ---------------------------------------------------------------------------------------------
# Ofsted URN (DfE 218, 222: the placement types change with the year)
# ---------------------------------------------------------------------------------------------
_TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
#: Placement types DfE 218 needs no URN for, by the first collection year of each list (DfE's
#: rule sets lac2022_23, lac2024_25, lac2025_26; earlier returns take the earliest list).
URN_NOT_NEEDED: dict[int, frozenset[str]] = {
    2023: frozenset({"H5", "P1", "P2", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z1"}),
    2025: frozenset({"P1", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z1"}),
    2026: frozenset({"P1", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z11", "Z12", "Z13", "Z14"}),
}
#: Placement types DfE 222 allows no URN for (``XXXXXXX`` excepted), by first collection year
#: (lac2022_23, lac2023_24, lac2024_25, lac2025_26).
URN_NOT_ALLOWED: dict[int, frozenset[str]] = {
    2023: frozenset({"H5", "P1", "P2", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z1"}),
    2024: frozenset({"P1", "P2", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z1"}),
    2025: frozenset({"P1", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z1"}),
    2026: frozenset({"P1", "P3", "R1", "R2", "R5", *_TEMPORARY, "Z11", "Z12", "Z13", "Z14"}),
}
#: The URN DfE 222 accepts for any placement type.
URN_PLACEHOLDER = "XXXXXXX"
#: From 2025-26 DfE 218 leaves out placements whose PL_LA is one of these (outside England);
#: before, any PL_LA not starting E (an unknown one included, as DfE's code reads it).
OUTSIDE_ENGLAND_FROM_2026 = frozenset({"CON", "NIR", "SCO", "WAL", "NUK"})


def _types_of_year(lists: dict[int, frozenset[str]], years: pd.Series) -> pd.Series:
    """Each row's list of placement types for its collection year (the latest list starting by then)."""
    def pick(year: int) -> frozenset[str]:
        starts = [y for y in lists if y <= year]
        return lists[max(starts) if starts else min(lists)]
    chosen = {int(y): pick(int(y)) for y in years.unique()}
    return years.map(lambda y: chosen[int(y)])


def _place_in(eps: pd.DataFrame, lists: dict[int, frozenset[str]]) -> pd.Series:
    types = _types_of_year(lists, eps["collection_year"])
    return pd.Series([p in t for p, t in zip(eps["place"], types, strict=True)], index=eps.index, dtype=bool)


@rule("218", "episodes", "warning", fields=("URN", "PLACE", "PL_LA", "PL_POST", "DEC"), first_year=2023)
def urn_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 218: Ofsted unique reference number (URN) is required.

    As DfE checks it, with the placement types of the return's year (:data:`URN_NOT_NEEDED`):
    URN blank on an episode open or ending in the collection year whose PLACE is not one of
    them, placed in England (from 2025-26: PL_LA not outside England; before, as DfE's code
    reads it, PL_LA an English authority, an unknown one counting as outside). Not judged when
    the postcode directory cannot be used.
    """
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps = ctx.tables["episodes"]
    starts = {year: periods.year_start(int(year)) for year in eps["collection_year"].unique()}
    year_start = eps["collection_year"].map(starts).astype("datetime64[ns]")
    pl_la = geo["pl_la"].astype(object)
    outside = pd.Series(~pl_la.str.startswith("E", na=False).astype(bool), index=eps.index)
    newer = eps["collection_year"] >= 2026
    outside[newer] = pl_la[newer].isin(OUTSIDE_ENGLAND_FROM_2026)
    in_year = eps["dec"].isna() | (eps["dec"] >= year_start)
    bad = eps["urn"].isna() & eps["place"].notna() & ~_place_in(eps, URN_NOT_NEEDED) & ~outside & in_year
    return findings(eps, bad, "episodes", "URN", "URN is blank but PLACE " + eps["place"].astype(str) + " in England needs an Ofsted URN.")


@rule("222", "episodes", "warning", fields=("URN", "PLACE"), first_year=2023)
def urn_not_expected(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 222: Ofsted unique reference number (URN) should not be recorded for this placement
    type (the types of the return's year, :data:`URN_NOT_ALLOWED`; ``XXXXXXX`` is accepted)."""
    eps = ctx.tables["episodes"]
    bad = eps["urn"].notna() & (eps["urn"] != URN_PLACEHOLDER) & _place_in(eps, URN_NOT_ALLOWED)
    return findings(eps, bad, "episodes", "URN", "URN " + eps["urn"].astype(str) + " given for PLACE " + eps["place"].astype(str)
                    + ", which has no Ofsted URN.")


# ---------------------------------------------------------------------------------------------
# Temporary placements (DfE 226, 383)
# ---------------------------------------------------------------------------------------------
#: RNE of the episode that returns a child from a temporary placement to the one before (DfE 383).
RNE_PLACE_CHANGE_ONLY = "P"


def _in_order(ctx: ValidationContext) -> tuple[pd.DataFrame, object]:
    """Episodes of each child in a return in DECOM order (blank DECOMs last, as DfE sorts them),
    and their group-by (return, child)."""
    eps = ctx.tables["episodes"]
    # only the columns 226 and 383 read: a large return's episodes are not copied whole
    columns = ["return_label", "child_id", "decom", "rne", "place", "pl_post", "reason_place_change", "collection_year"]
    eps = eps.loc[eps["child_id"].notna(), columns]
    eps["return_label"] = eps["return_label"].astype(object)
    frame = eps.sort_values(["return_label", "child_id", "decom"], kind="stable", na_position="last")
    return frame, frame.groupby(["return_label", "child_id"], sort=False)


@rule("226", "episodes", "warning", fields=("REASON_PLACE_CHANGE", "PLACE", "DECOM"))
def reason_place_change_on_temporary(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 226: reason for placement change is not required for temporary placements.

    As DfE checks it: an episode with PLACE T0-T4 is reported when it, or the child's episode
    before it in the return (DECOM order), has a REASON_PLACE_CHANGE.
    """
    frame, by = _in_order(ctx)
    previous = by["reason_place_change"].shift(1)
    temporary = frame["place"].isin(codes.PLACE_TEMPORARY)
    bad = temporary & (frame["reason_place_change"].notna() | previous.notna())
    def message(rows):
        here = rows["reason_place_change"].notna()
        text = "REASON_PLACE_CHANGE " + rows["reason_place_change"].astype(str) + " given for temporary placement PLACE " + rows["place"].astype(str) + "."
        before = ("REASON_PLACE_CHANGE " + previous.loc[rows.index].astype(str) + " given on the episode before temporary placement PLACE "
                  + rows["place"].astype(str) + ".")
        return text.where(here, before)
    return findings(frame, bad, "episodes", "REASON_PLACE_CHANGE", message)


@rule("383", "episodes", "warning", fields=("PLACE", "RNE", "PL_POST", "DECOM"))
def no_return_after_temporary(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 383: a child in a temporary placement must subsequently return to his/her normal
    placement.

    As DfE checks it: when the child's previous episode in the return (DECOM order) has PLACE
    T0-T4 and there is an episode before that one, this episode must have RNE P and the PLACE of
    the episode before the temporary one (and, from 2025-26, its PL_POST too).
    """
    frame, by = _in_order(ctx)
    before_temporary = by["place"].shift(1).isin(codes.PLACE_TEMPORARY) & (by.cumcount() >= 2)
    place_before, post_before = by["place"].shift(2), by["pl_post"].shift(2)
    with_post = frame["collection_year"] >= 2026
    differs = (frame["rne"] != RNE_PLACE_CHANGE_ONLY) | ~_same(frame["place"], place_before)
    differs |= with_post & ~_same(frame["pl_post"], post_before)
    def message(rows):
        post = with_post.loc[rows.index]
        expected = "RNE P, PLACE " + _text(place_before.loc[rows.index]) + (", PL_POST " + _text(post_before.loc[rows.index])).where(post, "")
        found_ = "RNE " + _text(rows["rne"]) + ", PLACE " + _text(rows["place"]) + (", PL_POST " + _text(rows["pl_post"])).where(post, "")
        return "after a temporary placement the child should return to the placement before it (" + expected + "), but this episode has " + found_ + "."
    return findings(frame, before_temporary & differs, "episodes", "PLACE", message)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "blank").astype(str)


#: DfE 371: the placement type and the youngest age at its start, by the first collection year of
#: each version (lac2022_23: semi-independent living H5 from 14; lac2024_25: supported
#: accommodation K3 from 16).
SUPPORTED_MIN_AGE: dict[int, tuple[str, int]] = {2023: ("H5", 14), 2025: ("K3", 16)}


@rule("371", "episodes", "warning", fields=("DECOM", "PLACE", "DEC", "header.DOB"), first_year=2023)
def supported_accommodation_too_young(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 371: child in supported accommodation not subject to children's homes regulations
    should be at least 16 (PLACE K3, from 2024-25; up to 2023-24 semi-independent living H5 and
    at least 14).

    As DfE checks it: an episode of that placement type that has ended (DfE's code leaves out
    episodes with no DEC) starting before the birthday (DOB from the same return's header).
    """
    eps = ctx.tables["episodes"]
    newer = eps["collection_year"] >= 2025
    (old_place, old_age), (new_place, new_age) = SUPPORTED_MIN_AGE[2023], SUPPORTED_MIN_AGE[2025]
    placed = eps["place"].eq(new_place).where(newer, eps["place"].eq(old_place)).fillna(False).astype(bool)
    rows = eps[placed & eps["dec"].notna() & eps["decom"].notna() & eps["child_id"].notna()]
    if rows.empty:
        return _none()
    age = pd.Series(old_age, index=rows.index).where(rows["collection_year"] < 2025, new_age)
    dob = _header_dob(ctx.tables["header"], rows)
    birthday = pd.Series(periods.birthday(dob, age), index=rows.index).astype("datetime64[ns]")
    bad = (rows["decom"] < birthday).fillna(False)
    def message(found):
        return ("PLACE " + found["place"].astype(str) + " from DECOM " + _dates(found["decom"]) + ", before the "
                + age.loc[found.index].astype(str) + "th birthday " + _dates(birthday.loc[found.index]) + ".")
    return findings(rows, bad, "episodes", "DECOM", message)
