"""Loaders for the EES underlying-data CSVs of "Children looked after in England including adoptions".

Each file is read into a canonical long form (one row per area, year, group and item, with the
published count and percentage and their symbols) whatever its release: the 2025 release renamed
columns (``number`` -> ``children_count``/``care_leaver_count``, ``percentage`` ->
``children_percent``/``care_leaver_percent``, ``population_count`` -> ``population_type``,
``age`` -> ``care_leaver_age``, ``cla_group``/``characteristic`` -> ``characteristic``/``breakdown``)
and labels ("at 31 March" -> "on 31 March", "Aged 17 to 18" -> "17 to 18 years"); both are
accepted (``docs/dfe_statistics.md``, top section). The canonical rows are then mapped
onto catalogue indicator ids by the :data:`FILES` registry, giving tidy rows with
``source="dfe"``.

Rounding (DfE): England and regional counts are rounded to the nearest 10, authorities' counts are
unrounded, percentages are whole numbers computed from unrounded counts, the SDQ average has one
decimal place. See :mod:`cpanalysis.dfe.tidy` for how values and intervals follow from this.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import codes
from cpanalysis.dfe import tidy
from cpanalysis.dfe.areas import ENGLAND, LONDON_SUBREGIONS, REGIONS
from cpanalysis.dfe.symbols import first_symbol, parse_values
from cpanalysis.errors import DfeDataError
from cpanalysis.indicators import catalogue

#: Old (pre-2025) labels -> 2025 labels. Applied to every group and item label.
LABEL_CHANGES: dict[str, str] = {
    "Aged 17 to 18": "17 to 18 years",
    "Aged 19 to 21": "19 to 21 years",
    "Accommodation considered not suitable": "Accommodation considered unsuitable",
}
_AT_31_MARCH = re.compile(r"\bat 31 March\b")


def canonical_label(label: str) -> str:
    """The 2025-release spelling of an EES filter label (older spellings are translated)."""
    label = LABEL_CHANGES.get(label.strip(), label.strip())
    return _AT_31_MARCH.sub("on 31 March", label)


def _canonical_labels(labels: pd.Series) -> pd.Series:
    # a file repeats a few dozen labels over tens of thousands of rows: translate each once
    return labels.map({label: canonical_label(label) for label in labels.unique()})


@dataclass(frozen=True)
class Layout:
    """Column names of one release of a file (``group`` may be None for single-filter files)."""

    group: str | None
    item: str
    count: str
    percent: str


@dataclass(frozen=True)
class Measure:
    """How one indicator is read from a file.

    ``kind`` is ``percent`` (sum of ``numerator`` items over the ``denominator`` item), ``count``,
    ``rate`` (count over ``population_estimate``, published ``rate_per_10000``) or ``mean`` (value
    in the count column; ``denominator`` item gives the number of children averaged).
    """

    indicator_id: str
    group: str
    numerator: tuple[str, ...]
    denominator: str | None = None
    kind: str = "percent"
    breakdown: str = catalogue.TOTAL
    breakdown_value: str = catalogue.TOTAL


@dataclass(frozen=True)
class EesFile:
    """A registered EES file: its name, its column layouts (newest first) and its measures."""

    filename: str
    layouts: tuple[Layout, ...]
    measures: tuple[Measure, ...]
    description: str = ""
    extra_columns: tuple[str, ...] = field(default=())


def _new_old(group_new: str | None, group_old: str | None, item_new: str, item_old: str, count: str,
             percent: str) -> tuple[Layout, ...]:
    return (
        Layout(group_new, item_new, count, percent),
        Layout(group_old, item_old, "number", "percentage"),
    )


# --------------------------------------------------------------------------------- measures
_POP = ""  # the numbers file has a single filter (population_type), so no group
_ON_31_MARCH = "Children looked after on 31 March each year"
_STARTING = "Children starting to be looked after each year"
_CEASING = "Children ceasing to be looked after each year"

NUMBERS = EesFile(
    "cla_number_and_rate_per_10k_children.csv",
    (Layout(None, "population_type", "children_count", "rate_per_10000"),
     Layout(None, "population_count", "number", "rate_per_10000")),
    (
        Measure("cla_on_date", _POP, (_ON_31_MARCH,), kind="count"),
        Measure("cla_rate_per_10k", _POP, (_ON_31_MARCH,), kind="rate"),
        Measure("cla_started", _POP, (_STARTING,), kind="count"),
        Measure("cla_started_rate_per_10k", _POP, (_STARTING,), kind="rate"),
        Measure("cla_ceased", _POP, (_CEASING,), kind="count"),
        Measure("cla_ceased_rate_per_10k", _POP, (_CEASING,), kind="rate"),
    ),
    "CLA on 31 March, starting and ceasing: number and rate per 10,000 under-18s",
    extra_columns=("population_estimate",),
)

_STAB_12M = "CLA on 31 March"
_STAB_24M = "CLA 2 years on 31 March"
_STAB_LONG = "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
STABILITY = EesFile(
    "la_cla_placement_stability.csv",
    _new_old("cla_group", "cla_group", "placement_stability", "placement_stability", "children_count",
             "children_percent"),
    (
        Measure("placements_3plus_12m", _STAB_12M, ("With 3 or more placements during the year",), "Total children"),
        Measure("placements_3plus_24m", _STAB_24M, ("With 3 or more placements during the previous 2 years",),
                "Total children"),
        Measure("long_term_stability", _STAB_LONG, ("Living with the same carer for at least 2 years",),
                "Total children"),
    ),
    "Placement stability: 3+ placements in the year, in 2 years; long-term stability",
)

_HEALTH = "Health assessments: Children looked after all ages"
_DEV = "Development assessments: Children looked after ages 0 to 4 years"
_SDQ = "Ages 5 to 16 years with SDQ score"
_SUBST = "Substance misuse: Children looked after all ages"
_CONV = "Convictions: Children looked after Ages 10 to 17 years"
_SDQ_RECEIVED = "SDQ score was received"
HEALTH = EesFile(
    "la_conviction_health_outcome_cla.csv",
    _new_old("characteristic", "cla_group", "breakdown", "characteristic", "children_count", "children_percent"),
    (
        Measure("cla_12m_cohort", _HEALTH, ("Total all ages",), kind="count"),
        Measure("health_assessment_up_to_date", _HEALTH, ("Had their annual health assessment",), "Total all ages"),
        Measure("immunisations_up_to_date", _HEALTH, ("Had their immunisations up to date",), "Total all ages"),
        Measure("dental_check", _HEALTH, ("Had their teeth checked by a dentist",), "Total all ages"),
        Measure("development_assessment_0_4", _DEV, ("Development assessments up to date",), "Total ages 0 to 4 years"),
        Measure("substance_misuse", _SUBST, ("Identified as having a substance misuse problem",), "Total all ages"),
        Measure("convicted_10_17", _CONV,
                ("Convicted or subject to youth cautions, or youth conditional cautions during the year",),
                "Total ages 10 to 17 years"),
        Measure("sdq_completed", _SDQ, (_SDQ_RECEIVED,), "Total ages 5 to 16 years"),
        Measure("sdq_mean", _SDQ, ("SDQ average score",), _SDQ_RECEIVED, kind="mean"),
        # DfE's band percentages are of children WITH a score (2025 England: 14,320 / 33,790 = 42%).
        Measure("sdq_normal", _SDQ, ("SDQ score is normal",), _SDQ_RECEIVED),
        Measure("sdq_borderline", _SDQ, ("SDQ score is borderline",), _SDQ_RECEIVED),
        Measure("sdq_concern", _SDQ, ("SDQ score is a cause for concern",), _SDQ_RECEIVED),
    ),
    "12-month cohort: health, development, SDQ, substance misuse, convictions",
)

_AGES = {"17_18": "17 to 18 years", "19_21": "19 to 21 years"}
_ACTIVITY_ITEMS = {
    "eet": "Total in education, employment or training",
    "neet": "Total not in education, employment or training",
    "higher_education": "Higher education i.e. studies beyond A level",
    "activity_not_known": "Total information not known",
}
ACTIVITY = EesFile(
    "la_care_leavers_activity.csv",
    _new_old("care_leaver_age", "age", "breakdown", "activity", "care_leaver_count", "care_leaver_percent"),
    tuple(
        Measure(f"leavers_{age}_{measure}", label, (item,), "Total")
        for age, label in _AGES.items()
        for measure, item in _ACTIVITY_ITEMS.items()
    )
    + tuple(
        Measure("care_leavers_cohort", label, ("Total",), kind="count", breakdown="care_leaver_age",
                breakdown_value=label)
        for age, label in _AGES.items()
    ),
    "Care leavers aged 17-18 and 19-21: activity",
)

ACCOMMODATION = EesFile(
    "la_care_leavers_accommodation_suitability.csv",
    (
        Layout("care_leaver_age", "breakdown", "care_leaver_count", "care_leaver_percent"),
        Layout("age", "accommodation_suitability", "number", "percentage"),
        Layout("age", "breakdown", "number", "percentage"),
    ),
    tuple(
        Measure(f"leavers_{age}_suitable_accommodation", label, ("Accommodation considered suitable",),
                "Suitability total")
        for age, label in _AGES.items()
    ),
    "Care leavers aged 17-18 and 19-21: suitability of accommodation",
)

_NEW_PL = "Location of new placements during the year"
_REASONS = "Reason for placement change during the year"
#: DfE's labels for the reasons for a placement change (EES) as printed in the file.
PLACEMENT_CHANGE_LABELS = (
    "Allegation (s47)",
    "Approval removed",
    "Carer requests placement end other than due to child's behaviour",
    "Carer requests placement ends due to child's behaviour",
    "Change in the status of a placement only",
    "Change to/implementation of care plan",
    "Child requests placement to end",
    "Custody arrangement",
    "Other",
    "Resignation or closure of provision",
    "Responsible/area authority requests placement ends",
    "Standards of care concern",
)


_STOP_WORDS = frozenset({"or", "to", "a", "the", "of", "placement", "arrangement"})


def _words(label: str) -> frozenset[str]:
    text = re.sub(r"[^a-z0-9]+", " ", label.lower().replace("(s)", "").replace("'s", ""))
    return frozenset(w.rstrip("s") for w in text.split() if w.rstrip("s") not in _STOP_WORDS)


def placement_group(label: str) -> str:
    """The package's placement-type group (:data:`cpanalysis.codes.PLACE_GROUP_ORDER`) for a DfE label.

    Raises
    ------
    DfeDataError
        If no group matches (matching is on content words, as for :func:`reason_code`).
    """
    target = _words(label)
    for group in codes.PLACE_GROUP_ORDER:
        if _words(group) == target:
            return group
    raise DfeDataError(f"placement type {label!r} matches no group in cpanalysis.codes.PLACE_GROUP_ORDER")


def reason_code(label: str) -> str:
    """The SSDA903 REASON_PLACE_CHANGE code whose label matches a DfE EES label.

    DfE's published wording differs slightly from the 903 guide's ("Resignation or closure of
    provision" vs "Resignation/closure of provision"); the match is on the set of content words.

    Raises
    ------
    DfeDataError
        If no code's label matches.
    """
    target = _words(label)
    for code, text in codes.REASON_PLACE_CHANGE.labels().items():
        if _words(text) == target:
            return code
    raise DfeDataError(f"placement-change reason {label!r} matches no SSDA903 REASON_PLACE_CHANGE label")


NEW_PLACEMENTS = EesFile(
    "la_cla_during_year_new_placements.csv",
    _new_old("characteristic", "characteristic", "breakdown", "breakdown", "children_count", "children_percent"),
    (
        Measure(
            "new_placements_over_20_miles", _NEW_PL,
            ("Placed inside LA boundary more than 20 miles from home",
             "Placed outside LA boundary more than 20 miles from home"),
            "Total new placements",
        ),
    )
    + tuple(
        Measure("placement_moves_reason", _REASONS, (label,), "Total placements changing",
                breakdown=catalogue.PLACEMENT_CHANGE_REASON,
                breakdown_value=codes.REASON_PLACE_CHANGE.label(reason_code(label)))
        for label in PLACEMENT_CHANGE_LABELS
    ),
    "New placements in the year by distance and location; placement changes by reason",
)

_DIST = "Distance between home and placement"
#: DfE's placement-type labels in the CLA-on-31-March placement breakdown.
PLACEMENT_TYPE_LABELS = (
    "Foster placements",
    "Placed for adoption",
    "Placed with parents or other person with parental responsibility",
    "Independent and semi-independent living arrangements/supported accommodation",
    "Secure homes and children's homes",
    "Other residential settings",
    "Residential schools",
    "Other placements",
)
DISTANCE = EesFile(
    "derived_cla_31_march_placement_type_and_distance_2021_2025.csv",
    (Layout("characteristic_group", "breakdown", "children_count", "children_percent"),),
    (
        Measure("placed_over_20_miles", _DIST, ("Placed more than 20 miles from home",), "Total"),
        Measure("distance_not_known", _DIST, ("Distance not known or not recorded",), "Total"),
    )
    + tuple(
        Measure("cla_on_date", "Placement", (label,), kind="count", breakdown=catalogue.PLACEMENT_TYPE,
                breakdown_value=placement_group(label))
        for label in PLACEMENT_TYPE_LABELS
    ),
    "CLA on 31 March by distance from home (derived from the CSC dashboard's placement_data.rds)",
)

# School moves (2020-2024 in the 2025 release; 2020 is "x") and social worker changes (2024 only):
# published by DfE from the school census matched to the 903 and from the 903's social worker
# episodes. The school-moves file has a second filter, move_measure ("Any moves" / "Mid-year moves");
# its numerator labels differ between the two and both share the same "Total children" cohort, so
# cla_group + school_stability identify every figure.
_SCHOOL_12M = "CLA on 31 March"
_SCHOOL_24M = "CLA 2 years on 31 March"
SCHOOL_MOVES = EesFile(
    "la_cla_school_moves.csv",
    (Layout("cla_group", "school_stability", "children_count", "children_percent"),
     Layout("cla_group", "school_stability", "number", "percentage")),
    (
        Measure("school_moves_12m", _SCHOOL_12M, ("With one or more moves during the year",), "Total children"),
        Measure("school_moves_midyear_12m", _SCHOOL_12M, ("With one or more mid-year moves during the year",),
                "Total children"),
        Measure("school_moves_24m", _SCHOOL_24M, ("With one or more moves during the previous 2 years",),
                "Total children"),
        Measure("school_moves_midyear_24m", _SCHOOL_24M,
                ("With one or more mid-year moves during the previous 2 years",), "Total children"),
    ),
    "School stability of children looked after: one or more school moves in the year / 2 years",
)
SOCIAL_WORKERS = EesFile(
    "la_cla_swcount.csv",
    (Layout("cla_group", "sw_stability", "children_count", "children_percent"),
     Layout("cla_group", "sw_stability", "number", "percentage")),
    (Measure("social_workers_3plus_12m", "CLA on 31 March", ("3 or more social workers during the year",),
             "Total children"),),
    "Social worker stability: children looked after on 31 March with 3 or more social workers in the year",
)

#: Every EES file the loader maps onto indicator ids.
FILES: tuple[EesFile, ...] = (NUMBERS, STABILITY, HEALTH, ACTIVITY, ACCOMMODATION, NEW_PLACEMENTS, DISTANCE,
                              SCHOOL_MOVES, SOCIAL_WORKERS)
#: EES files recognised but not mapped (no catalogue indicator yet).
UNMAPPED_FILES: tuple[str, ...] = ()

_KEY_COLUMNS = ("time_period", "geographic_level")


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def _layout(spec: EesFile, header: list[str], path: Path) -> Layout:
    for layout in spec.layouts:
        needed = [c for c in (layout.group, layout.item, layout.count, layout.percent) if c]
        if set(needed) <= set(header):
            return layout
    expected = " or ".join(
        "/".join(c for c in (lay.group, lay.item, lay.count, lay.percent) if c) for lay in spec.layouts
    )
    raise DfeDataError(
        f"{path}: columns {', '.join(header)} do not match any known release of {spec.filename} "
        f"(expected {expected})."
    )


def geography_codes(frame: pd.DataFrame, path: Path) -> np.ndarray:
    """Area code of each EES row: England, the region code, or the new (else old) LA code."""
    level = frame["geographic_level"]
    region_by_name = {v: k for k, v in {**REGIONS, **LONDON_SUBREGIONS}.items()}
    if "region_code" in frame:
        region = frame["region_code"]
    else:  # the derived distance file names regions but gives no code
        region = frame.get("area_name", pd.Series("", index=frame.index)).map(region_by_name).fillna("")
    la = frame["new_la_code"].where(frame["new_la_code"] != "", frame.get("old_la_code", ""))
    geo = np.select(
        [level == "National", level == "Regional", level == "Local authority"],
        [ENGLAND, region, la],
        default="",
    )
    bad = (geo == "") | pd.isna(geo)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 2
        raise DfeDataError(
            f"{path}: row {row} has geographic_level {level.iloc[row - 2]!r} without a usable area code "
            "(expected National, Regional with region_code, or Local authority with new_la_code)."
        )
    return geo.astype(object)


def read_canonical(path: str | Path, spec: EesFile) -> pd.DataFrame:
    """Read one EES file into the canonical long form.

    Parameters
    ----------
    path : path
        The CSV (UTF-8, with or without a byte-order mark).
    spec : EesFile
        Its registry entry (from :data:`FILES`).

    Returns
    -------
    DataFrame
        ``year`` (int, year ending 31 March), ``period_end``, ``geography`` (new LA code, region
        or England code), ``group``, ``item`` (2025 labels), ``count``/``count_symbol``,
        ``percent``/``percent_symbol`` and, for the numbers file, ``population``/``population_symbol``.
        Every data row of the file appears once (rows are never dropped).

    Raises
    ------
    DfeDataError
        Unknown layout, an unknown symbol, or a row without an area code.
    """
    path = Path(path)
    header = _header(path)
    layout = _layout(spec, header, path)
    missing = [c for c in _KEY_COLUMNS if c not in header]
    if missing:
        raise DfeDataError(f"{path}: missing the EES columns {', '.join(missing)}.")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if not raw["time_period"].str.fullmatch(r"\d{4}").all():
        raise DfeDataError(f"{path}: time_period must be a 4-digit reporting year (year ending 31 March).")
    out = pd.DataFrame({"year": raw["time_period"].astype(int)})
    out["period_end"] = tidy.period_end_of(out["year"]).to_numpy()
    out["geography"] = geography_codes(raw, path)
    out["group"] = _canonical_labels(raw[layout.group]) if layout.group else _POP
    out["item"] = _canonical_labels(raw[layout.item])
    out["count"], out["count_symbol"] = parse_values(raw[layout.count], str(path), layout.count)
    out["percent"], out["percent_symbol"] = parse_values(raw[layout.percent], str(path), layout.percent)
    for column in spec.extra_columns:
        if column in raw:
            name = "population" if column == "population_estimate" else column
            out[name], out[f"{name}_symbol"] = parse_values(raw[column], str(path), column)
    return out


def index_items(frame: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Canonical rows split by (group, item), each indexed by year and area (built once per file)."""
    return {k: g.drop_duplicates(["year", "geography"]).set_index(["year", "geography"])
            for k, g in frame.groupby(["group", "item"], sort=False)}


def _pick(parts: dict[tuple[str, str], pd.DataFrame], group: str, item: str, keys: pd.DataFrame) -> pd.DataFrame:
    index = pd.MultiIndex.from_frame(keys[["year", "geography"]])
    if (group, item) not in parts:
        columns = next(iter(parts.values())).columns if parts else ["count", "count_symbol"]
        picked = pd.DataFrame(index=index, columns=columns)
    else:
        picked = parts[(group, item)].reindex(index)
    picked = picked.reset_index(drop=True)
    # A row absent from the file is "not available", never zero.
    for col in ("count", "percent", "population"):
        if col in picked:
            picked[col] = picked[col].astype(float)
            picked[f"{col}_symbol"] = picked[f"{col}_symbol"].fillna("x")
    return picked


def measure_rows(
    frame: pd.DataFrame,
    measure: Measure,
    recompute_la: bool = True,
    parts: dict[tuple[str, str], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Tidy rows of one :class:`Measure` from a canonical frame (see :func:`read_canonical`).

    ``parts`` is :func:`index_items` of ``frame`` (pass it when reading several measures).
    """
    parts = index_items(frame) if parts is None else parts
    in_group = frame[frame["group"] == measure.group]
    keys = in_group[["year", "period_end", "geography"]].drop_duplicates(["year", "geography"])
    keys = keys.sort_values(["year", "geography"]).reset_index(drop=True)
    if keys.empty:
        return tidy.empty()
    picked = [_pick(parts, measure.group, item, keys) for item in measure.numerator]
    num = np.sum([p["count"].to_numpy(dtype=float) for p in picked], axis=0)
    num_symbol = first_symbol(*[p["count_symbol"].to_numpy(dtype=object) for p in picked])
    kw = {"breakdown": measure.breakdown, "breakdown_value": measure.breakdown_value}
    if measure.kind == "count":
        return tidy.count_rows(keys, measure.indicator_id, num, num_symbol, **kw)
    if measure.kind == "rate":
        p = picked[0]
        return tidy.rate_rows(
            keys, measure.indicator_id, num, num_symbol, p["population"].to_numpy(dtype=float),
            p["population_symbol"].to_numpy(dtype=object), p["percent"].to_numpy(dtype=float),
            p["percent_symbol"].to_numpy(dtype=object), recompute_la=recompute_la,
        )
    den_part = _pick(parts, measure.group, measure.denominator, keys) if measure.denominator else None
    if measure.kind == "mean":
        n = None if den_part is None else den_part["count"].to_numpy(dtype=float)
        return tidy.mean_rows(keys, measure.indicator_id, num, num_symbol, n)
    single = len(picked) == 1
    return tidy.percent_rows(
        keys, measure.indicator_id, num, num_symbol,
        den_part["count"].to_numpy(dtype=float), den_part["count_symbol"].to_numpy(dtype=object),
        published=picked[0]["percent"].to_numpy(dtype=float) if single else None,
        published_symbol=picked[0]["percent_symbol"].to_numpy(dtype=object) if single else None,
        recompute_la=recompute_la, **kw,
    )


def load_file(path: str | Path, spec: EesFile | None = None, recompute_la: bool = True) -> pd.DataFrame:
    """Tidy rows (``source="dfe"``) for every indicator a registered EES file holds.

    Parameters
    ----------
    path : path
        An EES CSV whose name is one of :data:`FILES` (or give ``spec``).
    spec : EesFile or None; default None
        Registry entry; None looks it up by file name.
    recompute_la : bool; default True
        Recompute authorities' percentages and rates from their unrounded counts.

    Returns
    -------
    DataFrame
        ``TIDY_COLUMNS`` rows for England, regions (including Inner/Outer London) and authorities.

    Raises
    ------
    DfeDataError
        If the file is not registered or cannot be read.
    """
    path = Path(path)
    if spec is None:
        spec = spec_for(path)
        if spec is None:
            raise DfeDataError(
                f"{path}: not a registered EES file (known: {', '.join(f.filename for f in FILES)})."
            )
    frame = read_canonical(path, spec)
    parts = index_items(frame)
    rows = [measure_rows(frame, m, recompute_la, parts) for m in spec.measures]
    return pd.concat([r for r in rows if not r.empty], ignore_index=True) if rows else tidy.empty()


def spec_for(path: str | Path) -> EesFile | None:
    """The registry entry whose file name matches ``path`` (case-insensitive), or None."""
    name = Path(path).name.lower()
    return next((f for f in FILES if f.filename.lower() == name), None)


def vintage(path: str | Path) -> int:
    """The latest reporting year in an EES file (its release), read from ``time_period``."""
    years = pd.read_csv(path, dtype=str, usecols=["time_period"], encoding="utf-8-sig")["time_period"]
    return int(years.str[:4].astype(int).max())
