"""Validation rules: each rule has a failing case (exact issue rows) and passing cases.

The base return below (2024-25, one child looked after since 2023 with a move in June 2024 and an
OC2 row) breaks no rule. Each case changes it a little and asserts exactly what the rule reports.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import clean, ingest, schema, validate
from cpanalysis.errors import ParameterError
from tests.helpers_903 import write_return

GOOD = Path(__file__).parent / "fixtures" / "good"

HEADER = {"CHILD": "1", "SEX": "M", "DOB": "01/06/2010", "ETHNIC": "WBRI", "UPN": "A123456789012"}
EP1 = {"CHILD": "1", "DECOM": "01/05/2023", "RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U6", "PLACE_PROVIDER": "PR1",
       "DEC": "01/06/2024", "REC": "X1", "REASON_PLACE_CHANGE": "CARPL", "HOME_POST": "LS1 4AP", "PL_POST": "LS8 2BB", "URN": "SC111111"}
EP2 = {"CHILD": "1", "DECOM": "01/06/2024", "RNE": "P", "LS": "C2", "CIN": "N1", "PLACE": "U4", "PLACE_PROVIDER": "PR4",
       "HOME_POST": "LS1 4AP", "PL_POST": "LS9 9AA", "URN": "SC222222"}
OC2 = {"CHILD": "1", "DOB": "01/06/2010", "SDQ_SCORE": "10", "CONVICTED": "0", "IMMUNISATIONS": "1", "TEETH_CHECK": "1",
       "HEALTH_ASSESSMENT": "1", "SUBSTANCE_MISUSE": "0"}
BASE = {"header": [HEADER], "episodes": [EP1, EP2], "oc2": [OC2]}

#: A valid row of every other table for child 1 (added by the cases that need one).
ROWS = {
    "uasc": {"CHILD": "1", "SEX": "M", "DOB": "01/06/2010"},
    "reviews": {"CHILD": "1", "DOB": "01/06/2010", "REVIEW": "01/07/2024", "REVIEW_CODE": "PN1"},
    "oc3": {"CHILD": "1", "DOB": "01/06/2010", "IN_TOUCH": "YES", "ACTIV": "F2", "ACCOM": "Z1"},
    "ad1": {"CHILD": "1", "DOB": "01/06/2010", "DATE_INT": "01/07/2024", "DATE_MATCH": "01/08/2024", "FOSTER_CARE": "0",
            "NB_ADOPTR": "1", "SEX_ADOPTR": "F1", "LS_ADOPTR": "L0"},
    "placed_for_adoption": {"CHILD": "1", "DOB": "01/06/2010", "DATE_PLACED": "01/07/2024"},
    "previous_permanence": {"CHILD": "1", "DOB": "01/06/2010", "PREV_PERM": "Z1"},
    "missing": {"CHILD": "1", "DOB": "01/06/2010", "MISSING": "M", "MIS_START": "10/10/2024", "MIS_END": "11/10/2024"},
    "sw_episodes": {"CHILD": "1", "DOB": "01/06/2010", "SW_ID": "SW1", "SW_DECOM": "01/04/2024", "SW_REASON": "OTHERS"},
    "oc2": OC2,
}


def prepare(tmp_path: Path, change: Callable[[dict], None] | None = None, label: str = "2024-25"):
    """Write the base return changed by ``change``; return processed tables and cleaning issues."""
    tables = copy.deepcopy(BASE)
    if change:
        change(tables)
    write_return(tmp_path, label, tables)
    return clean.normalise(ingest.read_returns(tmp_path))


def found(tables, rule_id: str, clean_issues=None) -> list[tuple]:
    issues = validate.validate(tables, rules=[rule_id], prior_issues=clean_issues)
    assert set(issues["rule_id"]) <= {rule_id}
    return [
        (r.table, r.row, r.child, r.column, r.severity, r.message)
        for r in issues.itertuples(index=False)
    ]


def edit(table: str, i: int, **values) -> Callable[[dict], None]:
    def change(tables: dict) -> None:
        tables[table][i] = {**tables[table][i], **values}
    return change


def add(table: str, *rows: dict) -> Callable[[dict], None]:
    def change(tables: dict) -> None:
        tables.setdefault(table, []).extend(copy.deepcopy(list(rows)))
    return change


def both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(tables: dict) -> None:
        for c in changes:
            c(tables)
    return change


CHILD2 = both(add("header", {**HEADER, "CHILD": "2", "DOB": "01/01/2012"}),
              add("episodes", {**EP2, "CHILD": "2", "DECOM": "01/09/2024", "RNE": "S"}))
RESPITE_CHILD = add("header", {**HEADER, "CHILD": "3"})


def respite(*spans: tuple[str, str], rne: str = "S") -> Callable[[dict], None]:
    rows = [{"CHILD": "3", "DECOM": a, "RNE": rne, "LS": "V3", "CIN": "N2", "PLACE": "K2", "PLACE_PROVIDER": "PR1",
             "DEC": b, "REC": "E4A", "URN": "SC333333"} for a, b in spans]
    return both(RESPITE_CHILD, add("episodes", *rows))


def w(table, row, child, column, message, severity="warning"):
    return (table, row, child, column, severity, message)


# (case id, rule id, change, label, expected issue rows)
FAIL_CASES = [
    ("blank ethnic", "REQ", edit("header", 0, ETHNIC=""), "2024-25",
     [w("header", 2, "1", "ETHNIC", "ETHNIC is blank but required; kept.")]),
    ("blank child", "REQ", edit("episodes", 1, CHILD=""), "2024-25",
     [w("episodes", 3, None, "CHILD", "CHILD is blank but required; the row cannot be used.", "error")]),
    ("blank dob", "REQ", edit("header", 0, DOB=""), "2024-25",
     [w("header", 2, "1", "DOB", "DOB is blank but required; the row cannot be used.", "error")]),
    ("copied row", "DUP", add("episodes", EP2), "2024-25",
     [w("episodes", 4, "1", None, "exact copy of row 3 of 2024-25/episodes.csv; the copy is not used.", "error")]),
    ("dec before decom", "356", edit("episodes", 1, DEC="01/05/2024", REC="E4A"), "2024-25",
     [w("episodes", 3, "1", "DEC", "DEC 01/05/2024 is before DECOM 01/06/2024.", "error")]),
    ("sex 1 in 2024-25", "101", edit("header", 0, SEX="1"), "2024-25",
     [w("header", 2, "1", "SEX", "SEX '1' is not a valid code in 2024-25 (it is valid in other years).")]),
    ("sex X in uasc", "101", add("uasc", {**ROWS["uasc"], "SEX": "x"}), "2024-25",
     [w("uasc", 2, "1", "SEX", "SEX 'X' is not a valid code.")]),
    ("K3 before 2024-25", "146", edit("episodes", 1, PLACE="K3"), "2023-24",
     [w("episodes", 3, "1", "PLACE", "PLACE 'K3' is not a valid code in 2023-24 (it is valid in other years).")]),
    ("historic place", "146", edit("episodes", 1, PLACE="Q2"), "2024-25",
     [w("episodes", 3, "1", "PLACE", "PLACE 'Q2' is a historic code no longer collected.")]),
    ("LIIA E99", "149", edit("episodes", 1, DEC="01/01/2025", REC="E99"), "2024-25",
     [w("episodes", 3, "1", "REC", "REC 'E99' is a LIIA repair marker, not a DfE code.")]),
    ("oc2 flag 2", "181", edit("oc2", 0, CONVICTED="2"), "2024-25",
     [w("oc2", 2, "1", "CONVICTED", "CONVICTED '2' is not a valid code.")]),
    ("born after year end", "301", edit("header", 0, DOB="01/05/2025"), "2024-25",
     [w("header", 2, "1", "DOB", "DOB 01/05/2025 is after the return's end 31/03/2025.")]),
    ("aged 26", "351", edit("header", 0, DOB="01/03/1998"), "2024-25",
     [w("header", 2, "1", "DOB", "aged 26 on 1 April, over 25.")]),
    ("episode before birth", "302", edit("header", 0, DOB="01/06/2023"), "2024-25",
     [w("episodes", 2, "1", "DECOM", "DECOM 01/05/2023 is before DOB 01/06/2023.")]),
    ("future decom", "354", edit("episodes", 1, DECOM="01/04/2025"), "2024-25",
     [w("episodes", 3, "1", "DECOM", "DECOM 01/04/2025 is after the return's end 31/03/2025.")]),
    ("future dec", "385", edit("episodes", 1, DEC="02/04/2025", REC="E4A"), "2024-25",
     [w("episodes", 3, "1", "DEC", "DEC 02/04/2025 is after the return's end 31/03/2025.")]),
    ("dec without rec", "148", both(edit("episodes", 1, DEC="01/01/2025"), edit("episodes", 0, DEC="")), "2024-25",
     [w("episodes", 2, "1", "REC", "REC is given but DEC is blank."),
      w("episodes", 3, "1", "REC", "DEC is given but REC is blank.")]),
    ("overlap", "501", edit("episodes", 0, DEC="15/06/2024"), "2024-25",
     [w("episodes", 3, "1", "DECOM", "DECOM 01/06/2024 is before the previous episode's DEC 15/06/2024.")]),
    ("open then next", "142", edit("episodes", 0, DEC="", REC=""), "2024-25",
     [w("episodes", 2, "1", "DEC", "the episode has no DEC but a later episode starts 01/06/2024.")]),
    ("gap", "433", edit("episodes", 0, DEC="20/05/2024"), "2024-25",
     [w("episodes", 3, "1", "DECOM", "RNE P suggests a continuation episode, but DECOM 01/06/2024 is not the previous "
        "episode's DEC (20/05/2024).")]),
    ("x1 last", "388", edit("episodes", 1, DEC="01/01/2025", REC="X1"), "2024-25",
     [w("episodes", 3, "1", "REC", "REC X1 but no later episode follows in this return.")]),
    ("first ever not S", "357", both(CHILD2, edit("episodes", 2, RNE="P")), "2024-25",
     [w("episodes", 4, "2", "RNE", "RNE P on the child's first episode; expected S.")]),
    ("S same day", "431", edit("episodes", 1, RNE="S"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE S but the previous episode ended on DECOM 01/06/2024.")]),
    ("left then P", "432", edit("episodes", 0, REC="E4A"), "2024-25",
     [w("episodes", 3, "1", "RNE", "the previous episode ended care (REC E4A) but RNE is P, not S.")]),
    ("L but moved", "434", edit("episodes", 1, RNE="L", LS="C1"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE L but the placement changed.")]),
    ("L but same LS", "434", edit("episodes", 1, RNE="L", PLACE="U6", PLACE_PROVIDER="PR1", PL_POST="LS8 2BB", URN="SC111111"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE L but LS did not change.")]),
    ("P but LS changed", "435", edit("episodes", 1, LS="C1"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE P but LS changed.")]),
    ("T but nothing changed", "435", edit("episodes", 1, RNE="T", PLACE="U6", PLACE_PROVIDER="PR1", PL_POST="LS8 2BB", URN="SC111111"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE T but no placement detail changed.")]),
    ("B but LS same", "436", edit("episodes", 1, RNE="B"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE B but LS did not change.")]),
    ("U but placement same", "436", edit("episodes", 1, RNE="U", LS="E1", PLACE="U6", PLACE_PROVIDER="PR1", PL_POST="LS8 2BB", URN="SC111111"), "2024-25",
     [w("episodes", 3, "1", "RNE", "RNE U but the placement did not change.")]),
    ("died then more", "437", edit("episodes", 0, REC="E2"), "2024-25",
     [w("episodes", 2, "1", "REC", "REC E2 but a later episode follows.")]),
    ("no provider", "526", edit("episodes", 1, PLACE_PROVIDER=""), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER is blank for PLACE U4.")]),
    ("provider on temporary", "213", edit("episodes", 1, PLACE="T1"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER given for PLACE T1.")]),
    ("PR0 not P1", "550", edit("episodes", 1, PLACE_PROVIDER="PR0"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR0 with PLACE U4.")]),
    ("PR1 R2", "527", edit("episodes", 1, PLACE="R2", PLACE_PROVIDER="PR1"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR1 cannot go with PLACE R2.")]),
    ("PR2 R5", "528", edit("episodes", 1, PLACE="R5", PLACE_PROVIDER="PR2"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR2 cannot go with PLACE R5.")]),
    ("PR3 K2", "529", edit("episodes", 1, PLACE="K2", PLACE_PROVIDER="PR3"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR3 cannot go with PLACE K2.")]),
    ("PR4 P1", "530", edit("episodes", 1, PLACE="P1", PLACE_PROVIDER="PR4"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR4 cannot go with PLACE P1.")]),
    ("PR5 P1", "531", edit("episodes", 1, PLACE="P1", PLACE_PROVIDER="PR5"), "2024-25",
     [w("episodes", 3, "1", "PLACE_PROVIDER", "PLACE_PROVIDER PR5 cannot go with PLACE P1.")]),
    ("long break", "365", respite(("01/07/2024", "19/07/2024")), "2024-25",
     [w("episodes", 4, "3", "DEC", "short break of 18 days (over 17).")]),
    ("move in break", "366", respite(("01/07/2024", "05/07/2024"), rne="P"), "2024-25",
     [w("episodes", 4, "3", "RNE", "LS V3 episode with RNE P; expected S.")]),
    ("85 days of breaks", "367",
     respite(*[(f"01/{m:02d}/2024", f"18/{m:02d}/2024") for m in (5, 6, 7, 8, 9)]), "2024-25",
     [w("episodes", 8, "3", "LS", "short breaks total 85 days in the year (over 75).")]),
    ("uasc sex", "INT21", add("uasc", {**ROWS["uasc"], "SEX": "F"}), "2024-25",
     [w("uasc", 2, "1", "SEX", "SEX F differs from the header's M.")]),
    ("duc after 18", "304", add("uasc", {**ROWS["uasc"], "DOB": "01/06/2006", "DUC": "02/06/2024"}), "2024-25",
     [w("uasc", 2, "1", "DUC", "DUC 02/06/2024 is after the 18th birthday 01/06/2024.")]),
    ("missing ends first", "567", add("missing", {**ROWS["missing"], "MIS_END": "09/10/2024"}), "2024-25",
     [w("missing", 2, "1", "MIS_END", "MIS_END 09/10/2024 is before MIS_START 10/10/2024.")]),
    ("sdq 41", "180", edit("oc2", 0, SDQ_SCORE="41"), "2024-25",
     [w("oc2", 2, "1", "SDQ_SCORE", "SDQ_SCORE 41 is outside 0-40.")]),
    ("sdq for a starter", "185", both(CHILD2, add("oc2", {"CHILD": "2", "DOB": "01/01/2012", "SDQ_SCORE": "12"})), "2024-25",
     [w("oc2", 3, "2", "SDQ_SCORE", "SDQ score given but the child is not in the 12-month cohort.")]),
    ("sdq reason for a starter", "198", both(CHILD2, add("oc2", {"CHILD": "2", "DOB": "01/01/2012", "SDQ_REASON": "SDQ2"})), "2024-25",
     [w("oc2", 3, "2", "SDQ_REASON", "SDQ reason given but the child is not in the 12-month cohort.")]),
    ("oc2 items for a starter", "190", both(CHILD2, add("oc2", {"CHILD": "2", "DOB": "01/01/2012", "IMMUNISATIONS": "1"})), "2024-25",
     [w("oc2", 3, "2", None, "OC2 items completed but the child is not in the 12-month cohort.")]),
    ("cohort with blank items", "191", edit("oc2", 0, TEETH_CHECK=""), "2024-25",
     [w("oc2", 2, "1", None, "child in the 12-month cohort with blank OC2 items (immunisations, teeth, health assessment or substance misuse).")]),
    ("cohort with no oc2", "191", lambda t: t.pop("oc2"), "2024-25",
     [w("header", 2, "1", "CHILD", "child looked after continuously for 12 months at 31 March but has no OC2 row.")]),
    ("oc3 aged 14", "391", add("oc3", ROWS["oc3"]), "2024-25",
     [w("oc3", 2, "1", "DOB", "aged 14 at 31 March: not a care-leaver birthday year.")]),
    ("oc3 aged 26", "391", add("oc3", {**ROWS["oc3"], "DOB": "01/06/1998"}), "2024-25",
     [w("oc3", 2, "1", "DOB", "aged 26 at 31 March: not a care-leaver birthday year.")]),
    ("46 days in care", "1001",
     both(add("header", {**HEADER, "CHILD": "5", "DOB": "01/06/2006"}),
          add("episodes", {**EP1, "CHILD": "5", "DECOM": "01/03/2024", "DEC": "15/04/2024", "REC": "E4A"}),
          add("oc3", {**ROWS["oc3"], "CHILD": "5", "DOB": "01/06/2006"})), "2024-25",
     [w("oc3", 2, "5", "CHILD", "looked after 46 day(s) since the 14th birthday in the returns read: not a care leaver (needs 91, some after 16).")]),
    ("oc3 partly", "153", add("oc3", {**ROWS["oc3"], "ACTIV": "", "ACCOM": ""}), "2024-25",
     [w("oc3", 2, "1", None, "only 1 of IN_TOUCH, ACTIV and ACCOM completed.")]),
    ("died with activity", "344", add("oc3", {**ROWS["oc3"], "IN_TOUCH": "DIED", "ACCOM": "0"}), "2024-25",
     [w("oc3", 2, "1", "IN_TOUCH", "IN_TOUCH DIED but ACTIV/ACCOM are not 0.")]),
    ("in touch, nothing known", "345", add("oc3", {**ROWS["oc3"], "ACTIV": "0"}), "2024-25",
     [w("oc3", 2, "1", "IN_TOUCH", "IN_TOUCH YES but ACTIV or ACCOM is 0.")]),
]

#: Each code rule: (rule id, table, column, an invalid value).
CODE_CASES = [
    ("103", "header", "ETHNIC", "WHIT"), ("165", "header", "MOTHER", "2"), ("143", "episodes", "RNE", "X"),
    ("144", "episodes", "LS", "C3"), ("145", "episodes", "CIN", "N9"), ("146", "episodes", "PLACE", "U7"),
    ("178", "episodes", "PLACE_PROVIDER", "PR9"), ("149", "episodes", "REC", "E10"),
    ("1009", "episodes", "REASON_PLACE_CHANGE", "MOVED"), ("167", "reviews", "REVIEW_CODE", "PN8"),
    ("196", "oc2", "SDQ_REASON", "SDQ9"), ("131", "oc3", "IN_TOUCH", "MAYBE"), ("132", "oc3", "ACTIV", "F9"),
    ("133", "oc3", "ACCOM", "S1"), ("114", "ad1", "FOSTER_CARE", "3"), ("175", "ad1", "NB_ADOPTR", "3"),
    ("176", "ad1", "SEX_ADOPTR", "XX"), ("177", "ad1", "LS_ADOPTR", "L9"), ("120", "placed_for_adoption", "REASON_PLACED_CEASED", "RD9"),
    ("631", "previous_permanence", "PREV_PERM", "P9"), ("1006", "missing", "MISSING", "X"), ("SW13STG1", "sw_episodes", "SW_REASON", "BORED"),
]

NOT_IN_HEADER = [("INT01", "ad1"), ("INT02", "placed_for_adoption"), ("INT03", "episodes"), ("INT04", "missing"), ("INT05", "oc2"),
                 ("INT06", "oc3"), ("INT07", "previous_permanence"), ("INT08", "reviews"), ("INT09", "uasc")]
DOB_DIFFERS = [("INT11", "ad1"), ("INT12", "placed_for_adoption"), ("INT13", "missing"), ("INT14", "oc2"), ("INT15", "oc3"),
               ("INT16", "previous_permanence"), ("INT17", "reviews"), ("INT18", "uasc")]
ONCE_ONLY = [("INT31", "ad1"), ("INT32", "header"), ("INT33", "oc2"), ("INT34", "oc3"), ("INT35", "previous_permanence"), ("INT36", "uasc")]


def _sample(table: str) -> dict:
    return {"header": HEADER, "episodes": EP2}.get(table) or ROWS[table]


def _row_after_base(table: str) -> int:
    """Spreadsheet row of a row appended to ``table`` of the base return."""
    return len(BASE.get(table, [])) + 2


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("rule_id", "change", "label", "expected"),
                         [pytest.param(r, c, lab, e, id=f"{r}-{name}") for name, r, c, lab, e in FAIL_CASES])
def test_rule_fails(tmp_path: Path, rule_id, change, label, expected) -> None:
    tables, clean_issues = prepare(tmp_path, change, label)
    assert clean_issues[clean_issues["severity"] != "info"].empty
    assert found(tables, rule_id, clean_issues) == expected


@pytest.mark.parametrize(("rule_id", "table", "column", "value"), CODE_CASES, ids=[c[0] for c in CODE_CASES])
def test_code_rules(tmp_path: Path, rule_id, table, column, value) -> None:
    row = {**_sample(table), column: value}
    if table in BASE:
        tables, _ = prepare(tmp_path, edit(table, len(BASE[table]) - 1, **{column: value}))
        row_number = len(BASE[table]) + 1
    else:
        tables, _ = prepare(tmp_path, add(table, row))
        row_number = 2
    assert found(tables, rule_id) == [w(table, row_number, "1", column, f"{column} '{value}' is not a valid code.")]


@pytest.mark.parametrize(("rule_id", "table"), NOT_IN_HEADER, ids=[c[0] for c in NOT_IN_HEADER])
def test_child_not_in_header(tmp_path: Path, rule_id, table) -> None:
    tables, _ = prepare(tmp_path, add(table, {**_sample(table), "CHILD": "9"}))
    assert found(tables, rule_id) == [w(table, _row_after_base(table), "9", "CHILD", f"the child is in {table} but not in this return's header.")]


@pytest.mark.parametrize(("rule_id", "table"), DOB_DIFFERS, ids=[c[0] for c in DOB_DIFFERS])
def test_dob_differs(tmp_path: Path, rule_id, table) -> None:
    if table in BASE:
        tables, _ = prepare(tmp_path, edit(table, 0, DOB="02/06/2010"))
        row = 2
    else:
        tables, _ = prepare(tmp_path, add(table, {**_sample(table), "DOB": "02/06/2010"}))
        row = 2
    assert found(tables, rule_id) == [w(table, row, "1", "DOB", "DOB 02/06/2010 differs from the header's 01/06/2010.")]


@pytest.mark.parametrize(("rule_id", "table"), ONCE_ONLY, ids=[c[0] for c in ONCE_ONLY])
def test_child_once_only(tmp_path: Path, rule_id, table) -> None:
    first = _sample(table)
    second = {**first, "DOB": "02/06/2010"}
    rows = [first, second] if table not in BASE else [second]
    tables, _ = prepare(tmp_path, add(table, *rows))
    assert found(tables, rule_id) == [w(table, 3, "1", "CHILD", f"the child has more than one row in {table} in this return.")]
    # an exact copy is the DUP rule's (quarantined), not reported twice
    tables, _ = prepare(tmp_path / "copy", add(table, *([first, first] if table not in BASE else [first])))
    assert found(tables, rule_id) == []
    assert [r[0:2] for r in found(tables, "DUP")] == [(table, 3)]


# ---------------------------------------------------------------------------------------------
def test_base_and_good_fixture_pass_every_rule(tmp_path: Path) -> None:
    tables, clean_issues = prepare(tmp_path)
    assert clean_issues.empty
    assert validate.validate(tables, prior_issues=clean_issues).empty
    tables, clean_issues = clean.normalise(ingest.read_returns(GOOD))
    issues = validate.validate(tables, prior_issues=clean_issues)
    # The fixture's placement postcodes are made up (WF2 2BB, BD3 3CC, S3 3CC; LS2 2AA at
    # home), so the rules needing a known postcode report them, and only them; 0042 (UASC) has
    # no postcodes, which 169 and 179 do not excuse (as DfE).
    unknown = issues["message"].str.contains(r"is not a known postcode\.$") | issues["child"].eq("0042")
    assert set(issues["rule_id"]) == {"392a", "169", "179"} and unknown.all()
    assert validate.validate(tables, rules=[r for r, rule_ in validate.RULES.items()
                                            if rule_.check is not None and r not in {"392a", "169", "179"}],
                             prior_issues=clean_issues).empty


PASS_CASES = [
    ("101", edit("header", 0, SEX="1"), "2023-24"),
    ("351", edit("header", 0, DOB="02/04/1998"), "2024-25"),
    ("301", edit("header", 0, DOB="31/03/2025"), "2024-25"),
    ("385", edit("episodes", 1, DEC="31/03/2025", REC="E4A"), "2024-25"),
    ("526", edit("episodes", 1, PLACE="T1", PLACE_PROVIDER=""), "2024-25"),
    ("550", edit("episodes", 1, PLACE="P1", PLACE_PROVIDER="PR0", URN=""), "2024-25"),
    ("365", respite(("01/07/2024", "18/07/2024")), "2024-25"),
    ("367", respite(*[(f"01/{m:02d}/2024", f"18/{m:02d}/2024") for m in (5, 6, 7, 8)]), "2024-25"),
    ("304", add("uasc", {**ROWS["uasc"], "DOB": "01/06/2006", "DUC": "01/06/2024"}), "2024-25"),
    ("180", edit("oc2", 0, SDQ_SCORE="40"), "2024-25"),
    ("344", add("oc3", {**ROWS["oc3"], "IN_TOUCH": "DIED", "ACTIV": "0", "ACCOM": "0"}), "2024-25"),
    ("391", add("oc3", {**ROWS["oc3"], "DOB": "01/06/2007"}), "2024-25"),
    ("391", add("oc3", {**ROWS["oc3"], "DOB": "01/06/2000"}), "2024-25"),  # aged 24, collected from 2022-23
    # 106 days (1 January to 15 April 2024, a leap year) is a relevant child
    ("1001", both(add("header", {**HEADER, "CHILD": "5", "DOB": "01/06/2006"}),
                  add("episodes", {**EP1, "CHILD": "5", "DECOM": "01/01/2024", "DEC": "15/04/2024", "REC": "E4A"}),
                  add("oc3", {**ROWS["oc3"], "CHILD": "5", "DOB": "01/06/2006"})), "2024-25"),
    # no episodes loaded for the young person: not judged
    ("1001", add("oc3", {**ROWS["oc3"], "CHILD": "6", "DOB": "01/06/2006"}), "2024-25"),
    # an in-year extract has no 31 March yet, so the OC2 cohort is not judged
    ("185", both(CHILD2, add("oc2", {"CHILD": "2", "DOB": "01/01/2012", "SDQ_SCORE": "12"})), "2024-25_Q2"),
    ("191", lambda t: t.pop("oc2"), "2024-25_Q3"),
    # a child whose first episode was carried in from an earlier year is not judged by 357
    ("357", edit("episodes", 0, RNE="P"), "2024-25"),
]


@pytest.mark.parametrize(("rule_id", "change", "label"), PASS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PASS_CASES)])
def test_rule_passes(tmp_path: Path, rule_id, change, label) -> None:
    tables, clean_issues = prepare(tmp_path, change, label)
    assert found(tables, rule_id, clean_issues) == []


def test_every_rule_has_a_failing_case() -> None:
    covered = {c[1] for c in FAIL_CASES} | {c[0] for c in CODE_CASES}
    covered |= {c[0] for c in NOT_IN_HEADER + DOB_DIFFERS + ONCE_ONLY}
    from tests import test_validate_dfe_families as families
    covered |= {c[0] for c in families.FAIL} | families.CROSS_YEAR_RULES
    from tests import test_validate_parity as parity
    covered |= {c[0] for c in parity.FAIL} | parity.TWO_RETURN_RULES
    from tests import test_validate_new_rules as new_rules
    covered |= {c[0] for c in new_rules.FAIL} | {"348", "208"}  # 348, 208: two returns, their own tests
    runnable = {r.rule_id for r in validate.RULES.values() if r.check is not None}
    assert runnable - covered == set()
    assert len(runnable) >= 25


def test_rule_book() -> None:
    book = validate.describe_rules()
    assert list(book.columns) == ["rule_id", "table", "severity", "stage", "collection_years", "fields", "name",
                                  "description"]
    years = book.set_index("rule_id")["collection_years"]
    # a rule applies from the first year DfE collects its table: social worker episodes from 2023-24
    assert years["SW13STG1"] == "2023-24 onwards"
    assert (years["501"], years["INGEST_CORE"], years["STITCH_1"]) == ("all years", "all years", "all years")
    # ... or from the year DfE added the rule (SW10a/b, SW17-19 in 2025-26)
    assert set(years[book.set_index("rule_id")["table"].eq("sw_episodes")]) == {"2023-24 onwards", "2025-26 onwards"}
    assert (years["SW10STG2"], years["SW10aSTG2"]) == ("2023-24 onwards", "2025-26 onwards")
    assert book["rule_id"].is_unique
    row = book.set_index("rule_id").loc["501"]
    assert (row["table"], row["severity"], row["stage"], row["name"]) == ("episodes", "warning", "validate", "overlapping_episodes")
    assert row["description"].startswith("DfE 501: a new episode starts before the end date of the previous episode")
    assert book.set_index("rule_id").loc["141", "stage"] == "normalise"
    assert set(book["severity"]) <= set(schema.SEVERITIES)
    with pytest.raises(ParameterError, match="unknown validation rule"):
        validate.validate({}, rules=["nope"])


def test_unreadable_decom_reported_once(tmp_path: Path) -> None:
    tables, clean_issues = prepare(tmp_path, edit("episodes", 1, DECOM="31/02/2024"))
    assert clean_issues[["rule_id", "row", "severity"]].values.tolist() == [["141", 3, "error"]]
    assert found(tables, "REQ", clean_issues) == []
    # without the cleaning issues the blank DECOM is reported as blank instead
    assert found(tables, "REQ") == [w("episodes", 3, "1", "DECOM", "DECOM is blank but required; the row cannot be used.", "error")]


def test_rules_compare_within_a_return(tmp_path: Path) -> None:
    # the same child in two returns: the 2023-24 copy of the open episode is not "overlapping"
    # the 2024-25 rows, because chains are compared within each return
    # (the child started care in 2023-24, so that return holds their previous permanence, DfE 630)
    write_return(tmp_path, "2023-24", {"header": [{**HEADER, "SEX": "1"}], "episodes": [{**EP1, "DEC": "", "REC": "", "REASON_PLACE_CHANGE": ""}],
                                       "previous_permanence": [ROWS["previous_permanence"]]})
    write_return(tmp_path, "2024-25", BASE)
    tables, clean_issues = clean.normalise(ingest.read_returns(tmp_path))
    issues = validate.validate(tables, prior_issues=clean_issues)
    # (the child started on 1 May 2023, so 2023-24 needs no OC2 row)
    assert issues.empty


# ---------------------------------------------------------------------------------------------
def test_quarantine_and_reconcile(tmp_path: Path) -> None:
    change = both(add("episodes", EP2), edit("episodes", 1, DEC="01/05/2024", REC="E4A"), edit("header", 0, ETHNIC=""))
    write_return(tmp_path, "2024-25", {**copy.deepcopy(BASE)})
    tables_in = copy.deepcopy(BASE)
    change(tables_in)
    write_return(tmp_path, "2024-25", tables_in)
    raw = ingest.read_returns(tmp_path)
    tables, clean_issues = clean.normalise(raw)
    issues = pd.concat([clean_issues, validate.validate(tables, prior_issues=clean_issues)], ignore_index=True)
    kept, quarantined = validate.quarantine(tables, issues)
    assert kept["episodes"]["source_row"].tolist() == [2, 4]
    assert quarantined["episodes"]["source_row"].tolist() == [3]
    assert quarantined["episodes"]["reason"].tolist() == ["356: DEC 01/05/2024 is before DECOM 01/06/2024."]
    # warnings keep the row
    assert len(kept["header"]) == 1 and quarantined["header"].empty
    counts = validate.reconcile(raw, kept, quarantined)
    assert counts.set_index("table").loc["episodes"].tolist() == [3, 2, 1]
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_quarantined"]).all()
    written = validate.write_quarantine(quarantined, tmp_path / "out" / "quarantine")
    assert [p.name for p in written] == ["episodes.csv"]
    text = (tmp_path / "out" / "quarantine" / "episodes.csv").read_text()
    assert "2024-06-01" in text and "356: DEC 01/05/2024" in text
    # a later clean run removes the stale file
    validate.write_quarantine({"episodes": quarantined["episodes"].iloc[:0]}, tmp_path / "out" / "quarantine")
    assert not (tmp_path / "out" / "quarantine" / "episodes.csv").exists()


def test_reconcile_detects_lost_rows(tmp_path: Path) -> None:
    tables, _ = prepare(tmp_path)
    raw = ingest.read_returns(tmp_path)
    kept, quarantined = validate.quarantine(tables, ingest.issue_frame([]))
    kept["episodes"] = kept["episodes"].iloc[:1]
    with pytest.raises(AssertionError, match="episodes: 2 rows read but 1 kept \\+ 0 quarantined"):
        validate.reconcile(raw, kept, quarantined)


def test_oc2_cohort(tmp_path: Path) -> None:
    change = both(
        CHILD2,  # started 1 September 2024: not in the cohort
        add("header", {**HEADER, "CHILD": "4"}, {**HEADER, "CHILD": "7"}),
        # started on 1 April 2024 and still looked after: in the cohort
        add("episodes", {**EP2, "CHILD": "4", "DECOM": "01/04/2024", "RNE": "S"},
            # looked after since 2022 but a short break in the year: not in the cohort
            {**EP2, "CHILD": "7", "DECOM": "01/01/2022", "RNE": "S", "LS": "V3", "DEC": "03/01/2022", "REC": "E4A"},
            {**EP2, "CHILD": "7", "DECOM": "01/05/2022", "RNE": "S"},
            {**EP2, "CHILD": "7", "DECOM": "01/05/2024", "RNE": "S", "LS": "V3", "DEC": "02/05/2024", "REC": "E4A"}),
    )
    tables, _ = prepare(tmp_path, change)
    cohort = validate.ValidationContext(tables).oc2_cohort
    assert sorted(cohort["child_id"]) == ["1", "4"]
