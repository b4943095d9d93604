"""The demo's 2024-25 return against DfE's own validator (issue 17: at most 1% issue rows).

Runs ``benchmarks/demo_dfe_validity.py``'s measure on one seed; skips when DfE's validator venv
is absent (a clean clone has none: ``$CPANALYSIS_DFE_VENV`` or ``.venv-dfe-validator/``).
The five-seed measure is the benchmark itself.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from cpanalysis import synth

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
_spec = importlib.util.spec_from_file_location("demo_dfe_validity", ROOT / "benchmarks" / "demo_dfe_validity.py")
validity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validity)


def _venv() -> Path | None:
    for folder in (os.environ.get("CPANALYSIS_DFE_VENV"), ROOT / ".venv-dfe-validator"):
        if folder and (Path(folder) / "bin" / "python").exists():
            return Path(folder)
    return None


def test_ruleset_for_each_return() -> None:
    assert validity.ruleset_for("2024-25") == "lac2024_25"
    assert validity.ruleset_for("2025-26_Q2") == "lac2025_26"
    assert validity.ruleset_for("2016-17") == "lac2022_23"  # the oldest DfE publishes


@pytest.mark.skipif(_venv() is None, reason="DfE validator venv absent (set CPANALYSIS_DFE_VENV)")
def test_2024_25_return_at_most_one_percent_issue_rows(tmp_path: Path) -> None:
    synth.generate(tmp_path, seed=1, first_year="2023-24", as_at="2025-03-31")
    folder = tmp_path / "903" / "2024-25"
    found = validity.run_dfe_validator(folder, tmp_path / "903" / "2023-24", "lac2024_25", dfe_venv=_venv())
    found = found[found["return"] == "current"].reset_index(drop=True)
    kind = validity.classify(found, folder, in_year=False)
    share = (kind == "finding").sum() / validity._data_rows(folder)
    assert share <= 0.01, found[kind == "finding"].groupby("rule").size().to_dict()
