"""DfE rules added or aligned for parity with DfE's validator: continuation episodes (433, 388,
142, 431, 504), postcodes and what DfE derives from them (392a, 392b, 169, 179) and the first
episode against last year's open episode (503A-J, 452, 453). Each rule: a failing case with the
exact issue rows, and a passing case.

The base return's postcodes are real (LS1 4AP, LS8 2BB, LS9 9AA: Leeds); LS1 4AA is not a
postcode in the ONS directory.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cpanalysis import clean, ingest
from tests.helpers_903 import write_return
from tests.test_validate import BASE, EP1, HEADER, ROWS, add, both, edit, found, prepare, w

UNKNOWN = "LS1 4AA"
NO_PL_POST = edit("episodes", 1, PL_POST="")
RESPITE = both(add("header", {**HEADER, "CHILD": "3"}),
               add("episodes", {"CHILD": "3", "DECOM": "04/07/2024", "RNE": "S", "LS": "V3", "CIN": "N2", "PLACE": "K2",
                                "PLACE_PROVIDER": "PR1", "DEC": "06/07/2024", "REC": "E4A", "URN": "SC333333"}))

CHILD9 = add("header", {**HEADER, "CHILD": "9"})
LEFT = edit("episodes", 1, DEC="01/01/2025", REC="E4A")
OC2_AND_OC3 = "care-leaver information (OC3) and OC2 items for children looked after for 12 months are both given."


def missing(start: str, end: str) -> dict:
    return {**ROWS["missing"], "MIS_START": start, "MIS_END": end}


def police(**episode) -> object:
    return both(add("header", {**HEADER, "CHILD": "4"}),
                add("episodes", {**EP1, "CHILD": "4", "DECOM": "01/07/2024", "LS": "L1", "REC": "E4A", **episode}))


FAIL = [
    ("433", edit("episodes", 0, DEC="15/06/2024"), [
        w("episodes", 3, "1", "DECOM", "RNE P suggests a continuation episode, but DECOM 01/06/2024 is not the previous "
          "episode's DEC (15/06/2024)."),
    ]),
    ("433", edit("episodes", 0, DEC="", REC=""), [
        w("episodes", 3, "1", "DECOM", "RNE P suggests a continuation episode, but DECOM 01/06/2024 is not the previous "
          "episode's DEC (blank)."),
    ]),
    ("433", edit("episodes", 1, DECOM="31/02/2024"), [
        w("episodes", 3, "1", "DECOM", "RNE P suggests a continuation episode, but DECOM is blank or unreadable."),
    ]),
    ("388", edit("episodes", 0, DEC="20/05/2024"), [
        w("episodes", 2, "1", "REC", "REC X1 but the next episode starts 01/06/2024, not on DEC 20/05/2024."),
    ]),
    ("388", edit("episodes", 0, REC="E4A"), [
        w("episodes", 2, "1", "REC", "REC E4A but the next episode starts on DEC 01/06/2024 (X1 expected)."),
    ]),
    ("142", edit("episodes", 0, REC=""), [
        w("episodes", 2, "1", "DEC", "the episode has no REC but a later episode starts 01/06/2024."),
    ]),
    ("431", edit("episodes", 1, RNE="S", DECOM="20/05/2024"), [
        w("episodes", 3, "1", "RNE", "RNE S but the previous episode ended after DECOM 20/05/2024."),
    ]),
    ("504", edit("episodes", 1, CIN="N2"), [
        w("episodes", 3, "1", "CIN", "CIN N2 differs from CIN N1 at the start of the period of care."),
    ]),
    ("392b", NO_PL_POST, [w("episodes", 3, "1", "PL_POST", "looked after but PL_POST is blank.")]),
    ("392b", edit("episodes", 1, PL_POST="", HOME_POST=""), [
        w("episodes", 3, "1", "PL_POST", "looked after but HOME_POST and PL_POST are blank."),
    ]),
    ("392a", edit("episodes", 1, PL_POST=UNKNOWN), [
        w("episodes", 3, "1", "PL_DISTANCE", "looked after but no distance: PL_POST LS1 4AA is not a known postcode."),
    ]),
    ("392a", edit("episodes", 1, PL_POST="", HOME_POST=UNKNOWN), [
        w("episodes", 3, "1", "PL_DISTANCE",
          "looked after but no distance: HOME_POST LS1 4AA is not a known postcode and PL_POST is blank."),
    ]),
    ("169", edit("episodes", 1, PL_POST=UNKNOWN), [
        w("episodes", 3, "1", "PL_POST", "no placement LA: PL_POST LS1 4AA is not a known postcode."),
    ]),
    ("179", NO_PL_POST, [w("episodes", 3, "1", "PL_POST", "no placement location: PL_POST is blank.")]),
    ("1015", edit("episodes", 1, PLACE="K2", PL_POST="BD1 1HY", PLACE_PROVIDER="PR1"), [
        w("episodes", 3, "1", "PL_POST", "PLACE_PROVIDER PR1 (own provision) but placement LA E08000032 is not the "
          "responsible authority."),
    ]),
    ("EPI", CHILD9, [w("header", 3, "9", "CHILD", "the child is in the header but has no episode and no OC3 row in this return.")]),
    ("1012", both(CHILD9, add("reviews", {**ROWS["reviews"], "CHILD": "9"})), [
        w("reviews", 2, "9", "CHILD", "a reviews row but the child has no episode in this return."),
    ]),
    ("574", add("missing", missing("10/10/2024", ""), missing("12/10/2024", "13/10/2024")), [
        w("missing", 3, "1", "MIS_START", "the previous missing period is still open (no MIS_END)."),
    ]),
    ("574", add("missing", missing("10/10/2024", "14/10/2024"), missing("12/10/2024", "13/10/2024")), [
        w("missing", 2, "1", "MIS_START", "MIS_START 10/10/2024 is before the previous missing period's MIS_END 13/10/2024."),
    ]),
    ("575", add("missing", missing("10/05/2024", "")), [
        w("missing", 2, "1", "MIS_END", "no MIS_END but the placement it started in ended on 01/06/2024."),
    ]),
    ("577", both(LEFT, add("missing", missing("10/10/2024", ""))), [
        w("missing", 2, "1", "MIS_END", "no MIS_END but the child's period of care has ended."),
    ]),
    ("577", add("missing", missing("10/10/2022", "11/10/2022")), [
        w("missing", 2, "1", "MIS_END", "the missing period (10/10/2022 to 11/10/2022) is outside every period of care in "
          "this return."),
    ]),
    ("184", add("placed_for_adoption", {**ROWS["placed_for_adoption"], "DATE_PLACED": "01/01/2010"}), [
        w("placed_for_adoption", 2, "1", "DATE_PLACED", "DATE_PLACED 01/01/2010 is before DOB 01/06/2010."),
    ]),
    ("117", both(LEFT, add("placed_for_adoption", {**ROWS["placed_for_adoption"], "DATE_PLACED": "01/02/2025"})), [
        w("placed_for_adoption", 2, "1", "DATE_PLACED", "DATE_PLACED 01/02/2025 or DATE_PLACED_CEASED blank is after the "
          "return's end or the child's DEC."),
        w("episodes", 3, "1", "DEC", "the child's placed-for-adoption dates are after this episode's DEC or the return's end."),
    ]),
    ("215", add("oc3", ROWS["oc3"]), [
        w("oc3", 2, "1", "CHILD", OC2_AND_OC3),
        w("oc2", 2, "1", "CHILD", OC2_AND_OC3),
    ]),
    ("361", police(DEC="10/07/2024"), [
        w("episodes", 4, "4", "LS", "police protection (LS L1) for 9 days, over 72 hours."),
    ]),
]

PASS = [
    ("1015", edit("episodes", 1, PLACE="K2", PLACE_PROVIDER="PR1")),  # placed in Leeds, where the homes are
    ("1015", edit("episodes", 1, PL_POST="BD1 1HY", PLACE_PROVIDER="PR1")),  # foster care anywhere
    ("EPI", both(CHILD9, add("oc3", {**ROWS["oc3"], "CHILD": "9"}))),
    ("1012", add("reviews", ROWS["reviews"])),
    ("574", add("missing", missing("10/10/2024", "11/10/2024"), missing("12/10/2024", ""))),
    ("575", add("missing", missing("10/10/2024", ""))),  # the placement is still open
    ("577", add("missing", missing("10/10/2024", ""))),
    ("184", add("placed_for_adoption", ROWS["placed_for_adoption"])),
    ("117", both(LEFT, add("placed_for_adoption", ROWS["placed_for_adoption"]))),
    ("215", both(add("oc3", ROWS["oc3"]), edit("oc2", 0, CONVICTED="", IMMUNISATIONS="", TEETH_CHECK="",
                                              HEALTH_ASSESSMENT="", SUBSTANCE_MISUSE=""))),
    ("361", police(DEC="04/07/2024")),  # 3 days

    ("433", edit("episodes", 0, DEC="01/06/2024")),
    ("388", edit("episodes", 1, DEC="01/01/2025", REC="E4A")),
    ("142", edit("episodes", 1, REC="")),  # the last episode may be open
    ("431", edit("episodes", 0, REC="E4A", DEC="20/05/2024")),
    ("504", edit("episodes", 0, REC="E4A")),  # care ended, so the next period may have another CIN
    ("392b", both(NO_PL_POST, add("uasc", ROWS["uasc"]))),  # UASC: postcodes may be withheld
    ("392b", RESPITE),  # short breaks need no postcodes
    ("392a", RESPITE),
    ("169", RESPITE),
    ("179", RESPITE),
]


@pytest.mark.parametrize(("rule_id", "change", "expected"), FAIL, ids=[f"{c[0]}-{i}" for i, c in enumerate(FAIL)])
def test_rule_fails(tmp_path: Path, rule_id, change, expected) -> None:
    tables, _ = prepare(tmp_path, change)
    assert found(tables, rule_id) == expected


@pytest.mark.parametrize(("rule_id", "change"), PASS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASS)])
def test_rule_passes(tmp_path: Path, rule_id, change) -> None:
    tables, _ = prepare(tmp_path, change)
    assert found(tables, rule_id) == []


def test_624_mc_dob_differs_from_last_year(tmp_path: Path) -> None:
    def returns(folder: Path, last: str, this: str):
        mother = {**HEADER, "SEX": "F", "MOTHER": "1"}
        write_return(folder, "2023-24", {"header": [{**mother, "SEX": "2", "MC_DOB": last}], "episodes": [{**EP1, "DEC": "", "REC": ""}]})
        write_return(folder, "2024-25", copy.deepcopy(BASE) | {"header": [{**mother, "MC_DOB": this}]})
        return clean.normalise(ingest.read_returns(folder))[0]

    assert found(returns(tmp_path / "a", "01/01/2024", ""), "624") == [
        w("header", 2, "1", "MC_DOB", "MC_DOB blank but 01/01/2024 last year."),
    ]
    assert found(returns(tmp_path / "b", "01/01/2024", "01/01/2024"), "624") == []
    assert found(returns(tmp_path / "c", "", "01/01/2024"), "624") == []  # first recorded this year


def test_624_leaves_a_care_leavers_blank_mc_dob_alone(tmp_path: Path) -> None:
    # a care leaver not looked after this year: DfE 628 asks for MOTHER and MC_DOB blank
    mother = {**HEADER, "SEX": "F", "MOTHER": "1"}
    write_return(tmp_path, "2023-24", {"header": [{**mother, "SEX": "2", "MC_DOB": "01/01/2024"}],
                                       "episodes": [{**EP1, "DEC": "01/03/2024", "REC": "E4A"}]})
    write_return(tmp_path, "2024-25", {"header": [{**HEADER, "SEX": "F"}], "episodes": [],
                                       "oc3": [{**ROWS["oc3"], "DOB": "01/06/2010"}]})
    assert found(clean.normalise(ingest.read_returns(tmp_path))[0], "624") == []


#: Rules tested below on two returns (failing and passing cases in each test).
FIRST_EPISODE_RULES = {"503A", "503B", "503C", "503D", "503E", "503F", "503G", "503H", "503J", "452", "453"}


def carried(folder: Path, last_year: dict | None = None, **this_year) -> dict:
    """2023-24 with the base child's first episode open at 31 March, and 2024-25 (the base
    return) with that episode changed by ``this_year``."""
    old = {"header": [{**HEADER, "SEX": "1"}], "episodes": [{**EP1, "DEC": "", "REC": "", **(last_year or {})}]}
    write_return(folder, "2023-24", old)
    new = copy.deepcopy(BASE)
    new["episodes"][0] = {**new["episodes"][0], **this_year}
    write_return(folder, "2024-25", new)
    return clean.normalise(ingest.read_returns(folder))[0]


#: Rules whose failing and passing cases use two returns.
TWO_RETURN_RULES = FIRST_EPISODE_RULES | {"624"}


def _first_episode_findings(tables) -> dict[str, list[tuple]]:
    return {rule_id: rows for rule_id in sorted(FIRST_EPISODE_RULES) if (rows := found(tables, rule_id))}


def test_first_episode_matches_last_years_open_episode(tmp_path: Path) -> None:
    assert _first_episode_findings(carried(tmp_path / "same")) == {}
    # last year's episode was closed: nothing to compare
    assert _first_episode_findings(carried(tmp_path / "closed", {"DEC": "01/03/2024", "REC": "E4A"}, RNE="P")) == {}


@pytest.mark.parametrize(("rule_id", "change", "message"), [
    ("503A", {"RNE": "P"}, "RNE P in the first episode does not match RNE S of the episode open at the end of last year."),
    ("503B", {"LS": "C1"}, "LS C1 in the first episode does not match LS C2 of the episode open at the end of last year."),
    ("503C", {"CIN": "N2"}, "CIN N2 in the first episode does not match CIN N1 of the episode open at the end of last year."),
    ("503D", {"PLACE": "U4"}, "PLACE U4 in the first episode does not match PLACE U6 of the episode open at the end of last year."),
    ("503E", {"PLACE_PROVIDER": "PR4"},
     "PLACE_PROVIDER PR4 in the first episode does not match PLACE_PROVIDER PR1 of the episode open at the end of last year."),
    ("503F", {"URN": ""}, "URN blank in the first episode does not match URN SC111111 of the episode open at the end of last year."),
])
def test_503_field_differs(tmp_path: Path, rule_id: str, change: dict, message: str) -> None:
    tables = carried(tmp_path, **change)
    column = message.split(" ")[0]
    assert found(tables, rule_id) == [w("episodes", 2, "1", column, message)]
    assert set(_first_episode_findings(tables)) == {rule_id}


def test_503d_h5_recoded_as_k3_is_not_a_difference(tmp_path: Path) -> None:
    tables = carried(tmp_path / "k3", {"PLACE": "H5"}, PLACE="K3")
    assert found(tables, "503D") == []
    tables = carried(tmp_path / "k2", {"PLACE": "H5"}, PLACE="K2")
    assert found(tables, "503D") == [w("episodes", 2, "1", "PLACE", "PLACE K2 in the first episode does not match PLACE H5 of "
                                       "the episode open at the end of last year.")]


def test_distance_and_placement_la_differ_from_last_year(tmp_path: Path) -> None:
    # last year: LS1 4AP -> LS8 2BB (3.9 miles, Leeds); this year LS1 4AP -> BD1 1HY (Bradford)
    tables = carried(tmp_path / "moved", PL_POST="BD1 1HY")
    assert _first_episode_findings(tables) == {
        "452": [w("episodes", 2, "1", "PL_POST", "placement LA E08000032 in the first episode but E08000035 in last "
                  "year's open episode.")],
        "453": [w("episodes", 2, "1", "PL_POST", "placement distance 8.1 in the first episode but 3.9 in last year's "
                  "open episode.")],
        "503G": [w("episodes", 2, "1", "PL_DISTANCE", "PL_DISTANCE 8.1 in the first episode does not match PL_DISTANCE 3.9 "
                   "of the episode open at the end of last year.")],
        "503H": [w("episodes", 2, "1", "PL_LA", "PL_LA E08000032 in the first episode does not match PL_LA E08000035 "
                   "of the episode open at the end of last year.")],
        "503J": [w("episodes", 2, "1", "PL_LOCATION", "PL_LOCATION OUT in the first episode does not match PL_LOCATION IN "
                   "of the episode open at the end of last year.")],
    }
    # a different RNE: 452 and 453 do not apply (503A reports it)
    tables = carried(tmp_path / "rne", RNE="P", PL_POST="BD1 1HY")
    assert set(_first_episode_findings(tables)) == {"503A", "503G", "503H", "503J"}
    # a home postcode 76 metres away: the distance changes by less than 0.2 miles, no difference
    assert _first_episode_findings(carried(tmp_path / "near", HOME_POST="LS1 4AN")) == {}
