"""Run DfE's SSDA903 validator (``lac_validator``) and print its findings as CSV.

This script runs **inside the DfE validator's own venv** (``csc-validator-be-903``, pandas<2),
never in the package's: :func:`benchmarks.dfe_validator.run_dfe_validator` starts it as a
subprocess. It imports nothing from cpanalysis.

Input (JSON on standard input), one job or ``{"jobs": [job, ...]}`` (one start-up for many)::

    {"current": [paths], "previous": [paths], "ruleset": "lac2024_25",
     "collection_year": "2025", "la_code": "E10000018", "rules": null or [ids]}

Output (standard output): CSV with columns ``job, rule, child, table, row, file, return``
(``job`` numbers the jobs from 0), one line
per (rule, row) DfE flags. ``row`` is the spreadsheet row of ``file`` (header = row 1; DfE reads
each CSV with pandas, so its ``RowID`` is the 0-based data row and ``row = RowID + 2``).
``return`` is ``current`` or ``previous``. Files whose columns match none of DfE's tables are
named on standard error and not passed (DfE's reader refuses the whole upload otherwise); a job
whose upload DfE still refuses is named there and gives no rows.
A last line on standard error, ``DFE_CPU_SECONDS <float>``, gives the process's CPU time.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import json
import logging
import resource
import sys
from pathlib import Path


def _columns(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), [])
    return {name.strip() for name in first}


def _upload(job: dict, known: dict) -> tuple[list[dict], dict[str, str]]:
    """DfE's upload list for one job, and which file each DfE table came from."""
    uploads = []
    file_of = {}  # DfE table name (with _last) -> file path
    for description, key in (("This year", "current"), ("Prev year", "previous")):
        for name in job.get(key) or []:
            path = Path(name)
            if path.suffix.lower() != ".csv":
                print(f"skipped (not CSV): {path}", file=sys.stderr)
                continue
            try:
                table = known.get(frozenset(_columns(path)))
            except (UnicodeDecodeError, OSError) as error:
                print(f"skipped (unreadable: {error}): {path}", file=sys.stderr)
                continue
            if table is None:
                print(f"skipped (columns match no DfE table): {path}", file=sys.stderr)
                continue
            suffix = "" if key == "current" else "_last"
            if table + suffix in file_of:
                print(f"skipped (second {table} file): {path}", file=sys.stderr)
                continue
            file_of[table + suffix] = str(path)
            uploads.append({"name": path.name, "file_content": path.read_bytes(), "description": description})
    return uploads, file_of


def main() -> int:
    request = json.load(sys.stdin)
    logging.disable(logging.CRITICAL)  # DfE logs every rule; failures are listed below instead
    from lac_validator import lac_validator
    from lac_validator.config import column_names

    known = {frozenset(cols): table for table, cols in column_names.items()}
    out = csv.writer(sys.stdout)
    out.writerow(["job", "rule", "child", "table", "row", "file", "return"])
    for number, job in enumerate(request.get("jobs", [request])):
        uploads, file_of = _upload(job, known)
        if not uploads:
            continue
        registry = importlib.import_module(f"lac_validator.rules.{job['ruleset']}").registry
        metadata = {"collectionYear": str(job["collection_year"]), "localAuthority": job["la_code"]}
        try:
            with contextlib.redirect_stdout(sys.stderr):  # some DfE rules print
                validator = lac_validator.LacValidator(
                    metadata=metadata, files=uploads, registry=registry, selected_rules=job.get("rules")
                )
        except Exception as error:  # DfE refuses the upload (its reader's own checks)
            print(f"job {number}: DfE refused the upload: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        for rule_id in validator.fails:
            print(f"job {number}: rule failed to run: {rule_id}", file=sys.stderr)
        for table, frame in validator.ds_results.items():
            if table == "metadata":
                continue
            for flag in [c for c in frame.columns if str(c).startswith("ERR_")]:
                for index in frame.index[frame[flag].eq(True)]:
                    child = frame.at[index, "CHILD"] if "CHILD" in frame.columns else ""
                    out.writerow([
                        number,
                        flag[4:],
                        "" if child != child else child,  # NaN -> blank
                        table.removesuffix("_last"),
                        int(index) + 2,
                        file_of.get(table, ""),
                        "previous" if table.endswith("_last") else "current",
                    ])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"DFE_CPU_SECONDS {usage.ru_utime + usage.ru_stime:.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
