"""Benchmark: what loading the built-in DfE snapshot adds to a run (not run by the tests).

Usage::

    python benchmarks/bench_dfe_snapshot.py [--repeat 7] [--shared ../shared/dfe]

Each measurement is a fresh Python process (so nothing is cached in memory, as at the start of
``cpanalysis run``) that first imports the package and pandas/pyarrow (which a run imports
anyway for its processed tables) and then times, in-process:

* ``load_dfe(snapshot)``: the tidy national table (``national.parquet``);
* ``statistical_neighbours`` + ``find_la``: the areas and neighbour tables;
* with ``--shared``, ``load_dfe`` of the raw published files, for comparison (what a run without
  the snapshot and without the cache in ``data/processed/dfe`` pays).

Target (issue 16): the snapshot adds under 0.3 s to a run. Prints the median and the slowest of
the repeats. Times are CPU seconds of the process (``time.process_time``): on the shared 2-core
machine wall time varies with the other sessions' load, CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
import pandas as pd, pyarrow.parquet  # a run has imported these already
from cpanalysis import dfe
from cpanalysis.dfe import snapshot
out = {}
tick = time.process_time()
table = dfe.load_dfe(snapshot.SNAPSHOT_DIR)
out["national table"] = time.process_time() - tick
tick = time.process_time()
dfe.statistical_neighbours("E10000018", folder=snapshot.SNAPSHOT_DIR)
dfe.find_la("E10000018", snapshot.SNAPSHOT_DIR)
out["areas and neighbours"] = time.process_time() - tick
out["snapshot total"] = out["national table"] + out["areas and neighbours"]
if sys.argv[1]:
    tick = time.process_time()
    dfe.load_dfe(sys.argv[1])
    out["raw published files"] = time.process_time() - tick
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--shared", default="", help="folder of raw DfE files to time as well")
    args = parser.parse_args()
    runs = []
    for i in range(args.repeat):
        shared = args.shared if i == 0 else ""  # the raw files take seconds: time them once
        done = subprocess.run([sys.executable, "-c", CHILD, shared], capture_output=True, text=True, check=True,
                              cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        runs.append(json.loads(done.stdout))
    for name in runs[0]:
        values = [r[name] for r in runs if name in r]
        print(f"{name:<22} median {statistics.median(values):6.3f} s   slowest {max(values):6.3f} s   "
              f"({len(values)} run{'s' if len(values) > 1 else ''})")


if __name__ == "__main__":
    main()
