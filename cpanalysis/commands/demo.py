"""``cpanalysis demo [--out data/raw/demo]``: write the synthetic authority's returns.

Writes ``<out>/903/<return>/*.csv`` (one folder per annual return from ``--first-year`` plus the
in-year extract to ``--as-at``), ``<out>/population.csv`` and, for a single authority, the demo
local measures (``<out>/local/``, :func:`cpanalysis.local_measures.write_demo_local_measures`).
With ``--defects`` it also writes ``<out>/defects.csv`` listing every fault injected. The same
``--seed`` and options always give byte-identical CSV and XML files.

``--format xlsx`` writes each return as one workbook (a sheet per table) and ``--format xml`` as
DfE's XML return (:func:`cpanalysis.return_files.convert_return_folder`); every form reads back to
the same tables, so a build gives the same processed tables whichever form was written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpanalysis import return_files, synth
from cpanalysis.errors import ParameterError
from cpanalysis.periods import parse_year_label
from cpanalysis.writing import writable_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command to the ``cpanalysis`` parser."""
    parser = subparsers.add_parser(
        "demo",
        help="generate the synthetic demo authority (SSDA903 returns)",
        description="Simulate a synthetic local authority's children in care and write its SSDA903 "
        "returns in DfE CSV format (default: Leicestershire-like, 2016-17 to an in-year extract at "
        "30 September 2025). See docs/synthetic_authority.md.",
    )
    parser.add_argument(
        "--out", default="data/raw/demo", help="output folder (default: data/raw/demo)"
    )
    parser.add_argument(
        "--seed", type=int, default=synth.DEFAULT_SEED, help="random seed (default: 2026)"
    )
    parser.add_argument(
        "--la",
        default=synth.DEFAULT_LA,
        help="ONS code of the authority (default E10000018, Leicestershire; any English upper-tier code works)",
    )
    parser.add_argument(
        "--first-year",
        default=synth.DEFAULT_FIRST_YEAR,
        help="first annual return (default 2016-17)",
    )
    parser.add_argument(
        "--as-at",
        default=synth.DEFAULT_AS_AT,
        help="date of the in-year extract (default 2025-09-30)",
    )
    parser.add_argument(
        "--defects",
        type=float,
        default=0.0,
        help="share of rows given a data-quality fault (default 0: clean)",
    )
    parser.add_argument(
        "--authorities",
        type=int,
        default=1,
        help="number of authorities to generate (benchmarks; default 1)",
    )
    parser.add_argument(
        "--format",
        choices=return_files.FORMATS,
        default="csv",
        help="form of each return: DfE CSVs (default), one Excel workbook, or DfE's XML",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Generate the demo and print a one-paragraph summary."""
    fmt = getattr(args, "format", "csv")
    if args.defects and fmt != "csv":
        # defects.csv names CSV files and rows, and the XML form cannot carry every fault (a
        # sub-table DOB that differs from the header's has nowhere to go).
        raise ParameterError(f"--defects works with --format csv only (defects.csv names the CSV files and rows); got --format {fmt}")
    writable_folder(args.out)
    result = synth.generate(
        out=args.out,
        seed=args.seed,
        la_code=args.la,
        first_year=args.first_year,
        as_at=args.as_at,
        defects=args.defects,
        authorities=args.authorities,
    )
    for folder in sorted(p for p in Path(result.out).rglob("*") if p.is_dir() and p.parent.name == "903"):
        return_files.convert_return_folder(folder, fmt)
    if args.authorities == 1:
        from cpanalysis.local_measures import write_demo_local_measures

        year = parse_year_label(args.first_year)
        write_demo_local_measures(
            args.out, seed=args.seed, first_year=year, last_period_end=str(args.as_at)
        )
    message = (
        f"Wrote {len(result.returns)} returns ({result.returns[0]} to {result.returns[-1]}) for "
        f"{result.children:,} synthetic children to {result.out} in {result.seconds:.1f} s"
    )
    if result.defects:
        message += f"; {result.defects:,} injected defects listed in {result.out / 'defects.csv'}"
    print(message + ".", file=sys.stderr)
    return 0
