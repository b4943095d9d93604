"""Benchmark: the start-up cost of ``cpanalysis`` against importing pandas (not run by the tests).

Usage::

    python benchmarks/bench_cli.py              # 7 runs of each, medians
    python benchmarks/bench_cli.py --repeat 11

Each command runs in its own process; its CPU seconds (user + system) come from
``resource.getrusage(RUSAGE_CHILDREN)`` around the run, its peak RSS from the same call in a
fresh wrapper. The commands alternate (A, B, A, B, ...) so that load on a shared machine falls on
both sides alike; the ratio of the medians is the figure to compare with the target.

Target (issue 18): ``cpanalysis --help`` at most half the CPU of ``python -c "import pandas"``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
    "cpanalysis --help": [sys.executable, "-m", "cpanalysis", "--help"],
    "cpanalysis --version": [sys.executable, "-m", "cpanalysis", "--version"],
    "python -c 'pass'": [sys.executable, "-c", "pass"],
}


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one run of ``command`` (its whole process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            times[name].append(cpu_seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    reference = medians["python -c 'import pandas'"]
    print(f"{'command':<28} {'median CPU s':>12} {'vs import pandas':>17}")
    for name, value in medians.items():
        print(f"{name:<28} {value:>12.3f} {value / reference:>16.2f}x")
    ratio = medians["cpanalysis --help"] / reference
    print(f"\ncpanalysis --help / import pandas = {ratio:.2f} (target at most 0.50: "
          f"{'met' if ratio <= 0.5 else 'not met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
