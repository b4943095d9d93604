"""DfE rule families added for parity with DfE's validator: MOTHER (393, 607), SDQ at 4 and 17
(197B), care leavers who left after their 17th/18th birthday (1016), and last year's return
(202, 203, 204, 1002). Each rule: a failing case with the exact issue row, and a passing case.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from cpanalysis import clean, ingest, validate
from tests.helpers_903 import write_return
from tests.test_validate import BASE, EP1, HEADER, ROWS, add, both, edit, found, prepare, w

FEMALE = edit("header", 0, SEX="F")
LEFT_CARE = edit("episodes", 1, DEC="01/10/2024", REC="E4A")
AGED_4 = both(edit("header", 0, DOB="01/06/2020"), edit("oc2", 0, DOB="01/06/2020", SDQ_SCORE=""))
STARTED = both(add("header", {**HEADER, "CHILD": "5"}),
               add("episodes", {**EP1, "CHILD": "5", "DECOM": "01/07/2024", "DEC": "", "REC": ""}))
LEAVER = both(add("header", {**HEADER, "CHILD": "5", "DOB": "01/06/2007"}),
              add("oc3", {**ROWS["oc3"], "CHILD": "5", "DOB": "01/06/2007"}))


def left(dec: str):
    return add("episodes", {**EP1, "CHILD": "5", "DECOM": "01/01/2024", "DEC": dec, "REC": "E4A"})


FAIL = [
    ("393", FEMALE, [w("header", 2, "1", "MOTHER", "female and looked after but MOTHER is blank.")]),
    ("607", both(FEMALE, LEFT_CARE), [
        w("episodes", 3, "1", "MOTHER", "ceased to be looked after on 01/10/2024 but MOTHER is blank."),
        w("header", 2, "1", "MOTHER", "ceased to be looked after in the year but MOTHER is blank."),
    ]),
    ("197B", AGED_4, [w("oc2", 2, "1", "SDQ_REASON", "4th or 17th birthday in the year but no SDQ score and no reason.")]),
    ("1016", both(LEAVER, left("01/10/2024")), [
        w("oc3", 2, "5", "IN_TOUCH", "aged 17 at 31 March and left care on 01/10/2024, after the birthday: "
          "no care-leaver information is needed."),
    ]),
    ("630", STARTED, [
        w("episodes", 4, "5", "PREV_PERM", "started to be looked after in the year but previous permanence is missing or incomplete."),
    ]),
]

PASS = [
    ("393", both(FEMALE, edit("header", 0, MOTHER="0"))),
    ("393", both(FEMALE, edit("episodes", 0, LS="V3"), edit("episodes", 1, LS="V3"))),
    ("607", both(FEMALE, LEFT_CARE, edit("header", 0, MOTHER="1"))),
    ("607", both(FEMALE, edit("episodes", 1, DEC="01/10/2024", REC="X1"))),
    ("197B", both(AGED_4, edit("oc2", 0, SDQ_REASON="SDQ1"))),
    ("197B", edit("oc2", 0, SDQ_SCORE="")),  # 14 in the year: no SDQ expected at that age
    ("1016", both(LEAVER, left("01/05/2024"))),  # left before the 17th birthday
    ("1002", both(LEAVER, left("01/05/2024"))),
    # only one return read: no last year to look in, so not judged (DfE's rule needs Episodes_last)
    ("1002", add("oc3", {**ROWS["oc3"], "CHILD": "6", "DOB": "01/06/2006"})),
    ("630", both(STARTED, add("previous_permanence", {**ROWS["previous_permanence"], "CHILD": "5"}))),
    ("630", both(STARTED, add("previous_permanence", {**ROWS["previous_permanence"], "CHILD": "5", "PREV_PERM": "P1",
                                                      "LA_PERM": "E10000018", "DATE_PERM": "01/01/2020"}))),
]


@pytest.mark.parametrize(("rule_id", "change", "expected"), FAIL, ids=[c[0] for c in FAIL])
def test_rule_fails(tmp_path: Path, rule_id, change, expected) -> None:
    tables, _ = prepare(tmp_path, change)
    assert found(tables, rule_id) == expected


@pytest.mark.parametrize(("rule_id", "change"), PASS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASS)])
def test_rule_passes(tmp_path: Path, rule_id, change) -> None:
    tables, _ = prepare(tmp_path, change)
    assert found(tables, rule_id) == []


#: Rules tested below on two returns (failing and passing cases in each test).
CROSS_YEAR_RULES = {"202", "203", "204", "205B", "1002"}


def two_years(tmp_path: Path, last: dict, this: dict, oc3: list[dict] | None = None, episodes_last=None):
    """2023-24 and 2024-25 returns of the base child with header changes."""
    old = copy.deepcopy(BASE) | {"header": [{**HEADER, "SEX": "1", **last}]}
    old["episodes"] = episodes_last if episodes_last is not None else [{**EP1, "DEC": "", "REC": ""}]
    old["oc2"] = []
    write_return(tmp_path, "2023-24", old)
    new = copy.deepcopy(BASE) | {"header": [{**HEADER, **this}]}
    if oc3:
        new["oc3"] = oc3
    write_return(tmp_path, "2024-25", new)
    tables, _ = clean.normalise(ingest.read_returns(tmp_path))
    return tables


def test_sex_compared_by_meaning_across_the_recoding(tmp_path: Path) -> None:
    # 1 in 2023-24 and M in 2024-25 is the same sex: DfE 202 reports nothing
    assert found(two_years(tmp_path / "a", {}, {}), "202") == []
    assert found(two_years(tmp_path / "b", {}, {"SEX": "F"}), "202") == [
        w("header", 2, "1", "SEX", "SEX is F but was M last year."),
    ]


def test_dob_and_ethnicity_differ_from_last_year(tmp_path: Path) -> None:
    tables = two_years(tmp_path / "a", {"DOB": "02/06/2010", "ETHNIC": "WIRI"}, {})
    assert found(tables, "203") == [w("header", 2, "1", "DOB", "DOB 01/06/2010 but 02/06/2010 last year.")]
    assert found(tables, "204") == [w("header", 2, "1", "ETHNIC", "ETHNIC is WBRI but was WIRI last year.")]
    assert found(two_years(tmp_path / "b", {}, {}), "203") == []
    assert found(two_years(tmp_path / "b2", {}, {}), "204") == []


def test_1002_looks_at_earlier_returns(tmp_path: Path) -> None:
    # the young person's care is in the earlier return only: a care leaver, not reported
    leaver = {**ROWS["oc3"], "CHILD": "7", "DOB": "01/06/2006"}
    earlier = [{**EP1, "DEC": "", "REC": ""}, {**EP1, "CHILD": "7", "DECOM": "01/01/2023", "DEC": "01/03/2024", "REC": "E4A"}]
    tables = two_years(tmp_path, {}, {}, oc3=[leaver], episodes_last=earlier)
    assert found(tables, "1002") == []


def test_1002_reports_no_episode_in_either_year(tmp_path: Path) -> None:
    # young person 6 is in 2024-25's OC3 with no episode in 2024-25 or 2023-24: reported on
    # their OC3 row (the row after the base child's, spreadsheet row 3)
    leaver = {**ROWS["oc3"], "CHILD": "6", "DOB": "01/06/2006"}
    tables = two_years(tmp_path, {}, {}, oc3=[ROWS["oc3"], leaver])
    assert found(tables, "1002") == [
        w("oc3", 3, "6", "CHILD", "care-leaver information but no episode of care in this or any earlier return read."),
    ]


def test_1002_not_judged_on_the_earliest_return_read(tmp_path: Path) -> None:
    # the same young person in the OC3 of 2023-24 too: 2023-24 is the earliest return read (no
    # 2022-23 to look in), so only the 2024-25 row is reported
    leaver = {**ROWS["oc3"], "CHILD": "6", "DOB": "01/06/2006"}
    old = copy.deepcopy(BASE) | {"header": [{**HEADER, "SEX": "1"}], "oc2": [], "oc3": [leaver],
                                 "episodes": [{**EP1, "DEC": "", "REC": ""}]}
    write_return(tmp_path, "2023-24", old)
    write_return(tmp_path, "2024-25", copy.deepcopy(BASE) | {"oc3": [leaver]})
    tables, _ = clean.normalise(ingest.read_returns(tmp_path))
    assert found(tables, "1002") == [
        w("oc3", 2, "6", "CHILD", "care-leaver information but no episode of care in this or any earlier return read."),
    ]
    assert validate.validate(tables, rules=["1002"])["file"].str.split("/").str[0].tolist() == ["2024-25"]


def test_205b_uasc_in_both_years(tmp_path: Path) -> None:
    def returns(folder: Path, duc_last: str, duc: str):
        uasc = {"CHILD": "1", "SEX": "M", "DOB": "01/06/2010"}
        old = copy.deepcopy(BASE) | {"oc2": [], "uasc": [{**uasc, "DUC": duc_last}],
                                     "episodes": [{**EP1, "DEC": "", "REC": ""}]}
        write_return(folder, "2023-24", old)
        write_return(folder, "2024-25", copy.deepcopy(BASE) | {"uasc": [{**uasc, "DUC": duc}]})
        return clean.normalise(ingest.read_returns(folder))[0]

    message = "UASC in both years but the dates UASC ceased (this year and last) do not support this."
    # last year's DUC is not the 18th birthday (01/06/2028)
    assert found(returns(tmp_path / "a", "", ""), "205B") == [
        w("uasc", 2, "1", "DUC", message), w("header", 2, "1", "CHILD", message),
    ]
    assert found(returns(tmp_path / "b", "01/06/2028", "01/06/2028"), "205B") == []
