"""DfE's own SSDA903 validator, run from this project: :func:`run_dfe_validator`.

DfE (with Data to Insight) publishes the rules its submission portal applies as the Python
package ``csc-validator-be-903`` (import name ``lac_validator``). It pins ``pandas<2``, so it
cannot share the package's environment: it lives in its own venv (by default
``.venv-dfe-validator/`` in the repository, git-ignored; the environment variable
``CPANALYSIS_DFE_VENV`` or the ``dfe_venv`` argument points elsewhere), created on first use
with the pinned version below. Its rules run in a subprocess of that venv
(``_dfe_validator_worker.py``) and come back as one row per (rule, flagged row).

Used by ``dfe_validator_conformance.py`` (rule parity) and the demo generator's checks.
Nothing in ``cpanalysis`` imports this module.

Example
-------
>>> found = run_dfe_validator("data/raw/demo/903/2024-25", "data/raw/demo/903/2023-24")  # doctest: +SKIP
>>> found.groupby("rule").size()  # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

#: The DfE validator release the project measures against (its 2024-25 and 2025-26 rule sets).
DFE_PACKAGE = "csc-validator-be-903==0.1.17"
#: Default venv, relative to the repository root.
DEFAULT_VENV = Path(__file__).resolve().parent.parent / ".venv-dfe-validator"
#: Environment variable naming another venv (e.g. one already installed on the machine).
VENV_ENV_VAR = "CPANALYSIS_DFE_VENV"
WORKER = Path(__file__).resolve().parent / "_dfe_validator_worker.py"

#: DfE's table names -> the package's (``cpanalysis.schema.TABLES``).
DFE_TABLES = {
    "Header": "header",
    "Episodes": "episodes",
    "Reviews": "reviews",
    "UASC": "uasc",
    "OC2": "oc2",
    "OC3": "oc3",
    "AD1": "ad1",
    "PlacedAdoption": "placed_for_adoption",
    "PrevPerm": "previous_permanence",
    "Missing": "missing",
    "SWEpisodes": "sw_episodes",
}

#: Columns of the frame :func:`run_dfe_validator` returns.
FINDING_COLUMNS = ["rule", "child", "table", "row", "file", "return", "dfe_table"]


class DfeValidatorError(RuntimeError):
    """The DfE validator could not be installed or did not run."""


def venv_python(dfe_venv: str | Path | None = None) -> Path:
    """Python of the DfE validator's venv, creating the venv when it has no validator.

    Parameters
    ----------
    dfe_venv : str or pathlib.Path, optional
        The venv folder; default ``$CPANALYSIS_DFE_VENV`` or :data:`DEFAULT_VENV`.

    Returns
    -------
    pathlib.Path
        Its ``bin/python``.

    Raises
    ------
    DfeValidatorError
        When ``pip install`` of :data:`DFE_PACKAGE` fails (it needs PyPI).
    """
    folder = Path(dfe_venv or os.environ.get(VENV_ENV_VAR) or DEFAULT_VENV)
    python = folder / "bin" / "python"
    if python.exists() and _has_validator(python):
        return python
    if not python.exists():
        venv.create(folder, with_pip=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", DFE_PACKAGE],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not _has_validator(python):
        raise DfeValidatorError(f"could not install {DFE_PACKAGE} into {folder}:\n{done.stderr[-2000:]}")
    return python


def _has_validator(python: Path) -> bool:
    probe = subprocess.run([str(python), "-c", "import lac_validator"], capture_output=True)
    return probe.returncode == 0


def _csv_files(folder: str | Path | None) -> list[str]:
    if folder is None:
        return []
    folder = Path(folder)
    if folder.is_file():
        return [str(folder)]
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


def collection_year_of(ruleset: str) -> str:
    """The year ending 31 March a rule set is for (``"lac2024_25"`` -> ``"2025"``)."""
    return "20" + ruleset[-2:]


def run_dfe_validator(
    current: str | Path,
    previous: str | Path | None = None,
    ruleset: str = "lac2024_25",
    la_code: str = "E10000018",
    dfe_venv: str | Path | None = None,
    rules: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Run DfE's validator on one return (and last year's) and return what it flags.

    Parameters
    ----------
    current : str or pathlib.Path
        Folder of the return being checked (CSV files in DfE's layout; any file names, each
        table recognised by its columns, as DfE's upload page does), or one CSV file.
    previous : str or pathlib.Path, optional
        Folder of last year's return (DfE's "previous year" upload), or ``None``.
    ruleset : str
        DfE rule set, ``lac<YYYY>_<YY>`` (``lac2024_25``, ``lac2025_26``); its collection year
        (ending 31 March) is taken from it.
    la_code : str
        ONS code of the responsible authority (DfE derives PL_LA / PL_LOCATION from it).
    dfe_venv : str or pathlib.Path, optional
        The validator's venv; created with :data:`DFE_PACKAGE` when it lacks the package.
        Default ``$CPANALYSIS_DFE_VENV`` or ``.venv-dfe-validator/`` in the repository.
    rules : iterable of str, optional
        Only these DfE rule codes (default all of the rule set).

    Returns
    -------
    pandas.DataFrame
        One row per flagged (rule, row): ``rule`` (DfE code, str), ``child`` (str),
        ``table`` (the package's table name), ``row`` (spreadsheet row of ``file``, header = 1),
        ``file``, ``return`` (``current``/``previous``), ``dfe_table``. Sorted by rule, table,
        row. ``attrs["cpu_seconds"]`` is the validator process's CPU time (user + system) and
        ``attrs["log"]`` its standard error (skipped files, rules that failed to run).

    Raises
    ------
    DfeValidatorError
        When the validator cannot be installed or exits with an error.
    """
    job = dfe_job(current, previous, ruleset, la_code, rules)
    found = run_dfe_validator_jobs([job], dfe_venv)
    return found.drop(columns="job")


def dfe_job(
    current: str | Path,
    previous: str | Path | None = None,
    ruleset: str = "lac2024_25",
    la_code: str = "E10000018",
    rules: Iterable[str] | None = None,
) -> dict:
    """One validation request for :func:`run_dfe_validator_jobs` (arguments as :func:`run_dfe_validator`)."""
    return {
        "current": _csv_files(current),
        "previous": _csv_files(previous),
        "ruleset": ruleset,
        "collection_year": collection_year_of(ruleset),
        "la_code": la_code,
        "rules": None if rules is None else [str(r) for r in rules],
    }


def run_dfe_validator_jobs(jobs: list[dict], dfe_venv: str | Path | None = None) -> pd.DataFrame:
    """Run several :func:`dfe_job` requests in one validator process (it starts once).

    Returns
    -------
    pandas.DataFrame
        As :func:`run_dfe_validator`, plus ``job`` (int, the position in ``jobs``).
    """
    python = venv_python(dfe_venv)
    done = subprocess.run(
        [str(python), str(WORKER)], input=json.dumps({"jobs": jobs}), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise DfeValidatorError(f"DfE validator failed:\n{done.stderr[-3000:]}")
    found = pd.read_csv(io.StringIO(done.stdout), dtype=str, keep_default_na=False)
    found["job"] = found["job"].astype(int)
    found["row"] = found["row"].astype(int)
    found["dfe_table"] = found["table"]
    found["table"] = found["table"].map(DFE_TABLES).fillna(found["table"])
    found = found[["job", *FINDING_COLUMNS]].sort_values(["job", "rule", "table", "row"], kind="stable")
    found = found.reset_index(drop=True)
    log = done.stderr.splitlines()
    cpu = [line for line in log if line.startswith("DFE_CPU_SECONDS ")]
    found.attrs["cpu_seconds"] = float(cpu[-1].split()[1]) if cpu else float("nan")
    found.attrs["log"] = "\n".join(line for line in log if not line.startswith("DFE_CPU_SECONDS "))
    return found


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/dfe_validator.py CURRENT [PREVIOUS] [--ruleset R] [--la CODE]``."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("current")
    parser.add_argument("previous", nargs="?")
    parser.add_argument("--ruleset", default="lac2024_25")
    parser.add_argument("--la", default="E10000018")
    parser.add_argument("--venv", default=None, help=f"DfE validator venv (default ${VENV_ENV_VAR} or {DEFAULT_VENV})")
    args = parser.parse_args(argv)
    found = run_dfe_validator(args.current, args.previous, args.ruleset, args.la, args.venv)
    counts = found.groupby("rule").agg(rows=("row", "size"), children=("child", "nunique"))
    print(counts.to_string())
    print(f"{len(found)} findings; DfE validator CPU {found.attrs['cpu_seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
