"""The rule book's fields against DfE's: ``affected_fields`` of every rule id both apply.

DfE's validator (``csc-validator-be-903``, in its own venv: :mod:`dfe_validator`) declares for
each rule the fields it affects (``rule_definition(affected_fields=[...])``, bare column names
whatever their table). The package's rule book names them too (``Rule.fields``: a column of the
rule's table, or ``table.COLUMN`` of another table it reads; ``Rule.columns`` drops the table).
For every rule id in both, this script compares the two sets:

* ``same``: the same columns;
* ``cpanalysis names more``: every DfE field, and also columns the package's rule reads to decide
  (the previous DEC of a chain rule, the postcodes a derived distance comes from, the episode
  columns of the 12-month OC2 cohort ...): intended, the book names what a rule reads;
* ``DfE names more``: a DfE field the package's rule does not name. Each must be a documented
  difference (:data:`DIFFERENCES`, docs/validation_rules.md "Fields"); an undocumented one
  makes the script exit 1.

Usage::

    python benchmarks/dfe_rule_fields.py [--ruleset lac2024_25] [--venv DIR] [--all]

``--all`` lists every shared rule, not only those whose fields differ. ``make conformance``
runs it (and ``dfe_validator_conformance.py`` prints its summary line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dfe_validator  # noqa: E402  (benchmarks/ is not a package)

#: Run inside DfE's venv: every rule of a rule set with its affected fields and tables, as JSON.
_DUMP = """
import importlib, json, sys
registry = importlib.import_module("lac_validator.rules." + sys.argv[1]).registry
print(json.dumps({code: {"fields": list(r.affected_fields or []), "tables": list(r.tables or [])}
                  for code, r in registry.items()}))
"""

#: DfE fields the package's rule does not name, on purpose (docs/validation_rules.md "Fields").
DIFFERENCES = {
    "165": "the package's 165 checks only that MOTHER is a valid code; DfE's also judges MOTHER "
           "against SEX, the episodes (DECOM) and OC3 (IN_TOUCH, ACTIV, ACCOM): a female looked "
           "after with MOTHER blank is the package's 393",
    "231": "DfE's UASC_STATUS is a header flag its CSV reader never makes (its 231 fails to run); the "
           "package takes the child being in the UASC table as that status and names uasc.CHILD",
    "205B": "DfE's UASC is a flag its reader adds to the header (1 when the child is in the UASC "
            "table); the package names that as the UASC table's CHILD and header.CHILD",
}


def dfe_fields(ruleset: str = "lac2024_25", dfe_venv: str | None = None) -> dict[str, dict]:
    """DfE's rule code -> ``{"fields": [...], "tables": [...]}`` for one rule set."""
    python = dfe_validator.venv_python(dfe_venv)
    done = subprocess.run([str(python), "-c", _DUMP, ruleset], capture_output=True, text=True)
    if done.returncode != 0:
        raise dfe_validator.DfeValidatorError(f"could not read DfE's rule set {ruleset}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def compare_fields(dfe: dict[str, dict]) -> pd.DataFrame:
    """One row per rule id in both books: ``rule, stage, dfe, cpanalysis, dfe_only, ours_only,
    status, reason`` (fields as comma-joined text; ``reason`` for ``DfE names more``)."""
    from cpanalysis import validate

    rows = []
    for rule_id, rule_ in validate.RULES.items():
        if rule_id not in dfe:
            continue
        theirs, ours = set(dfe[rule_id]["fields"]), set(rule_.columns)
        if theirs - ours:
            status = "DfE names more"
        elif ours - theirs:
            status = "cpanalysis names more"
        else:
            status = "same"
        rows.append({
            "rule": rule_id, "stage": rule_.stage, "dfe": ", ".join(dfe[rule_id]["fields"]),
            "cpanalysis": ", ".join(rule_.fields), "dfe_only": ", ".join(sorted(theirs - ours)),
            "ours_only": ", ".join(sorted(ours - theirs)), "status": status,
            "reason": DIFFERENCES.get(rule_id, "") if status == "DfE names more" else "",
        })
    return pd.DataFrame(rows, columns=["rule", "stage", "dfe", "cpanalysis", "dfe_only", "ours_only", "status", "reason"])


def summary(table: pd.DataFrame) -> str:
    """One line: how many shared rules agree, name more, or differ (documented or not)."""
    counts = table["status"].value_counts()
    unexplained = int(((table["status"] == "DfE names more") & (table["reason"] == "")).sum())
    return (f"Fields of {len(table)} rule ids in both books: {counts.get('same', 0)} the same, "
            f"{counts.get('cpanalysis names more', 0)} cpanalysis names more (every DfE field and what its rule reads), "
            f"{counts.get('DfE names more', 0)} DfE names more ({unexplained} not documented)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ruleset", default="lac2024_25", help="DfE rule set (default lac2024_25)")
    parser.add_argument("--venv", default=None, help="DfE validator venv (default $CPANALYSIS_DFE_VENV or .venv-dfe-validator/)")
    parser.add_argument("--all", action="store_true", help="list every shared rule, not only the differing ones")
    args = parser.parse_args(argv)

    table = compare_fields(dfe_fields(args.ruleset, args.venv))
    shown = table if args.all else table[table["status"] != "same"]
    columns = ["rule", "stage", "status", "dfe", "cpanalysis"] if args.all else ["rule", "stage", "status", "dfe_only", "ours_only"]
    with pd.option_context("display.max_rows", 500, "display.max_colwidth", 120, "display.width", 250):
        print(shown[columns].to_string(index=False))
    for row in table[table["status"] == "DfE names more"].itertuples(index=False):
        print(f"\n{row.rule}: DfE also names {row.dfe_only}: {row.reason or 'NOT DOCUMENTED'}")
    print("\n" + summary(table))
    undocumented = (table["status"] == "DfE names more") & (table["reason"] == "")
    return 1 if undocumented.any() else 0


if __name__ == "__main__":
    sys.exit(main())
