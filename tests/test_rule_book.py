"""The one rule book: every rule id the package can raise is listed, once, with its stage."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from cpanalysis import clean, stitch, validate

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
