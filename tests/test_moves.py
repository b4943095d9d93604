"""Tests of cpanalysis.moves on hand-made placements with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import moves
from cpanalysis.errors import ParameterError

T = pd.Timestamp
NaT = pd.NaT
D0 = T("2024-01-01")


def placement_rows(rows: list[tuple]) -> pd.DataFrame:
    """(child, period, start, end, end_rec, end_reason, place, provider, distance, location)."""
    cols = [
        "child_id",
        "period_id",
        "start",
        "end",
        "end_rec",
        "end_reason",
        "place",
        "place_provider",
        "pl_distance",
        "pl_location",
    ]
    out = pd.DataFrame(rows, columns=cols)
    out["is_short_break"] = False
    return out


def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three children across collection years 2024 and 2025.

    A: in care from 2023-02-01; moves 2023-06-01 (reason CREQB ended the first placement),
       2024-05-01 (CARPL), 2024-09-01 (no reason recorded); still in care.
    B: in care 2024-10-01 to 2025-01-31; one placement; left care.
    C: short break (V3/V4) on 2024-07-01: left out of everything.
    """
    placements = placement_rows(
        [
            ("A", 1, T("2023-02-01"), T("2023-06-01"), "X1", "CREQB", "U6", "PR1", 3.0, "IN"),
            ("A", 1, T("2023-06-01"), T("2024-05-01"), "X1", "CARPL", "K2", "PR4", 30.0, "OUT"),
            ("A", 1, T("2024-05-01"), T("2024-09-01"), "X1", None, "U4", "PR1", 4.0, "IN"),
            ("A", 1, T("2024-09-01"), NaT, None, None, "U4", "PR1", 4.0, "IN"),
            ("B", 1, T("2024-10-01"), T("2025-01-31"), "E13", None, "U6", "PR5", 12.0, "IN"),
            ("C", 1, T("2024-07-01"), T("2024-07-03"), "E8", None, "U6", "PR1", 1.0, "IN"),
        ]
    )
    placements.loc[placements["child_id"] == "C", "is_short_break"] = True
    spells = pd.DataFrame(
        {
            "child_id": ["A", "B", "C"],
            "period_id": [1, 1, 1],
            "start": [T("2023-02-01"), T("2024-10-01"), T("2024-07-01")],
            "end": [NaT, T("2025-01-31"), T("2024-07-03")],
            "is_short_break": [False, False, True],
        }
    )
    return placements, spells


def test_placement_moves_take_the_reason_of_the_placement_that_ended():
    placements, _ = history()
    out = moves.placement_moves(placements)
    assert list(out["date"]) == [T("2023-06-01"), T("2024-05-01"), T("2024-09-01")]
    assert list(out["collection_year"]) == [2024, 2025, 2025]
    assert list(out["reason"].fillna("-")) == ["CREQB", "CARPL", "-"]
    assert list(out["reason_group"]) == ["Disruption", "Planned", "Not recorded"]
    assert list(out["move_number"]) == [1, 2, 3]
    # the grouping is a parameter: call every carer request a disruption
    regrouped = moves.placement_moves(placements, reason_groups={"CARPL": "Disruption"})
    assert list(regrouped["reason_group"]) == ["Other", "Disruption", "Not recorded"]


def test_moves_per_child_year_counts_moves_and_days_in_care():
    placements, spells = history()
    out = moves.moves_per_child_year(placements, spells, [2024, 2025]).set_index(
        ["child_id", "collection_year"]
    )
    # 2023-24 (1 Apr 2023 - 31 Mar 2024): A in care all 366 days (leap year), one move (1 June 2023)
    assert out.loc[("A", 2024), "days_in_care"] == 366 and out.loc[("A", 2024), "moves"] == 1
    # 2024-25: A 365 days, two moves; B 1 Oct 2024 to 30 Jan 2025 (ceased 31 Jan) = 122 days, none
    assert out.loc[("A", 2025), "moves"] == 2 and out.loc[("A", 2025), "days_in_care"] == 365
    assert out.loc[("B", 2025), "days_in_care"] == 122 and out.loc[("B", 2025), "moves"] == 0
    assert ("C", 2025) not in out.index and ("B", 2024) not in out.index


def test_moves_per_period_counts_moves_up_to_the_date():
    placements, spells = history()
    out = moves.moves_per_period(placements, spells, "2024-06-30").set_index("child_id")
    # the 1 Sept 2024 move is after the date; B's period starts after it
    assert out.loc["A", "moves"] == 2 and not out.loc["A", "completed"]
    assert out.loc["A", "days_in_care"] == (T("2024-06-30") - T("2023-02-01")).days
    assert list(out.index) == ["A"]


def test_summarise_moves_rates_and_small_numbers():
    child_moves = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(10)],
            "collection_year": 2025,
            "days_in_care": [365.25] * 10,
            "moves": [0, 0, 0, 1, 1, 2, 3, 3, 4, 6],
        }
    )
    out = moves.summarise_moves(child_moves)
    row = out.iloc[0]
    assert row["n_children"] == 10 and row["n_moves"] == 20
    assert row["mean_moves"] == pytest.approx(2.0) and row["moves_per_year"] == pytest.approx(2.0)
    # 20 moves in 10 child-years: Byar's interval of 20 (PHE method), 12.21-30.89 per 10 years
    assert row["moves_per_year_lower"] == pytest.approx(1.2217, abs=1e-3)
    assert row["moves_per_year_upper"] == pytest.approx(3.0888, abs=1e-3)
    # 4 of 10 with 3+ moves: Wilson 95% 16.82%-68.73%
    assert row["n_3plus"] == 4 and row["pct_3plus"] == pytest.approx(40.0)
    assert row["pct_3plus_lower"] == pytest.approx(16.82, abs=0.01)
    assert row["pct_3plus_upper"] == pytest.approx(68.73, abs=0.01)
    small = moves.summarise_moves(child_moves.iloc[:9]).iloc[0]
    assert small["note"] == "not produced: fewer than 10 children" and np.isnan(small["mean_moves"])
    assert small["n_children"] == 9


def test_move_reasons_shares_by_group_and_code():
    placements, _ = history()
    out = moves.move_reasons(placements, years=[2025], min_children=1)
    groups = out[out["level"] == "group"].set_index("reason")
    assert groups.loc["Planned", "n_moves"] == 1 and groups.loc["Not recorded", "n_moves"] == 1
    assert groups.loc["Disruption", "n_moves"] == 0 and groups.loc[
        "Planned", "pct"
    ] == pytest.approx(50.0)
    assert groups.loc["Planned", "total_moves"] == 2 and groups.loc["Planned", "n_children"] == 1
    codes_ = out[out["level"] == "reason"].set_index("reason")
    assert codes_.loc["CARPL", "n_moves"] == 1 and codes_.loc["CREQB", "n_moves"] == 0
    # the move with no reason is a row of its own: the reasons add up to every move
    assert codes_.loc["Not recorded", "n_moves"] == 1
    assert codes_["n_moves"].sum() == codes_["total_moves"].iloc[0] == 2
    default = moves.move_reasons(placements, years=[2025])
    assert set(default["note"]) == {"not produced: fewer than 10 children"}


# ---------------------------------------------------------------------------------------------
# Survival: six placements by hand
# ---------------------------------------------------------------------------------------------


def durations_table(
    days: list[float],
    ended: list[bool],
    endings: list[str] | None = None,
    entry: list[float] | None = None,
) -> pd.DataFrame:
    n = len(days)
    return pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "duration_days": np.asarray(days, dtype=float),
            "entry_days": np.asarray(entry if entry is not None else [0.0] * n, dtype=float),
            "ended": ended,
            "ending": endings
            if endings is not None
            else [moves.OTHER_MOVE if e else moves.CENSORED for e in ended],
        }
    )


KM_DAYS = [30, 60, 90, 90, 120, 200]
KM_ENDED = [True, False, True, True, False, True]


def test_kaplan_meier_matches_a_hand_calculation_on_six_placements():
    # 30: 6 at risk, 1 ends -> 5/6. 60: censored. 90: 4 at risk, 2 end -> 5/6 * 2/4 = 5/12.
    # 120 censored. 200: 1 at risk, 1 ends -> 0. Median: first time S <= 0.5 -> 90 days.
    table = durations_table(KM_DAYS, KM_ENDED)
    out = moves.placement_survival(table, at_months=(1, 3, 6, 12), min_children=1).set_index(
        "statistic"
    )
    assert out.loc["median_days", "value"] == 90
    assert out.loc["survival_1m", "value"] == pytest.approx(5 / 6)  # 30.44 days
    assert out.loc["survival_3m", "value"] == pytest.approx(5 / 12)  # 91.3 days
    assert out.loc["survival_6m", "value"] == pytest.approx(5 / 12)  # 182.6 days
    assert out.loc["survival_12m", "value"] == pytest.approx(0.0)
    # Greenwood SE at 30 days = 5/6 * sqrt(1/(6*5)) = 0.152145; log-log 95% interval by hand:
    # theta = 1.96*0.152145/(5/6*ln(5/6)) = -1.9627 -> (5/6)^exp(1.9627), (5/6)^exp(-1.9627)
    assert out.loc["survival_1m", "lower"] == pytest.approx(0.27314, abs=2e-4)
    assert out.loc["survival_1m", "upper"] == pytest.approx(0.97472, abs=2e-4)
    assert set(out["n_placements"]) == {6} and set(out["n_endings"]) == {4}


def test_survival_curve_steps():
    curve = moves.survival_curve(durations_table(KM_DAYS, KM_ENDED), min_children=1)
    assert list(curve["days"]) == [0, 30, 90, 200]
    assert list(curve["survival"]) == pytest.approx([1, 5 / 6, 5 / 12, 0])
    assert list(curve["n_at_risk"]) == [6, 6, 4, 1]


def test_placement_durations_from_dates_with_delayed_entry():
    # window from 1 Jan 2024. A started 100 days before and ends 50 days in (duration 150, entry
    # 100); B starts on the window and ends after 30 days; C started 10 days before, still open at
    # the extract 190 days into the window (duration 200, entry 10); E ended before the window.
    w = T("2024-01-01")
    day = pd.Timedelta(days=1)
    placements = placement_rows(
        [
            ("A", 1, w - 100 * day, w + 50 * day, "X1", "CREQB", "U6", "PR1", 25.0, "OUT"),
            ("B", 1, w, w + 30 * day, "X1", "CARPL", "U6", "PR1", 2.0, "IN"),
            ("C", 1, w - 10 * day, NaT, None, None, "U6", "PR1", None, None),
            ("E", 1, w - 300 * day, w - 5 * day, "E13", None, "U6", "PR1", 1.0, "IN"),
        ]
    )
    children = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "E"],
            "dob": [T("2010-01-01")] * 4,
            "ever_uasc": [False, True, False, False],
        }
    )
    out = moves.placement_durations(
        placements, w + 190 * day, window_start=w, children=children
    ).set_index("child_id")
    # ages at each placement's start (A started 23 Sept 2023, aged 13)
    assert list(out["age_at_start"]) == [13, 14, 13] and list(out["ever_uasc"]) == [False, True, False]
    assert list(out["age_band"]) == ["10 to 15 years"] * 3
    assert list(out.index) == ["A", "B", "C"]
    assert list(out["duration_days"]) == [150, 30, 200] and list(out["entry_days"]) == [100, 0, 10]
    # UASC on each placement's start: B (no DUC) is; with a DUC on the start day the status has
    # ended by then, so the placement is not a UASC one though B stays ever UASC
    assert list(out["uasc_on_date"]) == [False, True, False]
    ceased = moves.placement_durations(placements, w + 190 * day, window_start=w,
                                       children=children.assign(duc=[NaT, w, NaT, NaT])).set_index("child_id")
    assert list(ceased["uasc_on_date"]) == [False, False, False] and bool(ceased.loc["B", "ever_uasc"])
    assert list(out["ending"]) == [moves.DISRUPTION, moves.PLANNED, moves.CENSORED]
    assert list(out["distance_band"]) == ["Over 20 miles", "20 miles or less", "Not known"]
    # at 30 days only B and C are at risk (A enters at day 100): S = 1/2; at 150 A and C: S = 1/4
    km = moves.placement_survival(
        out.reset_index(),
        at_months=(60 / moves.DAYS_PER_MONTH, 160 / moves.DAYS_PER_MONTH),
        min_children=1,
    )
    assert list(km["value"].iloc[1:]) == pytest.approx([0.5, 0.25])


def test_cumulative_incidence_with_competing_endings_sums_to_one_minus_km():
    # 10 disruption, 20 planned, 20 still running, 30 disruption, 40 left care, 50 still running.
    # KM (any ending): 5/6, 2/3, 4/9, 2/9. Disruption: 1/6 + (2/3)(1/3) = 7/18; planned: (5/6)(1/5)
    # = 1/6; left care: (4/9)(1/2) = 2/9; other moves 0. Sum 7/9 = 1 - 2/9.
    table = durations_table(
        [10, 20, 20, 30, 40, 50],
        [True, True, False, True, True, False],
        [
            moves.DISRUPTION,
            moves.PLANNED,
            moves.CENSORED,
            moves.DISRUPTION,
            moves.LEFT_CARE,
            moves.CENSORED,
        ],
    )
    out = moves.disruption_incidence(
        table, at_months=(45 / moves.DAYS_PER_MONTH,), min_children=1
    ).set_index("ending")
    got = out["cumulative_incidence"]
    assert got[moves.DISRUPTION] == pytest.approx(7 / 18)
    assert got[moves.PLANNED] == pytest.approx(1 / 6)
    assert got[moves.LEFT_CARE] == pytest.approx(2 / 9)
    assert got[moves.OTHER_MOVE] == 0
    assert got.sum() == pytest.approx(1 - 2 / 9)
    km = moves.placement_survival(table, at_months=(45 / moves.DAYS_PER_MONTH,), min_children=1)
    assert got.sum() == pytest.approx(1 - km["value"].iloc[1])
    assert out.loc[moves.DISRUPTION, "lower"] < 7 / 18 < out.loc[moves.DISRUPTION, "upper"]


def test_cumulative_incidence_refuses_delayed_entry():
    table = durations_table([10, 20], [True, True], entry=[5, 0])
    with pytest.raises(ParameterError, match="started_from"):
        moves.disruption_incidence(table, min_children=1)


def test_small_groups_are_flagged_not_estimated():
    out = moves.placement_survival(durations_table(KM_DAYS, KM_ENDED))
    assert (
        set(out["note"]) == {"not produced: fewer than 10 children"} and out["value"].isna().all()
    )


def test_logrank_detects_a_clear_difference():
    rng = np.random.default_rng(1)
    fast = rng.exponential(100, 40)
    slow = rng.exponential(400, 40)
    table = durations_table(list(fast) + list(slow), [True] * 80).assign(
        group=["fast"] * 40 + ["slow"] * 40
    )
    out = moves.logrank_test(table, "group").iloc[0]
    assert out["df"] == 1 and out["p_value"] < 0.001 and out["groups_tested"] == "fast, slow"
    small = moves.logrank_test(table.iloc[:45], "group").iloc[0]
    assert "fewer than two groups" in small["note"]


def test_cox_recovers_a_simulated_hazard_ratio_with_clustered_errors():
    rng = np.random.default_rng(2026)
    n = 600
    far = rng.integers(0, 2, n).astype(bool)
    days = rng.exponential(365 / np.where(far, 2.0, 1.0))
    censor = rng.uniform(0, 1500, n)
    table = durations_table(list(np.minimum(days, censor)), list(days <= censor))
    table["child_id"] = [f"c{i // 2}" for i in range(n)]  # two placements per child
    table["far"] = far
    out = moves.placement_cox(table, covariates=("far",)).set_index("term")
    assert out.loc["far", "hazard_ratio"] == pytest.approx(2.0, rel=0.2)
    assert out.loc["far", "lower"] < 2.0 < out.loc["far", "upper"]
    assert out.loc["far", "n_children"] == 300


def test_moves_by_distance_rate_ratio():
    # 10 placements near (1 year each, 2 moves) and 10 far (1 year each, 6 moves): ratio 3
    near = durations_table(
        [365.25] * 10, [True, True] + [False] * 8, [moves.PLANNED] * 2 + [moves.CENSORED] * 8
    )
    far = durations_table(
        [365.25] * 10, [True] * 6 + [False] * 4, [moves.DISRUPTION] * 6 + [moves.CENSORED] * 4
    )
    far["child_id"] = [f"f{i}" for i in range(10)]
    near["distance_band"], far["distance_band"] = "20 miles or less", "Over 20 miles"
    out = moves.moves_by_distance(pd.concat([near, far], ignore_index=True)).set_index(
        "breakdown_value"
    )
    assert out.loc["20 miles or less", "moves_per_year"] == pytest.approx(0.2)
    assert out.loc["Over 20 miles", "moves_per_year"] == pytest.approx(0.6)
    assert out.loc["Over 20 miles", "rate_ratio"] == pytest.approx(3.0)
    assert out.loc["20 miles or less", "rate_ratio"] == 1.0
    # exact Poisson limits of 2 moves in 10 years: chi2(0.025; 4)/2 = 0.2422, chi2(0.975; 6)/2 = 7.2247
    assert out.loc["20 miles or less", "lower"] == pytest.approx(0.02422, abs=1e-4)
    assert out.loc["20 miles or less", "upper"] == pytest.approx(0.72247, abs=1e-4)
    # 8 moves in all: a threefold rate is not distinguishable from chance at 95%
    assert out.loc["Over 20 miles", "rr_lower"] < 1 < 3 < out.loc["Over 20 miles", "rr_upper"]
    assert out.loc["Over 20 miles", "p_value"] > 0.05


def test_curves_and_models_of_a_cohort_too_small_for_any_group_are_notes_not_errors():
    # six children: every group is below min_children = 10, so nothing is estimated
    table = durations_table(KM_DAYS, KM_ENDED).assign(group="a")
    curve = moves.survival_curve(table, by="group")
    assert set(curve["note"]) == {"not produced: fewer than 10 children"} and curve["days"].isna().all()
    incidence = moves.disruption_incidence(table)
    assert len(incidence) == len(moves.ENDINGS) and incidence["cumulative_incidence"].isna().all()
    assert incidence["months"].isna().all()
    # no placement at all (a cohort filter matching nobody), and a text covariate with one value
    cox = moves.placement_cox(table.iloc[:0], covariates=("group",))
    assert cox["term"].tolist() == ["(model)"] and cox["note"].iloc[0].startswith("not produced")
    only = moves.placement_cox(table, covariates=("group",), min_children=1)
    assert only["note"].iloc[0] == "not produced: no covariate varies"


def test_logrank_statistic_matches_a_hand_calculation():
    """Two groups of three placements, every one ending (days): A 1, 2, 3; B 2, 4, 5.

    Event times, at risk (A, B), endings, expected in A and variance
    (n_A n_B d (N - d) / (N^2 (N - 1))):
      day 1: (3, 3), 1 ending (A):      E 3/6 = 0.5,   V 3*3*1*5/(36*5) = 0.25
      day 2: (2, 3), 2 endings (A, B):  E 2*2/5 = 0.8, V 2*3*2*3/(25*4) = 0.36
      day 3: (1, 2), 1 ending (A):      E 1/3,         V 1*2*1*2/(9*2) = 2/9
      days 4, 5: nobody left in A:      E 0,           V 0
    O - E = 3 - 1.6333 = 1.3667; chi2 = 1.3667^2 / 0.8322 = 2.2443 on 1 df, p = 0.1341.
    """
    table = durations_table([1, 2, 3, 2, 4, 5], [True] * 6).assign(group=["A"] * 3 + ["B"] * 3)
    out = moves.logrank_test(table, "group", min_children=1).iloc[0]
    expected_e = 0.5 + 0.8 + 1 / 3
    expected_chi2 = (3 - expected_e) ** 2 / (0.25 + 0.36 + 2 / 9)
    assert expected_chi2 == pytest.approx(2.2443, abs=1e-4)
    assert out["chi2"] == pytest.approx(expected_chi2, rel=1e-9)
    assert out["df"] == 1
    assert out["p_value"] == pytest.approx(0.1341, abs=1e-4)


def test_child_clustered_cox_errors_are_wider_than_naive_on_clustered_placements():
    """Each child's five placements last exactly as long (perfectly clustered), so the 1,000
    placements carry the information of 200 children: the child-clustered interval must be
    wider than the naive one (which treats placements as independent), by about sqrt(5)."""
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(7)
    children = 200
    far = rng.integers(0, 2, children).astype(bool)
    days = rng.exponential(365 / np.where(far, 1.5, 1.0))
    table = durations_table(list(np.repeat(days, 5)), [True] * (children * 5))
    table["child_id"] = np.repeat([f"c{i}" for i in range(children)], 5)
    table["far"] = np.repeat(far, 5)
    clustered = moves.placement_cox(table, covariates=("far",)).set_index("term").loc["far"]
    naive = PHReg(table["duration_days"].to_numpy(), table[["far"]].astype(float).to_numpy(),
                  status=table["ended"].astype(int).to_numpy(), ties="efron").fit()
    naive_width = 2 * 1.959964 * naive.bse[0]
    clustered_width = np.log(clustered["upper"]) - np.log(clustered["lower"])
    assert clustered["hazard_ratio"] == pytest.approx(np.exp(naive.params[0]), rel=1e-6)  # same estimate
    assert 2.0 < clustered_width / naive_width < 2.5  # sqrt(5) = 2.24 expected (measured 2.24)
