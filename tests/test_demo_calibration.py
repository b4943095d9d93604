"""The demo authority against Leicestershire's published figures, through the package's indicators.

The default demo (seed 2026, E10000018, 2016-17 to 2025-26_Q2) is generated, built and run through
:func:`cpanalysis.indicators.compute` once per session, exactly as a report would see it
(``pipeline.data.load_tables``). Each indicator at 31 March 2025 must land inside the band of
issue 3; the bands are wide around Leicestershire's published 2025 figure (``dfe_statistics.md``
§2c, quoted beside each band) because one seed of a synthetic county has sampling noise of its own.
``docs/synthetic_authority.md`` lists the measured values.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import indicators, synth
from cpanalysis.reports.loading import load_tables, read_population

LA = synth.DEFAULT_LA
YEAR_ENDS = [pd.Timestamp(year, 3, 31) for year in range(2017, 2026)]
LAST = YEAR_ENDS[-1]

#: indicator id (Total row unless a breakdown value is given) -> (low, high, published 2025).
BANDS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("cla_on_date", "Total"): (640, 760, 694),
    ("cla_started", "Total"): (260, 340, 299),
    ("cla_ceased", "Total"): (260, 360, 332),
    ("placements_3plus_12m", "Total"): (7, 13, 10),
    ("long_term_stability", "Total"): (68, 82, 75),
    ("placed_over_20_miles", "Total"): (18, 30, 24),
    ("placed_in_house", "Total"): (45, 75, float("nan")),  # not published by LA
    ("cla_12m_cohort", "Total"): (430, 530, 479),
    ("sdq_completed", "Total"): (80, 95, 88),
    ("sdq_mean", "Total"): (13.5, 16.0, 14.7),
    ("sdq_concern", "Total"): (32, 45, 39),
    ("health_assessment_up_to_date", "Total"): (85, 96, 91),
    ("care_leavers_cohort", "19 to 21 years"): (300, 420, 373),
    ("leavers_19_21_eet", "Total"): (50, 66, 59),
    ("leavers_19_21_suitable_accommodation", "Total"): (88, 98, 94),
}


@pytest.fixture(scope="session")
def demo_indicators(tmp_path_factory: pytest.TempPathFactory, default_demo) -> pd.DataFrame:
    """Year-ending-31-March indicators 2017-2025 of the default demo, built by the package."""
    root = tmp_path_factory.mktemp("calibration")
    tables, _, _ = load_tables(default_demo / "903", la_code=LA, processed_dir=root / "processed")
    population = read_population(default_demo)
    return indicators.compute(tables, YEAR_ENDS, "year", la_code=LA, population=population)


def value(
    table: pd.DataFrame, indicator_id: str, period_end: pd.Timestamp, breakdown_value: str = "Total"
) -> float:
    """The single value of one indicator row."""
    row = table[
        (table["indicator_id"] == indicator_id)
        & (table["period_end"] == period_end)
        & (table["breakdown_value"] == breakdown_value)
    ]
    assert len(row) == 1, (indicator_id, period_end, breakdown_value, len(row))
    return float(row["value"].iloc[0])


@pytest.mark.parametrize(("indicator_id", "breakdown_value"), sorted(BANDS))
def test_31_march_2025_inside_band(
    demo_indicators: pd.DataFrame, indicator_id: str, breakdown_value: str
) -> None:
    low, high, published = BANDS[(indicator_id, breakdown_value)]
    measured = value(demo_indicators, indicator_id, LAST, breakdown_value)
    assert low <= measured <= high, (
        f"{indicator_id} ({breakdown_value}) = {measured:.1f}; band {low}-{high}, Leicestershire {published}"
    )


def test_uasc_share_of_children_looked_after(demo_indicators: pd.DataFrame) -> None:
    """UASC 5-12% of children looked after on 31 March 2025 (England 2025: about 6%)."""
    share = (
        100
        * value(demo_indicators, "uasc_on_date", LAST)
        / value(demo_indicators, "cla_on_date", LAST)
    )
    assert 5 <= share <= 12, share


def test_staying_put_in_published_range(demo_indicators: pd.DataFrame) -> None:
    """About half of foster leavers stay put at 18 (England 55-60%); a third at 19-20
    (LAIT StayingPut, Leicestershire 26-44% in 2017-2025)."""
    assert 35 <= value(demo_indicators, "staying_put_18", LAST) <= 70
    assert 18 <= value(demo_indicators, "staying_put_19_20", LAST) <= 45


#: Leicestershire's published children looked after on 31 March 2017-2025.
PUBLISHED_CLA = dict(zip(YEAR_ENDS, (510, 554, 583, 654, 706, 696, 681, 725, 694), strict=True))


def test_children_looked_after_follow_the_published_trend(demo_indicators: pd.DataFrame) -> None:
    """Fewer children in 2017, rising to 2021 and then near-flat, as published: each year within
    15% of the published figure, and 2017 the lowest year."""
    measured = {end: value(demo_indicators, "cla_on_date", end) for end in YEAR_ENDS}
    for end, published in PUBLISHED_CLA.items():
        assert abs(measured[end] - published) <= 0.15 * published, (
            end.year,
            measured[end],
            published,
        )
    assert measured[YEAR_ENDS[0]] == min(measured.values())
    assert measured[LAST] - measured[YEAR_ENDS[0]] >= 100  # published: +184
