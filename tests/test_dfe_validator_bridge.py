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
