"""Benchmark: what a notebook kernel's set-up imports cost (not run by the tests).

Usage::

    python benchmarks/bench_kernel_imports.py                  # this checkout, 7 runs of each
    python benchmarks/bench_kernel_imports.py --before /tmp/old --repeat 11
        # /tmp/old: another checkout of the package (e.g. `git archive <commit> | tar -x -C /tmp/old`)

Each statement runs in a fresh interpreter with ``PYTHONPATH`` set to the checkout; its CPU
seconds (user + system) come from ``resource.getrusage(RUSAGE_CHILDREN)`` around the run. The
statements are the import lines of the report notebooks' set-up cells: the light one (pages 00-02,
06, 07) and the one with the journeys (pages 03-05, 08). The checkouts alternate so that load on a
shared machine falls on both alike. The number of scipy/statsmodels modules each loads is counted.

Issue 18: the kernels should not import scipy or statsmodels before a cell uses them
(``tests/test_kernel_imports.py`` checks the modules; this measures the time).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STATEMENTS = {
    "import pandas": "import pandas",
    "set-up, pages 00-02, 06, 07": (
        "from cpanalysis.reports import common, data_quality, findings, national_comparison, outcome_trends, "
        "profile, strategy_scorecard"
    ),
    "set-up, pages 03-05, 08": (
        "from IPython.display import Markdown\n"
        "from cpanalysis.reports import care_leavers, common, deep_dive, findings, placement_moves, scope, sdq_changes"
    ),
}
COUNT = "\nimport sys\nprint(sum(m.split('.')[0] in ('scipy', 'statsmodels') for m in sys.modules))"


def run(code: str, root: Path) -> tuple[float, int]:
    """CPU seconds of a fresh interpreter running ``code`` with ``root`` first on the path, and the
    number of scipy/statsmodels modules it imported."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code + COUNT], cwd=root, env=env, capture_output=True,
                         text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, int(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare with")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each statement (default 7)")
    args = parser.parse_args()
    roots = {"this checkout": ROOT} if args.before is None else {"before": args.before.resolve(), "after": ROOT}
    times: dict[tuple[str, str], list[float]] = {}
    counts: dict[tuple[str, str], int] = {}
    for _ in range(args.repeat):
        for name, code in STATEMENTS.items():
            for label, root in roots.items():
                cpu, n = run(code, root)
                times.setdefault((name, label), []).append(cpu)
                counts[(name, label)] = n
    print(f"{'statement':<30} {'checkout':<14} {'median CPU s':>12} {'scipy/statsmodels modules':>26}")
    for (name, label), values in times.items():
        print(f"{name:<30} {label:<14} {statistics.median(values):>12.3f} {counts[(name, label)]:>26}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
