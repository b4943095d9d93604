"""The strategy scorecard: targets, trend arrows, England labels and quarter-on-quarter changes.

Every expected value is worked by hand from the small crafted tables below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import scorecard
from cpanalysis.errors import InputFileError, ParameterError
from cpanalysis.reports import changes, common, strategy_scorecard

LA = "E10000018"
ENGLAND = "E92000001"
COLUMNS = [
    "indicator_id", "period_end", "period_type", "geography", "breakdown", "breakdown_value",
    "numerator", "denominator", "value", "unit", "lower_95", "upper_95", "lower_998", "upper_998",
    "polarity", "source", "suppressed",
]


def row(ind, end, num, den, value, *, lo=np.nan, hi=np.nan, unit="%", polarity="low_good", geography=LA,
        period_type="year", source="local", suppressed=""):
    return {"indicator_id": ind, "period_end": pd.Timestamp(end), "period_type": period_type,
            "geography": geography, "breakdown": "Total", "breakdown_value": "Total", "numerator": num,
            "denominator": den, "value": value, "unit": unit, "lower_95": lo, "upper_95": hi,
            "lower_998": np.nan, "upper_998": np.nan, "polarity": polarity, "source": source,
            "suppressed": suppressed}


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def rising(ind="placements_3plus_12m", polarity="low_good"):
    """10, 15, 20, 25, 30 of 100 children at 31 March 2021-2025."""
    return [row(ind, f"{2020 + i}-03-31", x, 100, float(x), polarity=polarity)
            for i, x in enumerate((10, 15, 20, 25, 30), start=1)]


# ----------------------------------------------------------------------------- targets
@pytest.mark.parametrize(("value", "target", "comparison", "suppressed", "expected"), [
    (9.6, 10, "at_most", "", "Met"),
    (10.0, 10, "at_most", "", "Met"),          # on the target counts as met
    (10.4, 10, "at_most", "", "Not met"),
    (95.0, 95, "at_least", "", "Met"),
    (94.9, 95, "at_least", "", "Not met"),
    (np.nan, 95, "at_least", "c", "Not assessed"),
    (np.nan, 95, "at_least", "", "Not assessed"),
    (50.0, np.nan, "at_least", "", ""),        # no target set
])
def test_target_status(value, target, comparison, suppressed, expected):
    assert scorecard.target_status(value, target, comparison, suppressed) == expected


def test_target_status_rejects_an_unknown_comparison():
    with pytest.raises(ParameterError, match="at_least or at_most"):
        scorecard.target_status(5.0, 10, "below")


def test_read_targets_defaults_the_comparison_from_polarity(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("indicator_id,target,source\n"
                    "placements_3plus_12m,9,Strategy p. 3\n"
                    "long_term_stability,75,\n"
                    "local_gp_registration,98,Strategy p. 1\n", encoding="utf-8")
    targets = scorecard.read_targets(path)
    assert targets.to_dict("records") == [
        {"indicator_id": "placements_3plus_12m", "target": 9.0, "comparison": "at_most", "source": "Strategy p. 3"},
        {"indicator_id": "long_term_stability", "target": 75.0, "comparison": "at_least", "source": ""},
        {"indicator_id": "local_gp_registration", "target": 98.0, "comparison": "at_least", "source": "Strategy p. 1"},
    ]


@pytest.mark.parametrize(("body", "where"), [
    ("no_such_measure,9,at_most,\n", "row 2, column indicator_id"),
    ("placements_3plus_12m,nine,at_most,\n", "row 2, column target"),
    ("placements_3plus_12m,9,below,\n", "row 2, column comparison"),
    ("placement_moves_reason,9,,\n", "row 2, column comparison"),  # no polarity: must say which way
    ("placements_3plus_12m,9,,\nplacements_3plus_12m,8,,\n", "row 3, column indicator_id"),
])
def test_read_targets_names_the_row_and_column(tmp_path, body, where):
    path = tmp_path / "targets.csv"
    path.write_text("indicator_id,target,comparison,source\n" + body, encoding="utf-8")
    with pytest.raises(InputFileError, match=where):
        scorecard.read_targets(path)


def test_find_targets_beside_the_returns(tmp_path):
    (tmp_path / "903").mkdir()
    assert scorecard.find_targets(tmp_path / "903") is None
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "targets.csv").write_text("indicator_id,target\n", encoding="utf-8")
    assert scorecard.find_targets(tmp_path / "903") == tmp_path / "local" / "targets.csv"


def test_demo_targets_are_skipped_as_measures_and_read_as_targets(tmp_path):
    from cpanalysis import local_measures

    local_measures.write_demo_local_measures(tmp_path, seed=7)
    targets = scorecard.read_targets(tmp_path / "local" / "targets.csv")
    assert len(targets) == 10 and targets.set_index("indicator_id").loc["placements_3plus_12m", "comparison"] == "at_most"
    # targets.csv has no period_end: read as a measure file it would stop the load
    measures = local_measures.load_local_measures(tmp_path / "local")
    assert set(measures["indicator_id"]) == {"local_gp_registration", "local_iha_within_20_days",
                                             "local_pep_completed", "local_ks2_rwm_expected", "local_mh_wait_weeks"}


# ----------------------------------------------------------------------------- trend
def test_recent_trend_of_a_rising_percentage():
    # Fingertips' chi-squared for trend: X = 100, N = 500, sum(x t) = 350, sum(n t) = 1500,
    # sum(n t^2) = 5500: chi2 = 500 * (500*350 - 100*1500)^2 / (100*400*(500*5500 - 1500^2)) = 15.625,
    # above 9.5495 (99.8%), and every leave-one-out slope is positive.
    result = scorecard.recent_trend(frame(rising()), "low_good")
    assert result.chi2 == pytest.approx(15.625)
    assert (result.direction, result.assessment) == ("Increasing", "Increasing and getting worse")
    assert scorecard.trend_arrow(result.direction) == "\u2191"


def test_recent_trend_ignores_rolling_rows_and_needs_five_years():
    rows = rising()
    # A rolling row on the same 31 March must not replace the year's figure; another quarter's is ignored.
    rows += [row("placements_3plus_12m", "2025-03-31", 90, 100, 90.0, period_type="rolling_12m"),
             row("placements_3plus_12m", "2025-09-30", 0, 100, 0.0, period_type="rolling_12m")]
    assert scorecard.recent_trend(frame(rows), "low_good").chi2 == pytest.approx(15.625)
    short = scorecard.recent_trend(frame(rising()[1:]), "low_good")
    assert short.direction == "Cannot be calculated" and scorecard.trend_arrow(short.direction) == "\u2013"
    flat = [row("placements_3plus_12m", f"{2020 + i}-03-31", 20, 100, 20.0) for i in range(1, 6)]
    assert scorecard.recent_trend(frame(flat), "low_good").direction == "No significant change"


# ----------------------------------------------------------------------------- the scorecard
@pytest.fixture
def tables():
    local = frame([
        *rising(),
        # the headline row at 30 Sep 2025: 30 of 100, Wilson 95% 21.9-39.6
        row("placements_3plus_12m", "2025-09-30", 30, 100, 30.0, lo=21.9, hi=39.6, period_type="rolling_12m"),
        # a yearly local measure: latest on or before the period end, not the one after it
        row("local_ks2_rwm_expected", "2024-03-31", 10, 40, 25.0, lo=14.2, hi=40.2, polarity="high_good"),
        row("local_ks2_rwm_expected", "2025-03-31", 12, 30, 40.0, lo=24.6, hi=57.7, polarity="high_good"),
        row("local_ks2_rwm_expected", "2026-03-31", 1, 30, 3.3, lo=0.6, hi=16.7, polarity="high_good"),
        # suppressed for an external audience
        row("long_term_stability", "2025-09-30", np.nan, np.nan, np.nan, polarity="high_good",
            period_type="rolling_12m", suppressed="c"),
    ])
    national = frame([
        row("placements_3plus_12m", "2024-03-31", 500, 1000, 50.0, geography=ENGLAND, source="dfe"),
        row("placements_3plus_12m", "2025-03-31", 400, 1000, 40.0, geography=ENGLAND, source="dfe"),
        row("placements_3plus_12m", "2026-03-31", 990, 1000, 99.0, geography=ENGLAND, source="dfe"),
        row("long_term_stability", "2025-03-31", 690, 1000, 69.0, geography=ENGLAND, source="dfe",
            polarity="high_good"),
        # attainment is published by DfE only: the authority's own published row is used
        row("ks2_rwm_expected", "2025-03-31", 7, 15, 46.7, lo=24.8, hi=69.9, polarity="high_good", source="dfe"),
        row("ks2_rwm_expected", "2025-03-31", 350, 1000, 35.0, geography=ENGLAND, source="dfe",
            polarity="high_good"),
    ])
    targets = pd.DataFrame({"indicator_id": ["placements_3plus_12m", "long_term_stability", "local_ks2_rwm_expected"],
                            "target": [25.0, 75.0, 40.0], "comparison": ["at_most", "at_least", "at_least"],
                            "source": ["p. 3", "p. 4", "p. 5"]})
    return local, national, targets


def test_scorecard_rows(tables):
    local, national, targets = tables
    card = scorecard.scorecard(local, LA, "2025-09-30", national=national, targets=targets).set_index("indicator_id")
    assert list(card.index) == ["placements_3plus_12m", "long_term_stability", "local_ks2_rwm_expected",
                                "ks2_rwm_expected"]  # measures without a value are left out
    three = card.loc["placements_3plus_12m"]
    assert (three["outcome"], three["period_type"], three["value"], three["trend_arrow"]) == (
        "O3", "rolling_12m", 30.0, "\u2191")
    # England: 2025 (40%), not 2026 which is after the period end; 40 > upper limit 39.6, low is good
    assert (three["england_value"], three["england_period_end"], three["vs_england"]) == (
        40.0, pd.Timestamp("2025-03-31"), "Better")
    assert (three["target_comparison"], three["target_status"]) == ("at_most", "Not met")  # 30 > 25
    stable = card.loc["long_term_stability"]
    assert (stable["suppressed"], stable["vs_england"], stable["target_status"]) == ("c", "Not compared",
                                                                                     "Not assessed")
    ks2 = card.loc["local_ks2_rwm_expected"]
    assert (ks2["period_end"], ks2["value"], ks2["target_status"], ks2["vs_england"]) == (
        pd.Timestamp("2025-03-31"), 40.0, "Met", "")  # 40 >= 40; no England figure for a local measure
    published = card.loc["ks2_rwm_expected"]
    # England 35% lies inside 24.8-69.9: similar
    assert (published["source"], published["value"], published["vs_england"], published["outcome"]) == (
        "dfe", 46.7, "Similar", "O4")


def test_scorecard_without_national_files(tables):
    local, _, _ = tables
    card = scorecard.scorecard(local, LA, "2025-09-30")
    assert "ks2_rwm_expected" not in set(card["indicator_id"])
    assert card["england_value"].isna().all() and (card["vs_england"] == "").all()
    assert (card["target_status"] == "").all()


def test_scorecard_merges_the_change_since_last_quarter(tables):
    local, national, targets = tables
    before = frame([row("placements_3plus_12m", "2025-06-30", 10, 100, 10.0, period_type="rolling_12m")])
    # each run is compared at its own latest period end (the 2026 row would be a later run's)
    moved = changes.compare_runs(before, local[local["period_end"] <= "2025-09-30"], geography=LA)
    card = scorecard.scorecard(local, LA, "2025-09-30", national=national, changes=moved).set_index("indicator_id")
    three = card.loc["placements_3plus_12m"]
    # 10% -> 30% of 100: Newcombe interval of +20 points excludes 0; up is worse when low is good
    assert (three["previous_value"], three["change"], three["change_direction"], three["beyond_noise"],
            three["change_verdict"]) == (10.0, 20.0, "Up", True, "Worsened")
    assert pd.isna(card.loc["local_ks2_rwm_expected", "change"])


def test_target_summary(tables):
    local, national, targets = tables
    card = scorecard.scorecard(local, LA, "2025-09-30", national=national, targets=targets)
    summary = scorecard.target_summary(card).set_index("outcome")
    assert summary.loc["O3", ["measures", "with_target", "met", "not_met", "getting_worse"]].tolist() == [2, 2, 0, 1, 1]
    assert summary.loc["O4", ["measures", "with_target", "met", "not_met"]].tolist() == [2, 1, 1, 0]


def test_scorecard_table_states_a_shared_period_once_and_leaves_out_an_empty_change_column(tables):

    local, national, targets = tables
    card = scorecard.scorecard(local, LA, "2025-09-30", national=national, targets=targets)
    stability = strategy_scorecard.scorecard_table(card, "O3")  # both rolling 12 months to 30 Sep 2025
    assert "Period" not in stability and "Since the previous run" not in stability  # no previous run
    assert stability.attrs["caption"] == "Latest values: the 12 months to 30 Sep 2025."
    # long-term stability reads [c] (a suppressed row): the shown caption says why
    assert stability["Latest"].tolist() == ["30%", "[c]"]
    assert common.show(stability).caption == f"Latest values: the 12 months to 30 Sep 2025. {common.HIDDEN_FOOTNOTE}"
    education = strategy_scorecard.scorecard_table(card, "O4")  # both the year to 31 March 2025
    assert education.attrs["caption"] == "Latest values: the year to 31 March 2025."
    before = frame([row("placements_3plus_12m", "2025-06-30", 10, 100, 10.0, period_type="rolling_12m")])
    moved = changes.compare_runs(before, local[local["period_end"] <= "2025-09-30"], geography=LA)
    changed = strategy_scorecard.scorecard_table(scorecard.scorecard(local, LA, "2025-09-30", national=national,
                                                         changes=moved), "O3")
    assert "Since the previous run" in changed


def test_show_keeps_years_as_written():
    table = pd.DataFrame({"Measure": ["Children looked after"], "Year": [2025], "Ours": [1234]})
    html = common.show(table).to_html()
    assert ">2025<" in html and "2,025" not in html and ">1,234<" in html


def _card_row(**fields):
    row = {c: np.nan for c in scorecard.SCORECARD_COLUMNS}
    row.update(outcome="O3", outcome_title="Stable, safe homes", indicator_id="placements_3plus_12m",
               indicator="Children with 3 or more placements", unit="%", polarity="low_good", source="local",
               period_end=pd.Timestamp("2025-03-31"), period_type="year", numerator=66, denominator=700,
               value=9.42, lower_95=7.5, upper_95=11.8, suppressed="", trend="Increasing",
               trend_assessment="Increasing and getting worse", trend_arrow="\u2191", vs_england="Similar",
               england_value=10.0, target=9.0, target_comparison="at_most", target_source="", target_status="Not met",
               change_verdict="", change_direction="", beyond_noise=None)
    row.update(fields)
    return row


def test_scorecard_tiles_are_text_with_status_interval_trend_and_target_decimals():

    card = pd.DataFrame([_card_row(), _card_row(indicator_id="local_x", indicator="<b>Local</b> =measure",
                                                source="local", value=95.0, target=90.0,
                                                target_comparison="at_least", target_status="Met",
                                                trend="No significant change", trend_arrow="\u2192",
                                                trend_assessment="No significant change")])
    html = strategy_scorecard.scorecard_tiles(card, "O3").data
    first, second = html.split('role="group"')[1:]
    assert "9.4%" in first and "target at most 9.0%" in first          # not "9%, target at most 9%"
    assert "\u2716 Target not met" in first and "#D4351C" in first      # words and symbol, then colour
    assert "95% interval 8 to 12%" in first and "n = 700" in first
    assert "Increasing and getting worse" in first
    assert "Against England (10%): Similar" in first
    assert "\u2714 Target met" in second and "target at least 90%" in second
    assert "<b>Local</b>" not in html and "&lt;b&gt;Local&lt;/b&gt; =measure" in html  # data text escaped
    assert "<img" not in html
