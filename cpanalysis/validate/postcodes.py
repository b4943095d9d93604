"""Postcodes and what DfE derives from them: placement distance, placement LA and location
(DfE 392a, 392b, 169, 179, 454, 1015).

DfE's validator computes ``PL_DISTANCE``, ``PL_LA`` and ``PL_LOCATION`` from ``HOME_POST`` and
``PL_POST`` before its rules run; :attr:`ValidationContext.placement_geography` does the same with
:mod:`cpanalysis.geography`. Short breaks (LS V3/V4) need no postcodes. DfE leaves out children
formerly UASC (in the UASC table this year or last), whose postcodes may be withheld.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.validate.engine import ValidationContext, _in, _none, findings, rule


def _uasc_this_or_last_year(ctx: ValidationContext, eps: pd.DataFrame) -> pd.Series:
    """Whether each episode's child is in the UASC table of its return or of last year's."""
    uasc = ctx.tables["uasc"]
    this_year = _in(eps, uasc)
    last_label = eps["return_label"].astype(object).map(ctx.previous_annual)
    keys = set(zip(uasc["return_label"], uasc["child_id"], strict=False))
    last_year = pd.Series([(lab, c) in keys for lab, c in zip(last_label, eps["child_id"], strict=False)], index=eps.index, dtype=bool)
    return this_year | last_year


def _needs_postcodes(ctx: ValidationContext) -> tuple[pd.DataFrame, pd.Series]:
    eps = ctx.tables["episodes"]
    needed = eps["child_id"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK)
    return eps, needed & ~_uasc_this_or_last_year(ctx, eps)


@rule("392b", "episodes", "warning", fields=("PL_POST", "HOME_POST", "LS", "uasc.CHILD"))
def postcodes_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 392b: child is looked after but no postcodes are recorded (HOME_POST or PL_POST
    blank, LS not V3/V4, the child not UASC this year or last)."""
    eps, needed = _needs_postcodes(ctx)
    bad = needed & (eps["home_post"].isna() | eps["pl_post"].isna())
    def message(eps):
        which = pd.Series("HOME_POST and PL_POST are", index=eps.index)
        which = which.where(eps["home_post"].isna(), "PL_POST is").where(eps["pl_post"].isna(), "HOME_POST is")
        return "looked after but " + which + " blank."
    column = pd.Series("PL_POST", index=eps.index).where(eps["pl_post"].isna(), "HOME_POST")
    found = findings(eps, bad, "episodes", "PL_POST", message)
    if len(found):
        found["column"] = column.loc[found["index"]].to_numpy()
    return found


@rule("392a", "episodes", "warning", fields=("PL_DISTANCE", "HOME_POST", "PL_POST", "LS", "uasc.CHILD"))
def distance_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 392a: child is looked after but no distance is recorded: the placement distance
    cannot be computed because a postcode is blank or not in the ONS directory (LS not V3/V4,
    the child not UASC this year or last)."""
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps, needed = _needs_postcodes(ctx)
    bad = needed & geo["pl_distance"].isna()
    def message(eps):
        unknown = pd.Series("", index=eps.index, dtype=object)
        for column, known in (("HOME_POST", "home_known"), ("PL_POST", "pl_known")):
            value = eps[column.lower()]
            text = pd.Series(f"{column} is blank", index=eps.index).where(value.isna(), f"{column} " + value.astype(str) + " is not a known postcode")
            unknown = unknown.where(geo.loc[eps.index, known], unknown.where(unknown == "", unknown + " and ") + text)
        return "looked after but no distance: " + unknown + "."
    return findings(eps, bad, "episodes", "PL_DISTANCE", message)


@rule("169", "episodes", "warning", fields=("PL_POST", "PL_LA", "LS"))
def placement_la_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 169: local authority of placement (PL_LA, derived from PL_POST) is not valid or is
    missing: please check a valid postcode has been entered (LS not V3/V4)."""
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps = ctx.tables["episodes"]
    bad = eps["child_id"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK) & geo["pl_la"].isna()
    def message(eps):
        return pd.Series("no placement LA: PL_POST is blank.", index=eps.index).where(
            eps["pl_post"].isna(), "no placement LA: PL_POST " + eps["pl_post"].astype(str) + " is not a known postcode.")
    return findings(eps, bad, "episodes", "PL_POST", message)


@rule("179", "episodes", "warning", fields=("PL_POST", "PL_LOCATION", "LS"))
def placement_location_missing(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 179: placement location (PL_LOCATION, in or out of the authority, derived from
    PL_POST) is not a valid code: the placement postcode is blank or unknown (LS not V3/V4)."""
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps = ctx.tables["episodes"]
    bad = eps["child_id"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK) & geo["pl_location"].isna()
    def message(eps):
        return pd.Series("no placement location: PL_POST is blank.", index=eps.index).where(
            eps["pl_post"].isna(), "no placement location: PL_POST " + eps["pl_post"].astype(str) + " is not a known postcode.")
    return findings(eps, bad, "episodes", "PL_POST", message)


#: Longest placement distance DfE expects (miles, DfE 454), and the value allowed above it.
MAX_DISTANCE_MILES = 350
DISTANCE_ALLOWED_ABOVE = 999.9


@rule("454", "episodes", "warning", fields=("PL_DISTANCE", "HOME_POST", "PL_POST"), first_year=2026)
def distance_over_350_miles(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 454: placement distance from home is over 350 miles, from 2025-26.

    As DfE checks it: the distance derived from HOME_POST and PL_POST
    (:attr:`ValidationContext.placement_geography`) over 350 miles and not 999.9, whatever the
    legal status (DfE warns of false positives for children formerly UASC).
    """
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps = ctx.tables["episodes"]
    distance = geo["pl_distance"]
    bad = (distance > MAX_DISTANCE_MILES) & (distance != DISTANCE_ALLOWED_ABOVE)
    def message(rows):
        return "placement distance " + distance.loc[rows.index].round(1).astype(str) + " miles from home is over 350."
    return findings(eps, bad.fillna(False), "episodes", "PL_DISTANCE", message)


#: Placement types DfE 1015 leaves out: foster placements and placements for adoption.
_PLACE_OWN_PROVISION_ANYWHERE = codes.PLACE_FOSTER | codes.PLACE_ADOPTION


@rule("1015", "episodes", "warning", fields=("PL_POST", "PL_LA", "PLACE_PROVIDER", "PLACE", "LS"))
def own_provision_outside_la(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 1015: placement provider is own provision (PR1) but the child is not placed in own LA.

    As DfE checks it: PLACE_PROVIDER PR1, a placement type other than foster care (U1-U6) or
    placed for adoption (A3-A6), LS given and not V3/V4, and the placement LA (derived from
    PL_POST) is not the responsible authority (:attr:`ValidationContext.placement_geography`).
    """
    geo = ctx.placement_geography
    if geo is None:
        return _none()
    eps = ctx.tables["episodes"]
    checked = (
        eps["place_provider"].isin(codes.PROVIDER_IN_HOUSE) & eps["place"].notna() & ~eps["place"].isin(_PLACE_OWN_PROVISION_ANYWHERE)
        & eps["ls"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK)
    )
    bad = checked & (geo["pl_location"] != codes.PL_LOCATION_IN)
    def message(rows):
        return "PLACE_PROVIDER PR1 (own provision) but placement LA " + _text(geo.loc[rows.index, "pl_la"]) + " is not the responsible authority."
    return findings(eps, bad, "episodes", "PL_POST", message)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "unknown").astype(str)
