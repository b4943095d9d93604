"""Tests of cpanalysis.sdq on hand-made OC2 rows with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import sdq
from cpanalysis.errors import ParameterError

T = pd.Timestamp
NaT = pd.NaT

# (child, collection year, score); None is a blank score
ROWS = [
    ("c1", 2023, 20), ("c1", 2024, 10),   # -10: reliably improved, out of the concern band
    ("c2", 2023, 18), ("c2", 2024, 10),   # -8: not reliable at 9+
    ("c3", 2023, 5), ("c3", 2024, 14),    # +9: reliably deteriorated
    ("c4", 2023, 12), ("c4", 2024, 12),   # 0
    ("c5", 2024, 25), ("c5", 2025, 16),   # -9: reliably improved, out of the concern band
    ("c6", 2023, 30), ("c6", 2024, 20),   # -10: reliably improved but still a concern
    ("c7", 2024, 10), ("c7", 2025, 19),   # +9: reliably deteriorated
    ("c8", 2022, 15), ("c8", 2024, 15),   # not consecutive years: no consecutive pair
    ("c9", 2023, 17), ("c9", 2024, None),  # blank second score: no pair
    ("c10", 2023, 8), ("c10", 2024, 7), ("c10", 2025, 30),  # latest consecutive pair: +23
]  # fmt: skip


def oc2_table(rows=ROWS) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["child_id", "collection_year", "sdq_score"])
    out["sdq_score"] = out["sdq_score"].astype("Int64")
    out["dob"] = T("2012-06-01")
    return out


@pytest.fixture()
def pairs() -> pd.DataFrame:
    return sdq.sdq_pairs(oc2_table())


def test_consecutive_pairs_take_each_childs_latest_consecutive_years(pairs):
    got = pairs.set_index("child_id")
    assert list(got.index) == ["c1", "c10", "c2", "c3", "c4", "c5", "c6", "c7"]
    assert (got.loc["c10", "year_1"], got.loc["c10", "year_2"], got.loc["c10", "change"]) == (
        2024,
        2025,
        23,
    )
    assert set(got["years_apart"]) == {1}
    assert (got.loc["c5", "band_1"], got.loc["c5", "band_2"]) == ("Cause for concern", "Borderline")


def test_other_pairings():
    first_latest = sdq.sdq_pairs(oc2_table(), pairing="first_latest").set_index("child_id")
    assert first_latest.loc["c8", "change"] == 0 and first_latest.loc["c8", "years_apart"] == 2
    assert first_latest.loc["c10", "score_1"] == 8 and first_latest.loc["c10", "score_2"] == 30
    every = sdq.sdq_pairs(oc2_table(), pairing="all_consecutive")
    assert (every["child_id"] == "c10").sum() == 2 and len(every) == 9
    ending_2025 = sdq.sdq_pairs(oc2_table(), end_year=2025)
    assert sorted(ending_2025["child_id"]) == ["c10", "c5", "c7"]
    with pytest.raises(ParameterError, match="pairing"):
        sdq.sdq_pairs(oc2_table(), pairing="nearest")


def test_reliable_change_threshold_and_index():
    # 1.959964 * sqrt(2) * 5.8 * sqrt(0.28) = 8.5068; with r 0.62: 9.9102
    assert sdq.reliable_change_threshold() == pytest.approx(8.5068, abs=1e-4)
    assert sdq.reliable_change_threshold(reliability=0.62) == pytest.approx(9.9102, abs=1e-4)
    # S_diff = sqrt(2) * 5.8 * sqrt(0.28) = 4.3403
    assert sdq.reliable_change_index([20], [10])[0] == pytest.approx(-10 / 4.34031, abs=1e-4)
    assert sdq.change_category([10, 10, 10], [19, 18, 1]) == [
        sdq.DETERIORATED,
        sdq.NO_CHANGE,
        sdq.IMPROVED,
    ]
    with pytest.raises(ParameterError):
        sdq.reliable_change_threshold(reliability=1.0)


def test_reliable_change_categories_by_hand(pairs):
    out = sdq.reliable_change(pairs, min_children=1).set_index("category")
    assert out.loc[sdq.IMPROVED, "n"] == 3  # c1, c5, c6
    assert out.loc[sdq.NO_CHANGE, "n"] == 2  # c2, c4
    assert out.loc[sdq.DETERIORATED, "n"] == 3  # c3, c7, c10
    assert set(out.loc[[sdq.IMPROVED, sdq.NO_CHANGE, sdq.DETERIORATED], "denominator"]) == {8}
    # recovered: c1 and c5 of the four who started at 17+ (c1, c2, c5, c6)
    assert out.loc[sdq.RECOVERED, "n"] == 2 and out.loc[sdq.RECOVERED, "denominator"] == 4
    assert out.loc[sdq.RECOVERED, "pct"] == pytest.approx(50.0)
    # Wilson 95% for 3/8: centre 0.415553, half-width 0.278709 -> 13.68% to 69.43%
    assert out.loc[sdq.IMPROVED, "pct"] == pytest.approx(37.5)
    assert out.loc[sdq.IMPROVED, "lower"] == pytest.approx(13.684, abs=0.001)
    assert out.loc[sdq.IMPROVED, "upper"] == pytest.approx(69.426, abs=0.001)
    assert set(out["smallest_reliable_change"]) == {9} and set(out["sd"]) == {5.8}


def test_sensitivity_reliability_needs_ten_points(pairs):
    out = sdq.reliable_change(pairs, reliability=0.62, min_children=1).set_index("category")
    # 10+ points: c1 and c6 improve, only c10 (+23) deteriorates; c5 (-9), c3 and c7 (+9) do not count
    assert (
        out.loc[sdq.IMPROVED, "n"],
        out.loc[sdq.NO_CHANGE, "n"],
        out.loc[sdq.DETERIORATED, "n"],
    ) == (2, 5, 1)
    assert out.loc[sdq.RECOVERED, "n"] == 1
    assert set(out["smallest_reliable_change"]) == {10}


def test_small_numbers_are_flagged(pairs):
    out = sdq.reliable_change(pairs)  # 8 children < 10
    assert set(out["note"]) == {"not produced: fewer than 10 children"}
    assert out["pct"].isna().all() and list(out["n"]) == [3, 2, 3, 2]


def test_breakdown_by_a_pair_column(pairs):
    out = sdq.reliable_change(pairs, by="band_1", min_children=1)
    concern = out[
        (out["breakdown_value"] == "Cause for concern") & (out["category"] == sdq.IMPROVED)
    ].iloc[0]
    assert concern["n"] == 3 and concern["denominator"] == 4
    assert list(out["breakdown_value"].unique()) == ["Total", "Cause for concern", "Normal"]


def test_paired_t_and_wilcoxon_by_hand(pairs):
    # changes -10 -8 +9 0 -9 -10 +9 +23: mean 0.5, SD 12.154, SE 4.2970, t 0.1164,
    # 95% CI 0.5 -/+ 2.3646 * 4.2970 = -9.661 to 10.661; median -4.
    # Wilcoxon (Pratt): |d| ranks with the zero ranked 1: 8->2, 9s->4, 10s->6.5, 23->8;
    # positive ranks 4 + 4 + 8 = 16, negative 6.5 + 2 + 4 + 6.5 = 19 -> statistic 16.
    row = sdq.paired_change(pairs, min_children=1).iloc[0]
    assert row["mean_change"] == pytest.approx(0.5)
    assert row["t"] == pytest.approx(0.1164, abs=1e-4)
    assert row["lower"] == pytest.approx(-9.661, abs=1e-3) and row["upper"] == pytest.approx(
        10.661, abs=1e-3
    )
    assert row["median_change"] == -4 and row["wilcoxon"] == 16
    assert row["mean_1"] == pytest.approx(127 / 8)


def test_band_transitions_and_tests_by_hand(pairs):
    table = sdq.band_transitions(pairs, min_children=1).set_index(["band_1", "band_2"])["n"]
    assert table[("Normal", "Normal")] == 1 and table[("Normal", "Borderline")] == 1
    assert table[("Normal", "Cause for concern")] == 2
    assert (
        table[("Cause for concern", "Normal")] == 2
        and table[("Cause for concern", "Borderline")] == 1
    )
    assert table[("Cause for concern", "Cause for concern")] == 1 and table.sum() == 8
    tests = sdq.band_tests(pairs, min_children=1).set_index("test")
    # Stuart-Maxwell: d = (4-3, 0-2) = (1, -2); S = [[5, -1], [-1, 2]]; d' S^-1 d = 18/9 = 2.0
    sm = tests.loc["Stuart-Maxwell (3 bands)"]
    assert sm["statistic"] == pytest.approx(2.0) and sm["df"] == 2
    assert sm["p_value"] == pytest.approx(np.exp(-1.0))
    # McNemar exact: 3 left the concern band, 2 entered it: p = 2 * P(X <= 2 | 5, 0.5) = 1
    mc = tests.loc["McNemar exact (cause for concern or not)"]
    assert (mc["n_left_concern"], mc["n_entered_concern"]) == (3, 2)
    assert mc["p_value"] == pytest.approx(1.0)


def test_regression_to_the_mean_note_gives_the_numbers(pairs):
    text = sdq.regression_to_mean_note(pairs, min_children=1)
    # rho = Sxy / sqrt(Sxx Syy) = -85.625 / sqrt(550.875 * 311.875) = -0.2066; mean first score
    # 127/8 = 15.875; concern starters (20+18+25+30)/4 = 23.25 changed by (-10-8-9-10)/4 = -9.25;
    # expected with no real change (rho - 1)(23.25 - 15.875) = -8.90
    assert "8 children" in text and "15.9" in text and "-0.21" in text
    assert "The 4 children whose first score was a cause for concern" in text
    assert "changed by -9.2 points" in text and "3 of them scored below 17" in text
    assert "about -8.9 points" in text
    assert "selected group" in text
    assert "not assessed" in sdq.regression_to_mean_note(pairs)


def test_moves_between_scores_and_placement_change():
    placements = pd.DataFrame(
        {
            "child_id": ["c1", "c1", "c1", "c3"],
            "period_id": [1, 1, 1, 1],
            "start": [T("2020-01-01"), T("2023-03-31"), T("2023-09-01"), T("2019-01-01")],
            "end": [T("2023-03-31"), T("2023-09-01"), NaT, NaT],
        }
    )
    pairs = sdq.sdq_pairs(oc2_table(), placements=placements).set_index("child_id")
    # c1's pair is 2023 -> 2024: the move on 31 March 2023 is before, the 1 Sept 2023 one between
    assert pairs.loc["c1", "moves_between"] == 1 and bool(pairs.loc["c1", "placement_changed"])
    assert pairs.loc["c3", "moves_between"] == 0 and not bool(pairs.loc["c3", "placement_changed"])
    assert pairs.loc["c1", "moves_between_band"] == "1"


def test_repeated_oc2_rows_are_refused():
    rows = oc2_table(ROWS + [("c1", 2023, 3)])
    with pytest.raises(ParameterError, match="repeated"):
        sdq.sdq_scores(rows)


def test_out_of_range_scores_are_not_scores():
    got = sdq.sdq_scores(oc2_table([("a", 2024, 41), ("a", 2025, 40), ("b", 2024, -1)]))
    assert list(got["score"]) == [40]


# ---------------------------------------------------------------------------------------------
# Mixed model
# ---------------------------------------------------------------------------------------------


def simulated_scores(seed: int = 2026, children: int = 400, slope: float = -0.3) -> pd.DataFrame:
    """1-5 yearly scores per child: child intercepts SD 4, slopes -0.3 +- 0.6, noise SD 2."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(children):
        n = rng.integers(1, 6)
        intercept = 14 + rng.normal(0, 4)
        child_slope = slope + rng.normal(0, 0.6)
        age = rng.uniform(5, 12)
        in_care = rng.uniform(1, 5)
        for year in range(n):
            moves = rng.poisson(0.5)
            score = (
                intercept + child_slope * year + 0.2 * (age - 8) + 1.0 * moves + rng.normal(0, 2)
            )
            rows.append(
                (f"c{i}", year, float(np.clip(np.round(score), 0, 40)), age, in_care, moves)
            )
    return pd.DataFrame(
        rows,
        columns=[
            "child_id",
            "years",
            "score",
            "age_at_first",
            "years_in_care_at_first",
            "moves_12m",
        ],
    )


def test_mixed_model_recovers_the_simulated_slope():
    out = sdq.trajectory_model(simulated_scores()).set_index("term")
    # standard error of the slope is about 0.06: the tolerance is about 2.5 standard errors
    assert out.loc["years", "estimate"] == pytest.approx(-0.3, abs=0.15)
    assert out.loc["years", "lower"] < -0.3 < out.loc["years", "upper"]
    assert out.loc["moves_12m", "estimate"] == pytest.approx(1.0, abs=0.3)
    assert out.loc["age_at_first", "estimate"] == pytest.approx(0.2, abs=0.15)
    assert out.loc["SD of child intercepts", "estimate"] == pytest.approx(4.0, abs=1.0)
    assert set(out["model"]) == {"random intercept and slope"} and set(out["n_children"]) == {400}


def test_mixed_model_falls_back_to_random_intercept_with_one_score_each():
    data = simulated_scores(children=120)
    data = data.groupby("child_id").head(1).assign(years=lambda d: np.arange(len(d)) % 3)
    out = sdq.trajectory_model(data)
    assert set(out["model"]) == {
        "random intercept only (fewer than 10 children have two or more scores)"
    }
    assert "SD of child slopes" not in set(out["term"])


def test_mixed_model_small_cohort_is_not_produced():
    out = sdq.trajectory_model(simulated_scores(children=6))
    assert (
        list(out["term"]) == ["(model)"]
        and out["note"].iloc[0] == "not produced: fewer than 10 children"
    )


# ---------------------------------------------------------------------------------------------
# Completion and children without scores
# ---------------------------------------------------------------------------------------------


def completion_tables() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Twelve children in the 2025 OC2 cohort: the 8 aged 8 have scores, the 4 aged 15 do not;
    one more child aged 3 (not eligible)."""
    ids = [f"k{i}" for i in range(13)]
    dob = [T("2016-06-01")] * 8 + [T("2009-06-01")] * 4 + [T("2021-06-01")]
    scores = [10, 12, 14, 16, 8, 20, 11, 9, None, None, None, None, None]
    oc2 = pd.DataFrame(
        {
            "child_id": ids,
            "collection_year": 2025,
            "sdq_score": pd.array(scores, dtype="Int64"),
            "dob": dob,
        }
    )
    children = pd.DataFrame(
        {
            "child_id": ids,
            "dob": dob,
            "sex": ["F", "M"] * 6 + ["F"],
            "ethnic_group": "White",
            "ever_uasc": False,
        }
    )
    starts = [T("2022-01-01")] * 8 + [T("2020-01-01")] * 4 + [T("2023-01-01")]
    spells = pd.DataFrame({"child_id": ids, "period_id": 1, "start": starts, "end": NaT})
    placements = spells.assign(
        place=["U4"] * 8 + ["K2"] * 4 + ["U6"],
        place_provider="PR1",
        pl_distance=3.0,
        pl_location="IN",
    )
    return oc2, {"children": children, "placements": placements, "periods_of_care": spells}


def test_completion_rate_of_the_5_to_16_cohort():
    oc2, _ = completion_tables()
    row = sdq.completion(oc2, [2025]).iloc[0]
    # the 3-year-old is not eligible: 8 of 12, Wilson 95% 39.1% to 86.2%
    assert (row["n_eligible"], row["n_with_score"]) == (12, 8)
    assert row["pct"] == pytest.approx(66.67, abs=0.01)
    assert row["lower"] == pytest.approx(39.06, abs=0.01) and row["upper"] == pytest.approx(
        86.19, abs=0.01
    )


def test_children_without_scores_are_compared():
    oc2, tables = completion_tables()
    out = sdq.with_and_without_scores(oc2, tables, 2025, min_children=4).set_index(
        ["characteristic", "value"]
    )
    assert (
        out.loc[("age", "mean"), "with_score"] == 8
        and out.loc[("age", "mean"), "without_score"] == 15
    )
    years_with = (T("2025-03-31") - T("2022-01-01")).days / 365.25
    assert out.loc[("years_in_care", "mean"), "with_score"] == pytest.approx(years_with)
    assert out.loc[("placement_group", "Foster placements"), "with_score"] == 100.0
    assert (
        out.loc[("placement_group", "Secure homes and children's homes"), "without_score"] == 100.0
    )
    assert out.loc[("placement_group", "Foster placements"), "p_value"] < 0.05
    assert set(out["n_with"]) == {8} and set(out["n_without"]) == {4}
    flagged = sdq.with_and_without_scores(oc2, tables, 2025)
    assert set(flagged["note"]) == {"not produced: fewer than 10 children"}


def test_trajectory_data_adds_time_and_characteristics():
    oc2, tables = completion_tables()
    later = oc2.assign(collection_year=2026, sdq_score=oc2["sdq_score"] + 1)
    data = sdq.trajectory_data(pd.concat([oc2, later], ignore_index=True), tables).set_index(
        ["child_id", "collection_year"]
    )
    assert data.loc[("k0", 2026), "years"] == 1 and data.loc[("k0", 2025), "years"] == 0
    assert data.loc[("k0", 2026), "age"] == 9 and data.loc[("k0", 2026), "age_at_first"] == 8
    assert data.loc[("k0", 2025), "moves_12m"] == 0 and len(data) == 16


def test_children_without_scores_are_compared_on_uasc_on_the_date():
    """UASC among children with and without a score is UASC on that 31 March, not ever UASC.

    Hand-worked: of the 8 with a score, k0 is UASC on 31 March 2025 (DUC blank) and k1 ceased
    to be UASC on 1 January 2025 (ever UASC only); of the 4 without, k8 ceased on 31 March 2025
    itself (over that day). UASC on the date: 1 of 8 with a score (12.5%), 0 of 4 without (0%).
    Before the names were separated the comparison read ever UASC: 2 of 8 (25%) and 1 of 4 (25%).
    """
    oc2, tables = completion_tables()
    children = tables["children"].copy()
    children["ever_uasc"] = children["child_id"].isin(["k0", "k1", "k8"])
    children["duc"] = children["child_id"].map({"k1": T("2025-01-01"), "k8": T("2025-03-31")})
    out = sdq.with_and_without_scores(oc2, {**tables, "children": children}, 2025, min_children=4).set_index(
        ["characteristic", "value"]
    )
    assert out.loc[("uasc_on_date", "True"), "with_score"] == 12.5
    assert out.loc[("uasc_on_date", "True"), "without_score"] == 0.0
    assert not any(c == "uasc" for c, _ in out.index)
