"""Notebook ``08_deep_dive``: one cohort beside everyone else.

:func:`compare_cohort` computes the key measures (moves, placement stability, SDQ change, care
leavers in education, employment or training) for the cohort and for everyone else with the
difference and its test; :func:`deep_dive_table` and :func:`deep_dive_answer` word them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown

from cpanalysis import cohort as cohorts
from cpanalysis import cohort_stats, disclosure, leavers, moves, periods, sdq
from cpanalysis.errors import ParameterError
from cpanalysis.reports import wording
from cpanalysis.reports.care_leavers import leaver_years
from cpanalysis.reports.common import (
    SURVIVAL_YEARS,
    _blank,
    _caption,
)
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.placement_moves import placement_durations
from cpanalysis.reports.scope import _complete_years, resolve
from cpanalysis.reports.sdq_changes import sdq_pairs
from cpanalysis.writing import markdown_text

#: Plain names of the commonest cohort filters, for a title when no question is given.
COHORT_NAMES: dict[str, str] = {
    "placed_over_20_miles": "children placed more than 20 miles from home",
    "out_of_area": "children placed outside the authority",
    "uasc_on_date": "unaccompanied asylum-seeking children",
    "ever_uasc": "children who are or were unaccompanied asylum-seeking children",
    "in_house": "children in the authority's own provision",
    "looked_after": "children looked after on the period end",
}

#: Words of a question -> the measure (``measure_id`` of :func:`compare_cohort`) that answers it;
#: the first match wins, moves when nothing matches.
QUESTION_TOPICS: tuple[tuple[str, str], ...] = (
    ("sdq", "sdq_change"), ("mental", "sdq_change"), ("emotional", "sdq_change"), ("wellbeing", "sdq_change"),
    ("well-being", "sdq_change"), ("education", "leavers_eet"), ("employment", "leavers_eet"),
    ("eet", "leavers_eet"), ("care leaver", "leavers_eet"), ("last", "placements_lasting_12m"),
    ("stable", "placements_lasting_12m"), ("stability", "placements_lasting_12m"), ("move", "moves_rate"),
    ("moving", "moves_rate"),
)
LEAD_DEFAULT = "moves_rate"


def cohort_name(cohort_filter: str) -> str:
    """A plain name for the children a filter selects (``children matching `...``` otherwise)."""
    text = (cohort_filter or "").strip()
    return COHORT_NAMES.get(text, f"children matching `{text}`")


def deep_dive_title(question: str, cohort_filter: str) -> Markdown:
    """The question as a heading under the report's title, with the filter that answers it.

    A second-level heading: the notebook's own first heading names the report (the index lists
    it), the question names this run of it. Without a question the heading is neutral and made
    from the filter, so a run with ``-p cohort_filter uasc_on_date`` is never titled with another question.
    """
    cohort = (cohort_filter or "").strip()
    text = markdown_text((question or "").strip())  # the analyst's words, shown as typed
    if not text:
        text = f"How do {cohort_name(cohort)} compare with everyone else?" if cohort else "Deep dive: every child"
    who = f"Cohort: `{cohort}`, compared with everyone else." if cohort else (
        "No cohort filter was given, so the figures below are for every child.")
    return Markdown(f"## {text}\n\n{who}")


def lead_measure(question: str) -> str:
    """The ``measure_id`` that answers ``question`` (:data:`QUESTION_TOPICS`; moves by default)."""
    words = (question or "").lower()
    for word, measure_id in QUESTION_TOPICS:
        if word in words:
            return measure_id
    return LEAD_DEFAULT






def compare_cohort(data: NotebookData, cohort_filter: str, *, min_children: int = cohorts.MIN_CHILDREN,
                   since_years: int = SURVIVAL_YEARS, judged: str = "period_end") -> pd.DataFrame:
    """The key measures for a cohort and for everyone else, with the difference and its test.

    Child attributes on the period end decide the cohort (:func:`cpanalysis.cohort.label_cohort`);
    with ``judged="each_placement"`` the two placement-level measures (moves per placement-year,
    placements lasting 12 months) judge each placement by its own characteristics instead
    (:func:`cpanalysis.cohort.label_placements`), and say so in their names.
    Measures and comparisons (cohort minus everyone else, or cohort / everyone else):

    - moves per child per year in care in the latest complete collection year: rate ratio with
      the score interval and test (statsmodels ``confint_poisson_2indep`` /
      ``test_poisson_2indep``, ``method="score"``; moves of one child are treated as
      independent, so the placement-year rate ratio below, with child-clustered errors, is
      the more cautious of the two);
    - children with 3+ moves in that year, reliably improved / deteriorated SDQ scores, care
      leavers aged 19-21 in education, employment or training: difference in percentage
      points, Newcombe interval and score test (``confint_proportions_2indep``,
      ``proportions_2indep_test``);
    - average change in SDQ score (consecutive annual scores): difference of means, Welch
      interval and t-test;
    - moves out of placements per placement-year (placements starting in the last
      ``since_years`` years): rate ratio from :func:`cpanalysis.moves.moves_by_distance`
      (Poisson, child-clustered);
    - placements still going at 12 months: Kaplan-Meier for each group, difference of the two
      estimates with the log-rank p-value.

    Returns
    -------
    DataFrame
        Numbers (not for display; :func:`deep_dive_table` words them): ``measure_id`` (a fixed
        key: ``moves_rate``, ``moves_3plus``, ``moves_per_placement_year``,
        ``placements_lasting_12m``, ``sdq_change``, ``sdq_improved``, ``sdq_worse``,
        ``leavers_eet``; code finds rows by it, never by their wording), ``Measure, unit, n_1, x_1,
        value_1, lower_1, upper_1`` (cohort), ``n_2, x_2, value_2, lower_2, upper_2`` (everyone
        else), ``comparison, difference, diff_lower, diff_upper, p_value, note``. ``n`` counts
        children (young people for care leavers, placements for placement measures); ``x`` is
        the count behind a share or a rate.
    """
    # The page's answer and its table both read it: computed once per notebook (data.cache).
    key = ("compare_cohort", cohort_filter, min_children, since_years, judged)
    if key not in data.cache:
        data.cache[key] = _compare_cohort(data, cohort_filter, min_children=min_children, since_years=since_years,
                                          judged=judged)
    return data.cache[key].copy()


def _compare_cohort(data: NotebookData, cohort_filter: str, *, min_children: int, since_years: int,
                    judged: str) -> pd.DataFrame:
    """:func:`compare_cohort`, computed."""
    chosen = resolve(data, cohort_filter)  # the cohort, resolved once for every measure below
    attrs = chosen.attributes
    group = attrs.set_index("child_id")[cohorts.COHORT_GROUP]
    inside, outside = cohorts.IN_COHORT, cohorts.EVERYONE_ELSE
    rows: list[dict] = []

    # placement moves in the latest complete year
    placements, spells = data.tables["placements"], data.tables["periods_of_care"]
    years = _complete_years(data, placements.assign(collection_year=placements["start"].map(periods.collection_year)),
                            last=1)
    if years:
        child = moves.moves_per_child_year(placements, spells, years)
        child = child.assign(group=child["child_id"].map(group))
        a, b = child[child["group"] == inside], child[child["group"] == outside]
        label = periods.year_label(years[0])
        y1, y2 = a["days_in_care"].sum() / 365.25, b["days_in_care"].sum() / 365.25
        m1, m2 = int(a["moves"].sum()), int(b["moves"].sum())
        rows.append(cohort_stats.rate_row("moves_rate", f"Moves per child per year in care ({label})",
                                          (m1, m2), (y1, y2), (len(a), len(b)), min_children))
        rows.append(cohort_stats.proportion_row("moves_3plus", f"Children with 3 or more moves ({label})",
                                    int((a["moves"] >= 3).sum()), len(a), int((b["moves"] >= 3).sum()), len(b),
                                    min_children))

    # placement-level moves per placement-year
    if judged not in cohorts.JUDGED_AT:
        raise ParameterError(f"cohort_judged must be one of {cohorts.JUDGED_AT}; got {judged!r}")
    durations = placement_durations(data, since_years)
    at_each = judged == "each_placement" and bool(chosen.filter)
    if at_each:  # each placement judged by its own characteristics: a cohort of placements, not of children
        durations = durations.assign(**{cohorts.COHORT_GROUP: cohorts.label_placements(durations, chosen.filter, attrs)})
    judged_note = " (cohort judged at each placement)" if at_each else ""
    by_group = moves.moves_by_distance(durations, by=cohorts.COHORT_GROUP, reference=None, attributes=attrs,
                                       min_children=1)
    by_group = by_group.set_index("breakdown_value")
    row = {"measure_id": "moves_per_placement_year",
           "Measure": f"Moves out of a placement per placement-year (placements since "
                      f"{data.period_end - pd.DateOffset(years=since_years):%b %Y}){judged_note}", "unit": "rate"}
    for k, name in enumerate((inside, outside), start=1):
        if name in by_group.index:
            g = by_group.loc[name]
            row[f"n_{k}"], row[f"x_{k}"] = g["n_placements"], g["n_moves"]
            if g["n_children"] >= min_children:
                row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = g["moves_per_year"], g["lower"], g["upper"]
    children = {n: (by_group.loc[n, "n_children"] if n in by_group.index else 0) for n in (inside, outside)}
    row["note"] = cohorts.too_few(int(min(children.values())), min_children)
    if not row["note"] and inside in by_group.index and not pd.isna(by_group.loc[inside, "rate_ratio"]):
        g = by_group.loc[inside]
        if by_group.index[0] == outside:
            row.update(comparison="rate ratio", difference=g["rate_ratio"], diff_lower=g["rr_lower"],
                       diff_upper=g["rr_upper"], p_value=g["p_value"])
    rows.append(row)

    # placements still going at 12 months
    survival = moves.placement_survival(durations, at_months=(12,), by=cohorts.COHORT_GROUP, attributes=attrs,
                                        min_children=min_children)
    survival = survival[survival["statistic"] == "survival_12m"].set_index("breakdown_value")
    row = {"measure_id": "placements_lasting_12m", "Measure": f"Placements still going after 12 months{judged_note}",
           "unit": "%"}
    for k, name in enumerate((inside, outside), start=1):
        if name in survival.index:
            s = survival.loc[name]
            row[f"n_{k}"], row[f"x_{k}"] = s["n_placements"], np.nan
            if not pd.isna(s["value"]):
                row[f"value_{k}"], row[f"lower_{k}"], row[f"upper_{k}"] = (100 * s["value"], 100 * s["lower"],
                                                                          100 * s["upper"])
    if not pd.isna(row.get("value_1")) and not pd.isna(row.get("value_2")):
        test = moves.logrank_test(durations, cohorts.COHORT_GROUP, attributes=attrs, min_children=min_children)
        row.update(comparison="difference (percentage points); log-rank test",
                   difference=row["value_1"] - row["value_2"], p_value=float(test["p_value"].iloc[0]))
        row["note"] = ""
    else:
        row["note"] = f"not produced: fewer than {min_children} children"
    rows.append(row)

    # SDQ change between consecutive annual scores
    pairs = sdq_pairs(data)
    pairs = pairs.assign(group=pairs["child_id"].map(group))
    a, b = pairs[pairs["group"] == inside], pairs[pairs["group"] == outside]
    rows.append(cohort_stats.mean_row("sdq_change", "Average change in SDQ score (points; below 0 is better)",
                                      a["change"].astype(float), b["change"].astype(float), min_children))
    for category, measure_id, name in ((sdq.IMPROVED, "sdq_improved", "SDQ score reliably improved"),
                                       (sdq.DETERIORATED, "sdq_worse", "SDQ score reliably worse")):
        hit_a = sdq.change_category(a["score_1"], a["score_2"])
        hit_b = sdq.change_category(b["score_1"], b["score_2"])
        rows.append(cohort_stats.proportion_row(measure_id, name, sum(c == category for c in hit_a), len(a),
                                    sum(c == category for c in hit_b), len(b), min_children))

    # care leavers aged 19-21 in education, employment or training
    years = leaver_years(data)
    if years:
        leaver = leavers.leaver_rows(data.tables, years[-1:])
        leaver = leaver[leaver["age"].between(19, 21)]
        leaver = leaver.assign(group=leaver["child_id"].map(group))
        a, b = leaver[leaver["group"] == inside], leaver[leaver["group"] == outside]
        rows.append(cohort_stats.proportion_row("leavers_eet", f"Care leavers aged 19-21 in education, employment or training "
                                    f"({periods.year_label(years[-1])})", int(a["eet"].sum()), len(a),
                                    int(b["eet"].sum()), len(b), min_children))
    return cohort_stats.as_table(rows)


def _value_text(value: object, lower: object, upper: object, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    if unit == "%":
        return f"{value:.0f}% ({wording.interval(lower, upper, 0, '%')})" if not pd.isna(lower) else f"{value:.0f}%"
    if unit == "points":
        return f"{wording.signed(value)} ({wording.interval(lower, upper, 1)})"
    return f"{value:.2f} ({wording.interval(lower, upper, 2)})"


def deep_dive_table(data: NotebookData, cohort_filter: str, *, min_children: int = cohorts.MIN_CHILDREN,
                    since_years: int = SURVIVAL_YEARS, judged: str = "period_end") -> pd.DataFrame | Markdown:
    """:func:`compare_cohort` worded for readers: each measure for the cohort, everyone else and the comparison."""
    if not (cohort_filter or "").strip():
        return Markdown("*No cohort filter was given: set `cohort_filter` (for example "
                        "`\"placed_over_20_miles\"`) to compare a cohort with everyone else.*")
    result = compare_cohort(data, cohort_filter, min_children=min_children, since_years=since_years, judged=judged)
    hide_1, hide_2 = _hidden_rows(result, data.audience)

    def comparison(row: pd.Series) -> str:
        if pd.isna(row["difference"]):
            return ""
        if row["comparison"] == "rate ratio":
            return f"{row['difference']:.2f} times ({wording.interval(row['diff_lower'], row['diff_upper'], 2)})"
        if row["unit"] == "points":
            return f"{wording.signed(row['difference'])} points ({wording.interval(row['diff_lower'], row['diff_upper'], 1)})"
        points = wording.signed(row["difference"], 0)
        unit = "point" if points in ("+1", "-1") else "points"
        if pd.isna(row["diff_lower"]):  # Kaplan-Meier: the p-value is the log-rank test's
            return f"{points} {unit} (log-rank test)"
        return f"{points} {unit} ({wording.interval(row['diff_lower'], row['diff_upper'], 0)})"

    table = pd.DataFrame({
        "Measure": result["Measure"],
        "Cohort": [_value_text(v, lo, hi, u) for v, lo, hi, u in
                   zip(result["value_1"], result["lower_1"], result["upper_1"], result["unit"], strict=True)],
        "Cohort (n)": result["n_1"].map(wording.count),
        "Everyone else": [_value_text(v, lo, hi, u) for v, lo, hi, u in
                          zip(result["value_2"], result["lower_2"], result["upper_2"], result["unit"], strict=True)],
        "Everyone else (n)": result["n_2"].map(wording.count),
        "Cohort compared with everyone else": result.apply(comparison, axis=1),
        "p-value": result["p_value"].map(wording.p_value),
        "Note": result["note"],
    })
    table = _blank(table, hide_1, ["Cohort", "Cohort (n)", "Cohort compared with everyone else", "p-value"])
    table = _blank(table, hide_2, ["Everyone else", "Everyone else (n)", "Cohort compared with everyone else",
                                   "p-value"])
    return _caption(table, "Values with 95% intervals. Rates compare as a ratio (above 1: the cohort moves more); "
                           "shares and averages as a difference (cohort minus everyone else). n is children, "
                           "placements for placement measures, young people for care leavers.")


def _hidden_rows(result: pd.DataFrame, audience: str) -> tuple[pd.Series, pd.Series]:
    """Rows whose cohort / everyone-else figures an external reader may not see (small counts)."""
    hidden = []
    for k in (1, 2):
        share = disclosure.hidden_cells(result.rename(columns={f"n_{k}": "n", f"x_{k}": "x"}), audience, counts=["n"],
                             shares=[("x", "n")]) & (result["unit"] == "%")
        share |= disclosure.hidden_cells(result, audience, counts=[f"n_{k}", f"x_{k}"]) & (result["unit"] != "%")
        hidden.append(share)
    return hidden[0], hidden[1]


def _numbers(row: pd.Series) -> str:
    """One measure's comparison as numbers in words (cohort against everyone else, interval or test)."""
    if row["comparison"] == "rate ratio":
        return (f"{row['difference']:.2f} times the rate of everyone else (95% interval "
                f"{wording.interval(row['diff_lower'], row['diff_upper'], 2)})")
    if row["unit"] == "points":
        return (f"{wording.signed(row['value_1'])} points against {wording.signed(row['value_2'])} for everyone else "
                f"(difference {wording.signed(row['difference'])}, 95% interval {wording.interval(row['diff_lower'], row['diff_upper'], 1)})")
    values = f"{row['value_1']:.0f}% against {row['value_2']:.0f}% for everyone else"
    if pd.isna(row["diff_lower"]):
        p_text = "p < 0.001" if row["p_value"] < 0.001 else f"p = {row['p_value']:.3f}"
        return f"{values} (log-rank test, {p_text})"
    return (f"{values} ({wording.signed(row['difference'], 0)} points, 95% interval "
            f"{wording.interval(row['diff_lower'], row['diff_upper'], 0)})")


def _finding(row: pd.Series) -> str:
    """The measure's name (lower case) and its numbers, for a list of findings."""
    return f"{row['Measure'][0].lower()}{row['Measure'][1:]}: {_numbers(row)}"


def deep_dive_answer(data: NotebookData, cohort_filter: str, *, question: str = "",
                     min_children: int = cohorts.MIN_CHILDREN, judged: str = "period_end") -> Markdown:
    """The answer in brief: the measure the question asks about, then every other measure of
    :func:`deep_dive_table` that differs beyond chance, then how sure that is.

    The lead measure comes from the question's words (:func:`lead_measure`: moves unless the
    question is about SDQ scores, care leavers' activity or how long placements last). Every
    measure whose 95% interval excludes no difference (:func:`cpanalysis.cohort_stats.beyond_chance`) is named with its
    direction and numbers, so the answer never says "within chance" above a table that shows a
    difference. For an external audience a measure whose figures the table hides is left out.
    """
    if not (cohort_filter or "").strip():
        return Markdown("")
    result = compare_cohort(data, cohort_filter, min_children=min_children, judged=judged)
    hide_1, hide_2 = _hidden_rows(result, data.audience)
    shown = result[~(hide_1 | hide_2)].set_index("measure_id", drop=False)
    lead_id = lead_measure(question)
    sentences = []
    if lead_id in shown.index:
        lead = shown.loc[lead_id]
        if pd.isna(lead["difference"]):
            sentences.append(f"{lead['Measure']}: not compared ({lead['note'] or 'too few children'}).")
        elif lead_id == "moves_rate":
            verdict = ("more often than everyone else" if lead["diff_lower"] > 1
                       else "less often than everyone else" if lead["diff_upper"] < 1
                       else "about as often as everyone else, within chance")
            sentences.append(f"Moves: in the latest complete year, children in the cohort moved {verdict} "
                             f"({lead['difference']:.2f} times the rate, 95% interval "
                             f"{wording.interval(lead['diff_lower'], lead['diff_upper'], 2)}).")
        else:
            verdict = "differs from everyone else beyond chance" if cohort_stats.beyond_chance(lead) else (
                "is about the same as everyone else, within chance")
            sentences.append(f"{lead['Measure']}: the cohort {verdict} ({_numbers(lead)}).")
    others = shown[(shown["measure_id"] != lead_id) & shown.apply(cohort_stats.beyond_chance, axis=1)]
    if len(others):
        listed = "; ".join(_finding(row) for _, row in others.iterrows())
        many = "measures differ" if len(others) > 1 else "measure differs"
        sentences.append(f"{len(others)} other {many} beyond chance: {listed}.")
    else:
        sentences.append("No other measure in the table differs beyond chance.")
    compared = int(shown["difference"].notna().sum())
    sentences.append(f"How sure: \"beyond chance\" means the 95% interval excludes no difference; with {compared} "
                     "measures compared, about one in twenty such findings can arise by chance alone, and a "
                     "difference is an association, not proof of cause.")
    when = f"{resolve(data, cohort_filter).judged_on:%-d %B %Y}"
    if judged == "each_placement":
        sentences.append(f"\n\n*Who is in the cohort: for the placement measures, each placement is judged by its "
                         f"own characteristics (cohort_judged = \"each_placement\"); for the other measures, on {when} "
                         "(the current placement, or the last one for children who have left care).*")
    else:
        sentences.append(f"\n\n*Who is in the cohort is judged on {when} (the current placement, or the last one "
                         "for children who have left care), not at the time of each move or score "
                         "(cohort_judged = \"period_end\"; \"each_placement\" judges each placement by its own).*")
    return Markdown(" ".join(sentences))
