"""The ``cpanalysis`` command.

Each sub-command lives in ``cpanalysis/commands/<name>.py`` and provides ``register(subparsers)``
and ``run(args) -> int``. Errors the user can cause (:class:`cpanalysis.errors.CpanalysisError`)
are printed as one plain-English message with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cpanalysis import __version__
from cpanalysis.errors import CpanalysisError

#: Sub-commands in the order ``--help`` lists them (module names in ``cpanalysis.commands``).
COMMANDS = ("validate", "build", "demo", "indicators", "dfe", "run")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="cpanalysis",
        description="Corporate parenting analysis from SSDA903 returns.",
    )
    parser.add_argument("--version", action="version", version=f"cpanalysis {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"cpanalysis.commands.{name}")
        except ModuleNotFoundError as exc:  # a command still being written is simply absent
            if exc.name == f"cpanalysis.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except CpanalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
