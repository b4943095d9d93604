"""``cpanalysis run``: the quarterly report pack (validate -> build -> indicators -> notebooks -> HTML).

With no arguments it reports on the latest quarter of the authority's returns in
``data/raw/903`` when that folder holds files, otherwise of the synthetic demo authority
(``data/raw/demo``, generated on first use). Progress is printed as plain lines on standard
error; the exit code is 0 when every notebook ran, 1 when any failed (each failure is reported
with its cell and error) and 2 for a problem with the input or the options.
"""

from __future__ import annotations

import argparse
import ast
import signal
import threading

from cpanalysis.config import DEFAULT_LA_CODE
from cpanalysis.geography import check_la_code
from cpanalysis.pipeline.run import run as run_pipeline


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command to the ``cpanalysis`` parser."""
    parser = subparsers.add_parser(
        "run",
        help="run every report notebook and write reports/<period_end>/",
        description="Build the authority's SSDA903 returns, compute the indicators, run the report "
        "notebooks (papermill) and write self-contained HTML reports, indicators.csv/xlsx and a run "
        "manifest to reports/<period_end>/.",
    )
    parser.add_argument("--data", default=None,
                        help="folder of SSDA903 returns (default: data/raw/903 if it holds files, else the demo)")
    parser.add_argument("--dfe", default=None,
                        help="folder of national DfE files (default: data/raw/dfe or ../shared/dfe when present)")
    parser.add_argument("--period-end", default=None,
                        help="quarter end to report on, YYYY-MM-DD (default: the latest quarter in the data)")
    parser.add_argument("--la", default=DEFAULT_LA_CODE, help=f"the authority's ONS code (default {DEFAULT_LA_CODE})")
    parser.add_argument("--audience", choices=("internal", "external"), default="internal",
                        help="external suppresses small numbers in everything written (default internal)")
    parser.add_argument("--notebooks", nargs="+", default=None, metavar="NAME",
                        help="notebooks to run, by name (01_profile) or number (01) (default: every notebook in notebooks/)")
    parser.add_argument("--out", default="reports", help="output folder (default: reports)")
    parser.add_argument("--previous", default=None,
                        help="a previous run's indicators.csv for the quarter-on-quarter comparison "
                        "(default: the latest earlier run under --out)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a further notebook parameter, e.g. -p cohort_filter uasc_on_date -p min_children 20 "
                        "(repeatable; numbers and True/False are read as such). For a deep dive use "
                        "--notebooks 08 and another --out so the quarterly pack is not overwritten")
    parser.add_argument("--workers", type=int, default=2, help="notebooks run at once (default 2)")
    parser.add_argument("--fresh-kernels", action="store_true",
                        help="start a kernel for every notebook (default: each worker runs its notebooks in one "
                        "kernel, reset between them; the pages are the same)")
    parser.add_argument("--definition", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a definition choice where DfE is ambiguous, differing from DfE's reading "
                        "(repeatable), e.g. --definition uasc_distance exclude; the names and choices are "
                        "those of `cpanalysis indicators` (docs/indicator_views.md); every page names them")
    parser.set_defaults(handler=run)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the run as Ctrl-C does: cleanly, nothing child-level left


def run(args: argparse.Namespace) -> int:
    """Run the pipeline; returns 0 when every notebook ran, 1 otherwise (130 when interrupted)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)

    result = run_pipeline(
        data=args.data, dfe=args.dfe, period_end=args.period_end, la_code=check_la_code(args.la),
        audience=args.audience, notebooks=args.notebooks, out=args.out, previous=args.previous,
        workers=args.workers, parameters=dict(_literal(name, value) for name, value in args.parameter),
        definitions=dict(_literal(name, value) for name, value in args.definition),
        fresh_kernels=args.fresh_kernels,
    )
    return result.exit_code


def _literal(name: str, value: str) -> tuple[str, object]:
    """``-p NAME VALUE``: a number or True/False when VALUE reads as one, otherwise the text."""
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value
    return name, parsed if isinstance(parsed, int | float | bool) else value
