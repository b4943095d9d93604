"""DfE rules new in 2024-25 (231, 232) and 2025-26 (233, 234, 348, 444, 454), the URN rules DfE
rewrites year by year (218, 222), the temporary placement rules (226, 383) and the social worker
episode rules (SW10STG2, SW10a/bSTG2, SW17-19STG2), MC_DOB against SEX and MOTHER (174, 612) and
the youngest age in supported accommodation (371), placed for adoption but left care not adopted
(557), as DfE's validator 0.1.17 defines them
(``lac_validator/rules/lac2022_23`` ... ``lac2025_26``). Each rule: a failing case with the exact
issue rows, a passing case, and a return of an earlier year in which the same data is not
reported (the rule book's ``first_year``, or the year's own list of placement types).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cpanalysis import clean, ingest, validate
from tests.helpers_903 import write_return
from tests.test_validate import BASE, EP1, HEADER, ROWS, add, both, edit, found, prepare, w

SEX_U = edit("header", 0, SEX="U")
SAME_UPN = add("header", {**HEADER, "CHILD": "2", "DOB": "01/01/2012"})
OPEN_WITH_REASON = edit("episodes", 1, REASON_PLACE_CHANGE="CARPL")
CUSTODY_AT_6 = both(edit("header", 0, DOB="01/06/2016"), edit("oc2", 0, DOB="01/06/2016"),
                    edit("episodes", 0, REASON_PLACE_CHANGE="CUSTOD"))
KIRKWALL = edit("episodes", 1, PL_POST="KW15 1AA")  # 362.8 miles from LS1 4AP (Leeds)
NO_URN = edit("episodes", 1, URN="")  # the open U4 placement in Leeds
P1_WITH_URN = edit("episodes", 1, PLACE="P1", PLACE_PROVIDER="PR0")
#: U6 (LS8 2BB) -> temporary T1 for nine days -> back to the same U6 placement with RNE P.
TEMPORARY = both(edit("episodes", 0, REASON_PLACE_CHANGE=""),
                 edit("episodes", 1, PLACE="T1", PLACE_PROVIDER="", URN="", DEC="10/06/2024", REC="X1"),
                 add("episodes", {**EP1, "DECOM": "10/06/2024", "RNE": "P", "DEC": "", "REC": "", "REASON_PLACE_CHANGE": ""}))
NOT_BACK = "after a temporary placement the child should return to the placement before it "


def sw(*episodes: tuple[str, str, str]):
    """Social worker episodes of child 1: (SW_DECOM, SW_DEC, SW_REASON), each with its own SW_ID."""
    return add("sw_episodes", *[{**ROWS["sw_episodes"], "SW_ID": f"SW{i}", "SW_DECOM": a, "SW_DEC": b, "SW_REASON": r}
                                for i, (a, b, r) in enumerate(episodes, start=1)])


GAP = sw(("01/04/2024", "01/06/2024", "OTHERS"), ("20/06/2024", "", "OTHERS"))
GAP_MESSAGE = "SW_DECOM 20/06/2024 is not within 7 days of the previous social worker episode's SW_DEC 01/06/2024."
FIRST_CONTACT_GAP = sw(("01/04/2024", "01/06/2024", "OTHERS"), ("20/06/2024", "", "FCONTA"))
ENDED = sw(("01/04/2024", "01/06/2024", "OTHERS"))
MC_DOB = edit("header", 0, MC_DOB="01/01/2024")
K3_AT_12 = edit("episodes", 0, PLACE="K3")  # DECOM 01/05/2023, DOB 01/06/2010, DEC 01/06/2024
LEFT_FROM_A3 = edit("episodes", 1, PLACE="A3", DEC="01/01/2025", REC="E4A")
NOT_ADOPTED = "REC E4A: left care not adopted after a decision to place for adoption, but "
PLACED = add("placed_for_adoption", ROWS["placed_for_adoption"])
def sw_id(value: str):
    return add("sw_episodes", {**ROWS["sw_episodes"], "SW_ID": value})


YOUNG_UASC = both(edit("header", 0, DOB="01/06/2015"), edit("oc2", 0, DOB="01/06/2015"),
                  add("uasc", {**ROWS["uasc"], "DOB": "01/06/2015"}))

FAIL = [
    ("232", SEX_U, "2024-25", [w("header", 2, "1", "SEX", "SEX U: the child's sex has been reported as unknown.")]),
    ("444", SAME_UPN, "2025-26", [
        w("header", 2, "1", "UPN", "UPN A123456789012 is given for more than one header row of this return."),
        w("header", 3, "2", "UPN", "UPN A123456789012 is given for more than one header row of this return."),
    ]),
    ("233", OPEN_WITH_REASON, "2025-26", [
        w("episodes", 3, "1", "REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE CARPL but the episode has not ceased (no DEC)."),
    ]),
    ("234", CUSTODY_AT_6, "2025-26", [
        w("episodes", 2, "1", "REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE CUSTOD but the episode starts 01/05/2023, before the "
          "10th birthday 01/06/2026."),
        w("header", 2, "1", "DOB", "the child's placement changed because of custody (CUSTOD) before the 10th birthday."),
    ]),
    ("454", KIRKWALL, "2025-26", [w("episodes", 3, "1", "PL_DISTANCE", "placement distance 362.8 miles from home is over 350.")]),
    ("218", NO_URN, "2024-25", [w("episodes", 3, "1", "URN", "URN is blank but PLACE U4 in England needs an Ofsted URN.")]),
    # Z1 needs no URN up to 2024-25; 2025-26's list has Z11-Z14 instead
    ("218", both(NO_URN, edit("episodes", 1, PLACE="Z1", PLACE_PROVIDER="")), "2025-26", [
        w("episodes", 3, "1", "URN", "URN is blank but PLACE Z1 in England needs an Ofsted URN.")]),
    # an unknown placement LA: outside England as DfE's code read it up to 2024-25, not from 2025-26
    ("218", both(NO_URN, edit("episodes", 1, PL_POST="")), "2025-26", [
        w("episodes", 3, "1", "URN", "URN is blank but PLACE U4 in England needs an Ofsted URN.")]),
    ("222", P1_WITH_URN, "2024-25", [w("episodes", 3, "1", "URN", "URN SC222222 given for PLACE P1, which has no Ofsted URN.")]),
    # P2 has no URN in 2023-24's list, and is not in 2024-25's
    ("222", edit("episodes", 1, PLACE="P2"), "2023-24", [
        w("episodes", 3, "1", "URN", "URN SC222222 given for PLACE P2, which has no Ofsted URN.")]),
    ("226", both(TEMPORARY, edit("episodes", 0, REASON_PLACE_CHANGE="CARPL")), "2024-25", [
        w("episodes", 3, "1", "REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE CARPL given on the episode before temporary placement PLACE T1.")]),
    ("226", both(TEMPORARY, edit("episodes", 1, REASON_PLACE_CHANGE="CHILD")), "2024-25", [
        w("episodes", 3, "1", "REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE CHILD given for temporary placement PLACE T1.")]),
    ("383", both(TEMPORARY, edit("episodes", 2, PLACE="U4", PLACE_PROVIDER="PR4")), "2024-25", [
        w("episodes", 4, "1", "PLACE", NOT_BACK + "(RNE P, PLACE U6), but this episode has RNE P, PLACE U4.")]),
    ("383", both(TEMPORARY, edit("episodes", 2, RNE="T")), "2024-25", [
        w("episodes", 4, "1", "PLACE", NOT_BACK + "(RNE P, PLACE U6), but this episode has RNE T, PLACE U6.")]),
    # from 2025-26 the postcode must be the same too
    ("383", both(TEMPORARY, edit("episodes", 2, PL_POST="LS9 9AA")), "2025-26", [
        w("episodes", 4, "1", "PLACE", NOT_BACK + "(RNE P, PLACE U6, PL_POST LS8 2BB), but this episode has RNE P, PLACE U6, "
          "PL_POST LS9 9AA.")]),
    ("SW10STG2", GAP, "2024-25", [w("sw_episodes", 3, "1", "SW_DECOM", GAP_MESSAGE)]),
    ("SW10STG2", FIRST_CONTACT_GAP, "2023-24", [w("sw_episodes", 3, "1", "SW_DECOM", GAP_MESSAGE)]),  # no exemption yet
    ("SW10aSTG2", GAP, "2025-26", [w("sw_episodes", 3, "1", "SW_DECOM", GAP_MESSAGE)]),
    ("SW10bSTG2", sw(("01/04/2024", "01/06/2024", "OTHERS"), ("01/05/2024", "", "FCONTA")), "2025-26", [
        w("sw_episodes", 3, "1", "SW_DECOM", "SW_REASON FCONTA (first contact) but SW_DECOM 01/05/2024 is not after the "
          "previous social worker episode's SW_DEC 01/06/2024.")]),
    ("SW17STG2", ENDED, "2025-26", [
        w("sw_episodes", 2, "1", "SW_DEC", "no social worker episode open at 31 March: the latest (SW_DECOM 01/04/2024) ended "
          "01/06/2024, but the child is still looked after.")]),
    ("SW18STG2", sw(("01/04/2024", "01/04/2024", "OTHERS")), "2025-26", [
        w("sw_episodes", 2, "1", "SW_DEC", "SW_DEC 01/04/2024 is not after SW_DECOM 01/04/2024.")]),
    ("231", YOUNG_UASC, "2024-25", [
        w("header", 2, "1", "DOB", "UASC but born 01/06/2015, under 11 at 31 March: please check the date of birth.")]),
    ("174", MC_DOB, "2024-25", [w("header", 2, "1", "MC_DOB", "MC_DOB 01/01/2024 is given but the child is male.")]),
    ("174", both(MC_DOB, edit("header", 0, SEX="1")), "2023-24", [  # 1 is male up to 2023-24
        w("header", 2, "1", "MC_DOB", "MC_DOB 01/01/2024 is given but the child is male.")]),
    ("612", both(MC_DOB, edit("header", 0, SEX="F", MOTHER="0")), "2024-25", [
        w("header", 2, "1", "MC_DOB", "MC_DOB 01/01/2024 is given but MOTHER is 0.")]),
    ("612", both(MC_DOB, edit("header", 0, SEX="F")), "2024-25", [
        w("header", 2, "1", "MC_DOB", "MC_DOB 01/01/2024 is given but MOTHER is blank.")]),
    ("371", K3_AT_12, "2024-25", [
        w("episodes", 2, "1", "DECOM", "PLACE K3 from DECOM 01/05/2023, before the 16th birthday 01/06/2026.")]),
    ("371", edit("episodes", 0, PLACE="H5"), "2023-24", [
        w("episodes", 2, "1", "DECOM", "PLACE H5 from DECOM 01/05/2023, before the 14th birthday 01/06/2024.")]),
    ("557", LEFT_FROM_A3, "2024-25", [w("episodes", 3, "1", "REC", NOT_ADOPTED + "the child has no placed-for-adoption row.")]),
    ("557", both(LEFT_FROM_A3, PLACED), "2024-25", [
        w("episodes", 3, "1", "REC", NOT_ADOPTED + "the placed-for-adoption row has no DATE_PLACED_CEASED or REASON_PLACED_CEASED."),
        w("placed_for_adoption", 2, "1", "DATE_PLACED_CEASED",
          "the child left care not adopted, but DATE_PLACED_CEASED or REASON_PLACED_CEASED is blank."),
    ]),
    # a freeing order (D1) counts up to 2023-24
    ("557", edit("episodes", 1, LS="D1", DEC="01/01/2024", REC="E4A"), "2023-24", [
        w("episodes", 3, "1", "REC", NOT_ADOPTED + "the child has no placed-for-adoption row.")]),
    ("SW02STG1", sw_id("AB12"), "2024-25", [
        w("sw_episodes", 2, "1", "SW_ID", "SW_ID AB12 does not begin with SW or XX followed by at least two characters.")]),
    ("SW02STG1", sw_id("SW1"), "2025-26", [  # too short from 2025-26
        w("sw_episodes", 2, "1", "SW_ID", "SW_ID SW1 does not begin with SW or XX followed by at least two characters.")]),
    ("SW07STG2", sw(("01/01/2023", "01/03/2023", "OTHERS")), "2024-25", [
        w("sw_episodes", 2, "1", "SW_DEC", "SW_DEC 01/03/2023 is outside the reporting period (01/04/2023 to 31/03/2025).")]),
    ("SW09STG2", sw(("01/04/2024", "01/04/2024", "OTHERS")), "2024-25", [
        w("sw_episodes", 2, "1", "SW_DEC", "the social worker episode lasted 0 day(s) (SW_DECOM 01/04/2024, SW_DEC 01/04/2024).")]),
    ("SW09STG2", sw(("01/04/2024", "03/04/2024", "OTHERS")), "2025-26", [
        w("sw_episodes", 2, "1", "SW_DEC", "the social worker episode lasted 2 day(s) (SW_DECOM 01/04/2024, SW_DEC 03/04/2024).")]),
    ("SW19STG2", sw(("01/04/2024", "", "OTHERS"), ("01/04/2024", "", "MGMTD")), "2025-26", [
        w("sw_episodes", 3, "1", "SW_DECOM", "another social worker episode of the child starts on the same SW_DECOM 01/04/2024.")]),
]

PASS = [
    ("232", None, "2024-25"),
    ("444", both(SAME_UPN, edit("header", 0, UPN="UN1"), edit("header", 1, UPN="UN1")), "2025-26"),
    ("233", None, "2025-26"),  # the open episode has no reason for a placement change
    ("234", edit("episodes", 0, REASON_PLACE_CHANGE="CUSTOD"), "2025-26"),  # 12 at DECOM
    ("454", edit("episodes", 1, PL_POST="AB10 1AB"), "2025-26"),  # Aberdeen, 232.9 miles
    ("218", None, "2024-25"),
    ("218", both(NO_URN, edit("episodes", 1, PLACE="R1")), "2024-25"),
    ("218", both(NO_URN, edit("episodes", 1, PL_POST="CF10 1EP")), "2025-26"),  # placed in Wales
    ("218", both(NO_URN, edit("episodes", 1, PL_POST="")), "2024-25"),
    ("218", both(NO_URN, edit("episodes", 1, PLACE="Z11", PLACE_PROVIDER="")), "2025-26"),
    ("218", both(NO_URN, edit("episodes", 1, PLACE="Z1", PLACE_PROVIDER="")), "2024-25"),
    ("222", None, "2024-25"),
    ("222", both(P1_WITH_URN, edit("episodes", 1, URN="XXXXXXX")), "2024-25"),
    ("222", edit("episodes", 1, PLACE="P2"), "2024-25"),
    ("226", TEMPORARY, "2024-25"),
    ("383", TEMPORARY, "2024-25"),
    ("383", TEMPORARY, "2025-26"),
    ("383", both(TEMPORARY, edit("episodes", 2, PL_POST="LS9 9AA")), "2024-25"),  # the postcode counts from 2025-26
    ("383", edit("episodes", 0, PLACE="T1", PLACE_PROVIDER="", URN="", REASON_PLACE_CHANGE=""), "2024-25"),  # no episode before T1
    ("SW10STG2", sw(("01/04/2024", "01/06/2024", "OTHERS"), ("05/06/2024", "", "OTHERS")), "2024-25"),
    ("SW10STG2", FIRST_CONTACT_GAP, "2024-25"),  # a first contact is exempt from 2024-25
    ("SW10aSTG2", FIRST_CONTACT_GAP, "2025-26"),
    ("SW10bSTG2", FIRST_CONTACT_GAP, "2025-26"),
    ("SW17STG2", sw(("01/04/2024", "", "OTHERS")), "2025-26"),
    ("SW17STG2", both(ENDED, edit("episodes", 1, DEC="01/01/2025", REC="E4A")), "2025-26"),  # left care
    ("SW17STG2", ENDED, "2025-26_Q2"),  # no 31 March yet
    ("SW18STG2", ENDED, "2025-26"),
    ("SW19STG2", GAP, "2025-26"),
    ("174", both(MC_DOB, edit("header", 0, SEX="F", MOTHER="1")), "2024-25"),
    ("612", both(MC_DOB, edit("header", 0, SEX="F", MOTHER="1")), "2024-25"),
    ("371", edit("episodes", 1, PLACE="K3"), "2024-25"),  # open: DfE's code judges ended episodes only
    ("371", K3_AT_12, "2023-24"),  # 2023-24's version: H5 from 14
    ("371", edit("episodes", 0, PLACE="H5"), "2024-25"),  # 2024-25's version: K3 from 16
    ("557", both(LEFT_FROM_A3, add("placed_for_adoption", {**ROWS["placed_for_adoption"], "DATE_PLACED_CEASED": "01/01/2025",
                                                           "REASON_PLACED_CEASED": "E"})), "2024-25"),
    ("557", edit("episodes", 1, PLACE="A3", DEC="01/01/2025", REC="E11"), "2024-25"),  # adopted
    ("557", edit("episodes", 1, LS="D1", DEC="01/01/2025", REC="E4A"), "2024-25"),  # D1 no longer counts
    ("SW02STG1", sw_id("SW1"), "2024-25"),
    ("SW02STG1", sw_id("XX123"), "2025-26"),
    ("SW07STG2", sw(("01/01/2023", "01/05/2023", "OTHERS")), "2024-25"),  # from 1 April of the year before
    ("SW09STG2", sw(("01/04/2024", "03/04/2024", "OTHERS")), "2024-25"),
    ("231", add("uasc", ROWS["uasc"]), "2024-25"),  # born 2010: 14 at 31 March
    ("231", both(edit("header", 0, DOB="01/06/2015"), edit("oc2", 0, DOB="01/06/2015")), "2024-25"),  # not UASC
]

#: The failing data in a return before the rule's first year: not reported.
EARLIER = [
    ("232", SEX_U, "2023-24"),
    ("444", SAME_UPN, "2024-25"),
    ("233", OPEN_WITH_REASON, "2024-25"),
    ("234", CUSTODY_AT_6, "2024-25"),
    ("454", KIRKWALL, "2024-25"),
    ("218", NO_URN, "2021-22"),  # DfE's earliest rule set is 2022-23's
    ("222", P1_WITH_URN, "2021-22"),
    ("SW10aSTG2", GAP, "2024-25"),
    ("SW17STG2", ENDED, "2024-25"),
    ("SW18STG2", sw(("01/04/2024", "01/04/2024", "OTHERS")), "2024-25"),
    ("231", YOUNG_UASC, "2023-24"),
    ("371", edit("episodes", 0, PLACE="H5"), "2021-22"),
    ("557", LEFT_FROM_A3, "2021-22"),
]


@pytest.mark.parametrize(("rule_id", "change", "label", "expected"), FAIL, ids=[f"{c[0]}-{i}" for i, c in enumerate(FAIL)])
def test_rule_fails(tmp_path: Path, rule_id, change, label, expected) -> None:
    tables, _ = prepare(tmp_path, change, label)
    assert found(tables, rule_id) == expected


@pytest.mark.parametrize(("rule_id", "change", "label"), PASS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASS)])
def test_rule_passes(tmp_path: Path, rule_id, change, label) -> None:
    tables, _ = prepare(tmp_path, change, label)
    assert found(tables, rule_id) == []


@pytest.mark.parametrize(("rule_id", "change", "label"), EARLIER, ids=[c[0] for c in EARLIER])
def test_not_reported_before_the_rules_first_year(tmp_path: Path, rule_id, change, label) -> None:
    tables, _ = prepare(tmp_path, change, label)
    assert found(tables, rule_id) == []


def _care_leaver_returns(folder: Path, years: tuple[str, str], last: str, this: str):
    for label, in_touch in zip(years, (last, this), strict=True):
        write_return(folder, label, copy.deepcopy(BASE) | {"oc3": [{**ROWS["oc3"], "IN_TOUCH": in_touch, "ACTIV": "", "ACCOM": ""}]})
    return clean.normalise(ingest.read_returns(folder))[0]


def test_348_care_leaver_reported_as_died_last_year(tmp_path: Path) -> None:
    tables = _care_leaver_returns(tmp_path / "fail", ("2024-25", "2025-26"), "DIED", "YES")
    assert found(tables, "348") == [
        w("oc3", 2, "1", "IN_TOUCH", "IN_TOUCH YES but the young person was reported as having died (DIED) last year."),
    ]
    assert found(_care_leaver_returns(tmp_path / "pass", ("2024-25", "2025-26"), "DIED", "DIED"), "348") == []
    # the same two years one year earlier: before 348's first year
    assert found(_care_leaver_returns(tmp_path / "earlier", ("2023-24", "2024-25"), "DIED", "YES"), "348") == []


def test_new_rules_record_their_first_year() -> None:
    years = {r: validate.RULES[r].collection_years for r in ("232", "233", "234", "348", "444", "454", "218", "222")}
    assert years == {"232": "2024-25 onwards", "233": "2025-26 onwards", "234": "2025-26 onwards",
                     "348": "2025-26 onwards", "444": "2025-26 onwards", "454": "2025-26 onwards",
                     "218": "2022-23 onwards", "222": "2022-23 onwards"}


def _upn_returns(folder: Path, last: str, this: str):
    for label, upn in (("2023-24", last), ("2024-25", this)):
        write_return(folder, label, copy.deepcopy(BASE) | {"header": [{**HEADER, "UPN": upn}]})
    return clean.normalise(ingest.read_returns(folder))[0]


@pytest.mark.parametrize(("last", "this", "reported"), [
    ("A123456789012", "B123456789012", "UPN B123456789012 but A123456789012 last year."),
    ("A123456789012", "", "UPN blank but A123456789012 last year."),
    ("A123456789012", "UN2", "UPN UN2 but A123456789012 last year."),
    ("UN2", "UN3", "UPN UN3 but UN2 last year."),
    ("UN3", "UN1", "UPN UN1 but UN3 last year."),
    ("A123456789012", "a123456789012", None),  # the same UPN in lower case
    ("", "", None),  # blank both years: DfE 442's business
    ("UN1", "UN4", None),  # no UPN yet, then none for a later reason
    ("", "UN2", None),
    ("", "UN1", None),  # DfE's code reports it; its own comment calls it valid (docs/validation_rules.md)
    ("UN5", "A123456789012", None),  # the UPN found since
    ("", "A123456789012", None),
])
def test_208_upn_differs_from_last_year(tmp_path: Path, last: str, this: str, reported: str | None) -> None:
    tables = _upn_returns(tmp_path, last, this)
    expected = [w("header", 2, "1", "UPN", reported)] if reported else []
    assert found(tables, "208") == expected
