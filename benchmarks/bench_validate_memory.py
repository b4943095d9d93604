"""Benchmark: ``cpanalysis validate`` on one very large return (memory and time), not run by the tests.

Usage::

    python benchmarks/bench_validate_memory.py                 # a 300 MB return (about 5 million rows)
    python benchmarks/bench_validate_memory.py --mb 30         # a tenth of it, for a quick look
    python benchmarks/bench_validate_memory.py --small         # the demo's two latest returns as well
    python benchmarks/bench_validate_memory.py --last-year     # the 300 MB split over two years' returns

The big return is made from the demo authority's 2024-25 return (``cpanalysis demo``), copied
over and over into one return folder with each copy's ``CHILD`` made unique (the copy number is
put in front of the id), until the files reach ``--mb`` megabytes. Every copy is a valid return,
so the validator does the work a large authority's return (or a regional stack of returns) asks
of it, not the work of a file full of errors. With ``--last-year`` the megabytes are split between
that return and the year before's (``2023-24``, its copies numbered the same way, so each child
is found in both): the rules comparing a return with last year's (503A-J, 452, 453, 202-205B,
624) then do their work too.

``cpanalysis validate`` then runs in its own process (``python -m cpanalysis validate DIR --out
... --quiet``). Reported: wall seconds (clock), CPU seconds (user + system,
``os.wait4``) and the peak resident memory of that process
(``ru_maxrss``; kilobytes on Linux, bytes on macOS). The issue's target (issue 15): under 2 GB
for the 300 MB return.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The demo return the big one is made of (an annual return holding every table).
SOURCE_RETURN = "2024-25"
#: Last year's return for ``--last-year``.
LAST_YEAR = "2023-24"


def make_big_return(demo: Path, out: Path, megabytes: float, label: str = SOURCE_RETURN, copies: int | None = None) -> tuple[int, int, int]:
    """Write one return folder of about ``megabytes`` MB by copying a demo return.

    Parameters
    ----------
    demo : pathlib.Path
        Folder ``cpanalysis demo`` wrote.
    out : pathlib.Path
        Return folder to write (named like a collection year, so the year is not inferred).
    megabytes : float
        Size to reach, in MB (10**6 bytes).
    label : str
        The demo return to copy.
    copies : int, optional
        How many copies (instead of ``megabytes``): another year's return with the same children.

    Returns
    -------
    bytes, rows, copies : int
        Size of the files written, their data rows (headers not counted) and the copies made.
    """
    source = demo / "903" / label
    tables = {}
    for path in sorted(source.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        tables[path.name] = (header, header.index("CHILD"), rows)
    one_copy = sum(path.stat().st_size for path in source.glob("*.csv"))
    copies = copies or max(1, round(megabytes * 1e6 / one_copy))
    out.mkdir(parents=True)
    written = rows_written = 0
    for name, (header, child, rows) in tables.items():
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(header)
            for copy in range(copies):
                prefix = f"{copy + 1}"
                for row in rows:
                    writer.writerow(row[:child] + [prefix + row[child]] + row[child + 1:])
            rows_written += copies * len(rows)
        written += (out / name).stat().st_size
    return written, rows_written, copies


def measure(folder: Path, out: Path) -> tuple[float, float, float, str]:
    """Wall s, CPU s and peak RSS (MB) of one ``cpanalysis validate`` process; its summary's total line.

    The process's own resource usage (``os.wait4``), not ``RUSAGE_CHILDREN``'s: that one's peak is
    the largest of every child so far, the ``cpanalysis demo`` run included.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "cpanalysis", "validate", str(folder), "--out", str(out), "--quiet"],
            cwd=ROOT, stdout=stdout, stderr=stderr, text=True,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        printed, complained = stdout.read(), stderr.read()
    if process.returncode != 0:
        raise SystemExit(f"cpanalysis validate failed (exit {process.returncode}):\n{printed}\n{complained}")
    cpu = usage.ru_utime + usage.ru_stime
    scale = 1 if platform.system() == "Darwin" else 1024
    peak_mb = usage.ru_maxrss * scale / 1e6
    total = next((line for line in printed.splitlines() if line.startswith("total")), "")
    return wall, cpu, peak_mb, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=300.0, help="size of the big return in MB (default 300)")
    parser.add_argument("--small", action="store_true", help="also time the demo's 2023-24 and 2024-25 returns")
    parser.add_argument("--last-year", action="store_true",
                        help="split --mb between the return and last year's (2023-24), the same children in both")
    parser.add_argument("--keep", help="keep the big return in this folder (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        demo = work / "demo"
        subprocess.run([sys.executable, "-m", "cpanalysis", "demo", "--out", str(demo)], cwd=ROOT,
                       stdout=subprocess.DEVNULL, check=True)  # fmt: skip
        if args.small:
            small = work / "small"
            for label in ("2023-24", SOURCE_RETURN):
                (small / label).mkdir(parents=True)
                for path in (demo / "903" / label).glob("*.csv"):
                    (small / label / path.name).write_bytes(path.read_bytes())
            wall, cpu, peak, total = measure(small, work / "small_out")
            print(f"demo 2023-24 + 2024-25: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak:,.0f} MB ({total.split()[1:2]} rows read)")
        big = work / "big" / SOURCE_RETURN
        if args.last_year:
            size, rows, copies = make_big_return(demo, big, args.mb / 2)
            more, more_rows, _ = make_big_return(demo, work / "big" / LAST_YEAR, 0, LAST_YEAR, copies)
            print(f"big returns {LAST_YEAR} and {SOURCE_RETURN}: {(size + more) / 1e6:,.0f} MB, {rows + more_rows:,} data rows")
            size, rows, big = size + more, rows + more_rows, work / "big"
        else:
            size, rows, _ = make_big_return(demo, big, args.mb)
            print(f"big return: {size / 1e6:,.0f} MB, {rows:,} data rows in {len(list(big.iterdir()))} files")
        wall, cpu, peak, total = measure(big, work / "big_out")
        print(f"cpanalysis validate: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak:,.0f} MB")
        print(f"  summary: {' '.join(total.split())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
