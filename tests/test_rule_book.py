"""The one rule book: every rule id the package can raise is listed, once, with its stage."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cpanalysis import clean, schema, stitch, validate
from cpanalysis.validate import engine

PACKAGE = Path(__file__).resolve().parent.parent / "cpanalysis"

#: Literal rule ids written in issue rows anywhere in the package.
ISSUE_ID = re.compile(
    r'"rule_id":\s*"([0-9A-Z][0-9A-Z_]*[a-z]?)"|_issue\([^,]+,\s*"[^"]+",\s*"([^"]+)"|"((?:INGEST|STITCH|BUILD)_[A-Z0-9_]+)"'
)


def raised_ids() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for match in ISSUE_ID.finditer(path.read_text(encoding="utf-8")):
            found |= {g for g in match.groups() if g}
    found |= set(clean.VALUE_RULES.values()) | {"DATE", "NUMBER"}
    found |= set(stitch.CROSS_YEAR_CHECKS.values())
    return found


def test_every_rule_id_raised_anywhere_is_in_the_book() -> None:
    ids = raised_ids()
    assert {"INGEST_CELLS", "STITCH_1", "STITCH_2A", "502", "503", "BUILD_GEOGRAPHY", "DATE_FORMAT"} <= ids
    assert ids - set(validate.RULES) == set()


def test_book_entries_name_a_known_stage_and_liia_names_stay_visible() -> None:
    book = validate.describe_rules().set_index("rule_id")
    assert set(book["stage"]) <= set(validate.STAGES)
    assert book.loc["STITCH_4", "stage"] == "stitch"
    assert book.loc["STITCH_4", "description"].startswith("(LIIA RULE_4)")
    assert book.loc["393", "stage"] == "validate"
    assert book.loc["INGEST_SPLIT", "stage"] == "ingest"


def test_validate_rules_prints_the_book() -> None:
    done = subprocess.run([sys.executable, "-m", "cpanalysis", "validate", "--rules"], capture_output=True, text=True)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["rule", "stage", "table", "severity", "years", "description"]
    assert any(line.split()[:6] == ["STITCH_1", "stitch", "episodes", "warning", "all", "years"] for line in lines[2:])
    assert any(line.split()[:5] == ["SW13STG1", "validate", "sw_episodes", "warning", "2023-24"] for line in lines[2:])
    assert any(line.split()[:2] == ["393", "validate"] for line in lines[2:])
    assert f"{len(validate.RULES)} rules." in done.stdout


def test_validate_without_a_folder_is_a_plain_error() -> None:
    done = subprocess.run([sys.executable, "-m", "cpanalysis", "validate"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "needs the folder of returns" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_rule_has_fields_and_each_is_a_column() -> None:
    for rule_id, rule_ in validate.RULES.items():
        assert rule_.fields, rule_id
        for name in rule_.fields:
            table, dot, column = name.rpartition(".")
            if dot:  # another table's column
                assert column in schema.TABLES[table].columns or column in engine.DERIVED_FIELDS.get(table, ()), (rule_id, name)
            elif rule_.table == "all":
                assert name in engine.table_fields("all"), (rule_id, name)
            else:
                own = (*schema.TABLES[rule_.table].columns, *engine.DERIVED_FIELDS.get(rule_.table, ()),
                       *schema.METADATA_COLUMNS, engine.EVERY_COLUMN)
                assert name in own, (rule_id, name)


def test_fields_checked_on_registration() -> None:
    with pytest.raises(ValueError, match="no fields"):
        engine.check_fields("X1", "episodes", ())
    with pytest.raises(ValueError, match="'DOB' is not a column of episodes"):
        engine.check_fields("X1", "episodes", ("DOB",))
    with pytest.raises(ValueError, match="'header.DECOM' is not a column of header"):
        engine.check_fields("X1", "episodes", ("header.DECOM",))
    assert engine.check_fields("X1", "episodes", ("PL_LA", "header.DOB", "source_row")) == ("PL_LA", "header.DOB", "source_row")


def test_fields_of_some_rules_by_hand() -> None:
    rules = validate.RULES
    # DECOM of the later episode against the previous episode's DEC
    assert rules["501"].fields == ("DECOM", "DEC")
    # a code list: the coded column alone
    assert rules["143"].fields == ("RNE",)
    # SEX is checked in the header and in the UASC table
    assert rules["101"].fields == ("SEX", "uasc.SEX")
    # the episode that ended care, and the header's MOTHER and SEX (DfE: DEC, REC, MOTHER, LS, SEX)
    assert rules["607"].fields == ("DEC", "REC", "LS", "header.MOTHER", "header.SEX")
    assert rules["607"].columns == {"DEC", "REC", "MOTHER", "LS", "SEX"}
    # the derived distance, from the two postcodes, of last year's open episode
    assert rules["503G"].fields == ("PL_DISTANCE", "HOME_POST", "PL_POST", "DEC")
    assert rules["INT11"].fields == ("DOB", "header.DOB")
    assert rules["DUP"].fields == (engine.EVERY_COLUMN,) and rules["DUP"].fields_text == "every column"
    assert rules["INGEST_TIDY"].names("PLACE") and rules["501"].names("DEC") and not rules["501"].names("REC")
    assert rules["REQ"].fields[:5] == ("CHILD", "SEX", "DOB", "ETHNIC", "UPN")
    assert rules["1004"].fields == ("MIS_START",) and rules["1004"].stage == "normalise"
    assert rules["STITCH_4"].fields == ("DEC", "DECOM")
    assert rules["INGEST_YEAR"].fields == ("collection_year",)


def test_the_column_of_every_hand_written_finding_is_a_field_of_its_rule() -> None:
    from tests import (
        test_validate,
        test_validate_dfe_families,
        test_validate_new_rules,
        test_validate_parity,
    )

    expected = [(case[1], rows) for case in test_validate.FAIL_CASES for rows in case[4]]
    expected += [(case[0], rows) for case in test_validate_parity.FAIL for rows in case[2]]
    expected += [(case[0], rows) for case in test_validate_dfe_families.FAIL for rows in case[2]]
    expected += [(case[0], rows) for case in test_validate_new_rules.FAIL for rows in case[3]]
    assert len(expected) > 90
    for rule_id, (_table, _row, _child, column, *_rest) in expected:
        if column is not None:
            assert validate.RULES[rule_id].names(column), (rule_id, column)


def test_validate_rules_prints_the_fields() -> None:
    done = subprocess.run([sys.executable, "-m", "cpanalysis", "validate", "--rules"], capture_output=True, text=True)
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["607", "validate"])
    assert lines[at + 1].split() == ["fields:", "DEC,", "REC,", "LS,", "header.MOTHER,", "header.SEX"]
    assert sum(line.strip().startswith("fields: ") for line in lines) == len(validate.RULES)
