"""Placements, periods of care and legal-status spells on hand-made episode chains."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import episodes as ep
from cpanalysis.errors import ParameterError


def chain(*rows: tuple, child: str = "C1") -> pd.DataFrame:
    """Episodes from ``(decom, dec, rne, ls, place, rec[, pl_post[, reason]])`` tuples (dd/mm/yyyy)."""
    records = []
    for row in rows:
        decom, dec, rne, ls, place, rec, *rest = row
        records.append(
            {
                "child_id": child,
                "decom": pd.Timestamp(pd.to_datetime(decom, dayfirst=True)),
                "dec": pd.to_datetime(dec, dayfirst=True) if dec else pd.NaT,
                "rne": rne,
                "ls": ls,
                "cin": "N1",
                "place": place,
                "rec": rec,
                "pl_post": rest[0] if len(rest) > 0 else None,
                "reason_place_change": rest[1] if len(rest) > 1 else None,
            }
        )
    return pd.DataFrame.from_records(records)


def n_placements(episodes: pd.DataFrame, **kwargs) -> int:
    return len(ep.derive_placements(episodes, **kwargs))


# --- periods of care --------------------------------------------------------------------------


def test_periods_break_on_e_code_and_return_to_care():
    eps = chain(
        ("01/04/2020", "01/06/2020", "S", "V2", "U6", "X1"),
        ("01/06/2020", "01/09/2020", "P", "V2", "U4", "E13"),
        ("01/01/2021", "01/02/2021", "S", "C1", "K2", "X1"),
        ("01/02/2021", None, "L", "C2", "K2", None),
    )
    out = ep.assign_periods_of_care(eps)
    assert out["period_id"].tolist() == [1, 1, 2, 2]
    periods = ep.derive_periods_of_care(out)
    assert periods["start"].tolist() == [pd.Timestamp("2020-04-01"), pd.Timestamp("2021-01-01")]
    assert periods["end"].iloc[0] == pd.Timestamp("2020-09-01")
    assert pd.isna(periods["end"].iloc[1])
    assert periods["end_rec"].iloc[0] == "E13"
    assert periods["first_ls"].tolist() == ["V2", "C1"]
    assert periods["n_episodes"].tolist() == [2, 2]
    assert periods["n_placements"].tolist() == [2, 1]


def test_periods_break_on_gap_even_with_x1():
    eps = chain(
        ("01/04/2020", "01/06/2020", "S", "V2", "U6", "X1"),
        ("05/06/2020", None, "P", "V2", "U4", None),
    )
    assert ep.assign_periods_of_care(eps)["period_id"].tolist() == [1, 2]


def test_periods_break_on_s_even_after_x1():
    eps = chain(
        ("01/04/2020", "01/06/2020", "S", "V2", "U6", "X1"),
        ("01/06/2020", None, "S", "V2", "U4", None),
    )
    assert ep.assign_periods_of_care(eps)["period_id"].tolist() == [1, 2]


def test_periods_are_numbered_per_child():
    eps = pd.concat(
        [
            chain(("01/04/2020", "01/05/2020", "S", "V2", "U6", "E13"), child="A"),
            chain(
                ("01/04/2019", "01/05/2019", "S", "V2", "U6", "E13"),
                ("01/04/2020", None, "S", "V2", "U6", None),
                child="B",
            ),
        ]
    )
    out = ep.assign_periods_of_care(eps)
    assert list(zip(out["child_id"], out["period_id"], strict=False)) == [("A", 1), ("B", 1), ("B", 2)]


def test_short_break_period_flag():
    eps = chain(
        ("01/04/2020", "05/04/2020", "S", "V3", "K2", "E13"),
        ("01/05/2020", None, "S", "V2", "U6", None),
    )
    periods = ep.derive_periods_of_care(eps)
    assert periods["is_short_break"].tolist() == [True, False]


# --- placements -------------------------------------------------------------------------------


def test_s_p_l_b_chain_counts_three_placements():
    eps = chain(
        ("01/04/2020", "01/05/2020", "S", "V2", "U6", "X1"),
        ("01/05/2020", "01/06/2020", "P", "V2", "U3", "X1", None, "CREQB"),
        ("01/06/2020", "01/07/2020", "L", "C1", "U3", "X1"),
        ("01/07/2020", None, "B", "C2", "K2", None),
    )
    pl = ep.derive_placements(eps)
    assert pl["placement_seq"].tolist() == [1, 2, 3]
    assert pl["start"].tolist() == [pd.Timestamp(d) for d in ("2020-04-01", "2020-05-01", "2020-07-01")]
    assert pl["end"].iloc[:2].tolist() == [pd.Timestamp("2020-05-01"), pd.Timestamp("2020-07-01")]
    assert pd.isna(pl["end"].iloc[2])
    assert pl["n_episodes"].tolist() == [1, 2, 1]
    assert pl["start_rne"].tolist() == ["S", "P", "B"]
    assert pl["place"].tolist() == ["U6", "U3", "K2"]
    assert pl["end_rec"].iloc[1] == "X1"
    assert pl["period_id"].tolist() == [1, 1, 1]


def test_same_carer_moves_parameter():
    eps = chain(
        ("01/04/2020", "01/05/2020", "S", "V2", "U6", "X1"),
        ("01/05/2020", "01/06/2020", "T", "V2", "U4", "X1"),  # redesignated long-term, same carers
        ("01/06/2020", "01/07/2020", "U", "C2", "U4", "X1"),  # new status, same carers
        ("01/07/2020", None, "P", "C2", "U6", None),
    )
    default = ep.derive_placements(eps)
    assert len(default) == 2
    assert default["place"].tolist() == ["U6", "U6"]
    assert default["place_last"].tolist() == ["U4", "U6"]
    assert default["n_episodes"].tolist() == [3, 1]
    assert n_placements(eps, same_carer_moves=True) == 4


def test_adoption_with_current_foster_carers_is_not_a_move():
    # Fostered from April, the foster carers become the adopters (A3 via RNE T), then adopted.
    eps = chain(
        ("01/04/2019", "01/10/2020", "S", "C2", "U4", "X1"),
        ("01/10/2020", "01/02/2021", "T", "E1", "A3", "E11"),
    )
    pl = ep.derive_placements(eps)
    assert len(pl) == 1
    assert (pl["place"].iloc[0], pl["place_last"].iloc[0], pl["end_rec"].iloc[0]) == ("U4", "A3", "E11")
    assert pl["end"].iloc[0] == pd.Timestamp("2021-02-01")
    assert n_placements(eps, same_carer_moves=True) == 2


def test_temporary_hospital_stay_in_the_middle():
    eps = chain(
        ("01/04/2020", "10/05/2020", "S", "V2", "U6", "X1", "LE1 1AA"),
        ("10/05/2020", "15/05/2020", "P", "V2", "T1", "X1"),
        ("15/05/2020", "01/09/2020", "P", "V2", "U6", "X1", "LE1 1AA"),
        ("01/09/2020", None, "P", "V2", "U4", None, "LE2 2BB"),
    )
    merged = ep.derive_placements(eps)  # default "merge"
    assert merged["n_episodes"].tolist() == [3, 1]
    assert merged["start"].tolist() == [pd.Timestamp("2020-04-01"), pd.Timestamp("2020-09-01")]
    assert merged["end"].iloc[0] == pd.Timestamp("2020-09-01")
    assert merged["is_temporary"].tolist() == [False, False]

    excluded = ep.derive_placements(eps, temporary="exclude")
    assert excluded["start"].tolist() == [pd.Timestamp(d) for d in ("2020-04-01", "2020-05-15", "2020-09-01")]
    assert excluded["end"].iloc[0] == pd.Timestamp("2020-05-10")  # the hospital days belong to none

    counted = ep.derive_placements(eps, temporary="count")
    assert counted["place"].tolist() == ["U6", "T1", "U6", "U4"]
    assert counted["is_temporary"].tolist() == [False, True, False, False]


def test_temporary_then_different_placement_is_a_move_under_merge():
    eps = chain(
        ("01/04/2020", "10/05/2020", "S", "V2", "U6", "X1", "LE1 1AA"),
        ("10/05/2020", "15/05/2020", "P", "V2", "T4", "X1"),
        ("15/05/2020", None, "P", "V2", "U6", None, "LE9 9ZZ"),  # same type, other carers
    )
    pl = ep.derive_placements(eps)
    assert pl["start"].tolist() == [pd.Timestamp("2020-04-01"), pd.Timestamp("2020-05-15")]
    assert pl["n_episodes"].tolist() == [2, 1]
    assert pl["end"].iloc[0] == pd.Timestamp("2020-05-15")


def test_temporary_opening_a_period_starts_a_placement():
    eps = chain(
        ("01/04/2020", "03/04/2020", "S", "V2", "T4", "X1"),
        ("03/04/2020", None, "P", "V2", "U6", None),
    )
    pl = ep.derive_placements(eps)
    assert pl["place"].tolist() == ["T4", "U6"]
    assert pl["is_temporary"].tolist() == [True, False]


def test_new_period_always_starts_a_new_placement():
    eps = chain(
        ("01/04/2020", "01/05/2020", "S", "V2", "U6", "E4A"),
        ("01/08/2020", None, "S", "V2", "U6", None),
    )
    pl = ep.derive_placements(eps)
    assert pl["placement_seq"].tolist() == [1, 2]
    assert pl["period_id"].tolist() == [1, 2]


def test_bad_temporary_choice_raises():
    eps = chain(("01/04/2020", None, "S", "V2", "U6", None))
    with pytest.raises(ParameterError, match="temporary"):
        ep.derive_placements(eps, temporary="drop")


def test_missing_columns_raise_parameter_error():
    with pytest.raises(ParameterError, match="rne"):
        ep.derive_placements(pd.DataFrame({"child_id": ["1"], "decom": ["2020-01-01"]}))


# --- legal-status spells ----------------------------------------------------------------------


def test_legal_status_spells_merge_placement_moves():
    eps = chain(
        ("01/04/2020", "01/05/2020", "S", "C1", "U6", "X1"),
        ("01/05/2020", "01/06/2020", "P", "C1", "U3", "X1"),
        ("01/06/2020", "01/07/2020", "L", "C2", "U3", "E13"),
        ("01/09/2020", None, "S", "C2", "K2", None),
    )
    spells = ep.derive_legal_status_spells(eps)
    assert spells["ls"].tolist() == ["C1", "C2", "C2"]
    assert spells["period_id"].tolist() == [1, 1, 2]
    assert spells["start"].tolist() == [pd.Timestamp(d) for d in ("2020-04-01", "2020-06-01", "2020-09-01")]
    assert spells["end"].iloc[0] == pd.Timestamp("2020-06-01")


# --- counting in a window ---------------------------------------------------------------------


def _window_chain() -> pd.DataFrame:
    return pd.concat(
        [
            # A: placement open on 1 April, two moves in the year, the last open at 31 March -> 3
            chain(
                ("01/01/2019", "10/06/2019", "S", "C2", "U6", "X1"),
                ("10/06/2019", "01/12/2019", "P", "C2", "U4", "X1"),
                ("01/12/2019", None, "B", "E1", "A4", None),
                child="A",
            ),
            # B: previous placement ended ON 1 April (moved that day): not counted -> 1
            chain(
                ("01/01/2019", "01/04/2019", "S", "C2", "U6", "X1"),
                ("01/04/2019", None, "P", "C2", "U4", None),
                child="B",
            ),
            # C: a short break in the year (excluded by default) and a full-time placement -> 1
            chain(
                ("05/05/2019", "08/05/2019", "S", "V3", "K2", "E13"),
                ("01/06/2019", None, "S", "V2", "U6", None),
                child="C",
            ),
            # D: placement started after the window -> 0
            chain(("01/04/2020", None, "S", "V2", "U6", None), child="D"),
        ]
    )


def test_count_placements_in_a_collection_year():
    pl = ep.derive_placements(_window_chain())
    counts = ep.count_placements(pl, ["A", "B", "C", "D", "E"], "2019-04-01", "2020-03-31")
    assert counts.to_dict() == {"A": 3, "B": 1, "C": 1, "D": 0, "E": 0}
    assert counts.index.name == "child_id"
    with_breaks = ep.count_placements(pl, ["C"], "2019-04-01", "2020-03-31", exclude_short_breaks=False)
    assert with_breaks.to_dict() == {"C": 2}


def test_count_placements_window_end_is_inclusive():
    pl = ep.derive_placements(chain(("31/03/2020", None, "S", "V2", "U6", None), child="A"))
    assert ep.count_placements(pl, ["A"], "2019-04-01", "2020-03-31").tolist() == [1]
    assert ep.count_placements(pl, ["A"], "2019-04-01", "2020-03-30").tolist() == [0]


def test_placements_in_window_rejects_reversed_window():
    pl = ep.derive_placements(chain(("31/03/2020", None, "S", "V2", "U6", None)))
    with pytest.raises(ParameterError):
        ep.placements_in_window(pl, "2020-03-31", "2019-04-01")


# --- property: placements never overlap and are bounded by the episodes ---------------------

_RNE_AFTER = ["P", "L", "T", "B", "U"]
_PLACES = ["U6", "U4", "K2", "A3", "T1", "T4", "P1"]


@st.composite
def episode_chains(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    day = pd.Timestamp("2020-04-01")
    rows = []
    for i in range(n):
        length = draw(st.integers(min_value=0, max_value=60))
        first = i == 0 or rows[-1][5] != "X1"
        if not first and draw(st.booleans()):
            day = day + pd.Timedelta(days=draw(st.integers(min_value=1, max_value=30)))
        rne = "S" if first or rows[-1][5] != "X1" else draw(st.sampled_from(_RNE_AFTER))
        last = i == n - 1
        rec = None if last and draw(st.booleans()) else draw(st.sampled_from(["X1", "X1", "E13"]))
        end = None if rec is None else day + pd.Timedelta(days=length)
        rows.append(
            (
                day.strftime("%d/%m/%Y"),
                None if end is None else end.strftime("%d/%m/%Y"),
                rne,
                draw(st.sampled_from(["V2", "C2", "V3"])),
                draw(st.sampled_from(_PLACES)),
                rec,
                draw(st.sampled_from([None, "LE1 1AA", "LE2 2BB"])),
            )
        )
        if end is not None:
            day = end if rec == "X1" else end + pd.Timedelta(days=1)
    return chain(*rows)


@settings(max_examples=60, deadline=None)
@given(
    eps=episode_chains(),
    same_carer=st.booleans(),
    temporary=st.sampled_from(ep.TEMPORARY_CHOICES),
)
def test_placements_never_overlap_and_are_bounded(eps, same_carer, temporary):
    pl = ep.derive_placements(eps, same_carer_moves=same_carer, temporary=temporary)
    n_starts = int(ep.assign_periods_of_care(eps)["rne"].eq("S").sum())
    kept = eps if temporary != "exclude" else eps[~eps["place"].isin(["T1", "T4"])]
    assert len(pl) <= len(kept)
    if temporary != "exclude":
        assert len(pl) >= n_starts
    assert pl["placement_seq"].tolist() == list(range(1, len(pl) + 1))
    ends = pl["end"].iloc[:-1].tolist()
    starts = pl["start"].iloc[1:].tolist()
    for end, start in zip(ends, starts, strict=False):
        assert pd.notna(end) and end <= start
    assert int(pl["n_episodes"].sum()) == len(kept)
