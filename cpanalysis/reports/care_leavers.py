"""Notebook ``05_care_leavers``: where care leavers are at 17 to 21 and how that compares with England.

Destinations (activity, education/employment/training) by age, accommodation and its
suitability, birthday-to-birthday journeys and the authority beside England, each worded for
readers from :mod:`cpanalysis.leavers`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import cohort as cohorts
from cpanalysis import disclosure, leavers, periods
from cpanalysis.reports import plots, wording
from cpanalysis.reports.common import (
    HIDDEN,
    _all_not_produced,
    _blank,
    _caption,
    _nothing,
    _reason,
    _young,
)
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.scope import _complete_years, attributes


def leaver_years(data: NotebookData) -> list[int]:
    """Collection years of OC3 rows that end on or before the period end (last five)."""
    return _complete_years(data, data.tables["oc3"])


def destinations_table(data: NotebookData, measure: leavers.Measure = "activity", *, year: int | None = None,
                       age_grouping: leavers.AgeGrouping = "single", cohort_filter: str = "",
                       min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """One year's care leavers by category (rows) and age at the birthday (columns): % (interval)."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    if not years:
        return _nothing("Care leavers", "no OC3 rows up to the period end")
    year = years[-1] if year is None else year
    result = leavers.destinations(data.tables, [year], measure=measure, age_grouping=age_grouping, children=cohort,
                                  attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Care leavers' destinations", _young(_reason(result, min_children)))
    hide = disclosure.hidden_cells(result, data.audience, lines=(["age"], "n", "denominator"))
    result = result.assign(cell=[
        HIDDEN if h else ("" if pd.isna(p) else f"{p:.0f}% ({wording.interval(lo, hi, 0, '%')})")
        for h, p, lo, hi in zip(hide, result["pct"], result["lower"], result["upper"], strict=True)])
    table = result.pivot_table(index="category", columns="age", values="cell", aggfunc="first", sort=False)
    used = result.groupby("category")["n"].sum()
    table = table[table.index.map(used) > 0]
    table.columns = [f"Age {a}" if str(a).isdigit() else str(a) for a in table.columns]
    table = table.reset_index().rename(columns={"category": "Category"})
    totals = result.drop_duplicates("age")
    denominators = [HIDDEN if (data.audience == "external" and disclosure.is_small(n)) else f"{n:,.0f}" for n in totals["denominator"]]
    table.loc[len(table)] = ["Young people (number)", *denominators]
    notes = sorted({n for n in result["note"].dropna() if n})
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}: share at each age "
                           "(Wilson 95% interval)." + (f" Some ages {notes[0]}." if notes else ""))


def destinations_chart(data: NotebookData, measure: leavers.Measure = "eet", category: str = leavers.EET, *,
                       cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """One category's share over the years, a line per DfE age group (17-18 and 19-21) with intervals."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    result = leavers.destinations(data.tables, years, measure=measure, age_grouping="dfe", children=cohort,
                                  attributes=attrs, min_children=min_children)
    result = result[(result["category"] == category) & (result["note"].fillna("") == "")]
    if data.audience == "external":
        result = result[~disclosure.hidden_cells(result, data.audience, shares=[("n", "denominator")])]
    if result.empty:
        return _nothing(f"Chart of {category.lower()}", f"fewer than {min_children} young people in every year")
    return plots.series_with_ci(
        result.assign(year=result["collection_year"].map(lambda y: periods.year_label(int(y)))),
        x="year", value="pct", lower="lower", upper="upper", group="age",
        ylabel="Percentage of care leavers", title=f"Care leavers: {category.lower()}, by age group",
        footnote="Share of care leavers with their birthday in the year; Wilson 95% intervals.",
    )


def accommodation_table(data: NotebookData, *, year: int | None = None, cohort_filter: str = "",
                        min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Accommodation type by DfE age group: young people, share, % suitable and % in touch (staying put included)."""
    attrs, cohort = attributes(data, cohort_filter)
    years = leaver_years(data)
    if not years:
        return _nothing("Care leavers' accommodation", "no OC3 rows up to the period end")
    year = years[-1] if year is None else year
    result = leavers.accommodation_by_type(data.tables, [year], children=cohort, attributes=attrs,
                                           min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Care leavers' accommodation", _young(_reason(result, min_children)))
    totals = result[result["accommodation"] == "All types"].set_index("age")["n"]
    result = result.assign(age_total=result["age"].map(totals))
    types = result["accommodation"] != "All types"
    # the types of an age add up to its "All types" row: secondary suppression on that line
    hide_n = pd.concat([disclosure.hidden_cells(result[types], data.audience, lines=(["age"], "n", "age_total")),
                        disclosure.hidden_cells(result[~types], data.audience, counts=["n"])]).reindex(result.index)
    hide = hide_n | disclosure.hidden_cells(result, data.audience, shares=[("n_suitable", "n")])
    keep = (result["n"] > 0) | ~types
    result, hide, hide_n = result[keep], hide[keep], hide_n[keep]
    table = pd.DataFrame({
        "Age": result["age"],
        "Accommodation": result["accommodation"],
        "Young people": result["n"].map(wording.count),
        "Share of the age group (%)": result["pct_of_age"].map(wording.number),
        "Suitable (%)": result["pct_suitable"].map(wording.number),
        "95% interval": [wording.interval(lo, hi, 0, "%") for lo, hi in zip(result["lower"], result["upper"], strict=True)],
        "In touch (%)": result["pct_in_touch"].map(wording.number),
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide_n, ["Young people", "Share of the age group (%)"])
    table = _blank(table, hide, ["Suitable (%)", "95% interval", "In touch (%)"])
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}. Staying put is "
                           "living with former foster carers. Suitability leaves out young people abroad, deported "
                           "or whose residence is not known, as DfE does.")


def flows_table(data: NotebookData, ages: Sequence[int] = (18, 19, 21), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """Where the same young people were at one birthday and the next (from, to, number, share)."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transitions(data.tables, ages, measure=measure, last_year=_last_year(data), children=cohort,
                                 attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Birthday-to-birthday journeys", _young(_reason(result, min_children)))
    totals = result.groupby(["from_age", "from_value"])["n"].transform("sum")
    result = result.assign(total=totals)
    hide = disclosure.hidden_cells(result, data.audience, lines=(["from_age", "from_value"], "n", "total"))
    table = pd.DataFrame({
        "From": [f"{v} at {a}" for a, v in zip(result["from_age"], result["from_value"], strict=True)],
        "To": [f"{v} at {a}" for a, v in zip(result["to_age"], result["to_value"], strict=True)],
        "Young people": result["n"].map(wording.count),
        "Share of 'from' (%)": result["pct_of_from"].map(wording.number),
    })
    table = _blank(table, hide, ["Young people", "Share of 'from' (%)"])
    followed = int(result["n_young_people"].iloc[0])
    followed_text = HIDDEN if data.audience == "external" and disclosure.is_small(followed) else f"{followed:,}"
    return _caption(table, f"The same {followed_text} young people followed at ages "
                           f"{', '.join(str(a) for a in ages)} (only those in the care-leaver cohort at every age).")


def _last_year(data: NotebookData) -> int | None:
    years = leaver_years(data)
    return years[-1] if years else None


def flows_chart(data: NotebookData, ages: Sequence[int] = (18, 19), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> Figure | Markdown:
    """100% stacked bars of where young people went between the first two ages of ``ages``."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transitions(data.tables, ages, measure=measure, last_year=_last_year(data), children=cohort,
                                 attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Chart of journeys", _young(_reason(result, min_children)))
    first = result[result["from_age"] == min(ages)]
    if data.audience == "external":
        first = first.assign(total=first.groupby("from_value")["n"].transform("sum"))
        first = first[~disclosure.hidden_cells(first, data.audience, lines=(["from_value"], "n", "total"))]
    if first.empty:
        return _nothing("Chart of journeys", "every flow is a handful of young people")
    a, b = sorted(ages)[:2]
    first = first.assign(from_value=first["from_value"].map(lambda v: textwrap.fill(str(v), 24)),
                         to_value=first["to_value"].map(lambda v: textwrap.fill(str(v), 24)))
    return plots.flow_chart(first, source="from_value", target="to_value", count="n",
                            title=f"Where care leavers were at {b}, by where they were at {a}")


def paths_table(data: NotebookData, ages: Sequence[int] = (18, 19, 21), measure: leavers.Measure = "eet", *,
                cohort_filter: str = "", min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """The commonest whole journeys across ``ages`` (e.g. EET at 18 -> NEET at 19 -> EET at 21)."""
    attrs, cohort = attributes(data, cohort_filter)
    result = leavers.transition_paths(data.tables, ages, measure=measure, last_year=_last_year(data),
                                      children=cohort, attributes=attrs, min_children=min_children)
    if _all_not_produced(result):
        return _nothing("Journeys", _young(_reason(result, min_children)))
    if data.audience == "external":  # paths of a handful of young people are merged, never listed
        small = result["n"].map(disclosure.is_small).astype(bool)
        if small.any():
            merged = {"path": "Other journeys (each of 5 or fewer)", "n": result.loc[small, "n"].sum(),
                      "pct": result.loc[small, "pct"].sum()}
            result = pd.concat([result[~small], pd.DataFrame([merged])], ignore_index=True)
    table = pd.DataFrame({"Journey": result["path"].astype(str).str.replace(" -> ", " \u2192 ", regex=False),
                          "Young people": result["n"].map(wording.count), "Share (%)": result["pct"].map(wording.number)})
    if data.audience == "external" and len(table) and disclosure.is_small(result["n"].iloc[-1]):
        table.loc[table.index[-1], ["Young people", "Share (%)"]] = HIDDEN
    return _caption(table, f"Where each young person was at {', '.join(str(a) for a in ages[:-1])} and "
                           f"{ages[-1]}, in that order; the commonest journeys first.")


def england_table(data: NotebookData, *, year: int | None = None, cohort_filter: str = "",
                  min_children: int = cohorts.MIN_CHILDREN) -> pd.DataFrame | Markdown:
    """The authority's care leavers beside England by DfE age group, or the national-files message."""
    if data.national is None:
        return Markdown(data.national_message)
    attrs, cohort = attributes(data, cohort_filter)
    national = data.national
    england = national[(national["geography"].astype(str) == leavers.compare.ENGLAND)
                       & national["indicator_id"].astype(str).str.startswith("leavers_")]
    published = sorted({pd.Timestamp(p).year for p in england["period_end"]})
    candidates = [y for y in leaver_years(data) if y in published] if year is None else [year]
    if not candidates:
        return Markdown("*England's care-leaver figures are not in the national files for the years of these "
                        "returns.*")
    year = candidates[-1]
    result = leavers.compare_with_england(data.tables, national, year, children=cohort, attributes=attrs,
                                          min_children=min_children)
    names = {"in_touch": "In touch", "eet": "In education, employment or training",
             "neet": "Not in education, employment or training", "higher_education": "In higher education",
             "suitable_accommodation": "In suitable accommodation"}
    hide = disclosure.hidden_cells(result, data.audience, shares=[("numerator", "denominator")])
    table = pd.DataFrame({
        "Age": result["age"],
        "Measure": result["measure"].map(names),
        "Young people": result["denominator"].map(wording.count),
        "Value (%)": result["value"].map(wording.number),
        "95% interval": [wording.interval(lo, hi, 0, "%") for lo, hi in
                         zip(result["lower_95"], result["upper_95"], strict=True)],
        "England (%)": result["england"].map(wording.number),
        "Compared with England": result["comparison"],
        "Note": result["note"].fillna(""),
    })
    table = _blank(table, hide, ["Value (%)", "95% interval", "Compared with England"])
    return _caption(table, f"Care leavers with their birthday in {periods.year_label(year)}, DfE definitions. "
                           "Similar: England's value lies inside the authority's 95% interval.")
