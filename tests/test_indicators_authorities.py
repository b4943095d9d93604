"""Several authorities computed together give each authority's own figures."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.errors import ParameterError
from tests import test_indicators_profile, test_indicators_stability


def test_stacked_authorities_match_separate_runs():
    first = test_indicators_profile.history().tables()
    second = test_indicators_stability.history().tables()
    population = pd.DataFrame({"la_code": ["E1", "E2"], "year": [2025, 2025], "population_under18": [1000, 2000]})
    ends = ["2024-09-30", "2025-03-31"]
    alone = pd.concat([
        indicators.compute(first, ends, "rolling_12m", la_code="E1", population=population),
        indicators.compute(second, ends, "rolling_12m", la_code="E2", population=population),
    ])
    together = indicators.compute(indicators.stack_authorities({"E1": first, "E2": second}), ends, "rolling_12m",
                                  population=population)
    key = ["geography", "period_end", "indicator_id", "breakdown", "breakdown_value"]
    alone = alone.sort_values(key).reset_index(drop=True)
    together = together.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, together)
    assert set(together["geography"]) == {"E1", "E2"}


def test_la_code_cannot_name_several_authorities():
    tables = indicators.stack_authorities({"E1": test_indicators_profile.history().tables(),
                                           "E2": test_indicators_profile.history().tables()})
    with pytest.raises(ParameterError, match="2 authorities"):
        indicators.compute(tables, "2025-03-31", la_code="E1")


class _Recording(dict):
    """A table dict that remembers which tables were asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def test_prepare_reads_only_the_tables_it_lists():
    """indicators.TABLES is what a caller holding many authorities loads (bench_indicators --england)."""
    tables = test_indicators_stability.history().tables()
    tables["issues"] = pd.DataFrame({"child_id": ["1"], "rule": ["x"]})
    recording = _Recording(tables)
    full = indicators.compute(recording, "2025-03-31")
    assert recording.asked <= set(indicators.TABLES), sorted(recording.asked - set(indicators.TABLES))
    only = indicators.compute({k: v for k, v in tables.items() if k in indicators.TABLES}, "2025-03-31")
    pd.testing.assert_frame_equal(full, only)
