"""Care-leaver destinations at 17-21: activity, accommodation, contact, and journeys between birthdays.

OC3 records, for each former relevant child, whether the authority is in touch, their main
activity and their accommodation "on or around" their 17th to 21st birthdays (one row per
young person per collection year). The care-leaver **cohort and exclusions** are those of the
indicator catalogue, reused here (``indicators.care_leavers.leavers_frame``): a row belongs to the
collection year containing the birthday; young people who died (IN_TOUCH DIED), returned home
for 6+ months (RHOM), were only ever in short-break care or were still looked after at the end of
the birthday are left out; those the authority is not in touch with stay in (information not
known). Everything is a share of **all** care leavers of that age, as DfE publishes, except
suitability, whose denominator leaves out young people abroad, deported or whose residence is
not known (ACCOM G, H, R), as DfE does.

- :func:`leaver_rows`: the young-person-level rows for a set of collection years;
- :func:`destinations`: activity / EET / accommodation type / contact / suitability at each age
  (17, 18, 19, 20, 21, or DfE's 17-18 and 19-21) over years, each share with a Wilson interval;
- :func:`accommodation_by_type`: how many live in each type of accommodation and how much of it
  is suitable, including staying put (living with former foster carers, ACCOM type Z);
- :func:`transitions` and :func:`transition_paths`: the **same young people** followed between
  birthdays (e.g. activity at 18 -> 19 -> 21) as flow tables ready for an alluvial chart;
- :func:`compare_with_england`: the authority (or a cohort of it) beside England by age, with
  Fingertips' better/similar/worse rule (:mod:`cpanalysis.compare`), from a DfE tidy table.

Small numbers follow :mod:`cpanalysis.cohort`: a share on fewer than ``min_children`` young
people stays in the table, NaN, with a ``note``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis import codes, compare, periods, stats
from cpanalysis.cohort import MIN_CHILDREN, groups, restrict, too_few
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.care_leavers import AGE_GROUP_LABELS, leavers_frame
from cpanalysis.indicators.context import IndicatorContext, prepare

NOT_KNOWN = "Not known"
#: Activity groups (ACTIV): EET split by kind; NEET by reason, labelled from ``codes.ACTIV``.
ACTIVITY_GROUPS: dict[str, str] = {
    **{c: "Higher education" for c in codes.ACTIV_HIGHER_EDUCATION},
    **{c: "Other education" for c in codes.ACTIV_OTHER_EDUCATION},
    **{c: "Apprenticeship" for c in codes.ACTIV_APPRENTICESHIP},
    **{c: "Training or employment" for c in codes.ACTIV_TRAINING_EMPLOYMENT},
    **{c: codes.ACTIV.label(c) for c in sorted(codes.ACTIV_NEET)},
}
ACTIVITY_ORDER = tuple(dict.fromkeys([*ACTIVITY_GROUPS.values(), NOT_KNOWN]))
EET, NEET = "In education, employment or training", "Not in education, employment or training"
EET_ORDER = (EET, NEET, NOT_KNOWN)
SUITABLE, UNSUITABLE = "Suitable", "Not suitable"

Measure = Literal["activity", "eet", "accommodation", "in_touch", "suitability"]
MEASURES: tuple[str, ...] = ("activity", "eet", "accommodation", "in_touch", "suitability")
AgeGrouping = Literal["single", "dfe"]


def _context(tables: Mapping[str, pd.DataFrame] | IndicatorContext) -> IndicatorContext:
    return tables if isinstance(tables, IndicatorContext) else prepare(dict(tables))


def leaver_rows(tables: Mapping[str, pd.DataFrame] | IndicatorContext, years: Sequence[int]) -> pd.DataFrame:
    """Care leavers aged 17-21 with their birthday in each collection year, after DfE's exclusions.

    Parameters
    ----------
    tables : mapping of DataFrame, or a prepared ``indicators.context.IndicatorContext``
        Processed tables (``children``, ``episodes``, ``oc3`` at least).
    years : sequence of int
        Collection years (year ending 31 March).

    Returns
    -------
    DataFrame
        Young-person level (not for reports): ``child_id, collection_year, age`` (at the
        birthday) ``, age_group`` (DfE: 17 to 18 / 19 to 21 years), ``in_touch, activ, accom``,
        the measure flags of the indicator catalogue (``in_touch_flag, eet, neet,
        higher_education, activity_not_known, suitable_accommodation,
        in_accommodation_denominator, staying_put``), and the categories ``activity``
        (:data:`ACTIVITY_GROUPS`), ``eet_status``, ``accommodation`` (ACCOM type label),
        ``contact`` (IN_TOUCH label) and ``suitability``.
    """
    ctx = _context(tables)
    frames = []
    for year in years:
        frame = leavers_frame(ctx, periods.window(periods.year_end(int(year)), "year"))
        if frame is None or frame.empty:
            continue
        # the context keys children by row number; the analyses join on the returns' CHILD id
        frame = frame.reset_index()
        frame["child_id"] = ctx.child_ids[frame["child_id"].to_numpy()]
        frames.append(frame.assign(collection_year=int(year)))
    columns = ["child_id", "collection_year", "age", "age_group", "in_touch", "activ", "accom", "in_touch_flag",
               "eet", "neet", "higher_education", "activity_not_known", "suitable_accommodation",
               "in_accommodation_denominator", "staying_put", "activity", "eet_status", "accommodation",
               "contact", "suitability"]  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["child_id"] = out["child_id"].astype(str)
    out["age"] = out["age"].astype(int)
    out["age_group"] = out["care_leaver_age"]
    out["activity"] = [ACTIVITY_GROUPS.get(a, NOT_KNOWN) for a in out["activ"]]
    out["eet_status"] = np.where(out["eet"], EET, np.where(out["neet"], NEET, NOT_KNOWN))
    out["accommodation"] = [
        codes.ACCOM_TYPE_LABELS[t] if t else NOT_KNOWN
        for t in (codes.accom_type(a) for a in out["accom"])
    ]
    out["contact"] = [
        codes.IN_TOUCH.label(c) if isinstance(c, str) and c in codes.IN_TOUCH else NOT_KNOWN
        for c in out["in_touch"]
    ]
    suitable = out["accom"].map(codes.accom_suitable)
    out["suitability"] = np.where(
        suitable.eq(True), SUITABLE, np.where(suitable.eq(False), UNSUITABLE, NOT_KNOWN)
    )
    return out[columns]


def _category_column(measure: str) -> tuple[str, tuple[str, ...] | None]:
    return {
        "activity": ("activity", ACTIVITY_ORDER),
        "eet": ("eet_status", EET_ORDER),
        "accommodation": ("accommodation", (*codes.ACCOM_TYPE_LABELS.values(), NOT_KNOWN)),
        "in_touch": (
            "contact",
            (
                *(c.label for c in codes.IN_TOUCH if c.code not in codes.IN_TOUCH_EXCLUDED),
                NOT_KNOWN,
            ),
        ),
        "suitability": ("suitability", (SUITABLE, UNSUITABLE, NOT_KNOWN)),
    }[measure]


def _age_column(rows: pd.DataFrame, grouping: str) -> pd.Series:
    if grouping not in ("single", "dfe"):
        raise ParameterError(f"age_grouping must be 'single' or 'dfe'; got {grouping!r}")
    return rows["age"].astype(str) if grouping == "single" else rows["age_group"]


def destinations(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    years: Sequence[int],
    *,
    measure: Measure = "activity",
    age_grouping: AgeGrouping = "single",
    confidence: float = 0.95,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Where care leavers are at each age, over years: share in each category with Wilson intervals.

    DfE (EES "care leavers' activity" and "accommodation suitability"): care leavers with their
    17th-21st birthday in the collection year (exclusions in the module docstring); denominator
    all of them at that age, except for ``"suitability"`` (leaves out ACCOM G, H, R, as DfE does).

    Parameters
    ----------
    tables : mapping of DataFrame or IndicatorContext
    years : sequence of int
        Collection years.
    measure : {"activity", "eet", "accommodation", "in_touch", "suitability"}; default "activity"
        Activity groups (higher education, other education, apprenticeship, training or
        employment, the three NEET reasons, not known); EET / NEET / not known; accommodation
        type (staying put is "With former foster carers"); contact (IN_TOUCH); suitable / not /
        not known.
    age_grouping : {"single", "dfe"}; default "single"
        Each age 17-21, or DfE's groups 17 to 18 and 19 to 21 years.
    confidence, cohort, children, by, attributes, min_children
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``collection_year, age, breakdown, breakdown_value, category, n, denominator, pct, lower,
        upper, note`` (every category listed, zeros included).
    """
    if measure not in MEASURES:
        raise ParameterError(f"measure must be one of {MEASURES}; got {measure!r}")
    column, order = _category_column(measure)
    rows = leaver_rows(tables, years)
    if measure == "suitability":
        rows = rows[rows["in_accommodation_denominator"].astype(bool)]
    rows = rows.assign(age_label=_age_column(rows, age_grouping))
    data = restrict(rows, cohort=cohort, children=children, by=by, attributes=attributes)
    out = []
    for (year, age), frame in data.groupby(["collection_year", "age_label"], sort=True):
        for breakdown, value, part in groups(frame, by):
            n_children = part["child_id"].nunique()
            note = too_few(n_children, min_children)
            counts = part[column].value_counts()
            for category in [*order, *sorted(set(counts.index) - set(order))]:
                n = int(counts.get(category, 0))
                row = {"collection_year": year, "age": age, "breakdown": breakdown, "breakdown_value": value,
                       "category": category, "n": n, "denominator": len(part), "note": note}  # fmt: skip
                if not note:
                    lo, hi = stats.wilson_interval(n, len(part), confidence)
                    row.update(
                        pct=100 * n / len(part), lower=100 * float(lo), upper=100 * float(hi)
                    )
                out.append(row)
    columns = [
        "collection_year",
        "age",
        "breakdown",
        "breakdown_value",
        "category",
        "n",
        "denominator",
        "pct",
        "lower",
        "upper",
        "note",
    ]
    return pd.DataFrame(out).reindex(columns=columns)


def accommodation_by_type(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    years: Sequence[int],
    *,
    age_grouping: AgeGrouping = "dfe",
    confidence: float = 0.95,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Accommodation type of care leavers with the share of each type that is suitable, and contact.

    For each collection year and age: per ACCOM type, the number of young people, their share of
    all care leavers of that age, and the percentage of that type recorded as suitable (suffix 1)
    with a Wilson interval; plus an "All types" row with the share in touch (IN_TOUCH YES) and the
    share suitable over DfE's suitability denominator. Staying put is the type "With former
    foster carers (staying put)" (ACCOM Z).

    Returns
    -------
    DataFrame
        ``collection_year, age, accommodation, n, pct_of_age, n_suitable, pct_suitable, lower,
        upper, n_in_touch, pct_in_touch, note``.
    """
    rows = leaver_rows(tables, years)
    rows = rows.assign(age_label=_age_column(rows, age_grouping))
    data = restrict(rows, cohort=cohort, children=children, attributes=attributes)
    out = []
    for (year, age), frame in data.groupby(["collection_year", "age_label"], sort=True):
        total = len(frame)
        denominator = frame[frame["in_accommodation_denominator"].astype(bool)]
        parts = [("All types", denominator, frame)] + [
            (label, frame[frame["accommodation"] == label], None)
            for label in (*codes.ACCOM_TYPE_LABELS.values(), NOT_KNOWN)
        ]
        for label, part, whole in parts:
            n_children = (
                part["child_id"].nunique() if whole is None else whole["child_id"].nunique()
            )
            note = too_few(n_children, min_children)
            counted = whole if whole is not None else part
            row = {"collection_year": year, "age": age, "accommodation": label, "n": len(counted),
                   "n_suitable": int(part["suitable_accommodation"].sum()), "note": note}  # fmt: skip
            if whole is not None:
                row["n_in_touch"] = int(whole["in_touch_flag"].sum())
            if not note:
                row["pct_of_age"] = 100 * len(counted) / total
                if len(part):
                    lo, hi = stats.wilson_interval(row["n_suitable"], len(part), confidence)
                    row.update(
                        pct_suitable=100 * row["n_suitable"] / len(part),
                        lower=100 * float(lo),
                        upper=100 * float(hi),
                    )
                if whole is not None:
                    row["pct_in_touch"] = 100 * row["n_in_touch"] / len(whole)
            out.append(row)
    columns = ["collection_year", "age", "accommodation", "n", "pct_of_age", "n_suitable", "pct_suitable", "lower",
               "upper", "n_in_touch", "pct_in_touch", "note"]  # fmt: skip
    return pd.DataFrame(out).reindex(columns=columns)


def _journeys(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    ages: Sequence[int],
    measure: str,
    last_year: int | None,
) -> pd.DataFrame:
    """One row per young person seen at every age in ``ages`` (wide: one column per age)."""
    ages = sorted(int(a) for a in ages)
    if len(ages) < 2 or ages[0] < 17 or ages[-1] > 21:
        raise ParameterError(f"ages must be two or more ages from 17 to 21; got {list(ages)}")
    if measure not in MEASURES:
        raise ParameterError(f"measure must be one of {MEASURES}; got {measure!r}")
    ctx = _context(tables)
    oc3_years = pd.to_numeric(ctx.oc3["collection_year"], errors="coerce").dropna().astype(int)
    if oc3_years.empty:
        return pd.DataFrame(columns=["child_id", *ages])
    years = range(int(oc3_years.min()), int(last_year or oc3_years.max()) + 1)
    rows = leaver_rows(ctx, list(years))
    column, _ = _category_column(measure)
    rows = rows[rows["age"].isin(ages)]
    # the same young person: age a in year y, age b in year y + (b - a)
    rows = rows.assign(born=rows["collection_year"] - rows["age"])
    wide = rows.pivot_table(
        index=["child_id", "born"], columns="age", values=column, aggfunc="last"
    )
    wide = wide.reindex(columns=ages).dropna().reset_index()
    return wide.drop(columns="born")


def transitions(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    ages: Sequence[int] = (18, 19, 21),
    *,
    measure: Measure = "eet",
    last_year: int | None = None,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """How the same young people move between categories from one birthday to the next (flows).

    Young people are followed across collection years (age ``a`` in year ``y`` is age ``b`` in
    year ``y + b - a``) and kept only when they are in the care-leaver cohort at **every** age
    in ``ages`` (a young person who died or returned home drops out and is not followed).

    Parameters
    ----------
    tables : mapping of DataFrame or IndicatorContext
    ages : sequence of int; default (18, 19, 21)
        Two or more ages from 17 to 21; flows are between consecutive ages of the list.
    measure : {"activity", "eet", "accommodation", "in_touch", "suitability"}; default "eet"
    last_year : int or None
        Latest collection year to use (default the latest in the OC3 table).
    cohort, children, attributes, min_children
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``from_age, to_age, from_value, to_value, n, pct_of_from`` (share of those in
        ``from_value`` at ``from_age``), ``n_young_people, note`` (every observed pair of
        categories; when fewer than ``min_children`` young people are followed, one row with the
        note and no flows).
    """
    wide = _journeys(tables, ages, measure, last_year)
    wide = restrict(wide, cohort=cohort, children=children, attributes=attributes)
    ages = sorted(int(a) for a in ages)
    n = wide["child_id"].nunique()
    columns = [
        "from_age",
        "to_age",
        "from_value",
        "to_value",
        "n",
        "pct_of_from",
        "n_young_people",
        "note",
    ]
    note = too_few(n, min_children)
    if note:
        return pd.DataFrame(
            [{"from_age": ages[0], "to_age": ages[-1], "n_young_people": n, "note": note}]
        ).reindex(columns=columns)
    out = []
    for a, b in zip(ages, ages[1:], strict=False):
        flows = wide.groupby([a, b]).size().rename("n").reset_index()
        totals = flows.groupby(a)["n"].transform("sum")
        out.append(
            pd.DataFrame(
                {
                    "from_age": a,
                    "to_age": b,
                    "from_value": flows[a],
                    "to_value": flows[b],
                    "n": flows["n"],
                    "pct_of_from": 100 * flows["n"] / totals,
                }
            )  # fmt: skip
        )
    return (
        pd.concat(out, ignore_index=True).assign(n_young_people=n, note="").reindex(columns=columns)
    )


def transition_paths(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    ages: Sequence[int] = (18, 19, 21),
    *,
    measure: Measure = "eet",
    last_year: int | None = None,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Whole journeys of the same young people across ``ages`` (e.g. EET at 18 -> NEET at 19 -> EET at 21).

    Same cohort as :func:`transitions`. Returns one row per observed path: ``path`` (categories
    joined by " -> "), one column ``at_<age>`` per age, ``n``, ``pct``, ``n_young_people``,
    ``note``; largest first.
    """
    wide = _journeys(tables, ages, measure, last_year)
    wide = restrict(wide, cohort=cohort, children=children, attributes=attributes)
    ages = sorted(int(a) for a in ages)
    n = wide["child_id"].nunique()
    note = too_few(n, min_children)
    labels = [f"at_{a}" for a in ages]
    columns = ["path", *labels, "n", "pct", "n_young_people", "note"]
    if note:
        return pd.DataFrame([{"n_young_people": n, "note": note}]).reindex(columns=columns)
    paths = (
        wide.groupby(ages)
        .size()
        .rename("n")
        .reset_index()
        .rename(columns=dict(zip(ages, labels, strict=True)))
    )
    paths["path"] = paths[labels].agg(" -> ".join, axis=1)
    paths["pct"] = 100 * paths["n"] / n
    paths = paths.sort_values(["n", "path"], ascending=[False, True], kind="stable")
    return paths.assign(n_young_people=n, note="").reindex(columns=columns).reset_index(drop=True)


#: Measures compared with England (indicator ids ``leavers_<age>_<measure>``).
ENGLAND_MEASURES = ("in_touch", "eet", "neet", "higher_education", "suitable_accommodation")
_FLAG = {"in_touch": "in_touch_flag", "eet": "eet", "neet": "neet", "higher_education": "higher_education",
         "suitable_accommodation": "suitable_accommodation", "not_in_touch": "not_in_touch",
         "activity_not_known": "activity_not_known"}  # fmt: skip


def compare_with_england(
    tables: Mapping[str, pd.DataFrame] | IndicatorContext,
    dfe: pd.DataFrame,
    year: int,
    *,
    ages: Sequence[str] = ("17_18", "19_21"),
    measures: Sequence[str] = ENGLAND_MEASURES,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """The authority's care leavers (or a cohort of them) beside England, by age.

    Local figures use the indicator catalogue's definitions (``leavers_<age>_<measure>``: cohort
    and exclusions in the module docstring; suitability over DfE's denominator). England's value
    is the ``source="dfe"`` row of the tidy table for ``geography`` E92000001, ``breakdown``
    "Total", the same indicator id and ``period_end`` 31 March ``year``. The label is Fingertips'
    rule (:func:`cpanalysis.compare.compare_to_benchmark`: England inside the Wilson 95% interval
    is Similar) with the catalogue's polarity; fewer than ``min_children`` young people gives
    "Not compared".

    Parameters
    ----------
    tables : mapping of DataFrame or IndicatorContext
    dfe : DataFrame
        DfE rows of the tidy indicator table (e.g. ``cpanalysis.dfe.load_dfe(...)``); only the
        columns ``indicator_id, period_end, geography, breakdown, value`` are read.
    year : int
        Collection year (year ending 31 March).
    ages : sequence of str; default ("17_18", "19_21")
        Keys of ``catalogue.CARE_LEAVER_AGES`` ("17_18", "19_21", "17" ... "21"); DfE publishes
        the two groups.
    measures : sequence of str; default ("in_touch", "eet", "neet", "higher_education", "suitable_accommodation")
    cohort, children, attributes, min_children
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``age, measure, indicator_id, numerator, denominator, value, lower_95, upper_95,
        england, difference (percentage points), comparison, note``.
    """
    missing = [
        c for c in ("indicator_id", "period_end", "geography", "value") if c not in dfe.columns
    ]
    if missing:
        raise ParameterError(
            f"the DfE table has no column(s) {', '.join(missing)} (expected the tidy indicator table)"
        )
    unknown = [a for a in ages if a not in catalogue.CARE_LEAVER_AGES]
    if unknown:
        raise ParameterError(
            f"unknown care-leaver age(s) {unknown}; choose from {list(catalogue.CARE_LEAVER_AGES)}"
        )
    bad = [m for m in measures if m not in _FLAG]
    if bad:
        raise ParameterError(f"unknown measure(s) {bad}; choose from {list(_FLAG)}")
    rows = restrict(leaver_rows(tables, [year]), cohort=cohort, children=children, attributes=attributes)
    england = (
        dfe[
            (dfe["geography"] == compare.ENGLAND)
            & (pd.to_datetime(dfe["period_end"]) == periods.year_end(year))
            & ((dfe["breakdown"] == "Total") if "breakdown" in dfe.columns else True)
        ]
        .drop_duplicates("indicator_id", keep="last")
        .set_index("indicator_id")["value"]
    )
    out = []
    for age in ages:
        group = rows[rows["age"].isin(catalogue.CARE_LEAVER_AGES[age])]
        for measure in measures:
            data = (
                group[group["in_accommodation_denominator"].astype(bool)]
                if measure == "suitable_accommodation"
                else group
            )
            indicator_id = f"leavers_{age}_{measure}"
            numerator, denominator = int(data[_FLAG[measure]].sum()), len(data)
            bench = pd.to_numeric(
                pd.Series([england.get(indicator_id, np.nan)]), errors="coerce"
            ).iloc[0]
            note = too_few(data["child_id"].nunique(), min_children)
            row = {"age": AGE_GROUP_LABELS.get(age, age), "measure": measure, "indicator_id": indicator_id,
                   "numerator": numerator, "denominator": denominator, "england": bench, "note": note,
                   "comparison": compare.NOT_COMPARED}  # fmt: skip
            if not note:
                lo, hi = stats.wilson_interval(numerator, denominator)
                row.update(
                    value=100 * numerator / denominator,
                    lower_95=100 * float(lo),
                    upper_95=100 * float(hi),
                )
                row["difference"] = row["value"] - bench
                polarity = catalogue.get(indicator_id).polarity
                row["comparison"] = compare.compare_to_benchmark(
                    row["lower_95"], row["upper_95"], bench, polarity
                )[0]
            out.append(row)
    columns = ["age", "measure", "indicator_id", "numerator", "denominator", "value", "lower_95", "upper_95",
               "england", "difference", "comparison", "note"]  # fmt: skip
    return pd.DataFrame(out).reindex(columns=columns)
