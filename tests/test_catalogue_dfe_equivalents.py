"""Every catalogue measure that names a DfE equivalent either has published rows in the built-in
snapshot (so it is compared) or says that the package does not read them (catalogue.NOT_READ).

A measure whose DfE equivalent the loaders never read would otherwise look comparable and show
an empty England column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import indicators
from cpanalysis.dfe import snapshot
from cpanalysis.dfe.load import load_dfe
from cpanalysis.indicators import catalogue


@pytest.fixture(scope="module")
def shipped() -> set[str]:
    return set(pd.read_parquet(Path(snapshot.SNAPSHOT_DIR) / "national.parquet",
                               columns=["indicator_id"])["indicator_id"].astype(str))


def test_equivalents_are_read_or_say_they_are_not(shipped):
    for record in catalogue.CATALOGUE.values():
        if record.family not in indicators.FAMILIES or not record.dfe_equivalent:
            continue
        if record.id in shipped:
            assert catalogue.NOT_READ not in record.dfe_equivalent, record.id
        else:
            assert record.dfe_equivalent.endswith(catalogue.NOT_READ), record.id


def test_missing_and_away_are_compared(shipped):
    assert {"missing_episodes_children", "away_episodes_children"} <= shipped


@pytest.mark.dfe
def test_lait_missing_and_away_read_by_hand(shared_dfe: Path) -> None:
    out = load_dfe(shared_dfe)
    def pick(indicator: str, geography: str, year: int) -> float:
        rows = out[(out["indicator_id"] == indicator) & (out["geography"] == geography)
                   & (out["period_end"] == pd.Timestamp(year, 3, 31)) & (out["breakdown"] == "Total")]
        assert len(rows) == 1, (indicator, geography, year)
        return float(rows["value"].iloc[0])
    # LAIT bds_long_0.parquet, Children_missing / Children_Away, read by hand
    assert pick("missing_episodes_children", "E10000018", 2025) == 7  # Leicestershire
    assert pick("missing_episodes_children", "E92000001", 2025) == 11  # England
    assert pick("away_episodes_children", "E92000001", 2016) == 4
