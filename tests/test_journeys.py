"""Tests of cpanalysis.pipeline.journeys on a hand-made authority with hand-computed answers.

Eight children, all looked after from 1 April 2024 and still in care on 31 March 2025 (the
period end), so each spends 365 days in care in 2024-25 (365/365.25 years):

- the cohort ``placed_over_20_miles`` (last placement 30 miles from home): A1 moves three times
  (1 Jul, 1 Oct 2024, 1 Jan 2025), A2 once (1 Oct 2024), A3 and A4 never;
- everyone else (5 miles): B1 moves once (1 Oct 2024), B2-B4 never.

SDQ scores in 2023-24 and 2024-25 (consecutive returns): A changes +4, +2, +3, +3 (average +3),
B changes -1, 0, -2, -1 (average -1).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from IPython.display import Markdown
from matplotlib.figure import Figure

from cpanalysis import cohort, cohort_stats, disclosure
from cpanalysis.errors import ParameterError
from cpanalysis.reports import (
    care_leavers,
    common,
    deep_dive,
    placement_moves,
    plots,
    scope,
    sdq_changes,
)
from cpanalysis.reports.loading import NotebookData

T = pd.Timestamp
NaT = pd.NaT
START, END = T("2024-04-01"), T("2025-03-31")
MOVES = {"A1": ["2024-07-01", "2024-10-01", "2025-01-01"], "A2": ["2024-10-01"], "A3": [], "A4": [],
         "B1": ["2024-10-01"], "B2": [], "B3": [], "B4": []}
CHANGES = {"A1": (10, 14), "A2": (12, 14), "A3": (15, 18), "A4": (8, 11),
           "B1": (16, 15), "B2": (9, 9), "B3": (20, 18), "B4": (13, 12)}


def crafted_tables() -> dict[str, pd.DataFrame]:
    placements, spells, children, oc2 = [], [], [], []
    for child, moves in MOVES.items():
        distance = 30.0 if child.startswith("A") else 5.0
        starts = [START, *(T(m) for m in moves)]
        ends = [*(T(m) for m in moves), NaT]
        for seq, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
            placements.append({
                "child_id": child, "period_id": 1, "placement_seq": seq, "start": start, "end": end,
                "place": "U1", "place_provider": "PR1", "pl_distance": distance, "pl_location": "IN",
                "end_rec": "X1" if end is not NaT else None, "end_reason": "CARPL" if end is not NaT else None,
                "is_short_break": False, "is_temporary": False,
            })
        spells.append({"child_id": child, "period_id": 1, "start": START, "end": NaT, "is_short_break": False})
        children.append({"child_id": child, "sex": "F", "dob": T("2014-06-15"), "ethnic_group": "White",
                         "ever_uasc": False})
        for year, score in zip((2024, 2025), CHANGES[child], strict=True):
            oc2.append({"child_id": child, "collection_year": year, "sdq_score": score, "dob": T("2014-06-15")})
    oc2_table = pd.DataFrame(oc2)
    oc2_table["sdq_score"] = oc2_table["sdq_score"].astype("Int64")
    return {
        "children": pd.DataFrame(children), "placements": pd.DataFrame(placements),
        "periods_of_care": pd.DataFrame(spells), "oc2": oc2_table,
        "oc3": pd.DataFrame(columns=["child_id", "collection_year"]),
    }


def notebook_data(audience: str = "internal") -> NotebookData:
    return NotebookData(
        la_code="E10000018", la_name="Crafted", period_end=END, audience=audience, tables=crafted_tables(),
        indicators=pd.DataFrame(), national=None, national_message="Get the national files: run cpanalysis dfe.",
        comparators={}, neighbours=[], manifest={}, data_dir=Path("."), processed_dir=Path("."),
    )


@pytest.fixture
def data() -> NotebookData:
    return notebook_data()


# ---------------------------------------------------------------------------------------------
# The deep dive: cohort beside everyone else
# ---------------------------------------------------------------------------------------------


def test_label_cohort_puts_the_filter_and_missing_values_apart():
    attrs = pd.DataFrame({"child_id": ["1", "2", "3"], "distance": [30.0, 5.0, np.nan]})
    out = cohort.label_cohort(attrs, "distance > 20")
    assert out[cohort.COHORT_GROUP].tolist() == [cohort.IN_COHORT, cohort.EVERYONE_ELSE, cohort.EVERYONE_ELSE]
    with pytest.raises(Exception, match="different labels"):
        cohort.label_cohort(attrs, "distance > 20", inside="x", outside="x")


def test_compare_cohort_hand_computed(data):
    result = deep_dive.compare_cohort(data, "placed_over_20_miles", min_children=2).set_index("Measure")
    rate = result.loc["Moves per child per year in care (2024-25)"]
    years = 4 * 365 / 365.25  # four children, 365 days each
    assert rate["n_1"] == 4 and rate["x_1"] == 4 and rate["n_2"] == 4 and rate["x_2"] == 1
    assert rate["value_1"] == pytest.approx(4 / years)
    assert rate["value_2"] == pytest.approx(1 / years)
    assert rate["difference"] == pytest.approx(4.0)  # rate ratio
    assert rate["diff_lower"] < 4 < rate["diff_upper"]

    three = result.loc["Children with 3 or more moves (2024-25)"]
    assert (three["x_1"], three["n_1"], three["x_2"], three["n_2"]) == (1, 4, 0, 4)
    assert three["value_1"] == pytest.approx(25.0) and three["value_2"] == pytest.approx(0.0)
    assert three["difference"] == pytest.approx(25.0)

    # placements: A 8 (4 + 2 + 1 + 1) with 4 moves, B 5 with 1 move; each child 364 days at risk
    per_placement = result.loc[result.index.str.startswith("Moves out of a placement")].iloc[0]
    assert (per_placement["n_1"], per_placement["x_1"], per_placement["n_2"], per_placement["x_2"]) == (8, 4, 5, 1)
    assert per_placement["value_1"] == pytest.approx(4 / (4 * 364 / 365.25))
    assert per_placement["difference"] == pytest.approx(4.0)

    # Kaplan-Meier at 12 months. A: times 89c 91e 92e 92e 181c 183e 364c 364c -> 6/7 * 4/6 * 2/3 = 8/21;
    # B: 181c 183e 364c 364c 364c -> 3/4
    still = result.loc["Placements still going after 12 months"]
    assert still["value_1"] == pytest.approx(100 * 8 / 21)
    assert still["value_2"] == pytest.approx(75.0)
    assert still["difference"] == pytest.approx(100 * 8 / 21 - 75.0)

    change = result.loc["Average change in SDQ score (points; below 0 is better)"]
    assert change["value_1"] == pytest.approx(3.0) and change["value_2"] == pytest.approx(-1.0)
    assert change["difference"] == pytest.approx(4.0)
    assert change["diff_lower"] < 4 < change["diff_upper"]
    # no change reaches the 9 points of reliable change
    improved = result.loc["SDQ score reliably improved"]
    assert improved["value_1"] == 0 and improved["value_2"] == 0
    assert not result.index.str.startswith("Care leavers").any()  # no OC3 rows: no care-leaver measure


def test_compare_cohort_below_min_children_leaves_values_out(data):
    result = deep_dive.compare_cohort(data, "placed_over_20_miles", min_children=5).set_index("Measure")
    rate = result.loc["Moves per child per year in care (2024-25)"]
    assert rate["note"] == "not produced: fewer than 5 children"
    assert np.isnan(rate["value_1"]) and np.isnan(rate["difference"])


def test_deep_dive_table_and_answer_words(data):
    table = deep_dive.deep_dive_table(data, "placed_over_20_miles", min_children=2)
    row = table.set_index("Measure").loc["Average change in SDQ score (points; below 0 is better)"]
    assert row["Cohort"].startswith("+3.0 (")
    assert row["Everyone else"].startswith("-1.0 (")
    assert row["Cohort compared with everyone else"].startswith("+4.0 points (")
    rate = table.set_index("Measure").loc["Moves per child per year in care (2024-25)"]
    assert rate["Cohort compared with everyone else"].startswith("4.00 times (")
    answer = deep_dive.deep_dive_answer(data, "placed_over_20_miles", min_children=2).data
    assert "4.00 times the rate" in answer
    assert "judged on 31 March 2025" in answer
    empty = deep_dive.deep_dive_table(data, "")
    assert isinstance(empty, Markdown) and "cohort_filter" in empty.data


def test_deep_dive_title_is_the_question_under_the_report_title():
    title = deep_dive.deep_dive_title("Are UASC moving more?", "uasc_on_date")
    assert title.data == "## Are UASC moving more?\n\nCohort: `uasc_on_date`, compared with everyone else."
    assert deep_dive.deep_dive_title("", "").data.startswith("## Deep dive: every child\n\nNo cohort filter was given")


def test_deep_dive_title_without_a_question_is_neutral_and_names_the_filter():
    assert deep_dive.deep_dive_title("", "uasc_on_date").data.startswith(
        "## How do unaccompanied asylum-seeking children compare with everyone else?")
    assert deep_dive.deep_dive_title("  ", "age >= 16").data.startswith(
        "## How do children matching `age >= 16` compare with everyone else?")


def _result_row(measure_id, measure, unit, value_1, value_2, comparison, difference, lower, upper, p_value,
                n=200, x=50):
    return {"measure_id": measure_id, "Measure": measure, "unit": unit, "n_1": n, "x_1": x, "value_1": value_1,
            "lower_1": np.nan, "upper_1": np.nan, "n_2": n, "x_2": x, "value_2": value_2, "lower_2": np.nan,
            "upper_2": np.nan, "comparison": comparison, "difference": difference, "diff_lower": lower,
            "diff_upper": upper, "p_value": p_value, "note": ""}


#: The issue's example: the headline rate ratio within chance, two other rows beyond it.
ISSUE_EXAMPLE = pd.DataFrame([
    _result_row("moves_rate", "Moves per child per year in care (2024-25)", "rate", 0.5, 0.4, "rate ratio",
                1.23, 1.00, 1.51, 0.051),
    _result_row("moves_per_placement_year", "Moves out of a placement per placement-year", "rate", 0.6, 0.45,
                "rate ratio", 1.34, 1.06, 1.70, 0.014),
    _result_row("placements_lasting_12m", "Placements still going after 12 months", "%", 18.0, 24.0,
                "difference (percentage points); log-rank test", -6.0, np.nan, np.nan, 0.0004),
    _result_row("sdq_change", "Average change in SDQ score (points; below 0 is better)", "points", 0.3, -0.1,
                "difference (points)", 0.4, -0.5, 1.3, 0.38),
    _result_row("leavers_eet", "Care leavers aged 19-21 in education, employment or training (2024-25)", "%",
                48.0, 58.0, "difference (percentage points)", -10.0, -19.0, -1.0, 0.03),
])


@pytest.mark.parametrize(("measure_id", "expected"), [
    ("moves_rate", False), ("moves_per_placement_year", True), ("placements_lasting_12m", True),
    ("sdq_change", False), ("leavers_eet", True)])
def test_beyond_chance_reads_the_interval_or_the_log_rank_test(measure_id, expected):
    row = ISSUE_EXAMPLE.set_index("measure_id", drop=False).loc[measure_id]
    assert cohort_stats.beyond_chance(row) is expected


def test_answer_names_every_measure_beyond_chance_under_a_within_chance_headline(data, monkeypatch):
    from cpanalysis.reports import deep_dive
    monkeypatch.setattr(deep_dive, "compare_cohort", lambda *a, **k: ISSUE_EXAMPLE.copy())
    answer = deep_dive.deep_dive_answer(data, "placed_over_20_miles",
                                       question="Are children placed more than 20 miles away moving more often?").data
    assert answer.startswith("Moves: in the latest complete year, children in the cohort moved about as often as "
                             "everyone else, within chance (1.23 times the rate, 95% interval 1.00 to 1.51).")
    assert ("3 other measures differ beyond chance: moves out of a placement per placement-year: 1.34 times the "
            "rate of everyone else (95% interval 1.06 to 1.70); placements still going after 12 months: 18% against "
            "24% for everyone else (log-rank test, p < 0.001); care leavers aged 19-21 in education, employment or "
            "training (2024-25): 48% against 58% for everyone else (-10 points, 95% interval -19 to -1).") in answer
    assert "with 5 measures compared" in answer


def test_answer_leads_with_the_measure_the_question_asks_about(data, monkeypatch):
    from cpanalysis.reports import deep_dive
    monkeypatch.setattr(deep_dive, "compare_cohort", lambda *a, **k: ISSUE_EXAMPLE.copy())
    answer = deep_dive.deep_dive_answer(data, "place == 'U4'", question="Do SDQ scores improve in long-term foster care?").data
    assert answer.startswith("Average change in SDQ score (points; below 0 is better): the cohort is about the same as "
                             "everyone else, within chance (+0.3 points against -0.1 for everyone else (difference "
                             "+0.4, 95% interval -0.5 to 1.3)).")
    assert "3 other measures differ beyond chance" in answer
    assert deep_dive.lead_measure("How many care leavers are in education?") == "leavers_eet"
    assert deep_dive.lead_measure("") == "moves_rate"


def test_deep_dive_for_an_external_audience_hides_counts_of_five_or_fewer():
    data = notebook_data("external")
    table = deep_dive.deep_dive_table(data, "placed_over_20_miles", min_children=2).set_index("Measure")
    rate = table.loc["Moves per child per year in care (2024-25)"]
    assert rate["Cohort (n)"] == common.HIDDEN and rate["Cohort"] == common.HIDDEN
    assert rate["Cohort compared with everyone else"] == common.HIDDEN
    text = table.to_string()
    assert not any(child in text for child in MOVES)  # never a child id


# ---------------------------------------------------------------------------------------------
# Tables for the notebooks
# ---------------------------------------------------------------------------------------------


def test_moves_table_hand_computed(data):
    table = placement_moves.moves_table(data, min_children=2)
    row = table.iloc[0]
    assert row["Year"] == "2024-25"
    assert row["Children looked after"] == "8" and row["Moves"] == "5"
    assert row["Moves per child per year"] == f"{5 / (8 * 365 / 365.25):.2f}" == "0.63"
    assert row["Children with 3+ moves"] == "1" and row["3+ moves (%)"] == "12.5"


def test_moves_table_by_cohort_shows_everyone_the_cohort_and_the_rest(data):
    table = placement_moves.moves_table(data, cohort_filter="placed_over_20_miles", by="cohort_group", min_children=2)
    assert table["Cohort"].tolist() == ["All children", "Everyone else", "In the cohort"]
    assert table["Moves"].tolist() == ["5", "1", "4"]
    restricted = placement_moves.moves_table(data, cohort_filter="placed_over_20_miles", min_children=2)
    assert restricted["Moves"].tolist() == ["4"] and restricted["Children looked after"].tolist() == ["4"]


def test_paired_change_table_by_cohort(data):
    table = sdq_changes.paired_change_table(data, cohort_filter="placed_over_20_miles", by="cohort_group",
                                         min_children=2).set_index("Cohort")
    assert table.loc["In the cohort", "Average change (points)"] == "+3.0"
    assert table.loc["Everyone else", "Average change (points)"] == "-1.0"
    assert table.loc["All children", "Average first score"] == f"{np.mean([v[0] for v in CHANGES.values()]):.1f}"


def test_too_few_children_gives_a_sentence_not_a_table(data):
    for result in (sdq_changes.reliable_change_table(data, min_children=50),
                   sdq_changes.paired_change_table(data, min_children=50),
                   placement_moves.moves_table(data, min_children=50),
                   placement_moves.survival_table(data, min_children=50),
                   placement_moves.cox_table(data, min_children=50)):
        assert isinstance(result, Markdown)
        assert "fewer than 50 children" in result.data


def test_national_section_shows_the_message_without_files(data):
    result = care_leavers.england_table(data)
    assert isinstance(result, Markdown) and result.data == data.national_message


def test_reliable_change_counts_for_external_readers_are_suppressed():
    table = sdq_changes.reliable_change_table(notebook_data("external"), min_children=2)
    # 0 improved, 8 unchanged, 0 deteriorated: zeros are true zeros and stay; 8 of 8 hides nothing
    assert table["Children"].tolist()[:3] == ["0", "8", "0"]
    internal = sdq_changes.reliable_change_table(notebook_data("internal"), min_children=2)
    assert internal["Share (%)"].tolist()[:3] == ["0", "100", "0"]


def test_band_transitions_external_uses_crosstab_suppression():
    # normal (0-13) first: A1 10 -> 14, A2 12 -> 14 (borderline), A4 8 -> 11, B2 9 -> 9, B4 13 -> 12
    # (normal); borderline first: A3 15 -> 18 (concern), B1 16 -> 15; concern first: B3 20 -> 18
    internal = sdq_changes.band_transition_table(notebook_data(), min_children=2).set_index("First score")
    assert internal.loc["Normal", "Total"] == "5"
    assert internal.loc["Normal", "Then normal"] == "3 (60%)"
    assert internal.loc["Normal", "Then borderline"] == "2 (40%)"
    assert internal.loc["Borderline", "Then cause for concern"] == "1 (50%)"
    external = sdq_changes.band_transition_table(notebook_data("external"), min_children=2).set_index("First score")
    assert external.loc["Normal", "Then normal"] == common.HIDDEN
    assert external.loc["Total", "Total"] == "8"


def test_hidden_cells_primary_complement_and_secondary():
    frame = pd.DataFrame({"line": ["a", "a", "a", "b", "b"], "n": [3, 10, 7, 0, 20], "total": [20, 20, 20, 20, 20]})
    hide = disclosure.hidden_cells(frame, "external", lines=(["line"], "n", "total"))
    # line a: 3 is hidden, so the next smallest non-zero (7) goes too; line b: 0 and 20 are shown
    assert hide.tolist() == [True, False, True, False, False]
    shares = pd.DataFrame({"x": [2, 8, 0, 10], "n": [20, 10, 12, 10]})
    # 2 of 20 (primary), 8 of 10 (2 without), 0 of 12 (true zero, 12 without), 10 of 10 (none without)
    assert disclosure.hidden_cells(shares, "external", shares=[("x", "n")]).tolist() == [True, True, False, False]
    assert not disclosure.hidden_cells(frame, "internal", counts=["n"]).any()


def test_cohort_description_and_bad_filter(data):
    assert "8 children" in scope.cohort_description(data).data
    text = scope.cohort_description(data, "placed_over_20_miles").data
    assert "4 of the 8 children" in text
    hidden = scope.cohort_description(notebook_data("external"), "placed_over_20_miles").data
    assert f"{common.HIDDEN} of the 8" in hidden
    with pytest.raises(Exception, match="unknown attribute"):
        scope.cohort_description(data, "miles_away > 3")


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------


def test_estimate_chart_draws_one_point_per_group_with_its_interval():
    fig = plots.estimate_chart(["All", "3+"], [1.0, 3.0], [0.5, 2.0], [1.5, 4.5], n=[100, 20], reference=0.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["All", "3+"]
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(float(p.get_xdata()[0]) for p in points) == [1.0, 3.0]
    assert {t.get_text() for t in ax.texts} == {"n=100", "n=20"}


def test_series_with_ci_one_line_per_group():
    table = pd.DataFrame({"year": ["2023-24", "2024-25"] * 2, "v": [1.0, 2.0, 3.0, 4.0], "lo": [0.5] * 4,
                          "hi": [5.0] * 4, "g": ["a", "a", "b", "b"]})
    fig = plots.series_with_ci(table, x="year", value="v", lower="lo", upper="hi", group="g")
    ax = fig.axes[0]
    assert [list(line.get_ydata()) for line in ax.lines] == [[1.0, 2.0], [3.0, 4.0]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023-24", "2024-25"]


def test_filter_help_lists_every_attribute_a_filter_may_use_and_its_examples_work(data):
    listed = set(scope.FILTER_ATTRIBUTES)
    assert listed == set(cohort.ATTRIBUTE_COLUMNS) - {"child_id", "period_start"}
    attrs = cohort.child_attributes(data.tables, data.period_end)
    for example in ("placed_over_20_miles", "uasc_on_date", "ever_uasc", "place in ['U1', 'U4']",
                    "age_band == '10 to 15 years' and n_moves >= 3"):
        cohort.select_children(attrs, example)  # refused filters raise
    # the crafted children are 10 on 31 March 2025; only A1 has 3 moves
    assert list(cohort.select_children(attrs, "age_band == '10 to 15 years' and n_moves >= 3")) == ["A1"]


#: Columns of the reader tables that hold counts of children, young people, moves or placements.
COUNT_COLUMNS = ("Children", "Out of", "Children looked after", "Moves", "Children with 3+ moves", "Placements",
                 "Young people", "Cohort (n)", "Everyone else (n)", "Left the concern band",
                 "Entered the concern band", "Eligible children", "With a score")


def test_no_count_of_one_to_five_in_any_external_table():
    data = notebook_data("external")
    k = {"cohort_filter": "", "min_children": 2}
    tables = [
        sdq_changes.reliable_change_table(data, **k), sdq_changes.paired_change_table(data, **k),
        sdq_changes.band_tests_table(data, **k), placement_moves.moves_table(data, **k),
        placement_moves.moves_table(data, by="placed_over_20_miles", **k),
        placement_moves.reasons_table(data, **k), placement_moves.survival_table(data, **k),
        placement_moves.distance_table(data, **k), sdq_changes.completion_table(data, **k),
        deep_dive.deep_dive_table(data, "placed_over_20_miles", min_children=2),
    ]
    checked = 0
    for table in tables:
        if not isinstance(table, pd.DataFrame):
            continue
        for column in (c for c in table.columns if c in COUNT_COLUMNS):
            shown = {str(v) for v in table[column]}
            assert not shown & {"1", "2", "3", "4", "5"}, (column, table)
            checked += 1
    assert checked >= 10


def test_show_drops_an_empty_note_column_and_keeps_the_caption():
    table = pd.DataFrame({"A": [1], "Note": [""]})
    table.attrs["caption"] = "Caption"
    styled = common.show(table)
    assert list(styled.data.columns) == ["A"] and styled.caption == "Caption"
    noted = common.show(pd.DataFrame({"A": [1], "Note": ["not produced: fewer than 10 children"]}))
    assert noted.data["Note"].iloc[0] == "Not produced: fewer than 10 children"
    assert common.show(Markdown("x")).data == "x"
    years = common.show(pd.DataFrame({"Year": ["2024-25"], "Moves": [3]})).to_html()
    assert "white-space: nowrap" in years  # the year label never breaks at its hyphen


def test_placement_survival_follows_placements_from_the_first_return_loaded():
    """A placement begun before the returns loaded is in them only if it lasted until they begin:
    following it would keep the long placements and lose the short ones (left truncation)."""
    data = notebook_data()
    # C1: placed on 1 January 2023 and still there, 13 placements of the crafted children from 1 April 2024
    old = {"child_id": "C1", "period_id": 1, "placement_seq": 1, "start": T("2023-01-01"), "end": NaT, "place": "U1",
           "place_provider": "PR1", "pl_distance": 5.0, "pl_location": "IN", "end_rec": None, "end_reason": None,
           "is_short_break": False, "is_temporary": False}
    data.tables["placements"] = pd.concat([data.tables["placements"], pd.DataFrame([old])], ignore_index=True)
    data.tables["children"] = pd.concat([data.tables["children"], pd.DataFrame(
        [{"child_id": "C1", "sex": "M", "dob": T("2012-01-01"), "ethnic_group": "White", "ever_uasc": False}])],
        ignore_index=True)
    # the whole history loaded (from 2016-17): the 5 years to 31 March 2025 start on 31 March 2020
    data.manifest = {"returns": [{"label": "2016-17", "collection_year": 2017}, {"label": "2024-25", "collection_year": 2025}]}
    assert placement_moves.survival_start(data) == T("2020-03-31")
    assert len(placement_moves.placement_durations(data)) == 14
    # only 2024-25 loaded: from 1 April 2024, so C1's placement (in the return because it lasted) is left out
    data.manifest = {"returns": [{"label": "2024-25", "collection_year": 2025}]}
    assert placement_moves.survival_start(data) == T("2024-04-01")
    assert len(placement_moves.placement_durations(data)) == 13
    table = placement_moves.survival_table(data, min_children=2)
    assert table.attrs["caption"].startswith("Placements starting from 1 April 2024 (the first return loaded; a "
                                             "placement that ended before it is in no return) to 31 March 2025, ")


def test_show_explains_a_hidden_figure_in_the_caption():
    """A table of our figures showing [c] (pages 01, 03-05, 07, 08 and page 06's ChAT table read
    none of with_hidden_footnote's tables) carries the footnote once; others are left alone."""
    hidden = pd.DataFrame({"Measure": ["A1 (3 years)", "Re-entries"], "Value": ["[c]", "0%"]})
    assert common.show(hidden).caption == common.HIDDEN_FOOTNOTE
    hidden.attrs["caption"] = "Latest values."
    assert common.show(hidden).caption == f"Latest values. {common.HIDDEN_FOOTNOTE}"
    inside = pd.DataFrame({"Placements": ["12 ([c] children)"]})  # a symbol inside a cell's text
    assert common.show(inside).caption == common.HIDDEN_FOOTNOTE
    footnoted = common.with_hidden_footnote(hidden.copy(), hidden["Value"])
    assert common.show(footnoted).caption == f"Latest values. {common.HIDDEN_FOOTNOTE}"  # not twice
    assert common.show(pd.DataFrame({"Value": ["5%"]})).caption is None


def test_dfe_symbols_are_explained_as_dfes():
    # our figure shown, England's published figure hidden by DfE: DfE's note, not ours
    table = pd.DataFrame({"Ours": ["9.6%"], "DfE published": ["[c]"], "Region": ["[-]"]})
    common.with_hidden_footnote(table, table["Ours"])
    assert table.attrs["caption"] == ("In DfE's published figures: [-] missing or suppressed in LAIT (the store does "
                                      "not say which); [c] suppressed to protect confidentiality.")
    assert common.show(table).caption == table.attrs["caption"]
    assert "caption" not in common.with_hidden_footnote(pd.DataFrame({"Ours": ["1%"]}), pd.Series(["1%"], name="Ours")).attrs


def test_disruption_cells_behind_a_handful_of_endings_are_hidden_externally():
    # every move ends with CARPL (planned): A's 4 moves and B's 1 move, no disruption, no one left care
    internal = placement_moves.disruption_table(notebook_data(), min_children=2)
    planned = internal[internal["How the placement ended"] == "Planned move"].iloc[0]
    assert planned["By 12 months"] != common.HIDDEN
    external = placement_moves.disruption_table(notebook_data("external"), min_children=2)
    planned = external[external["How the placement ended"] == "Planned move"].iloc[0]
    # 13 placements, 5 planned endings: a handful, hidden
    assert planned["By 12 months"] == common.HIDDEN
    disruption = external[external["How the placement ended"] == "Disruption"].iloc[0]
    assert disruption["By 12 months"].startswith("0%")  # a true zero stays


# ---------------------------------------------------------------------------------------------
# Care leavers (the young people of tests/test_leavers.py)
# ---------------------------------------------------------------------------------------------


def leaver_data(national: pd.DataFrame | None = None, audience: str = "internal") -> NotebookData:
    from tests.test_leavers import tables as leaver_tables

    tables = leaver_tables()
    episodes = tables["episodes"]
    spells = pd.DataFrame({"child_id": episodes["child_id"], "period_id": 1, "start": episodes["decom"],
                           "end": episodes["dec"], "is_short_break": False})
    tables["periods_of_care"] = spells
    tables["placements"] = spells.assign(place=episodes["place"])
    return NotebookData(
        la_code="E10000018", la_name="Crafted", period_end=END, audience=audience, tables=tables,
        indicators=pd.DataFrame(), national=national, national_message="no national files",
        comparators={}, neighbours=[], manifest={}, data_dir=Path("."), processed_dir=Path("."),
    )


def test_destinations_table_latest_year_by_age():
    # 2024-25: A (F5), B (F1), D (F2) in education, employment or training at 21, C (G6) not: 3 of 4
    table = care_leavers.destinations_table(leaver_data(), "eet", min_children=1).set_index("Category")
    assert list(table.columns) == ["Age 21"]
    assert table.loc["In education, employment or training", "Age 21"].startswith("75% (")
    assert table.loc["Not in education, employment or training", "Age 21"].startswith("25% (")
    assert table.loc["Young people (number)", "Age 21"] == "4"
    too_few = care_leavers.destinations_table(leaver_data(), "eet", min_children=10)
    assert isinstance(too_few, Markdown) and "fewer than 10 young people" in too_few.data


def test_england_table_compares_with_englands_published_value():
    national = pd.DataFrame({"indicator_id": ["leavers_19_21_eet"], "period_end": [END],
                             "geography": ["E92000001"], "breakdown": ["Total"], "value": [60.0]})
    table = care_leavers.england_table(leaver_data(national), min_children=1)
    row = table[(table["Age"] == "19 to 21 years")
                & (table["Measure"] == "In education, employment or training")].iloc[0]
    assert row["Value (%)"] == "75" and row["England (%)"] == "60" and row["Young people"] == "4"
    assert row["Compared with England"] == "Similar"  # Wilson 95% interval of 3/4 is 30% to 95%
    external = care_leavers.england_table(leaver_data(national, "external"), min_children=1)
    row = external[(external["Age"] == "19 to 21 years")
                   & (external["Measure"] == "In education, employment or training")].iloc[0]
    assert row["Value (%)"] == common.HIDDEN  # 3 of 4: a handful
    assert care_leavers.england_table(leaver_data()).data == "no national files"


# ---------------------------------------------------------------------------------------------
# Wording found in review of the reports
# ---------------------------------------------------------------------------------------------


def test_distance_table_names_the_reference_group_instead_of_a_ratio_of_one(data):
    # A: 4 moves, B: 1 move, each group 4 children in care the same days: rate ratio 4
    table = placement_moves.distance_table(data, min_children=2).set_index("Distance from home")
    assert table.loc["20 miles or less", "Rate ratio"] == "1 (reference)"
    assert table.loc["20 miles or less", "Rate ratio interval"] == ""
    assert table.loc["Over 20 miles", "Rate ratio"] == "4.00"


def test_a_p_value_in_a_sentence_reads_p_below_or_p_equals():
    from cpanalysis.reports.wording import p_clause as _p_clause

    assert _p_clause(0.0004) == "< 0.001" and _p_clause(0.0234) == "= 0.023"


def test_logrank_sentence_states_the_p_value_once(data):
    text = placement_moves.logrank_sentence(data, "placed_over_20_miles", min_children=2).data
    assert "p = 0." in text and "= <" not in text


def test_moves_table_can_keep_only_the_latest_year():
    # B2 moves on 1 June 2025; reporting to 31 March 2026 adds 2025-26 (1 move among 8 children)
    tables = crafted_tables()
    placements = tables["placements"]
    b2 = placements["child_id"] == "B2"
    placements.loc[b2, ["end", "end_rec", "end_reason"]] = [T("2025-06-01"), "X1", "CARPL"]
    extra = placements[b2].assign(placement_seq=2, start=T("2025-06-01"), end=NaT, end_rec=None, end_reason=None)
    tables["placements"] = pd.concat([placements, extra], ignore_index=True)
    later = dataclasses.replace(notebook_data(), tables=tables, period_end=T("2026-03-31"))
    both = placement_moves.moves_table(later, min_children=2)
    assert both["Year"].tolist() == ["2024-25", "2025-26"]
    latest = placement_moves.moves_table(later, min_children=2, years=1)
    assert latest["Year"].tolist() == ["2025-26"] and latest["Moves"].tolist() == ["1"]
    assert latest["Children looked after"].tolist() == ["8"]


def test_paths_read_with_arrows_and_say_which_ages():
    table = care_leavers.paths_table(leaver_data(), min_children=1)
    assert all(" \u2192 " in path and "->" not in path for path in table["Journey"])
    assert table.attrs["caption"].startswith("Where each young person was at 18, 19 and 21")


def test_check_cohort_refuses_a_cohort_below_min_children_and_lists_the_values(data):
    assert scope.check_cohort(data, "placed_over_20_miles", 2) == 4
    assert scope.check_cohort(data, "", 2) == 8
    with pytest.raises(ParameterError, match=r"selects 4 children, fewer than min_children \(10\) on 2025-03-31"):
        scope.check_cohort(data, "placed_over_20_miles", 10)
    with pytest.raises(ParameterError, match=r"selects no children .* Values in the data: placed_over_20_miles: "
                                             r"'False', 'True'"):
        scope.check_cohort(data, "placed_over_20_miles and not placed_over_20_miles", 1)


def test_compare_cohort_can_judge_the_cohort_at_each_placement(data):
    at_end = deep_dive.compare_cohort(data, "placed_over_20_miles", min_children=2).set_index("measure_id")
    each = deep_dive.compare_cohort(data, "placed_over_20_miles", min_children=2,
                                   judged="each_placement").set_index("measure_id")
    assert each.loc["moves_per_placement_year", "Measure"].endswith("(cohort judged at each placement)")
    # child-level measures are judged on the period end either way
    assert each.loc["moves_rate", "value_1"] == at_end.loc["moves_rate", "value_1"]
    with pytest.raises(ParameterError, match="cohort_judged must be one of"):
        deep_dive.compare_cohort(data, "placed_over_20_miles", judged="whenever")


def test_years_before_the_first_loaded_return_are_not_shown(data):
    from cpanalysis.reports.scope import _complete_years

    table = pd.DataFrame({"collection_year": [2021, 2022, 2023, 2024, 2025]})
    assert _complete_years(data, table) == [2021, 2022, 2023, 2024, 2025]  # no manifest: every year
    short = dataclasses.replace(data, manifest={"returns": [{"collection_year": 2023}, {"collection_year": 2024},
                                                            {"collection_year": 2025}]})
    # placements carried into the 2022-23 return started in 2020-21: those years hold no moves data
    assert _complete_years(short, table) == [2023, 2024, 2025]


# ---------------------------------------------------------------------------------------------
# The deep dive's cohort: resolved once, the same children in every table and chart
# ---------------------------------------------------------------------------------------------


def test_deep_dive_resolves_its_cohort_once_and_every_table_counts_the_same_children(data, monkeypatch):
    """Every call notebook 08 makes, in its order; the filter is evaluated once, on 31 March 2025.

    Hand-worked: ``placed_over_20_miles`` chooses A1-A4 (last placement 30 miles away); B1-B4
    (5 miles) are everyone else. Every analysis the tables and charts call sees exactly A1-A4
    as the cohort, whether it is given ``children=`` or breaks down by ``cohort_group``.
    """
    from cpanalysis import leavers, moves, sdq

    evaluations = []
    real_select = cohort.select_children

    def counting_select(attributes, text):
        evaluations.append(text)
        return real_select(attributes, text)

    monkeypatch.setattr(cohort, "select_children", counting_select)
    seen = []
    real_restrict = cohort.restrict

    def recording_restrict(frame, *, cohort=None, by=None, attributes=None, children=None):
        assert cohort is None, "a report passed a filter to the library instead of children="
        if children is not None:
            seen.append(frozenset(children))
        if by == "cohort_group":
            labels = (attributes if attributes is not None else children.attributes)
            seen.append(frozenset(labels.loc[labels["cohort_group"] == "In the cohort", "child_id"]))
        return real_restrict(frame, by=by, attributes=attributes, children=children)

    for module in (cohort, sdq, moves, leavers):
        monkeypatch.setattr(module, "restrict", recording_restrict)

    f, n = "placed_over_20_miles", 1
    scope.cohort_description(data, f)
    answer = deep_dive.deep_dive_answer(data, f, min_children=n)
    table = deep_dive.compare_cohort(data, f, min_children=n).set_index("measure_id")
    deep_dive.deep_dive_table(data, f, min_children=n)
    for call in (placement_moves.moves_table, placement_moves.distance_table, placement_moves.survival_table,
                 placement_moves.survival_chart, placement_moves.disruption_table, sdq_changes.paired_change_table,
                 sdq_changes.sdq_change_chart, sdq_changes.reliable_change_table):
        call(data, by="cohort_group", cohort_filter=f, min_children=n)
    sdq_changes.paired_change_table(data, by="moves_between_band", cohort_filter=f, min_children=n)
    care_leavers.destinations_table(data, "eet", age_grouping="dfe", cohort_filter=f, min_children=n)

    assert evaluations == [f]  # resolved once for the whole notebook
    chosen = scope.resolve(data, f)
    assert chosen.children == {"A1", "A2", "A3", "A4"} and chosen.judged_on == END and chosen.filter == f
    assert len(seen) >= 9 and set(seen) == {frozenset({"A1", "A2", "A3", "A4"})}
    # the deep-dive table counts the same four children: moves and SDQ changes of A1-A4
    assert table.loc["moves_rate", "n_1"] == 4 and table.loc["sdq_change", "n_1"] == 4
    assert table.loc["moves_rate", "n_2"] == 4
    assert "judged on 31 March 2025" in answer.data


def test_restrict_keeps_the_children_given_and_refuses_a_filter_with_them():
    attrs = pd.DataFrame({"child_id": ["1", "2", "3"], "distance": [30.0, 5.0, 40.0]})
    chosen = cohort.resolve_cohort({}, "distance > 20", END, attributes=attrs)
    assert chosen.children == {"1", "3"} and chosen.judged_on == END and "3" in chosen and len(chosen) == 2
    rows = pd.DataFrame({"child_id": ["1", "2", "3", "3"], "x": [1, 2, 3, 4]})
    assert cohort.restrict(rows, children=chosen)["x"].tolist() == [1, 3, 4]
    assert cohort.restrict(rows, children=["2"])["x"].tolist() == [2]
    by = cohort.restrict(rows, children=chosen, by="cohort_group")  # the cohort's own attributes
    assert set(by["breakdown_value"]) == {"In the cohort"}
    everyone = cohort.resolve_cohort({}, "", END, attributes=attrs)
    assert everyone.children == {"1", "2", "3"} and everyone.filter == ""
    with pytest.raises(ParameterError, match="not both"):
        cohort.restrict(rows, cohort="distance > 20", children=chosen, attributes=attrs)
