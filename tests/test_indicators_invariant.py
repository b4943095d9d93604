"""The invariant of issue 11: 31 March indicators from the last three annual returns equal those
from the whole history, on the demo authority, for every year with three or more returns.

An authority often loads only its recent returns. Every DfE measure on 31 March must be the
same figure whichever history is loaded, as long as it holds the three returns ending that year:
looked after on 31 March and during the year, the 12-month and 2-year cohorts (24 and 30 months
fit in three years), placements in the last one or two years, care leavers (their OC3 rows,
whether or not their episodes are loaded), the new-placements table and the point-in-time
fields. The exemptions are the adoption timeliness measures (``adoption_days_entry_to_placement``
and the scorecard's A1, A2 and A10), which look back to the start of the period of care that
ended in adoption, or its placement order, often before the three returns, and re-entries to
care (``cla_started_reentry``), which look for any earlier period of care (their docstrings).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cpanalysis import build, indicators, periods, synth

pytestmark = pytest.mark.slow

#: Indicators allowed to differ, with the reason (see the module docstring).
EXEMPT = {"adoption_days_entry_to_placement": "looks back to the start of the period of care",
          # the scorecard's three years need three returns, and look back as far as the one above
          "adoption_a1_days": "looks back to the start of the period of care",
          "adoption_a2_days": "looks back to the placement order",
          "adoption_a10_days": "looks back to the start of the period of care",
          # an earlier period of care may have ended before the three returns
          "cla_started_reentry": "looks back to every earlier period of care"}
KEY = ["indicator_id", "breakdown", "breakdown_value"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, default_demo) -> dict:
    root = tmp_path_factory.mktemp("invariant")
    returns = default_demo / "903"
    population = pd.read_csv(default_demo / "population.csv")
    full = build.build(returns, out_dir=None, la_code=synth.DEFAULT_LA).tables
    annual = sorted(p.name for p in returns.iterdir() if "_" not in p.name)
    years = [periods.parse_year_label(label) for label in annual][2:]
    ends = [periods.year_end(y) for y in years]
    whole = indicators.compute(full, ends, la_code=synth.DEFAULT_LA, population=population)
    return {"root": root, "returns": returns, "annual": annual, "years": years, "whole": whole,
            "population": population}


def _last_three(demo: dict, year: int) -> pd.DataFrame:
    folder = demo["root"] / f"last3_{year}"
    folder.mkdir()
    for label in demo["annual"]:
        if year - 2 <= periods.parse_year_label(label) <= year:
            (folder / label).symlink_to(demo["returns"] / label, target_is_directory=True)
    tables = build.build(folder, out_dir=None, la_code=synth.DEFAULT_LA).tables
    return indicators.compute(tables, periods.year_end(year), la_code=synth.DEFAULT_LA,
                              population=demo["population"])


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    return (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=0, atol=1e-9)


def test_demo_has_years_to_check(demo):
    assert len(demo["years"]) >= 5  # ten returns: 2019 to 2025 have three annual returns each


@pytest.mark.parametrize("offset", range(7))
def test_last_three_returns_give_the_whole_history_figures(demo, offset):
    if offset >= len(demo["years"]):
        pytest.skip("the demo has fewer years")
    year = demo["years"][offset]
    whole = demo["whole"][demo["whole"]["period_end"] == periods.year_end(year)]
    recent = _last_three(demo, year)
    merged = whole.merge(recent, on=KEY, how="outer", suffixes=("_whole", "_recent"), indicator=True)
    merged = merged[~merged["indicator_id"].isin(EXEMPT)]
    same = np.ones(len(merged), dtype=bool)
    for column in ("numerator", "denominator", "value"):
        same &= _same(merged[f"{column}_whole"], merged[f"{column}_recent"])
    differ = merged[(merged["_merge"] != "both") | ~same]
    assert differ.empty, (
        f"{differ['indicator_id'].nunique()} indicators differ for 31 March {year}:\n"
        + differ[KEY + ["numerator_whole", "numerator_recent", "denominator_whole", "denominator_recent"]]
        .head(20).to_string()
    )
