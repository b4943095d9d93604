"""``cpanalysis build DIR [--out data/processed]``: validate, stitch and derive the processed tables.

Prints one progress line per file and step (to standard error), then a summary: rows read,
kept and quarantined per table (read = kept + quarantined always holds), issues by severity,
and the numbers of children, episodes, placements and periods of care written. A problem with
the input (an unreadable file, a folder with no returns) is one plain-English message and exit
code 2 (handled by :func:`cpanalysis.cli.main`).
"""

from __future__ import annotations

import argparse
import sys

from cpanalysis.build import BuildResult, build
from cpanalysis.geography import check_la_code
from cpanalysis.writing import writable_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``build`` sub-command to the ``cpanalysis`` parser."""
    parser = subparsers.add_parser(
        "build",
        help="validate and stitch SSDA903 returns into data/processed",
        description="Read a folder of SSDA903 returns (one return, or one sub-folder per return), "
        "validate it, stitch the returns into one history per child and write the processed "
        "tables (parquet), quarantined rows and a manifest.",
    )
    parser.add_argument("dir", help="folder holding the returns (e.g. data/raw/903)")
    parser.add_argument("--out", default="data/processed", help="output folder (default: data/processed)")
    parser.add_argument(
        "--la-code",
        default=None,
        help="ONS code of the authority (e.g. E10000018), used for inside/outside placements; "
        "inferred from the home postcodes when omitted",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines, summary only")
    parser.set_defaults(handler=run)


def format_summary(result: BuildResult) -> str:
    """The summary table the command prints.

    Parameters
    ----------
    result : BuildResult
        What :func:`cpanalysis.build.build` returned.

    Returns
    -------
    str
        Plain-text table of rows read / kept / quarantined per table, then issues by severity
        and the headline counts.
    """
    counts = result.counts
    width = max(len("table"), *(len(t) for t in counts["table"]))
    lines = [f"{'table':<{width}}  {'read':>8}  {'kept':>8}  {'quarantined':>11}"]
    for row in counts.itertuples(index=False):
        lines.append(f"{row.table:<{width}}  {row.read:>8}  {row.kept:>8}  {row.quarantined:>11}")
    totals = counts[["read", "kept", "quarantined"]].sum()
    lines.append(f"{'total':<{width}}  {totals['read']:>8}  {totals['kept']:>8}  {totals['quarantined']:>11}")
    summary = result.summary()
    lines.append("")
    lines.append(
        f"Issues: {summary['issues_error']} error(s), {summary['issues_warning']} warning(s), "
        f"{summary['issues_info']} note(s)"
    )
    lines.append(
        f"Children: {summary['children']}  Episodes: {summary['episodes']}  "
        f"Placements: {summary['placements']}  Periods of care: {summary['periods_of_care']}"
    )
    if result.out_dir is not None:
        lines.append(f"Written to {result.out_dir} (issues.parquet, quarantine/, manifest.json)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``cpanalysis build``; returns the exit code (0 when built)."""
    progress = None if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    la_code = check_la_code(args.la_code, "--la-code") if args.la_code is not None else None
    writable_folder(args.out)
    result = build(args.dir, out_dir=args.out, progress=progress, la_code=la_code)
    print(format_summary(result))
    return 0
