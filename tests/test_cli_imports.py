"""The command line stays light: ``cpanalysis --help`` imports no heavy library.

Not a timed test (timings live in benchmarks/bench_cli.py): it checks which modules are imported,
so that a top-level ``import pandas`` creeping back into the CLI path fails here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from cpanalysis import cli

HEAVY = ("pandas", "numpy", "nbformat", "statsmodels", "scipy", "matplotlib", "papermill")


def _modules_after(code: str) -> set[str]:
    """Top-level module names imported by a fresh interpreter running ``code``."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_imports_no_heavy_library():
    loaded = _modules_after("import cpanalysis.cli")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_imports_no_heavy_library():
    loaded = _modules_after(
        "import contextlib, io\nimport cpanalysis.cli as c\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        c.main(['--help'])\n    except SystemExit:\n        pass"
    )
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    for name, one_line in cli.COMMANDS.items():
        assert name in shown
        assert one_line in shown


def test_one_line_help_matches_each_commands_own_parser():
    """The light listing says what each command's module says of itself."""
    parser = cli.build_parser(None)
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {choice.dest: choice.help for choice in actions[0]._choices_actions}
    assert helps == cli.COMMANDS


def test_only_the_named_command_is_registered_in_full():
    parser = cli.build_parser(["indicators", "--help"])
    sub = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)][0]
    assert any(a.dest == "period_end" for a in sub.choices["indicators"]._actions)
    assert not any(a.dest == "dir" for a in sub.choices["validate"]._actions)
