"""The bridge to DfE's validator (``benchmarks/dfe_validator.py``).

DfE's validator lives in its own venv (pandas<2); the run test skips when that venv is absent
(a clean clone has none; ``make conformance`` creates it).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("dfe_validator", ROOT / "benchmarks" / "dfe_validator.py")
dfe_validator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dfe_validator)


def _venv() -> Path | None:
    for folder in (os.environ.get(dfe_validator.VENV_ENV_VAR), dfe_validator.DEFAULT_VENV):
        if folder and (Path(folder) / "bin" / "python").exists():
            return Path(folder)
    return None


def test_collection_year_of_ruleset():
    assert dfe_validator.collection_year_of("lac2024_25") == "2025"
    assert dfe_validator.collection_year_of("lac2025_26") == "2026"


@pytest.mark.skipif(_venv() is None, reason="DfE validator venv absent (make conformance creates it)")
def test_dfe_finds_invalid_sex_on_its_row(tmp_path):
    (tmp_path / "a.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "1001,M,01/02/2010,WBRI,UN1,,\n"
        "1002,X,01/02/2010,WBRI,UN1,,\n"
    )
    (tmp_path / "notes.csv").write_text("whatever,this,is\n1,2,3\n")
    found = dfe_validator.run_dfe_validator(tmp_path, ruleset="lac2024_25", dfe_venv=_venv(), rules=["101"])
    assert found[["rule", "child", "table", "row", "return"]].values.tolist() == [
        ["101", "1002", "header", 3, "current"]
    ]
    assert "notes.csv" in found.attrs["log"]
    assert found.attrs["cpu_seconds"] > 0


# --- DfE 1001's short-break defect, as the conformance script recognises it ---------------------

_conf_spec = importlib.util.spec_from_file_location(
    "dfe_validator_conformance", ROOT / "benchmarks" / "dfe_validator_conformance.py"
)
conformance = importlib.util.module_from_spec(_conf_spec)
_conf_spec.loader.exec_module(conformance)

_EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
_HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def _short_break_case(root: Path, a_row: int, a_dec: str) -> Path:
    """Young person A (born 01/06/2006: 14 in 2020, 16 in 2022) looked after from 01/05/2023 to
    ``a_dec`` in last year's return, on data row ``a_row``; this year's return has a short
    break (V3) of child B on data row 0, child D's episode on row 1 (DfE's rule reports nothing
    when no episode is left at all), and A's care-leaver row."""
    this_year, last_year = root / "2024-25", root / "2023-24"
    this_year.mkdir(parents=True)
    last_year.mkdir()
    (this_year / "header.csv").write_text(_HEADER + "A,M,01/06/2006,WBRI,UN1,,\nB,F,01/06/2012,WBRI,UN1,,\nD,F,01/06/2012,WBRI,UN1,,\n")
    (this_year / "episodes.csv").write_text(
        _EPISODES + "B,01/05/2024,S,V3,N1,H5,PR1,03/05/2024,E3,,,,\nD,01/05/2024,S,C2,N1,U1,PR1,,,,,,\n"
    )
    (this_year / "oc3.csv").write_text("CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nA,01/06/2006,YES,F2,B1\n")
    rows = ["C,01/04/2023,S,C2,N1,U1,PR1,,,,,,\n"] * a_row + [f"A,01/05/2023,S,C2,N1,U1,PR1,{a_dec},E8,,,,\n"]
    (last_year / "header.csv").write_text(_HEADER + "A,1,01/06/2006,WBRI,UN1,,\nC,2,01/06/2012,WBRI,UN1,,\n")
    (last_year / "episodes.csv").write_text(_EPISODES + "".join(rows))
    return this_year / "oc3.csv"


def test_1001_short_break_defect_recognised(tmp_path):
    # A's 276 days (01/05/2023 to 01/02/2024) make A a relevant child; A's episode sits on data row
    # 0 of last year's file, the row number of B's short break this year: DfE drops both.
    oc3 = _short_break_case(tmp_path / "shared_row", 0, "01/02/2024")
    assert conformance._lost_with_short_breaks(str(oc3), "A", {}) is True
    # on another row number A's episode survives: DfE's report (if any) is not this defect
    oc3 = _short_break_case(tmp_path / "other_row", 1, "01/02/2024")
    assert conformance._lost_with_short_breaks(str(oc3), "A", {}) is False
    # 30 days (01/05/2023 to 31/05/2023) fail DfE's own test anyway: a genuine finding
    oc3 = _short_break_case(tmp_path / "too_short", 0, "31/05/2023")
    assert conformance._lost_with_short_breaks(str(oc3), "A", {}) is False


@pytest.mark.skipif(_venv() is None, reason="DfE validator venv absent (make conformance creates it)")
def test_dfe_1001_reports_a_relevant_child_whose_row_number_is_a_short_break(tmp_path):
    for name, row in (("shared_row", 0), ("other_row", 1)):
        oc3 = _short_break_case(tmp_path / name, row, "01/02/2024")
        job = dfe_validator.dfe_job(oc3.parent, oc3.parent.parent / "2023-24", "lac2024_25", rules=["1001"])
        found = dfe_validator.run_dfe_validator_jobs([job], _venv())
        reported = found[found["rule"].eq("1001")]["child"].tolist()
        assert reported == (["A"] if row == 0 else []), name


def _fields_module():
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("dfe_rule_fields", ROOT / "benchmarks" / "dfe_rule_fields.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_fields_compared_with_dfe_affected_fields():
    fields = _fields_module()
    dfe = {
        "501": {"fields": ["DECOM", "DEC"], "tables": ["Episodes"]},   # the same
        "504": {"fields": ["CIN"], "tables": ["Episodes"]},            # the package also names REC, DEC, DECOM
        "205B": {"fields": ["DUC", "UASC"], "tables": ["UASC"]},      # documented: DfE's UASC flag
        "143": {"fields": ["RNE", "LS"], "tables": ["Episodes"]},      # invented: LS undocumented
        "999": {"fields": ["X"], "tables": ["Header"]},                # not a package rule
    }
    table = fields.compare_fields(dfe).set_index("rule")
    assert list(table.index) == ["501", "504", "143", "205B"]  # in the rule book's order
    assert table.loc["501", "status"] == "same"
    assert (table.loc["504", "status"], table.loc["504", "ours_only"]) == ("cpanalysis names more", "DEC, DECOM, REC")
    assert (table.loc["205B", "status"], table.loc["205B", "dfe_only"]) == ("DfE names more", "UASC")
    assert table.loc["205B", "reason"].startswith("DfE's UASC is a flag")
    assert (table.loc["143", "dfe_only"], table.loc["143", "reason"]) == ("LS", "")
    assert fields.summary(table.reset_index()) == (
        "Fields of 4 rule ids in both books: 1 the same, 1 cpanalysis names more (every DfE field and what its "
        "rule reads), 2 DfE names more (1 not documented)")


@pytest.mark.skipif(_venv() is None, reason="DfE validator venv not installed (make conformance creates it)")
def test_every_dfe_field_the_package_does_not_name_is_documented():
    fields = _fields_module()
    table = fields.compare_fields(fields.dfe_fields("lac2024_25", str(_venv())))
    assert len(table) > 100
    differ = table[table["status"] == "DfE names more"]
    assert set(differ["rule"]) == set(fields.DIFFERENCES)
    assert (differ["reason"] != "").all()
