"""Benchmark: generating the demo authority (``cpanalysis demo``), not run by the tests.

Usage::

    python benchmarks/bench_demo.py               # default demo, 3 runs, medians
    python benchmarks/bench_demo.py --repeat 5 --seed 7

Each run is ``python -m cpanalysis demo`` in its own process writing to a fresh temporary folder
(the local measures included, as a user gets them). Wall seconds come from the clock, CPU seconds
(user + system, the whole process tree) from ``resource.getrusage(RUSAGE_CHILDREN)``; on a shared
machine the CPU figure is the steadier one. The simulation itself (every child to 31 March 2030,
whatever ``--as-at``) is timed apart, in this process.

Target (issue 17): under 30 s on 2 cores for one authority.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(seed: int) -> tuple[float, float]:
    """Wall and CPU seconds of one ``cpanalysis demo`` process."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cpanalysis", "demo", "--seed", str(seed), "--out", out],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    from cpanalysis import synth
    from cpanalysis.synth.places import Places

    places = Places(synth.DEFAULT_LA)
    started = time.process_time()
    children, _, _ = synth.simulate(
        synth.DEFAULT_LA, args.seed, 2017, dt.date.fromisoformat(synth.DEFAULT_AS_AT), places=places
    )
    simulation = time.process_time() - started
    runs = [one_run(args.seed) for _ in range(args.repeat)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(f"simulation only: {simulation:.1f} CPU s for {len(children):,} children")
    # on a shared machine wall time measures the other sessions too: the verdict reads CPU time,
    # which is what the command costs on 2 free cores (it runs on one)
    print(f"cpanalysis demo (median of {args.repeat}): {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(target under 30 s: {'met' if cpu < 30 else 'not met'} on CPU time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
