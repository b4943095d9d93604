"""Tests of cpanalysis.cohort: attribute table, safe cohort filters, grouping, move numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import cohort
from cpanalysis.errors import ParameterError

T = pd.Timestamp
NaT = pd.NaT
AS_AT = T("2025-03-31")


def tables() -> dict[str, pd.DataFrame]:
    """Four children in the processed-table layout of docs/architecture.md.

    A: in care since 2020-01-01, three placements (2 moves, the last starting 2024-06-01).
    B: UASC, in care 2022-05-01 to 2024-01-15, two placements, last one K2 40 miles away out of area.
    C: short breaks only (V3/V4): never "looked after" for these analyses.
    D: first period starts after the date.
    """
    children = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "sex": ["M", "F", "F", "M"],
            "dob": [T("2010-06-01"), T("2007-01-15"), T("2015-03-31"), T("2012-01-01")],
            "ethnic_group": ["White", "Black", "Mixed", "White"],
            "ever_uasc": [False, True, False, False],
        }
    )
    periods_of_care = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "period_id": [1, 1, 1, 1],
            "start": [T("2020-01-01"), T("2022-05-01"), T("2024-01-01"), T("2025-06-01")],
            "end": [NaT, T("2024-01-15"), T("2024-01-03"), NaT],
            "is_short_break": [False, False, True, False],
        }
    )
    placements = pd.DataFrame(
        {
            "child_id": ["A", "A", "A", "B", "B", "C", "D"],
            "period_id": [1, 1, 1, 1, 1, 1, 1],
            "start": [
                T("2020-01-01"),
                T("2021-01-01"),
                T("2024-06-01"),
                T("2022-05-01"),
                T("2023-01-01"),
                T("2024-01-01"),
                T("2025-06-01"),
            ],
            "end": [
                T("2021-01-01"),
                T("2024-06-01"),
                NaT,
                T("2023-01-01"),
                T("2024-01-15"),
                T("2024-01-03"),
                NaT,
            ],
            "place": ["U6", "K2", "U4", "U6", "K2", "U6", "U4"],
            "place_provider": ["PR1", "PR4", "PR1", "PR4", "PR2", "PR1", "PR1"],
            "pl_distance": [5.0, 30.0, None, 25.0, 40.0, 2.0, 1.0],
            "pl_location": ["IN", "OUT", "IN", "OUT", "OUT", "IN", "IN"],
            "is_short_break": [False, False, False, False, False, True, False],
        }
    )
    return {"children": children, "periods_of_care": periods_of_care, "placements": placements}


@pytest.fixture()
def attrs() -> pd.DataFrame:
    return cohort.child_attributes(tables(), AS_AT).set_index("child_id", drop=False)


def test_attributes_of_a_child_in_care(attrs):
    a = attrs.loc["A"]
    assert a["age"] == 14 and a["age_band"] == "10 to 15 years"
    assert bool(a["looked_after"]) is True
    assert a["years_in_care"] == pytest.approx((AS_AT - T("2020-01-01")).days / 365.25)
    assert a["place"] == "U4" and a["placement_group"] == "Foster placements"
    assert a["provider_group"] == "Own provision" and bool(a["in_house"]) is True
    # distance not recorded: "Not known", and not counted as over 20 miles
    assert a["distance_band"] == "Not known" and bool(a["placed_over_20_miles"]) is False
    assert a["n_moves"] == 2 and a["moves_band"] == "2"
    # the 12 months to 31 March 2025 start on 1 April 2024: only the move of 1 June 2024
    assert a["moves_12m"] == 1


def test_attributes_of_a_care_leaver_keep_the_last_placement(attrs):
    b = attrs.loc["B"]
    assert b["age"] == 18 and b["age_band"] == "16 years and over"
    assert bool(b["ever_uasc"]) is True and bool(b["looked_after"]) is False
    assert b["years_in_care"] == pytest.approx((T("2024-01-15") - T("2022-05-01")).days / 365.25)
    assert b["place"] == "K2" and b["placement_group"] == "Secure homes and children's homes"
    assert b["provider_group"] == "Other LA" and bool(b["in_house"]) is False
    assert b["distance_band"] == "Over 20 miles" and bool(b["placed_over_20_miles"]) is True
    assert bool(b["out_of_area"]) is True
    assert b["n_moves"] == 1 and b["moves_12m"] == 0


def test_short_breaks_and_future_care_give_no_placement(attrs):
    for child in ("C", "D"):
        row = attrs.loc[child]
        assert bool(row["looked_after"]) is False
        assert pd.isna(row["place"]) and pd.isna(row["n_moves"]) and pd.isna(row["moves_band"])
    assert attrs.loc["C", "age"] == 10  # born 31 March 2015: tenth birthday on the date


def test_attributes_have_one_row_per_child_and_documented_columns(attrs):
    assert list(attrs.columns) == list(cohort.ATTRIBUTE_COLUMNS)
    assert attrs["child_id"].is_unique and len(attrs) == 4


def test_filters_select_the_expected_children(attrs):
    table = attrs.reset_index(drop=True)
    assert list(
        cohort.select_children(table, "ever_uasc == False and age_band == '10 to 15 years'")
    ) == ["A", "C", "D"]
    assert list(cohort.select_children(table, "placed_over_20_miles")) == ["B"]
    # a missing value never satisfies a condition (C and D have no moves recorded)
    assert list(cohort.select_children(table, "n_moves >= 1")) == ["A", "B"]
    assert list(cohort.select_children(table, "sex in ['F'] and not looked_after")) == ["B", "C"]
    assert list(cohort.select_children(table, None)) == ["A", "B", "C", "D"]


@pytest.mark.parametrize(
    "expression, fragment",
    [
        ("__import__('os').system('echo')", "Call is not allowed"),
        ("age.real > 3", "Attribute is not allowed"),
        ("foo == 1", "unknown attribute 'foo'"),
        ("age > @limit", "'@'"),
        ("age +", "not a valid expression"),
        ("age + 1", "true/false condition"),
        ("   ", "empty"),
        ("[x for x in age]", "is not allowed"),
    ],
)
def test_unsafe_or_wrong_filters_are_refused_with_a_message(attrs, expression, fragment):
    with pytest.raises(ParameterError) as info:
        cohort.select_children(attrs.reset_index(drop=True), expression)
    assert fragment in str(info.value)


def test_restrict_filters_and_labels_groups(attrs):
    data = pd.DataFrame({"child_id": ["A", "A", "B", "C", "Z"], "x": [1, 2, 3, 4, 5]})
    table = attrs.reset_index(drop=True)
    out = cohort.restrict(data, by="moves_band", attributes=table)
    # Z is not in the attribute table and C has no moves: both "Not known", nothing dropped
    assert list(out["breakdown_value"]) == ["2", "2", "1", "Not known", "Not known"]
    groups = [(b, v, len(rows)) for b, v, rows in cohort.groups(out, "moves_band")]
    assert groups == [
        ("Total", "Total", 5),
        ("moves_band", "1", 1),
        ("moves_band", "2", 2),
        ("moves_band", "Not known", 2),
    ]
    only_uasc = cohort.restrict(data, cohort="ever_uasc", attributes=table)
    assert list(only_uasc["x"]) == [3] and set(only_uasc["breakdown_value"]) == {"Total"}


def test_restrict_needs_attributes_for_a_filter():
    data = pd.DataFrame({"child_id": ["A"]})
    with pytest.raises(ParameterError, match="child_attributes"):
        cohort.restrict(data, cohort="ever_uasc")
    with pytest.raises(ParameterError, match="no such attribute"):
        cohort.restrict(
            data, by="shoe_size", attributes=pd.DataFrame({"child_id": ["A"], "age": [3]})
        )


def test_move_number_restarts_in_each_period_and_follows_start_order():
    placements = pd.DataFrame(
        {
            "child_id": ["A", "A", "A", "A", "B"],
            "period_id": [1, 1, 2, 1, 1],
            "start": [
                T("2020-01-01"),
                T("2021-01-01"),
                T("2023-01-01"),
                T("2020-06-01"),
                T("2020-01-01"),
            ],
        }
    )
    assert list(cohort.move_number(placements)) == [0, 2, 0, 1, 0]


def test_small_number_note_and_bands():
    assert cohort.too_few(9) == "not produced: fewer than 10 children"
    assert cohort.too_few(10) == ""
    assert cohort.too_few(4, min_children=5) == "not produced: fewer than 5 children"
    with pytest.raises(ParameterError):
        cohort.too_few(3, min_children=0)
    assert [cohort.moves_band(n) for n in (0, 1, 2, 3, 7)] == ["0", "1", "2", "3+", "3+"]
    assert [cohort.distance_band(d) for d in (20.0, 20.1, None)] == [
        "20 miles or less",
        "Over 20 miles",
        "Not known",
    ]


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30))
def test_any_text_either_selects_children_or_raises_parameter_error(text):
    table = cohort.child_attributes(tables(), AS_AT)
    try:
        selected = cohort.select_children(table, text)
    except ParameterError:
        return
    assert set(selected) <= set(table["child_id"])


def test_label_placements_judges_each_placement_by_its_own_characteristics():
    attributes = pd.DataFrame({"child_id": ["a", "b"], "sex": ["F", "M"], "distance": [5.0, 40.0],
                               "placed_over_20_miles": [False, True], "age": [15, 9], "ever_uasc": [False, False]})
    placements = pd.DataFrame({"child_id": ["a", "a", "b"], "distance": [30.0, 5.0, np.nan],
                               "age_at_start": [12, 15, 8], "ever_uasc": [False, False, False]},
                              index=[10, 11, 12])
    # a: 30 miles at 12 (in), 5 miles now (out); b: distance not known at that placement (out)
    labels = cohort.label_placements(placements, "placed_over_20_miles", attributes)
    assert labels.tolist() == [cohort.IN_COHORT, cohort.EVERYONE_ELSE, cohort.EVERYONE_ELSE]
    assert labels.index.tolist() == [10, 11, 12]
    # attributes a placement does not have (sex) come from the child; age is the age at the start
    both = cohort.label_placements(placements, "sex == 'F' and age < 14", attributes)
    assert both.tolist() == [cohort.IN_COHORT, cohort.EVERYONE_ELSE, cohort.EVERYONE_ELSE]


def test_uasc_on_date_and_ever_uasc_are_two_names_for_two_meanings():
    """Hand-worked: B is in the UASC table (ever_uasc); with DUC 1 Jan 2025 B is not UASC on
    31 March 2025; with DUC on 31 March 2025 the status ended that day (not UASC); with DUC
    blank or after, B is UASC on the date. A is never UASC."""
    when = T("2025-03-31")
    ever = pd.Series([False, True, True, True, True])
    duc = pd.Series([NaT, NaT, T("2025-01-01"), T("2025-03-31"), T("2025-04-01")])
    assert cohort.uasc_on_date(ever, duc, when).tolist() == [False, True, False, False, True]

    made = tables()
    made["children"] = made["children"].assign(duc=[NaT, T("2023-06-01"), NaT, NaT])
    attrs = cohort.child_attributes(made, when).set_index("child_id")
    assert attrs["ever_uasc"].tolist() == [False, True, False, False]
    assert attrs["uasc_on_date"].tolist() == [False, False, False, False]
    early = cohort.child_attributes(made, T("2023-03-31")).set_index("child_id")
    assert early["uasc_on_date"].tolist() == [False, True, False, False]
    assert "uasc" not in attrs.columns


def test_ever_uasc_falls_back_on_the_uasc_table():
    made = tables()
    made["children"] = made["children"].drop(columns=["ever_uasc"])
    made["uasc"] = pd.DataFrame({"child_id": ["B"], "duc": [NaT]})
    attrs = cohort.child_attributes(made, T("2025-03-31")).set_index("child_id")
    assert attrs["ever_uasc"].tolist() == [False, True, False, False]


def test_a_filter_on_plain_uasc_is_refused_naming_both_meanings():
    table = cohort.child_attributes(tables(), T("2025-03-31"))
    with pytest.raises(ParameterError, match="ever_uasc .* uasc_on_date"):
        cohort.select_children(table, "uasc")
    assert list(cohort.select_children(table, "ever_uasc")) == ["B"]
