"""Bad parameters and files on the command line: exit code 2 and one plain message, no traceback.

Each case of issue 15's list is run through :func:`cpanalysis.cli.main` on the small hand-made
returns (``tests/fixtures/good``: collection years 2023-24 to an in-year extract at 30 September
2025). Cases of ``cpanalysis run`` stop before any notebook starts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpanalysis import cli
from cpanalysis.reports import loading

GOOD = Path(__file__).parent / "fixtures" / "good"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with the fixture returns, built once (``data/processed``)."""
    root = tmp_path_factory.mktemp("plain")
    shutil.copytree(GOOD, root / "data" / "raw" / "903", ignore=shutil.ignore_patterns("*.md"))
    loading.load_tables(root / "data" / "raw" / "903", "E10000018")
    return root


def _fails_plainly(argv: list[str], capsys: pytest.CaptureFixture, expected: str) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    message = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(message) == 1, err
    assert expected in message[0]
    return message[0]


@pytest.mark.parametrize(("period_end", "expected"), [
    ("notadate", "period end 'notadate' is not a date (expected YYYY-MM-DD)"),
    ("2025-02-30", "period end '2025-02-30' is not a date (expected YYYY-MM-DD)"),
    ("9999-12-31", "period end '9999-12-31' is not a plausible date (expected a year from 1900 to 2199"),
    ("0001-03-31", "period end '0001-03-31' is not a plausible date"),
    # Outside the returns (1 April 2023 to 30 September 2025): never reported as fact.
    ("2040-03-31", "--period-end 2040-03-31 is outside the data: the returns run from 1 April 2023 to "
                   "30 September 2025, so a period end must be from 2023-06-30 to 2025-12-31"),
    ("2023-03-31", "--period-end 2023-03-31 is outside the data"),
])
def test_indicators_period_end(project: Path, tmp_path: Path, capsys, period_end: str, expected: str) -> None:
    _fails_plainly(["indicators", str(project / "data" / "processed"), "--period-end", period_end,
                    "--window", "rolling_12m", "--out", str(tmp_path / "i.csv")], capsys, expected)
    assert not (tmp_path / "i.csv").exists()


def test_indicators_period_end_next_quarter_allowed(project: Path, tmp_path: Path) -> None:
    # The quarter end after the latest extract (30 September 2025) is inside the data.
    assert cli.main(["indicators", str(project / "data" / "processed"), "--period-end", "2025-12-31",
                     "--window", "rolling_12m", "--out", str(tmp_path / "i.csv")]) == 0


def test_run_period_end_outside_the_data(project: Path, capsys) -> None:
    _fails_plainly(["run", "--data", str(project / "data" / "raw" / "903"), "--period-end", "2040-03-31",
                    "--out", str(project / "reports"), "--notebooks", "00"], capsys,
                   "period end 2040-03-31 is outside the data")
    assert not (project / "reports" / "2040-03-31").exists()


@pytest.mark.parametrize("la", ["a/b", "=1+1", "E99999999", "<img src=x>"])
def test_la_must_be_a_known_authority(project: Path, capsys, la: str) -> None:
    _fails_plainly(["run", "--data", str(project / "data" / "raw" / "903"), "--la", la,
                    "--out", str(project / "reports")], capsys, "is not a known local authority code")


def test_la_code_of_build_and_indicators(project: Path, tmp_path: Path, capsys) -> None:
    _fails_plainly(["build", str(project / "data" / "raw" / "903"), "--la-code", "../x", "--out",
                    str(tmp_path / "p")], capsys, "--la-code '../x' is not a known local authority code")
    _fails_plainly(["indicators", str(project / "data" / "processed"), "--period-end", "2025-03-31",
                    "--la", "=cmd", "--out", str(tmp_path / "i.csv")], capsys, "--la '=cmd' is not a known")


def _unwritable(tmp_path: Path) -> Path:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    return blocker / "out"  # a folder can never be made inside a file (even by root)


@pytest.mark.parametrize("command", ["validate", "build", "run", "indicators", "demo"])
def test_unwritable_output_folder(project: Path, tmp_path: Path, capsys, command: str) -> None:
    out = _unwritable(tmp_path)
    returns = str(project / "data" / "raw" / "903")
    argv = {
        "validate": ["validate", returns, "--out", str(out)],
        "build": ["build", returns, "--out", str(out)],
        "run": ["run", "--data", returns, "--out", str(out)],
        "indicators": ["indicators", str(project / "data" / "processed"), "--period-end", "2025-03-31",
                       "--out", str(out / "i.csv")],
        "demo": ["demo", "--out", str(out)],
    }[command]
    _fails_plainly(argv, capsys, f"--out {out}: cannot write there (Not a directory)")


def test_corrupt_cache_is_rebuilt_with_a_message(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data" / "raw" / "903"
    shutil.copytree(project / "data" / "raw" / "903", copy)
    tables, processed, _ = loading.load_tables(copy, "E10000018")
    (processed / "episodes.parquet").write_bytes(b"PAR1 not a parquet file")
    said: list[str] = []
    again, _, _ = loading.load_tables(copy, "E10000018", progress=said.append)
    assert said[0] == (f"The processed tables cached in {processed} could not be read (ArrowInvalid); "
                       "building them again")
    assert len(again["episodes"]) == len(tables["episodes"])
    said.clear()
    loading.load_tables(copy, "E10000018", progress=said.append)  # rebuilt cache is used again
    assert said == [f"Using the processed tables cached in {processed}"]


@pytest.mark.parametrize("number", ["inf", "nan", "1e400", "-inf"])
def test_local_measure_must_be_finite(project: Path, tmp_path: Path, capsys, number: str) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "m.csv").write_text("indicator_id,period_end,numerator,denominator\n"
                                 f"local_gp_registration,2025-03-31,{number},10\n")
    _fails_plainly(["indicators", str(project / "data" / "processed"), "--period-end", "2025-03-31",
                    "--local", str(local), "--out", str(tmp_path / "i.csv")], capsys,
                   f"m.csv: row 2, column numerator: '{number}' is not a finite number.")


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("min_children", "abc", "-p min_children 'abc': expected a whole number (like 10)"),
    ("min_children", "2.5", "-p min_children 2.5: expected a whole number (like 10)"),
    ("min_children", "0", "-p min_children 0: must be at least 1"),
    ("cohort_filter", "nonsense > 3", "cohort filter 'nonsense > 3': unknown attribute 'nonsense'"),
    ("cohort_filter", "__import__('os')", "cohort filter \"__import__('os')\": Call is not allowed"),
])
def test_bad_notebook_parameter_before_papermill(project: Path, capsys, name: str, value: str,
                                                  expected: str) -> None:
    out = project / "reports_p"
    _fails_plainly(["run", "--data", str(project / "data" / "raw" / "903"), "--notebooks", "08",
                    "-p", name, value, "--out", str(out)], capsys, expected)
    assert not list(out.rglob("*.ipynb"))  # no kernel started


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("same_carer_moves", "yes", "definitions: same_carer_moves must be True or False; got 'yes'"),
    ("uasc_distance", "blank", "uasc_distance must be one of not_known, exclude; got 'blank'"),
    ("uasc", "exclude", "definitions: 'uasc' is not a definition choice; the choices are same_carer_moves"),
])
def test_bad_definition_before_any_work(project: Path, capsys, name: str, value: str, expected: str) -> None:
    out = project / "reports_d"
    _fails_plainly(["run", "--data", str(project / "data" / "raw" / "903"), "--definition", name, value,
                    "--out", str(out)], capsys, expected)
    assert not list(out.rglob("*.ipynb"))  # no kernel started


def test_binary_previous(project: Path, tmp_path: Path, capsys) -> None:
    binary = tmp_path / "indicators.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    _fails_plainly(["run", "--data", str(project / "data" / "raw" / "903"), "--previous", str(binary),
                    "--out", str(project / "reports")], capsys,
                   f"{binary}: cannot be read as a cpanalysis indicators.csv (UnicodeDecodeError)")
