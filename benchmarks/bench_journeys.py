"""Benchmark: the tables and models of notebooks 03, 04, 05 and 08 on the demo (not run by the tests).

Usage::

    python benchmarks/bench_journeys.py                    # the demo authority (generated if needed)
    python benchmarks/bench_journeys.py --data data/raw/903 --cohort "uasc"

Times each call of :mod:`cpanalysis.pipeline.journeys` a notebook makes (after loading, which is
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

from cpanalysis.pipeline import journeys, load_for_notebook

ROOT = Path(__file__).resolve().parents[1]


def calls(data, cohort: str) -> dict[str, Callable[[], object]]:
    """The heavier calls of the four notebooks, by name."""
    k = {"cohort_filter": cohort}
    return {
        "03 reliable change": lambda: journeys.reliable_change_table(data, by="moves_between_band", **k),
        "03 paired change": lambda: journeys.paired_change_table(data, by="placement_group", **k),
        "03 mixed model": lambda: journeys.trajectory_table(data, **k),
        "03 completion and who lacks a score": lambda: journeys.missing_scores_table(data, **k),
        "04 moves per child-year": lambda: journeys.moves_table(data, by="placement_group", **k),
        "04 reasons": lambda: journeys.reasons_table(data, level="reason", **k),
        "04 Kaplan-Meier table": lambda: journeys.survival_table(data, by="placement_group", **k),
        "04 cumulative incidence": lambda: journeys.disruption_table(data, **k),
        "04 Cox model": lambda: journeys.cox_table(data, **k),
        "04 moves by distance": lambda: journeys.distance_table(data, **k),
        "05 destinations": lambda: journeys.destinations_table(data, "activity", **k),
        "05 flows": lambda: journeys.flows_table(data, **k),
        "08 cohort vs everyone else": lambda: journeys.compare_cohort(data, cohort or "placed_over_20_miles"),
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
