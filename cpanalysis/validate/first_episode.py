"""This year's first episode against last year's open episode (DfE 503A-J, 452, 453).

A child looked after on 31 March is in the next annual return with the same episode, which
must carry the same details. DfE's validator compares each child's first episode in the return
(earliest DECOM) with the child's last episode in last year's return (latest DECOM) when that
one was still open (no DEC), field by field. cpanalysis does the same with the annual return
of the year before (:attr:`ValidationContext.previous_annual`). ``PL_DISTANCE``, ``PL_LA`` and
``PL_LOCATION`` are derived from the postcodes (:attr:`ValidationContext.placement_geography`).

Stitching (:mod:`cpanalysis.stitch`) also matches a carried episode by its DECOM across every
pair of returns and keeps the later return's values (its issue rows have the id ``503``); these
rules report in the return being validated, under DfE's ids, as DfE does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpanalysis.validate.engine import ValidationContext, _none, findings, rule

#: DfE rule -> (field, what it is, in DfE's words). 503D's PLACE allows H5 recoded as K3.
FIELDS = {
    "503A": ("RNE", "reason for new episode"),
    "503B": ("LS", "legal status"),
    "503C": ("CIN", "category of need"),
    "503D": ("PLACE", "placement type"),
    "503E": ("PLACE_PROVIDER", "placement provider"),
    "503F": ("URN", "Ofsted URN"),
    "503G": ("PL_DISTANCE", "distance"),
    "503H": ("PL_LA", "placement LA"),
    "503J": ("PL_LOCATION", "placement location"),
}
#: The postcodes each derived field comes from (:attr:`ValidationContext.placement_geography`).
DERIVED_FROM = {"PL_DISTANCE": ("HOME_POST", "PL_POST"), "PL_LA": ("PL_POST",), "PL_LOCATION": ("PL_POST",)}
#: Smallest change of placement distance (miles) DfE counts as different (503G, 453).
DISTANCE_TOLERANCE = 0.2
#: PLACE codes DfE retired in favour of another: last year's code -> this year's (503D).
PLACE_RECODED = {"H5": "K3"}


def pairs(ctx: ValidationContext) -> pd.DataFrame:
    """Each child's first episode in a return beside their last episode in last year's return.

    Returns
    -------
    pandas.DataFrame
        Indexed by the first episode's row label; ``rne, ls, cin, place, place_provider, urn,
        pl_distance, pl_la, pl_location`` of both (``last_`` prefix for last year's) and
        ``last_open`` (last year's episode had no DEC). Only children in both returns.
    """
    if "first_episode_pairs" in ctx.cache:
        return ctx.cache["first_episode_pairs"]
    eps = ctx.tables["episodes"]
    previous = ctx.previous_annual
    labels = eps["return_label"].astype(object)
    usable = eps["decom"].notna() & eps["child_id"].notna()
    # Only returns with last year's return read give a first episode, and only those last-year
    # returns a latest one: a return without last year's (a large single return) costs nothing.
    this_year = usable & labels.isin(list(previous))
    last_year = usable & labels.isin(list(set(previous.values())))
    if not this_year.any() or not last_year.any():
        ctx.cache["first_episode_pairs"] = merged = pd.DataFrame(index=pd.Index([], name="row"))
        return merged
    # The order is found on the four sort keys alone, then the other columns are taken for the
    # chosen rows only (one row per child and return, not every episode: issue 15's memory).
    keys = ["return_label", "child_id", "decom", "source_row"]
    # DfE takes the first row in file order among equal DECOMs (idxmin / idxmax)
    first = eps.loc[this_year, keys].assign(return_label=labels[this_year])
    first = first.sort_values(keys, kind="stable").drop_duplicates(["return_label", "child_id"], keep="first").index
    latest = eps.loc[last_year, keys].assign(return_label=labels[last_year])
    latest = latest.sort_values(keys, ascending=[True, True, False, True], kind="stable")
    latest = latest.drop_duplicates(["return_label", "child_id"], keep="first").index
    columns = ["rne", "ls", "cin", "place", "place_provider", "urn", "dec"]
    geo = ctx.placement_geography

    def chosen(rows: pd.Index) -> pd.DataFrame:
        frame = eps.loc[rows, ["return_label", "child_id", "decom", "source_row", *columns]]
        frame = frame.assign(return_label=frame["return_label"].astype(object))
        for col in ("pl_distance", "pl_la", "pl_location"):
            frame[col] = geo.loc[rows, col] if geo is not None else np.nan
        return frame

    first, latest = chosen(first), chosen(latest)
    latest = latest.rename(columns={c: f"last_{c}" for c in latest.columns if c not in ("return_label", "child_id")})
    latest = latest.rename(columns={"return_label": "last_label"})
    first = first.assign(last_label=first["return_label"].map(previous).astype(object))
    merged = first.rename_axis("row").reset_index().merge(latest, on=["last_label", "child_id"], how="inner").set_index("row")
    merged["last_open"] = merged["last_dec"].isna()
    ctx.cache["first_episode_pairs"] = merged
    return merged


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "blank").astype(str)


def _field_rule(rule_id: str, field: str, label: str) -> None:
    column = field.lower()

    def check(ctx: ValidationContext) -> pd.DataFrame:
        both = pairs(ctx)
        if both.empty or (column.startswith("pl_") and ctx.placement_geography is None):
            return _none()
        now, then = both[column], both[f"last_{column}"]
        if column == "pl_distance":
            differs = ((now - then).abs() >= DISTANCE_TOLERANCE) | (then.isna() & now.notna())
        else:
            differs = _text(now) != _text(then)
        if column == "place":
            differs &= ~pd.Series([PLACE_RECODED.get(t) == n for n, t in zip(now, then, strict=False)], index=both.index, dtype=bool)
        bad = both["last_open"] & differs.fillna(False)
        def message(rows):
            return (f"{field} " + _text(rows[column]) + f" in the first episode does not match {field} "
                    + _text(rows[f"last_{column}"]) + " of the episode open at the end of last year.")
        return findings(both, bad, "episodes", field, message)

    check.__name__ = f"first_episode_{column}_differs"
    check.__doc__ = (
        f"DfE {rule_id}: the {label} ({field}) in the first episode does not match the open episode "
        "at the end of last year.\n\n"
        "See the module docstring for how the episodes are paired."
        + (" A distance counts as different from 0.2 miles, or when last year's is blank and this year's is not."
           if column == "pl_distance" else "")
        + (" H5 last year recoded as K3 (DfE's 2024-25 change) is not a difference." if column == "place" else "")
    )
    rule(rule_id, "episodes", fields=(field, *DERIVED_FROM.get(field, ()), "DEC"))(check)


for _rule_id, (_field, _label) in FIELDS.items():
    _field_rule(_rule_id, _field, _label)


@rule("452", "episodes", "warning", fields=("PL_POST", "PL_LA", "RNE", "DEC"))
def placement_la_contradicts_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 452: contradiction between local authority of placement code in the last episode of
    the previous year and in the first episode of the current year.

    As DfE checks it: last year's last episode is open, both episodes have the same RNE, and the
    placement LA (derived from PL_POST) differs.
    """
    both = pairs(ctx)
    if both.empty or ctx.placement_geography is None:
        return _none()
    bad = both["last_open"] & (_text(both["rne"]) == _text(both["last_rne"])) & (_text(both["pl_la"]) != _text(both["last_pl_la"]))
    def message(rows):
        return "placement LA " + _text(rows["pl_la"]) + " in the first episode but " + _text(rows["last_pl_la"]) + " in last year's open episode."
    return findings(both, bad, "episodes", "PL_POST", message)


@rule("453", "episodes", "warning", fields=("PL_POST", "PL_DISTANCE", "HOME_POST", "RNE", "DEC"))
def distance_contradicts_last_year(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 453: contradiction between placement distance in the last episode of the previous
    year and in the first episode of the current year.

    As DfE checks it: last year's last episode is open, both episodes have the same RNE, and the
    distance differs by 0.2 miles or more (or last year's is blank and this year's is not).
    """
    both = pairs(ctx)
    if both.empty or ctx.placement_geography is None:
        return _none()
    now, then = both["pl_distance"], both["last_pl_distance"]
    differs = ((now - then).abs() >= DISTANCE_TOLERANCE) | (then.isna() & now.notna())
    bad = both["last_open"] & (_text(both["rne"]) == _text(both["last_rne"])) & differs
    def message(rows):
        return "placement distance " + _text(rows["pl_distance"]) + " in the first episode but " + _text(rows["last_pl_distance"]) + " in last year's open episode."
    return findings(both, bad, "episodes", "PL_POST", message)
