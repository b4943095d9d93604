"""Tests of cpanalysis.leavers on hand-made care leavers followed from 18 to 21."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import leavers
from cpanalysis.errors import ParameterError

T = pd.Timestamp

# young person -> dob, {collection year: (IN_TOUCH, ACTIV, ACCOM)}
PEOPLE = {
    # 18th birthday 1 June 2021 (collection year 2022): 18 in 2022, 19 in 2023, 21 in 2025
    "A": ("2003-06-01", {2022: ("YES", "F2", "Z1"), 2023: ("YES", "G5", "U1"), 2024: ("YES", "F5", "U1"), 2025: ("YES", "F5", "U2")}),
    "B": ("2003-06-01", {2022: ("YES", "G4", "B1"), 2023: ("YES", "G4", "S2"), 2025: ("YES", "F1", "R2")}),
    "C": ("2003-06-01", {2022: ("YES", "F2", "D1"), 2023: ("YES", "F2", "D1"), 2025: ("YES", "G6", "U1")}),
    # returned home for 6+ months at 19: out of the cohort from then on
    "D": ("2003-06-01", {2022: ("YES", "F2", "E1"), 2023: ("RHOM", "0", "0"), 2025: ("YES", "F2", "U1")}),
    # a year younger: 18 in 2023 (not in touch), 19 in 2024
    "E": ("2004-06-01", {2023: ("NO", "0", "0"), 2024: ("YES", "F4", "E1")}),
}  # fmt: skip


def tables() -> dict[str, pd.DataFrame]:
    children = pd.DataFrame(
        {
            "child_id": list(PEOPLE),
            "sex": ["F", "M", "F", "M", "F"],
            "dob": [T(d) for d, _ in PEOPLE.values()],
            "ever_uasc": [False, True, False, False, False],
        }
    )
    # each in care from 1 Jan 2015 until their 18th birthday (left care on the day)
    episodes = pd.DataFrame(
        {
            "child_id": list(PEOPLE),
            "decom": T("2015-01-01"),
            "dec": [T(d) + pd.DateOffset(years=18) for d, _ in PEOPLE.values()],
            "rne": "S",
            "ls": "C2",
            "place": "U4",
            "rec": "E17",
        }
    )
    oc3 = pd.DataFrame(
        [
            {
                "child_id": child,
                "dob": T(dob),
                "collection_year": year,
                "in_touch": t,
                "activ": a,
                "accom": c,
            }
            for child, (dob, rows) in PEOPLE.items()
            for year, (t, a, c) in rows.items()
        ]
    )
    return {"children": children, "episodes": episodes, "oc3": oc3}


def test_leaver_rows_apply_the_care_leaver_exclusions():
    rows = leavers.leaver_rows(tables(), [2022, 2023, 2024, 2025])
    # D's RHOM row (2023) is excluded; everything else is kept with its age at the birthday
    assert len(rows) == 15 - 1  # 4 + 3 + 3 + 3 + 2 rows
    d = rows[rows["child_id"] == "D"]
    assert list(d["collection_year"]) == [2022, 2025]
    a = rows[rows["child_id"] == "A"].set_index("collection_year")
    assert (
        list(a["age"]) == [18, 19, 20, 21]
        and a.loc[2022, "accommodation"] == "With former foster carers (staying put)"
    )
    assert (
        a.loc[2023, "eet_status"] == leavers.NEET
        and a.loc[2024, "activity"] == "Training or employment"
    )
    assert (
        rows.set_index(["child_id", "collection_year"]).loc[("E", 2023), "contact"]
        == "Not in touch"
    )


def test_destinations_eet_at_18_by_hand():
    out = leavers.destinations(tables(), [2022], measure="eet", min_children=1).set_index(
        "category"
    )
    # at 18 in 2022: A, C, D in education (F2), B NEET (G4): 3 of 4
    assert out.loc[leavers.EET, "n"] == 3 and out.loc[leavers.EET, "denominator"] == 4
    assert out.loc[leavers.EET, "pct"] == pytest.approx(75.0)
    # Wilson 95% for 3/4: 30.06% to 95.44%
    assert out.loc[leavers.EET, "lower"] == pytest.approx(30.06, abs=0.01)
    assert out.loc[leavers.EET, "upper"] == pytest.approx(95.44, abs=0.01)
    assert out.loc[leavers.NOT_KNOWN, "n"] == 0 and set(out["age"]) == {"18"}


def test_destinations_activity_groups_and_dfe_ages():
    out = leavers.destinations(
        tables(), [2025], measure="activity", age_grouping="dfe", min_children=1
    )
    got = out.set_index("category")["n"]
    # 2025, all aged 21 (19 to 21 group): A F5, B F1, C G6, D F2
    assert (
        got["Training or employment"] == 1
        and got["Higher education"] == 1
        and got["Other education"] == 1
    )
    assert got[leavers.ACTIVITY_GROUPS["G6"]] == 1 and got.sum() == 4
    assert set(out["age"]) == {"19 to 21 years"}


def test_suitability_leaves_out_residence_not_known():
    out = leavers.destinations(tables(), [2025], measure="suitability", min_children=1).set_index(
        "category"
    )
    # B (R2) is left out of the denominator: A U2 not suitable, C and D U1 suitable -> 2 of 3
    assert out.loc[leavers.SUITABLE, "n"] == 2 and out.loc[leavers.SUITABLE, "denominator"] == 3


def test_small_groups_are_flagged():
    out = leavers.destinations(tables(), [2022], measure="eet")
    assert set(out["note"]) == {"not produced: fewer than 10 children"} and out["pct"].isna().all()
    with pytest.raises(ParameterError, match="measure"):
        leavers.destinations(tables(), [2022], measure="happiness")


def test_accommodation_by_type_with_staying_put_and_contact():
    out = leavers.accommodation_by_type(tables(), [2023], age_grouping="single", min_children=1)
    at_19 = out[out["age"] == "19"].set_index("accommodation")
    # 2023 at 19: A U1, B S2, C D1 (D excluded: RHOM)
    assert at_19.loc["All types", "n"] == 3 and at_19.loc["All types", "n_suitable"] == 2
    assert at_19.loc["All types", "pct_in_touch"] == pytest.approx(100.0)
    assert at_19.loc["No fixed abode / homeless", "n"] == 1
    assert at_19.loc["No fixed abode / homeless", "pct_suitable"] == 0
    at_18 = out[out["age"] == "18"].set_index("accommodation")
    # E at 18 is not in touch (ACCOM 0): counted, not suitable, not in touch
    assert at_18.loc["All types", "n"] == 1 and at_18.loc["All types", "pct_in_touch"] == 0
    assert at_18.loc[leavers.NOT_KNOWN, "n"] == 1


def test_transitions_follow_the_same_young_people():
    flows = leavers.transitions(tables(), (18, 19, 21), measure="eet", min_children=1)
    # followed at 18, 19 and 21: A, B, C (D left the cohort at 19; E is not 21 yet)
    assert set(flows["n_young_people"]) == {3}
    step = flows.set_index(["from_age", "to_age", "from_value", "to_value"])["n"]
    assert step[(18, 19, leavers.EET, leavers.NEET)] == 1  # A
    assert step[(18, 19, leavers.EET, leavers.EET)] == 1  # C
    assert step[(18, 19, leavers.NEET, leavers.NEET)] == 1  # B
    assert step[(19, 21, leavers.NEET, leavers.EET)] == 2  # A, B
    assert step[(19, 21, leavers.EET, leavers.NEET)] == 1  # C
    pct = flows.set_index(["from_age", "from_value", "to_value"])["pct_of_from"]
    assert pct[(18, leavers.EET, leavers.NEET)] == pytest.approx(50.0)
    paths = leavers.transition_paths(tables(), (18, 19, 21), measure="eet", min_children=1)
    assert set(paths["path"]) == {
        f"{leavers.EET} -> {leavers.NEET} -> {leavers.EET}",
        f"{leavers.NEET} -> {leavers.NEET} -> {leavers.EET}",
        f"{leavers.EET} -> {leavers.EET} -> {leavers.NEET}",
    }
    assert list(paths["n"]) == [1, 1, 1]
    small = leavers.transitions(tables(), (18, 19, 21))
    assert len(small) == 1 and small["note"].iloc[0] == "not produced: fewer than 10 children"
    with pytest.raises(ParameterError, match="ages"):
        leavers.transitions(tables(), (16, 18))


def test_compare_with_england_uses_the_dfe_row():
    dfe = pd.DataFrame(
        {
            "indicator_id": ["leavers_19_21_eet", "leavers_19_21_eet", "leavers_17_18_eet"],
            "period_end": [T("2025-03-31"), T("2024-03-31"), T("2025-03-31")],
            "geography": ["E92000001"] * 3,
            "breakdown": ["Total"] * 3,
            "value": [55.0, 99.0, 60.0],
            "source": "dfe",
        }
    )
    out = leavers.compare_with_england(
        tables(), dfe, 2025, ages=("19_21",), measures=("eet",), min_children=1
    ).iloc[0]
    # 2025 aged 21: A, B, D in EET, C NEET -> 3 of 4 = 75% (Wilson 30.1-95.4) against England 55%
    assert (out["numerator"], out["denominator"]) == (3, 4) and out["value"] == pytest.approx(75.0)
    assert out["england"] == 55.0 and out["difference"] == pytest.approx(20.0)
    assert out["comparison"] == "Similar"
    cohort_only = leavers.compare_with_england(
        tables(), dfe, 2025, ages=("19_21",), measures=("eet",)
    )
    assert cohort_only["comparison"].iloc[0] == "Not compared"
    assert cohort_only["note"].iloc[0] == "not produced: fewer than 10 children"


def test_cohort_filter_on_leavers():
    from cpanalysis import cohort

    t = tables()
    t["placements"] = (
        t["episodes"].rename(columns={"decom": "start", "dec": "end"}).assign(period_id=1)
    )
    t["periods_of_care"] = t["placements"][["child_id", "period_id", "start", "end"]]
    attrs = cohort.child_attributes(t, "2025-03-31")
    out = leavers.destinations(
        tables(), [2022], measure="eet", cohort="ever_uasc", attributes=attrs, min_children=1
    )
    assert set(out["denominator"]) == {1}  # only B is UASC
