"""Social worker episodes (DfE SW02STG1, SW07STG2, SW09STG2, SW10STG2, SW10aSTG2, SW10bSTG2,
SW17STG2, SW18STG2, SW19STG2).

The table is collected from 2023-24. The code list rule SW13STG1 is in :mod:`.code_lists`. The
rules below are DfE's as its validator 0.1.17 codes them (``lac2023_24``, ``lac2024_25``,
``lac2025_26``); the episodes of a child in a return are taken in order of SW_DECOM, then SW_DEC,
each against the one before.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis.validate.engine import ValidationContext, _dates, _none, findings, rule

#: SW_REASON of a first contact, which starts a new run of social worker episodes (SW10, SW10b).
FIRST_CONTACT = "FCONTA"
#: Days either side of the previous episode's end within which the next must start (SW10).
CONTIGUOUS_DAYS = 7
#: First collection year in which DfE exempts a first contact from SW10STG2.
FIRST_CONTACT_EXEMPT_FROM = 2025


def _in_order(ctx: ValidationContext) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Social worker episodes in (return, child, SW_DECOM, SW_DEC) order, whether each has an
    episode before it, and that episode's SW_DEC."""
    sw = ctx.tables["sw_episodes"]
    sw = sw[sw["child_id"].notna()]
    frame = sw.assign(return_label=sw["return_label"].astype(object)).sort_values(
        ["return_label", "child_id", "sw_decom", "sw_dec"], kind="stable", na_position="last")
    by = frame.groupby(["return_label", "child_id"], sort=False)
    return frame, by.cumcount() > 0, by["sw_dec"].shift(1)


def _not_contiguous(ctx: ValidationContext, exempt_first_contact: pd.Series | bool) -> pd.DataFrame:
    frame, has_prev, prev_dec = _in_order(ctx)
    if frame.empty:
        return _none()
    window = pd.Timedelta(days=CONTIGUOUS_DAYS)
    within = (frame["sw_decom"] >= prev_dec - window) & (frame["sw_decom"] <= prev_dec + window)
    exempt = exempt_first_contact(frame) if callable(exempt_first_contact) else exempt_first_contact
    bad = has_prev & ~within.fillna(False) & ~exempt
    def message(rows):
        return ("SW_DECOM " + _dates(rows["sw_decom"]) + " is not within 7 days of the previous social worker episode's SW_DEC "
                + _dates(prev_dec.loc[rows.index]) + ".")
    return findings(frame, bad, "sw_episodes", "SW_DECOM", message)


@rule("SW10STG2", "sw_episodes", "warning", fields=("SW_DECOM", "SW_DEC", "SW_REASON"))
def sw_not_contiguous(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW10STG2: a new social worker episode has started before the end date of the previous
    social worker episode (or more than 7 days after it).

    As DfE checks it: SW_DECOM not within 7 days either side of the previous episode's SW_DEC (an
    open previous episode included); from 2024-25 a first contact (SW_REASON FCONTA) is exempt.
    """
    def first_contact_exempt(frame: pd.DataFrame) -> pd.Series:
        return (frame["sw_reason"] == FIRST_CONTACT).fillna(False) & (frame["collection_year"] >= FIRST_CONTACT_EXEMPT_FROM)
    return _not_contiguous(ctx, first_contact_exempt)


@rule("SW10aSTG2", "sw_episodes", "warning", fields=("SW_DECOM", "SW_DEC", "SW_REASON"), first_year=2026)
def sw_not_within_7_days(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW10aSTG2: a new social worker episode has started and it is not within +/- 7 days of a
    previous episode, from 2025-26 (SW10STG2's test since 2024-25; a first contact is exempt)."""
    return _not_contiguous(ctx, lambda frame: (frame["sw_reason"] == FIRST_CONTACT).fillna(False))


@rule("SW10bSTG2", "sw_episodes", "warning", fields=("SW_DECOM", "SW_REASON", "SW_DEC"), first_year=2026)
def sw_first_contact_before_previous_ended(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW10bSTG2: a new social worker episode has started with a reason of first contact
    (FCONTA) before the previous episode has ended (SW_DECOM on or before its SW_DEC), from 2025-26."""
    frame, has_prev, prev_dec = _in_order(ctx)
    if frame.empty:
        return _none()
    bad = has_prev & (frame["sw_reason"] == FIRST_CONTACT).fillna(False) & (frame["sw_decom"] <= prev_dec).fillna(False)
    def message(rows):
        return ("SW_REASON FCONTA (first contact) but SW_DECOM " + _dates(rows["sw_decom"])
                + " is not after the previous social worker episode's SW_DEC " + _dates(prev_dec.loc[rows.index]) + ".")
    return findings(frame, bad, "sw_episodes", "SW_DECOM", message)


@rule("SW17STG2", "sw_episodes", "warning", fields=("SW_DEC", "SW_DECOM", "episodes.DEC"), first_year=2026)
def sw_none_open_at_year_end(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW17STG2: there is no social worker episode open at 31 March, from 2025-26.

    The child's latest social worker episode in an annual return (latest SW_DECOM) has an
    SW_DEC although the child is still looked after at 31 March (an episode of the return with
    no DEC). DfE's code leaves out the second condition and so reports every young person who
    left care in the year, whose social worker episodes rightly ended (see
    docs/validation_rules.md); in-year extracts are not judged (no 31 March yet).
    """
    sw = ctx.tables["sw_episodes"]
    sw = sw[sw["child_id"].notna() & ~sw["is_in_year"].astype(bool)]
    if sw.empty:
        return _none()
    eps = ctx.tables["episodes"]
    in_care = eps.loc[eps["dec"].isna() & eps["decom"].notna(), ["return_label", "child_id"]].astype({"return_label": object})
    looked_after = set(zip(in_care["return_label"], in_care["child_id"], strict=True))
    latest = sw.assign(return_label=sw["return_label"].astype(object)).sort_values(
        ["return_label", "child_id", "sw_decom"], kind="stable", na_position="first")
    latest = latest.drop_duplicates(["return_label", "child_id"], keep="last")
    still = pd.Series([k in looked_after for k in zip(latest["return_label"], latest["child_id"], strict=True)],
                      index=latest.index, dtype=bool)
    bad = latest["sw_dec"].notna() & still
    def message(rows):
        return ("no social worker episode open at 31 March: the latest (SW_DECOM " + _dates(rows["sw_decom"]) + ") ended "
                + _dates(rows["sw_dec"]) + ", but the child is still looked after.")
    return findings(latest, bad, "sw_episodes", "SW_DEC", message)


@rule("SW18STG2", "sw_episodes", "warning", fields=("SW_DEC", "SW_DECOM"), first_year=2026)
def sw_ended_before_started(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW18STG2: the end date of the social worker episode is before the start date (SW_DEC
    not after SW_DECOM, both given), from 2025-26."""
    sw = ctx.tables["sw_episodes"]
    bad = sw["sw_dec"].notna() & sw["sw_decom"].notna() & ~(sw["sw_dec"] > sw["sw_decom"])
    def message(rows):
        return "SW_DEC " + _dates(rows["sw_dec"]) + " is not after SW_DECOM " + _dates(rows["sw_decom"]) + "."
    return findings(sw, bad, "sw_episodes", "SW_DEC", message)


@rule("SW19STG2", "sw_episodes", "warning", fields=("SW_DECOM", "SW_DEC"), first_year=2026)
def sw_two_starting_same_day(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW19STG2: there are 2 social worker episodes for the child starting on the same date,
    from 2025-26 (the second and later rows of a child's SW_DECOM in a return)."""
    sw = ctx.tables["sw_episodes"]
    bad = sw["child_id"].notna() & sw.duplicated(["return_label", "child_id", "sw_decom"])
    def message(rows):
        return "another social worker episode of the child starts on the same SW_DECOM " + _dates(rows["sw_decom"]) + "."
    return findings(sw, bad, "sw_episodes", "SW_DECOM", message)


#: The two characters a social worker ID begins with (SW02STG1), and its shortest length from 2025-26.
SW_ID_PREFIXES = ("SW", "XX")
SW_ID_MIN_LENGTH = 4


@rule("SW02STG1", "sw_episodes", "warning", fields=("SW_ID",))
def sw_id_prefix(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW02STG1: social worker ID does not begin with the characters 'SW' or 'XX' (and, from
    2025-26, is shorter than 4 characters). A blank SW_ID is the REQ rule's."""
    sw = ctx.tables["sw_episodes"]
    ids = sw["sw_id"].astype(object)
    given = ids.notna()
    text = ids.where(given, "").astype(str)
    bad = given & (~text.str[:2].isin(SW_ID_PREFIXES) | ((text.str.len() < SW_ID_MIN_LENGTH) & (sw["collection_year"] >= 2026)))
    return findings(sw, bad, "sw_episodes", "SW_ID", "SW_ID " + text + " does not begin with SW or XX followed by at least two characters.")


@rule("SW07STG2", "sw_episodes", "warning", fields=("SW_DEC",))
def sw_ended_outside_period(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW07STG2: social worker episode end date should be on or after the start of the social
    worker reporting period, and on or before the collection end date.

    As DfE checks it: SW_DEC from 1 April of the collection year (from 2024-25: of the year
    before) to the return's end (31 March, or an in-year extract's as-at date).
    """
    sw = ctx.table("sw_episodes")
    earliest = sw["year_start"].where(sw["collection_year"] < 2025, sw["year_start"] - pd.DateOffset(years=1))
    bad = sw["sw_dec"].notna() & ((sw["sw_dec"] < earliest) | (sw["sw_dec"] > sw["year_end"]))
    def message(rows):
        return ("SW_DEC " + _dates(rows["sw_dec"]) + " is outside the reporting period (" + _dates(earliest.loc[rows.index])
                + " to " + _dates(rows["year_end"]) + ").")
    return findings(sw, bad.fillna(False), "sw_episodes", "SW_DEC", message)


@rule("SW09STG2", "sw_episodes", "warning", fields=("SW_DEC", "SW_DECOM"))
def sw_episode_too_short(ctx: ValidationContext) -> pd.DataFrame:
    """DfE SW09STG2: social worker episode appears to have lasted for less than 24 hours.

    As DfE's versions check it: SW_DEC on SW_DECOM (2023-24, 2024-25); from 2025-26 SW_DEC less
    than 3 days after SW_DECOM (what DfE's code tests, although the message still says 24 hours).
    """
    sw = ctx.tables["sw_episodes"]
    days = (sw["sw_dec"] - sw["sw_decom"]).dt.days
    bad = (days < 3).where(sw["collection_year"] >= 2026, days == 0).fillna(False).astype(bool)
    def message(rows):
        return "the social worker episode lasted " + days.loc[rows.index].astype("Int64").astype(str) + " day(s) (SW_DECOM " + _dates(
            rows["sw_decom"]) + ", SW_DEC " + _dates(rows["sw_dec"]) + ")."
    return findings(sw, bad, "sw_episodes", "SW_DEC", message)
