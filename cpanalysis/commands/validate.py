"""``cpanalysis validate DIR [--out DIR]``: read and validate returns without building.

Prints one line per file read (to standard error), then a summary table per table (rows read,
kept, quarantined, warnings; read = kept + quarantined always holds) and the most frequent
rules. Writes ``issues.csv`` and ``quarantine/<table>.csv`` to ``--out`` (default
``data/processed/validation``). Exit code 0 when validation ran, even with warnings or
quarantined rows; 2 when the input cannot be read (one plain-English message, printed by
:func:`cpanalysis.cli.main`).
"""

from __future__ import annotations

import argparse
import ctypes
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cpanalysis import clean, ingest, validate
from cpanalysis.errors import ParameterError
from cpanalysis.writing import writable_folder, write_csv

DEFAULT_OUT = "data/processed/validation"
#: glibc ``mallopt`` parameters (malloc.h) and the value given to both: 1 MiB.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _ONE_MIB = -1, -3, 1 << 20
#: How many of the most frequent rules the summary lists.
TOP_RULES = 10


@dataclass
class ValidationResult:
    """What :func:`run_validation` produced.

    Attributes
    ----------
    raw : RawReturns
        What was read: the files, returns, ingest notes and rows read (its text tables are
        released once typed, :meth:`cpanalysis.ingest.RawReturns.release`).
    issues : pandas.DataFrame
        Ingest, cleaning and validation issue rows.
    counts : pandas.DataFrame
        :func:`cpanalysis.validate.reconcile` counts plus ``warnings`` per table.
    quarantined : dict of str to pandas.DataFrame
        Quarantined rows per table, with ``reason``.
    """

    raw: ingest.RawReturns
    issues: pd.DataFrame
    counts: pd.DataFrame
    quarantined: dict[str, pd.DataFrame]


def give_back_freed_memory() -> bool:
    """Ask the C allocator to hand large freed blocks back to the system (glibc only).

    glibc serves a block over its *mmap threshold* with its own mapping, returned to the system
    when freed, but it raises that threshold to the size of every such block freed (up to 32 MB).
    Validation makes and frees one column-sized array after another (8 bytes a row: 10 MB for a
    1.3 million-row table), so after the first few they all come from the heap, whose freed
    space is kept: a 300 MB return's process grew by about a quarter this way (issue 15). A fixed
    1 MiB threshold (and trimming the heap's free top above 1 MiB) keeps the peak to what is
    really in use. Nothing changes but where memory comes from; elsewhere (macOS, Windows, musl)
    this does nothing.

    Returns
    -------
    bool
        Whether glibc accepted both settings.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter is linked with
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _ONE_MIB)) and bool(mallopt(_M_TRIM_THRESHOLD, _ONE_MIB))


def run_validation(
    path: str | Path, out_dir: str | Path | None = None, progress: Callable[[str], None] | None = None
) -> ValidationResult:
    """Read, clean and validate a folder of returns; optionally write the issues and quarantine.

    Parameters
    ----------
    path : str or pathlib.Path
        Folder of returns (see :func:`cpanalysis.ingest.read_returns`).
    out_dir : str or pathlib.Path, optional
        Where to write ``issues.csv`` and ``quarantine/<table>.csv``; nothing is written when
        ``None``.
    progress : callable, optional
        Called with one message per file read.

    Returns
    -------
    ValidationResult
    """
    def said(source: ingest.SourceFile) -> None:
        if progress:
            sheet = f" [{source.sheet}]" if source.sheet else ""
            progress(f"  read {source.path}{sheet}: {source.table}, {source.rows_read} rows")

    raw = ingest.read_returns(path, progress=said)
    # The text tables go as soon as they are typed: a 300 MB return is not held twice.
    tables, clean_issues = clean.normalise(raw, release=True)
    rule_issues = validate.validate(tables, prior_issues=clean_issues)
    issues = pd.concat([clean_issues, rule_issues], ignore_index=True)
    kept, quarantined = validate.quarantine(tables, issues)
    counts = validate.reconcile(raw, kept, quarantined)
    warnings = issues[issues["severity"] == "warning"].groupby("table").size()
    counts["warnings"] = counts["table"].map(warnings).fillna(0).astype(int)
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(issues, folder / "issues.csv")
        validate.write_quarantine(quarantined, folder / "quarantine")
    return ValidationResult(raw, issues, counts, quarantined)


def format_summary(result: ValidationResult, top: int = TOP_RULES) -> str:
    """The plain-text summary the command prints (per-table counts, then the top rules)."""
    counts = result.counts
    width = max(len("table"), *(len(t) for t in counts["table"]))
    head = f"{'table':<{width}}  {'read':>7}  {'kept':>7}  {'quarantined':>11}  {'warnings':>8}"
    lines = [head, "-" * len(head)]
    for row in counts.itertuples(index=False):
        lines.append(f"{row.table:<{width}}  {row.rows_read:>7}  {row.rows_kept:>7}  {row.rows_quarantined:>11}  {row.warnings:>8}")
    total = counts[["rows_read", "rows_kept", "rows_quarantined", "warnings"]].sum()
    lines.append(f"{'total':<{width}}  {total['rows_read']:>7}  {total['rows_kept']:>7}  {total['rows_quarantined']:>11}  {total['warnings']:>8}")
    lines.append("Every table: rows read = rows kept + rows quarantined.")
    found = result.issues[result.issues["severity"].isin(["error", "warning"])]
    if found.empty:
        lines.append("No errors or warnings.")
    else:
        by_rule = found.groupby(["rule_id", "severity"]).size().sort_values(ascending=False).head(top)
        described = validate.describe_rules().drop_duplicates("rule_id").set_index("rule_id")["description"]
        lines.append("")
        lines.append(f"Most frequent rules (of {found['rule_id'].nunique()}):")
        for (rule_id, severity), n in by_rule.items():
            text = described.get(rule_id, "")
            lines.append(f"  {rule_id:<9} {severity:<8} {n:>6}  {text[:90]}")
    return "\n".join(lines)


def format_rule_book() -> str:
    """The rule book as text: per rule a line (id, stage, table, severity, collection years, what it
    checks) and an indented line naming its fields (``table.COLUMN`` for another table's column)."""
    book = validate.describe_rules()
    order = {stage: i for i, stage in enumerate(validate.STAGES)}
    book = book.assign(_order=book["stage"].map(order)).sort_values(["_order"], kind="stable")
    lines = [f"{'rule':<9} {'stage':<9} {'table':<19} {'severity':<8} {'years':<15} description", "-" * 116]
    for row in book.itertuples(index=False):
        lines.append(f"{row.rule_id:<9} {row.stage:<9} {row.table:<19} {row.severity:<8} {row.collection_years:<15} {row.description}")
        lines.append(f"{'':<9} fields: {row.fields}")
    lines.append(f"\n{len(book)} rules. docs/validation_rules.md explains them and how they compare with DfE's validator.")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command to the ``cpanalysis`` parser."""
    parser = subparsers.add_parser(
        "validate",
        help="check SSDA903 returns and list the issues",
        description="Read a folder of SSDA903 returns (one return, or one sub-folder per return), "
        "apply the validation rules and write issues.csv and quarantine/<table>.csv.",
    )
    parser.add_argument("dir", nargs="?", help="folder holding the returns (e.g. data/raw/903)")
    parser.add_argument("--rules", action="store_true",
                        help="print the rule book (every rule the package applies) and exit")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, summary only")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cpanalysis validate``; returns the exit code (0 when validation ran)."""
    if args.rules:
        print(format_rule_book())
        return 0
    if args.dir is None:
        raise ParameterError("cpanalysis validate needs the folder of returns (or --rules to list the rules).")
    progress = None if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    if progress:
        progress(f"Reading returns from {args.dir}")
    writable_folder(args.out)  # before the work, not after it
    give_back_freed_memory()
    result = run_validation(args.dir, args.out, progress)
    print(format_summary(result))
    print(f"\nWritten to {args.out} (issues.csv, quarantine/)")
    return 0
