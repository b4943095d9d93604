"""Stitching overlapping returns into one history per child, on hand-made processed tables."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import schema, stitch
from cpanalysis.stitch import EPISODE_COLUMNS

RETURNS = {
    "2022-23": (2023, False, "2023-03-31"),
    "2023-24": (2024, False, "2024-03-31"),
    "2024-25": (2025, False, "2025-03-31"),
    "2025-26_Q2": (2026, True, "2025-09-30"),
}


def D(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(pd.to_datetime(text, dayfirst=True))


def table(name: str, label: str, rows: list[dict]) -> pd.DataFrame:
    """A processed table for one return; columns left out are blank."""
    spec = schema.TABLES[name]
    year, in_year, as_at = RETURNS[label]
    records = []
    for i, row in enumerate(rows):
        record = {}
        for column in spec.columns:
            key = schema.processed_name(column)
            value = row.get(key)
            record[key] = D(value) if column in spec.dates else value
        record |= {
            "source_file": f"{label}/{name}.csv",
            "source_row": i + 2,
            "return_label": label,
            "collection_year": year,
            "is_in_year": in_year,
            "as_at": pd.Timestamp(as_at),
        }
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in spec.dates:
        frame[schema.processed_name(column)] = frame[schema.processed_name(column)].astype("datetime64[ns]")
    return frame


def ep(child, decom, dec, rne, place, rec, ls="C2") -> dict:
    return {"child_id": child, "decom": decom, "dec": dec, "rne": rne, "ls": ls, "cin": "N1", "place": place,
            "rec": rec}


def stacked(name: str, per_return: dict[str, list[dict]]) -> pd.DataFrame:
    return pd.concat([table(name, label, rows) for label, rows in per_return.items()], ignore_index=True)


@pytest.fixture
def three_returns() -> dict[str, pd.DataFrame]:
    episodes = stacked(
        "episodes",
        {
            "2022-23": [
                ep("A", "01/06/2022", "01/09/2022", "S", "U6", "X1"),
                ep("A", "01/09/2022", None, "P", "U4", None),
                ep("B", "01/01/2023", None, "S", "U6", None),  # B is in no later return
                ep("C", "01/02/2023", None, "S", "K2", None),  # DECOM amended in 2023-24
            ],
            "2023-24": [
                ep("A", "01/09/2022", "10/01/2024", "P", "U4", "X1"),
                ep("A", "10/01/2024", None, "P", "K2", None),
                ep("C", "05/02/2023", None, "S", "K2", None),
                ep("D", "01/06/2023", None, "S", "U6", None),  # left open, child came back
                ep("D", "01/12/2023", None, "S", "U6", None),
            ],
            "2024-25": [
                ep("A", "10/01/2024", "01/05/2024", "P", "K2", "X1"),
                ep("A", "01/05/2024", None, "L", "K2", None),
                ep("A", "01/05/2024", None, "L", "K2", None),  # duplicated row
                ep("D", "01/12/2023", "01/02/2025", "S", "U6", "E13"),
                ep("E", "01/04/2024", "01/07/2024", "S", "U6", "X1"),  # overlaps the next
                ep("E", "01/06/2024", None, "P", "U4", None),
                ep("F", "01/04/2024", "01/05/2024", "S", "U6", "X1"),  # X1 then a gap
                ep("F", "10/05/2024", None, "P", "U4", None),
                ep("G", "01/04/2024", None, "S", "U6", None),  # open, then a P episode
                ep("G", "01/06/2024", None, "P", "U4", None),
            ],
        },
    )
    header = stacked(
        "header",
        {
            "2022-23": [
                {"child_id": c, "sex": "M", "dob": "01/01/2010", "ethnic": "WBRI", "upn": "UN1"} for c in "ABC"
            ],
            "2023-24": [
                {"child_id": "A", "sex": "M", "dob": "01/01/2010", "ethnic": "WBRI", "upn": "UN1"},
                {"child_id": "C", "sex": "F", "dob": "02/01/2010", "ethnic": "WBRI", "upn": "UN1"},
                {"child_id": "D", "sex": "F", "dob": "01/01/2012", "ethnic": "BAFR", "upn": "UN1"},
            ],
            "2024-25": [
                {"child_id": "A", "sex": "M", "dob": "01/01/2010", "ethnic": "WOTH", "upn": "UN1"},
                {"child_id": "D", "sex": "F", "dob": "01/01/2012", "ethnic": "BAFR", "upn": "UN1"},
            ]
            + [{"child_id": c, "sex": "M", "dob": "01/01/2015", "ethnic": "WBRI", "upn": "UN1"} for c in "EFG"],
        },
    )
    uasc = stacked("uasc", {"2023-24": [{"child_id": "D", "sex": "F", "dob": "01/01/2012"}],
                            "2024-25": [{"child_id": "D", "sex": "F", "dob": "01/01/2012", "duc": "01/01/2025"}]})
    oc2 = stacked(
        "oc2",
        {
            "2023-24": [{"child_id": "A", "sdq_score": 10}],
            "2024-25": [{"child_id": "A", "sdq_score": 12}, {"child_id": "A", "sdq_score": 14}],
        },
    )
    return {"episodes": episodes, "header": header, "uasc": uasc, "oc2": oc2}


def test_three_overlapping_returns_give_the_expected_episode_list(three_returns):
    out, _ = stitch.stitch(three_returns)
    got = [
        (r.child_id, r.decom, r.dec, r.rec, r.return_label, r.repair)
        for r in out["episodes"].itertuples(index=False)
    ]
    expected = [
        ("A", D("01/06/2022"), D("01/09/2022"), "X1", "2022-23", None),
        ("A", D("01/09/2022"), D("10/01/2024"), "X1", "2023-24", None),
        ("A", D("10/01/2024"), D("01/05/2024"), "X1", "2024-25", None),
        ("A", D("01/05/2024"), pd.NaT, None, "2024-25", None),
        ("B", D("01/01/2023"), D("31/03/2023"), "E99", "2022-23", "STITCH_2"),
        ("C", D("05/02/2023"), D("31/03/2024"), "E99", "2023-24", "STITCH_2"),
        ("D", D("01/06/2023"), D("30/11/2023"), "E99", "2023-24", "STITCH_1A"),
        ("D", D("01/12/2023"), D("01/02/2025"), "E13", "2024-25", None),
        ("E", D("01/04/2024"), D("01/06/2024"), "X1", "2024-25", "STITCH_4"),
        ("E", D("01/06/2024"), pd.NaT, None, "2024-25", None),
        ("F", D("01/04/2024"), D("10/05/2024"), "X1", "2024-25", "STITCH_5"),
        ("F", D("10/05/2024"), pd.NaT, None, "2024-25", None),
        ("G", D("01/04/2024"), D("01/06/2024"), "X1", "2024-25", "STITCH_1"),
        ("G", D("01/06/2024"), pd.NaT, None, "2024-25", None),
    ]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=False):
        assert g[:2] == e[:2]
        assert (pd.isna(g[2]) and pd.isna(e[2])) or g[2] == e[2], g
        assert g[3:] == e[3:], g
    assert list(out["episodes"].columns) == list(EPISODE_COLUMNS)


def test_every_removed_or_repaired_row_is_an_issue(three_returns):
    _, issues = stitch.stitch(three_returns)
    episodes = issues[issues["table"] == "episodes"]
    counts = episodes.groupby(["rule_id", "action"]).size().to_dict()
    assert counts == {
        ("STITCH_3A", "removed"): 3,  # A 01/09/2022 (2022-23), A 10/01/2024 (2023-24), D 01/12/2023 (2023-24)
        ("STITCH_3", "removed"): 1,  # A 01/05/2024 twice in 2024-25
        ("502", "removed"): 1,  # C 01/02/2023
        ("STITCH_2", "fixed"): 2,
        ("STITCH_1A", "fixed"): 1,
        ("STITCH_1", "fixed"): 1,
        ("STITCH_4", "fixed"): 1,
        ("STITCH_5", "fixed"): 1,
    }
    # rows read = rows kept + rows removed
    removed = int((episodes["action"] == "removed").sum())
    out, _ = stitch.stitch(three_returns)
    assert len(three_returns["episodes"]) == len(out["episodes"]) + removed
    c502 = episodes[episodes["rule_id"] == "502"].iloc[0]
    assert (c502["child"], c502["file"], c502["row"], c502["severity"]) == ("C", "2022-23/episodes.csv", 5, "warning")
    assert "2023-24" in c502["message"]
    assert set(issues.columns) == set(schema.ISSUE_COLUMNS)


def test_children_table_latest_return_wins_and_cross_year_checks(three_returns):
    out, issues = stitch.stitch(three_returns)
    children = out["children"].set_index("child_id")
    assert children.index.tolist() == list("ABCDEFG")
    assert children.loc["A", "ethnic"] == "WOTH"  # changed in 2024-25, latest wins
    assert children.loc["A", "ethnic_group"] == "White"
    assert children.loc["C", "sex"] == "F"
    assert (children.loc["A", "first_return"], children.loc["A", "last_return"]) == ("2022-23", "2024-25")
    assert (children.loc["B", "first_return"], children.loc["B", "last_return"]) == ("2022-23", "2022-23")
    assert children["ever_uasc"].tolist() == [False, False, False, True, False, False, False]
    assert children.loc["D", "duc"] == D("01/01/2025")
    assert pd.isna(children.loc["A", "duc"])
    header = issues[issues["table"] == "header"].sort_values("rule_id")
    assert list(zip(header["rule_id"], header["child"], header["column"], strict=False)) == [
        ("202", "C", "SEX"),
        ("203", "C", "DOB"),
        ("204", "A", "ETHNIC"),
    ]
    assert (header["severity"] == "warning").all() and (header["action"] == "kept").all()


def test_oc2_one_row_per_child_per_year(three_returns):
    out, issues = stitch.stitch(three_returns)
    oc2 = out["oc2"]
    assert list(zip(oc2["collection_year"], oc2["sdq_score"], strict=False)) == [(2024, 10), (2025, 14)]
    dup = issues[issues["table"] == "oc2"]
    assert dup["rule_id"].tolist() == ["STITCH_3"]
    assert dup["row"].tolist() == [2]


def test_in_year_extract_wins_over_the_previous_annual_return():
    episodes = stacked(
        "episodes",
        {
            "2024-25": [ep("A", "01/01/2025", None, "S", "U6", None)],
            "2025-26_Q2": [ep("A", "01/01/2025", "01/08/2025", "S", "U6", "E13")],
        },
    )
    out, issues = stitch.stitch({"episodes": episodes})
    assert out["episodes"]["dec"].tolist() == [D("01/08/2025")]
    assert out["episodes"]["return_label"].tolist() == ["2025-26_Q2"]
    assert issues["rule_id"].tolist() == ["STITCH_3A"]


def test_child_missing_from_an_in_year_extract_keeps_the_open_episode():
    # H is looked after at 31 March 2025 (open in the annual return) and missing from the
    # 2025-26 Q2 extract, which holds other children. Closing H's episode on 31 March 2025
    # (STITCH_2) would make H cease in 2024-25 and drop out of the 31 March 2025 count after the
    # fact; an in-year extract is no evidence of leaving, so it stays open (STITCH_2A).
    # J is missing from a later *annual* return: that is evidence, so STITCH_2 still closes it.
    episodes = stacked(
        "episodes",
        {
            "2023-24": [ep("J", "01/06/2023", None, "S", "U6", None), ep("K", "01/06/2023", None, "S", "U6", None)],
            "2024-25": [ep("H", "01/01/2025", None, "S", "U6", None), ep("K", "01/06/2023", None, "S", "U6", None)],
            "2025-26_Q2": [ep("K", "01/06/2023", "01/08/2025", "S", "U6", "E13")],
        },
    )
    out, issues = stitch.stitch({"episodes": episodes})
    got = {r.child_id: (r.dec, r.rec, r.repair) for r in out["episodes"].itertuples(index=False)}
    assert pd.isna(got["H"][0]) and got["H"][1] is None and got["H"][2] == "STITCH_2A"
    assert got["J"] == (D("31/03/2024"), "E99", "STITCH_2")
    assert got["K"] == (D("01/08/2025"), "E13", None)
    h = issues[issues["rule_id"] == "STITCH_2A"]
    assert (h["child"].tolist(), h["action"].tolist(), h["severity"].tolist()) == (["H"], ["kept"], ["warning"])
    assert "2024-25" in h["message"].iloc[0]


def test_open_episode_in_the_latest_return_stays_open():
    episodes = stacked("episodes", {"2024-25": [ep("A", "01/01/2025", None, "S", "U6", None)]})
    out, issues = stitch.stitch({"episodes": episodes})
    assert out["episodes"]["dec"].isna().all()
    assert out["episodes"]["repair"].isna().all()
    assert len(issues) == 0


def test_return_order_ranks_annual_before_in_year_and_by_date():
    frames = {
        "episodes": stacked(
            "episodes",
            {
                "2025-26_Q2": [ep("A", "01/05/2025", None, "S", "U6", None)],
                "2023-24": [ep("A", "01/05/2023", None, "S", "U6", None)],
                "2024-25": [ep("A", "01/05/2024", None, "S", "U6", None)],
            },
        )
    }
    assert stitch.return_order(frames)["return_label"].tolist() == ["2023-24", "2024-25", "2025-26_Q2"]


def test_empty_input_gives_empty_tables_with_columns():
    out, issues = stitch.stitch({})
    assert len(out["episodes"]) == 0 and list(out["episodes"].columns) == list(EPISODE_COLUMNS)
    assert len(out["children"]) == 0
    assert set(out) == {"children"} | (set(schema.TABLES) - {"header"})
    assert len(issues) == 0


def test_carried_episode_changes_are_warned_except_retired_codes():
    episodes = stacked(
        "episodes",
        {
            "2024-25": [ep("A", "01/01/2025", None, "S", "H5", None, ls="C1"),
                        ep("B", "01/02/2025", None, "S", "U6", None)],
            "2025-26_Q2": [ep("A", "01/01/2025", None, "S", "K3", None, ls="C2"),
                           ep("B", "01/02/2025", None, "S", "U6", None)],
        },
    )
    out, issues = stitch.stitch({"episodes": episodes})
    changes = issues[issues["rule_id"] == "503"]
    assert list(zip(changes["child"], changes["column"], changes["action"], strict=False)) == [("A", "LS", "kept")]
    assert changes["file"].tolist() == ["2025-26_Q2/episodes.csv"]
    assert "C2 in return 2025-26_Q2 but was C1 in return 2024-25" in changes["message"].iloc[0]
    assert out["episodes"]["ls"].tolist() == ["C2", "C2"]
    assert out["episodes"]["place"].tolist() == ["K3", "U6"]


# --- property: annual snapshots of a history stitch back to that history ----------------------

_ANNUAL = ("2022-23", "2023-24", "2024-25")


@st.composite
def histories(draw):
    """True episode histories of up to 4 children between April 2022 and March 2025."""
    rows = []
    for child in "ABCD"[: draw(st.integers(min_value=1, max_value=4))]:
        day = pd.Timestamp("2022-04-01") + pd.Timedelta(days=draw(st.integers(min_value=0, max_value=900)))
        rne = "S"
        for _ in range(draw(st.integers(min_value=1, max_value=5))):
            if day > pd.Timestamp("2025-03-31"):
                break
            length = draw(st.integers(min_value=1, max_value=400))
            rec = draw(st.sampled_from(["X1", "X1", "E13", None]))
            dec = None if rec is None else day + pd.Timedelta(days=length)
            rows.append((child, day, dec, rne, rec))
            if rec is None:
                break
            if rec == "X1":
                day, rne = dec, draw(st.sampled_from(["P", "L", "B"]))
            else:
                day, rne = dec + pd.Timedelta(days=draw(st.integers(min_value=1, max_value=200))), "S"
    return rows


def snapshots(history) -> dict[str, pd.DataFrame]:
    """Cut the history into annual returns as an authority's system would."""
    per_return = {}
    for label in _ANNUAL:
        year = RETURNS[label][0]
        start, as_at = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")
        rows = []
        for child, decom, dec, rne, rec in history:
            if decom <= as_at and (dec is None or dec >= start):
                still_open = dec is None or dec > as_at
                rows.append(ep(child, f"{decom:%d/%m/%Y}", None if still_open else f"{dec:%d/%m/%Y}", rne, "U6",
                               None if still_open else rec))
        per_return[label] = rows
    return {"episodes": stacked("episodes", {k: v for k, v in per_return.items() if v})}


@settings(max_examples=30, deadline=None)
@given(history=histories())
def test_snapshots_stitch_back_to_the_true_history(history):
    tables = snapshots(history)
    eps, issues = stitch.stitch_episodes(tables["episodes"], stitch.return_order(tables))
    end = pd.Timestamp("2025-03-31")
    expected = [(c, d, None if (e is None or e > end) else e, None if (e is None or e > end) else r)
                for c, d, e, _, r in history]
    got = [(r.child_id, r.decom, None if pd.isna(r.dec) else r.dec, r.rec)
           for r in eps.itertuples(index=False)]
    assert got == sorted(expected, key=lambda t: (t[0], t[1]))
    assert {i["rule_id"] for i in issues} <= {"STITCH_3A"}


@settings(max_examples=30, deadline=None)
@given(history=histories(), data=st.data())
def test_stitched_history_never_overlaps_and_accounts_for_every_row(history, data):
    episodes = snapshots(history)["episodes"]
    if len(episodes):
        # damage the returns: drop, duplicate and re-open some rows
        drop = data.draw(st.lists(st.integers(0, len(episodes) - 1), max_size=3))
        dup = data.draw(st.lists(st.integers(0, len(episodes) - 1), max_size=3))
        reopen = data.draw(st.lists(st.integers(0, len(episodes) - 1), max_size=3))
        episodes.loc[reopen, ["dec", "rec"]] = [pd.NaT, None]
        episodes = pd.concat([episodes.drop(index=sorted(set(drop))), episodes.loc[dup]], ignore_index=True)
    tables = {"episodes": episodes}
    eps, issues = stitch.stitch_episodes(episodes, stitch.return_order(tables))
    assert len(eps) + sum(i["action"] == "removed" for i in issues) == len(episodes)
    for _, child in eps.groupby("child_id"):
        decoms, decs = child["decom"].tolist(), child["dec"].tolist()
        assert all(pd.notna(d) for d in decs[:-1])  # only the last episode may be open
        assert all(d <= n for d, n in zip(decs[:-1], decoms[1:], strict=False))  # no overlaps
        assert all(pd.isna(d) or d >= s for s, d in zip(decoms, decs, strict=False))
