"""A command whose output is piped into ``head`` ends quietly when ``head`` stops reading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_rule_book_into_head_has_no_broken_pipe_traceback() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "cpanalysis", "validate", "--rules"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()  # as `head -1` does: the rest of the book meets a closed pipe
    stderr = process.stderr.read().decode()
    process.wait(timeout=120)
    assert first.startswith(b"rule ")
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert process.returncode == 0
