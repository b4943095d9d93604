"""The ``cpanalysis`` command.

Each sub-command lives in ``cpanalysis/commands/<name>.py`` and provides ``register(subparsers)``
and ``run(args) -> int``. Errors the user can cause (:class:`cpanalysis.errors.CpanalysisError`)
are printed as one plain-English message with exit code 2, never as a traceback.

Only the sub-command being run is imported. The command modules import pandas, the report
pipeline and statsmodels, which cost seconds; ``cpanalysis --help`` and a typo should not pay that.
The other sub-commands are listed with the one-line help held here in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from cpanalysis import __version__
from cpanalysis.errors import CpanalysisError

#: Sub-commands in the order ``--help`` lists them: module name in ``cpanalysis.commands`` -> the
#: one-line help shown when the module is not imported (the module's own parser says more).
COMMANDS: dict[str, str] = {
    "validate": "check SSDA903 returns and list the issues",
    "build": "validate and stitch SSDA903 returns into data/processed",
    "demo": "generate the synthetic demo authority (SSDA903 returns)",
    "indicators": "compute the DfE indicators at a period end (tidy CSV)",
    "dfe": "download and check the national DfE statistics",
    "run": "run every report notebook and write reports/<period_end>/",
}


def _command_named(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word not starting with ``-``)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with the sub-command named in ``argv`` fully registered.

    Parameters
    ----------
    argv
        The command line without the program name. ``None`` registers every sub-command in
        full (used by tests and documentation); otherwise only the one named is imported and the
        rest appear in ``--help`` by their one-line description.
    """
    parser = argparse.ArgumentParser(
        prog="cpanalysis",
        description="Corporate parenting analysis from SSDA903 returns.",
    )
    parser.add_argument("--version", action="version", version=f"cpanalysis {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = None if argv is None else _command_named(argv)
    for name, one_line in COMMANDS.items():
        if argv is not None and name != wanted:
            subparsers.add_parser(name, help=one_line)
            continue
        module = importlib.import_module(f"cpanalysis.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except CpanalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader stopped reading (``cpanalysis validate --rules | head``): not an error of
        # the command. Later writes (Python flushes stdout at exit) go nowhere instead of failing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        # A folder or file the system refuses (no permission, a full or read-only disk): the
        # commands check their outputs first, so this is a problem that arose meanwhile.
        if exc.filename is None:
            raise
        print(f"error: {exc.filename}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
