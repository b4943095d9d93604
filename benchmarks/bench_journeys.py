"""Benchmark: the tables and models of notebooks 03, 04, 05 and 08 on the demo (not run by the tests).

Usage::

    python benchmarks/bench_journeys.py                    # the demo authority (generated if needed)
    python benchmarks/bench_journeys.py --data data/raw/903 --cohort "uasc"

Times each call of the report modules (:mod:`cpanalysis.reports`) notebooks 03-05 and 08 make (after loading, which is
cached between notebooks), slowest first. The slow ones are the models: the SDQ mixed model
(statsmodels MixedLM, random intercept and slope by child) and the Cox model of placement
endings (``phreg`` with child-clustered errors). Target (issue 7): each notebook well under 60 s
once the demo is built, so these together under about 15 s on two cores.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from cpanalysis.reports import care_leavers, deep_dive, placement_moves, sdq_changes
from cpanalysis.reports.loading import load_for_notebook

ROOT = Path(__file__).resolve().parents[1]


def calls(data, cohort: str) -> dict[str, Callable[[], object]]:
    """The heavier calls of the four notebooks, by name."""
    k = {"cohort_filter": cohort}
    return {
        "03 reliable change": lambda: sdq_changes.reliable_change_table(data, by="moves_between_band", **k),
        "03 paired change": lambda: sdq_changes.paired_change_table(data, by="placement_group", **k),
        "03 mixed model": lambda: sdq_changes.trajectory_table(data, **k),
        "03 completion and who lacks a score": lambda: sdq_changes.missing_scores_table(data, **k),
        "04 moves per child-year": lambda: placement_moves.moves_table(data, by="placement_group", **k),
        "04 reasons": lambda: placement_moves.reasons_table(data, level="reason", **k),
        "04 Kaplan-Meier table": lambda: placement_moves.survival_table(data, by="placement_group", **k),
        "04 cumulative incidence": lambda: placement_moves.disruption_table(data, **k),
        "04 Cox model": lambda: placement_moves.cox_table(data, **k),
        "04 moves by distance": lambda: placement_moves.distance_table(data, **k),
        "05 destinations": lambda: care_leavers.destinations_table(data, "activity", **k),
        "05 flows": lambda: care_leavers.flows_table(data, **k),
        "08 cohort vs everyone else": lambda: deep_dive.compare_cohort(data, cohort or "placed_over_20_miles"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "raw" / "demo" / "903"))
    parser.add_argument("--cohort", default="")
    args = parser.parse_args()
    tick = time.perf_counter()
    data = load_for_notebook(args.data)
    print(f"load_for_notebook: {time.perf_counter() - tick:.1f} s")
    timings = []
    for name, call in calls(data, args.cohort).items():
        tick = time.perf_counter()
        call()
        timings.append((time.perf_counter() - tick, name))
    for seconds, name in sorted(timings, reverse=True):
        print(f"{seconds:6.2f} s  {name}")
    print(f"{sum(t for t, _ in timings):6.2f} s  total")


if __name__ == "__main__":
    main()
