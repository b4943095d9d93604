"""'What this shows': the plain findings each report page opens with, on hand-made indicator tables."""

from __future__ import annotations

from dataclasses import replace as dataclass_replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis.reports import findings
from cpanalysis.reports.loading import NotebookData
from cpanalysis.stats import wilson_interval

LA = "E10000018"


def _row(indicator_id, end, numerator, denominator, polarity):
    lower, upper = wilson_interval(numerator, denominator)
    return {"indicator_id": indicator_id, "period_end": pd.Timestamp(end), "period_type": "rolling_12m",
            "geography": LA, "breakdown": "Total", "breakdown_value": "Total", "numerator": numerator,
            "denominator": denominator, "value": 100 * numerator / denominator, "unit": "%",
            "lower_95": 100 * float(lower), "upper_95": 100 * float(upper), "lower_998": np.nan, "upper_998": np.nan,
            "polarity": polarity, "source": "local", "suppressed": ""}


def _data(rows) -> NotebookData:
    return NotebookData(
        la_code=LA, la_name="Crafted", period_end=pd.Timestamp("2025-09-30"), audience="internal", tables={},
        indicators=pd.DataFrame(rows, columns=list(_row("x", "2025-09-30", 1, 2, "none"))), national=None, national_message="", comparators={}, neighbours=[],
        manifest={}, data_dir=Path("."), processed_dir=Path("."),
    )


def test_lead_measure_then_changes_beyond_chance_by_the_newcombe_interval():
    data = _data([
        # 3+ placements: 20 of 200 (10%) -> 40 of 200 (20%): Newcombe interval of +10 points excludes 0
        _row("placements_3plus_12m", "2024-09-30", 20, 200, "low_good"),
        _row("placements_3plus_12m", "2025-09-30", 40, 200, "low_good"),
        # long-term stability: 70 of 100 -> 72 of 100, within chance
        _row("long_term_stability", "2024-09-30", 70, 100, "high_good"),
        _row("long_term_stability", "2025-09-30", 72, 100, "high_good"),
    ])
    text = findings.what_this_shows(data, "placement_moves").data
    assert text.startswith(
        "**What this shows:** Children looked after with 3 or more placements in the last 12 months: 20% in the "
        "12 months to 30 Sep 2025 (95% interval 15 to 26%). Since the same period a year earlier, children looked "
        "after with 3 or more placements in the last 12 months rose from 10% to 20%, worse; the other 1 did not "
        "change beyond chance.")
    assert "England" not in text.split("\n")[0]  # no national files: no England sentence


def test_nothing_beyond_chance_is_said_plainly():
    data = _data([_row("long_term_stability", "2024-09-30", 70, 100, "high_good"),
                  _row("long_term_stability", "2025-09-30", 72, 100, "high_good")])
    first = findings.what_this_shows(data, "placement_moves").data.split("\n")[0]
    assert first.endswith("did not change beyond chance since the same period a year earlier.")


def test_a_page_without_any_measure_says_so_and_an_unknown_page_is_refused():
    assert "no measure of this page" in findings.what_this_shows(_data([]), "care_leavers").data
    with pytest.raises(KeyError, match="unknown page"):
        findings.what_this_shows(_data([]), "nope")


def test_data_quality_findings_reconcile_rows_and_hide_small_counts_externally():
    manifest = {
        "returns": [{"label": "2023-24", "collection_year": 2024, "is_in_year": False, "as_at": "2024-03-31"},
                    {"label": "2024-25", "collection_year": 2025, "is_in_year": False, "as_at": "2025-03-31"}],
        "rows": {"episodes": {"read": 100, "kept": 97, "quarantined": 3},
                 "header": {"read": 40, "kept": 40, "quarantined": 0}},
    }
    issues = pd.DataFrame({"severity": ["error"] * 3 + ["warning"] * 7, "rule_id": ["103"] * 3 + ["STITCH_3A"] * 7,
                           "table": ["episodes"] * 10, "action": ["quarantined"] * 3 + ["kept"] * 7})
    header = pd.DataFrame({"collection_year": [2025] * 4, "upn": ["A", "", None, "B"]})
    data = dataclass_replace(_data([]), manifest=manifest, tables={"issues": issues, "header": header})
    text = findings.what_this_shows(data, "data_quality").data
    assert text.startswith("**What this shows:** 2 returns were read (2023-24 to 2024-25). Of 140 rows, 137 were "
                           "kept and 3 quarantined: every row is accounted for. Validation found 3 rows with errors; "
                           "the commonest finding is rule STITCH_3A (7 rows")
    external = findings.what_this_shows(dataclass_replace(data, audience="external"), "data_quality").data
    # 140 read less 137 kept would give back the 3 quarantined (issue 15): the kept count goes too
    assert "all but a handful were kept and fewer than 6 quarantined" in external and "137" not in external
    assert "found fewer than 6 rows with errors" in external and " 3 " not in external
