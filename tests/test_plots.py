"""House-style charts: properties of the returned figures on small hand-made tidy tables."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from cpanalysis import compare
from cpanalysis.errors import ParameterError
from cpanalysis.reports import plots, wording

LA = "E10000018"
ENG = "E92000001"
COLUMNS = [
    "indicator_id", "period_end", "period_type", "geography", "breakdown", "breakdown_value",
    "numerator", "denominator", "value", "unit", "lower_95", "upper_95", "lower_998", "upper_998",
    "polarity", "source", "suppressed",
]


def row(period_end, geography, value, *, n=100, lo=None, hi=None, ind="placements_3plus_12m",
        breakdown="Total", group="Total", suppressed="", unit="%", polarity="low_good", source="local",
        period_type="year"):
    return {
        "indicator_id": ind, "period_end": pd.Timestamp(period_end), "period_type": period_type,
        "geography": geography, "breakdown": breakdown, "breakdown_value": group,
        "numerator": np.nan if value is None or n is None else value * n / 100, "denominator": n,
        "value": np.nan if value is None else value, "unit": unit,
        "lower_95": np.nan if lo is None else lo, "upper_95": np.nan if hi is None else hi,
        "lower_998": np.nan, "upper_998": np.nan, "polarity": polarity, "source": source,
        "suppressed": suppressed,
    }


def tidy(*rows):
    return pd.DataFrame(list(rows), columns=COLUMNS)


@pytest.fixture
def series():
    """Three years for the authority (one suppressed, one on 8 children) and England."""
    return tidy(
        row("2023-03-31", LA, None, n=None, suppressed="c"),
        row("2024-03-31", LA, 25.0, n=8, lo=7.1, hi=59.1),
        # Wilson 10/100 at 95%: 5.522914-17.436566
        row("2025-03-31", LA, 10.0, n=100, lo=5.522914, hi=17.436566),
        row("2023-03-31", ENG, 11.0, source="dfe"),
        row("2024-03-31", ENG, 10.0, source="dfe"),
        row("2025-03-31", ENG, 10.0, source="dfe"),
    )


def test_palette_is_the_analysis_function_palette():
    assert plots.COLOURS == ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
    assert plots.LA_COLOUR == "#12436D"


def test_use_house_style_sets_the_colour_cycle_and_spines():
    with matplotlib.rc_context():
        plots.use_house_style()
        cycle = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
        assert cycle == list(plots.COLOURS)
        assert matplotlib.rcParams["axes.spines.top"] is False


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(9.6, "%", "10%"), (47.2, "rate_per_10k", "47 per 10,000"), (14.26, "mean", "14.3"),
     (1694, "count", "1,694"), (420.4, "days", "420 days"), (np.nan, "%", "not available")],
)
def test_format_value(value, unit, text):
    assert wording.format_value(value, unit) == text


def test_period_label():
    assert wording.period_label("2025-03-31", "year") == "2025"
    assert wording.period_label("2025-09-30", "rolling_12m") == "the 12 months to 30 Sep 2025"
    assert wording.period_label("2025-09-30", "quarter") == "the quarter to 30 Sep 2025"


@pytest.mark.parametrize(
    ("value", "lo", "hi", "bench", "polarity", "n", "symbol", "label"),
    [
        (10, 5.5, 17.4, 17.4, "low_good", 100, "", "Similar"),  # on the bound: inclusive
        (30, 22, 39.6, 10, "low_good", 100, "", "Worse"),
        (30, 22, 39.6, 10, "high_good", 100, "", "Better"),
        (30, 22, 39.6, 10, "none", 100, "", "Higher"),
        (5, 2, 8, 10, "none", 100, "", "Lower"),
        (30, 22, 39.6, 10, "low_good", 9, "", "Not compared"),
        (30, 22, 39.6, 10, "low_good", 100, "c", "Not compared"),
    ],
)
def test_versus_label(value, lo, hi, bench, polarity, n, symbol, label):
    assert compare.versus_label(value, lo, hi, bench, polarity, n, symbol) == label


def test_finding_title_states_the_comparison(series):
    title = plots.finding_title(series, "placements_3plus_12m", LA, label="Children with 3+ placements")
    assert title == "Children with 3+ placements: 10% in 2025, similar to England (10%)"
    worse = tidy(row("2025-03-31", LA, 30.0, lo=22.0, hi=39.6), row("2025-03-31", ENG, 10.0, source="dfe"))
    assert plots.finding_title(worse, "placements_3plus_12m", LA, label="X") == "X: 30% in 2025, worse than England (10%)"
    assert plots.finding_title(series, "placements_3plus_12m", LA, period_end="2023-03-31", label="X") == (
        "X: suppressed in 2023 (small numbers)"
    )
    assert plots.finding_title(series, "placements_3plus_12m", LA, period_end="2024-03-31", label="X") == (
        "X: 25% in 2024 (England 10%; too few children to compare)"
    )


def _line(ax, label):
    matches = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(matches) == 1, [ln.get_label() for ln in ax.get_lines()]
    return matches[0]


def test_trend_chart_draws_england_as_a_line_and_greys_small_and_suppressed(series):
    fig = plots.trend_chart(series, "placements_3plus_12m", LA, la_name="Leicestershire")
    ax = fig.axes[0]
    england = _line(ax, "England")
    assert to_hex(england.get_color()).upper() == plots.ENGLAND_COLOUR
    assert england.get_linestyle() == "--"
    assert list(england.get_ydata()) == [11.0, 10.0, 10.0]
    ours = _line(ax, "Leicestershire")
    assert to_hex(ours.get_color()).upper() == plots.LA_COLOUR
    # only the one point on 10+ children, not suppressed, is on the line: the others are gaps
    assert [None if np.isnan(v) else v for v in ours.get_ydata()] == [None, None, 10.0]
    grey = _line(ax, "Suppressed or fewer than 10 children")
    assert to_hex(grey.get_color()).upper() == plots.SUPPRESSED_COLOUR
    assert list(grey.get_ydata()) == [25.0]
    texts = [t.get_text() for t in ax.texts]
    assert "c" in texts  # the suppressed year shows its symbol
    # ... which the note under the chart explains
    assert fig.texts[-1].get_text().replace("\n", " ").endswith(
        "A letter at the foot of a year stands for a figure not shown: c, suppressed to protect confidentiality.")
    assert ax.get_title(loc="left").replace("\n", " ") == plots.finding_title(series, "placements_3plus_12m", LA)
    # n under each year's label, not on the chart
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "2023" and ticks[1] == "2024\nn=8" and ticks[2] == "2025\nn=100"
    assert plots.text_overlaps(fig) == []


def test_trend_chart_band_and_missing_indicator(series):
    fig = plots.trend_chart(series, "placements_3plus_12m", LA, band=True, comparators={})
    assert len(fig.axes[0].collections) == 1  # the shaded 95% band
    with pytest.raises(ParameterError, match="no values of 'nope'"):
        plots.trend_chart(series, "nope", LA)


def test_bar_with_ci_breakdown_marks_england_per_group():
    t = tidy(
        row("2025-03-31", LA, 20.0, n=50, lo=11.2, hi=33.0, breakdown="sex", group="Female"),
        row("2025-03-31", LA, 12.0, n=50, lo=5.6, hi=23.8, breakdown="sex", group="Male"),
        row("2025-03-31", LA, 0.0, n=4, lo=0.0, hi=49.0, breakdown="sex", group="Unknown"),
        row("2025-03-31", ENG, 9.0, breakdown="sex", group="Female", source="dfe"),
        row("2025-03-31", ENG, 11.0, breakdown="sex", group="Male", source="dfe"),
    )
    fig = plots.bar_with_ci(t, "placements_3plus_12m", la_code=LA, breakdown="sex")
    ax = fig.axes[0]
    bars = ax.patches
    assert [b.get_width() for b in bars] == [20.0, 12.0, 0.0]
    assert [to_hex(b.get_facecolor()).upper() for b in bars] == [
        plots.LA_COLOUR, plots.LA_COLOUR, plots.SUPPRESSED_COLOUR]
    england = _line(ax, "England")
    assert list(england.get_xdata()) == [9.0, 11.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Female", "Male", "Unknown"]
    assert {"n=50", "n=4"} <= {t.get_text() for t in ax.texts}


def test_bar_with_ci_geographies_highlights_the_authority():
    t = tidy(
        row("2025-03-31", LA, 10.0, lo=5.5, hi=17.4),
        row("2025-03-31", "E10000019", 14.0, lo=8.5, hi=22.1, source="dfe"),
        row("2025-03-31", ENG, 10.0, source="dfe"),
    )
    fig = plots.bar_with_ci(t, "placements_3plus_12m", geographies=[LA, "E10000019"], highlight=LA,
                            names={LA: "Leicestershire", "E10000019": "Lincolnshire"})
    ax = fig.axes[0]
    assert [to_hex(b.get_facecolor()).upper() for b in ax.patches] == [plots.LA_COLOUR, plots.PALETTE["light_purple"].upper()]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Leicestershire", "Lincolnshire"]
    assert list(_line(ax, "England").get_xdata()) == [10.0, 10.0]


def test_funnel_plot_points_and_limits():
    t = tidy(
        row("2025-03-31", LA, 10.0, n=500, lo=7.7, hi=12.9),
        row("2025-03-31", LA, 11.0, n=500, source="dfe"),  # the local row wins for our authority
        row("2025-03-31", "E10000019", 14.0, n=300, source="dfe"),
        row("2025-03-31", "E06000001", 8.0, n=60, source="dfe"),
        row("2025-03-31", "E06000002", None, n=None, suppressed="c", source="dfe"),
        row("2025-03-31", "E12000004", 9.0, n=5000, source="dfe"),  # a region: not a point
        row("2025-03-31", ENG, 10.0, n=80000, source="dfe"),
    )
    fig = plots.funnel_plot(t, "placements_3plus_12m", LA, la_name="Leicestershire")
    ax = fig.axes[0]
    others, ours = ax.collections
    assert sorted(others.get_offsets()[:, 0].tolist()) == [60.0, 300.0]
    assert ours.get_offsets().tolist() == [[500.0, 10.0]]
    assert to_hex(ours.get_facecolor()[0]).upper() == plots.LA_COLOUR
    assert [ln.get_label() for ln in ax.get_lines()].count("99.8% limits") == 1
    upper = _line(ax, "99.8% limits")
    x, y = upper.get_xdata(), upper.get_ydata()
    # at n = 500 around 10%: 10 + 3.090232 * sqrt(0.1 * 0.9 / 500) * 100 = 14.1459
    assert np.interp(500, x, y) == pytest.approx(14.1459, abs=0.01)
    assert "1 authorities with suppressed values" in fig.texts[0].get_text().replace("\n", " ")


def test_km_plot_one_step_line_per_group():
    curves = pd.DataFrame({
        "group": ["Foster"] * 3 + ["Residential"] * 3,
        "time": [0, 6, 12] * 2,
        "survival": [1.0, 0.8, 0.6, 1.0, 0.5, 0.25],
        "lower_95": [1.0, 0.7, 0.5, 1.0, 0.3, 0.1],
        "upper_95": [1.0, 0.9, 0.7, 1.0, 0.7, 0.4],
    })
    ax = plots.km_plot(curves).axes[0]
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["Foster", "Residential"]
    assert [to_hex(ln.get_color()).upper() for ln in lines] == [plots.COLOURS[0], plots.COLOURS[1]]
    assert list(lines[1].get_ydata()) == [100.0, 50.0, 25.0]
    assert len(ax.collections) == 2


def test_flow_chart_row_shares():
    flows = pd.DataFrame({
        "from": ["EET", "EET", "NEET", "NEET"],
        "to": ["EET", "NEET", "EET", "NEET"],
        "n": [30, 10, 5, 15],
    })
    ax = plots.flow_chart(flows, order=["EET", "NEET"]).axes[0]
    widths = [round(b.get_width(), 6) for b in ax.patches]
    # EET row: 30/40 = 75%, 10/40 = 25%; NEET row: 5/20 = 25%, 15/20 = 75%
    assert widths == [75.0, 25.0, 25.0, 75.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["EET (n=40)", "NEET (n=20)"]
    assert {"75%", "25%"} == {t.get_text() for t in ax.texts}


def test_scorecard_tile_text():
    tile = plots.scorecard_tile(
        row("2025-09-30", LA, 10.0, period_type="rolling_12m"), label="3+ placements",
        versus="Similar", benchmark=10.0, trend="Decreasing", change="Down 2 points since June (within noise)",
        target=8.0,
    )
    texts = [t.get_text() for t in tile.axes[0].texts]
    assert texts[:2] == ["3+ placements", "10%"]
    assert "\u2193" in texts
    details = texts[-1].splitlines()
    assert details == ["The 12 months to 30 Sep 2025, n=100", "Vs England: Similar (10%)",
                       "Trend: Decreasing", "Down 2 points since June (within noise)", "Target: 8%"]
    suppressed = plots.scorecard_tile(row("2025-03-31", LA, None, suppressed="c"), label="x")
    assert "[c]" in [t.get_text() for t in suppressed.axes[0].texts]


def test_a_long_tile_title_wraps_inside_the_tile_and_pushes_the_value_down():
    label = "Children looked after with 3 or more placements in the last 12 months"
    tile = plots.scorecard_tile(row("2025-03-31", LA, 10.0), label=label, versus="Similar", benchmark=10.0)
    title, value, details = tile.axes[0].texts
    assert title.get_text() == "Children looked after with 3 or more\nplacements in the last 12 months"
    canvas = FigureCanvasAgg(tile)
    canvas.draw()  # lays the figure out as a notebook shows it
    renderer = canvas.get_renderer()
    box = tile.axes[0].get_window_extent(renderer)
    for text in (title, value, details):
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1
    # no overlap: the value starts below the title's last line and the details below the value
    assert value.get_window_extent(renderer).y1 <= title.get_window_extent(renderer).y0
    assert details.get_window_extent(renderer).y1 <= value.get_window_extent(renderer).y0


def test_a_mean_published_without_an_interval_is_not_compared_and_says_why():
    # DfE Attainment 8: an average with n but no interval
    t = tidy(row("2025-03-31", LA, 19.2, n=40, ind="ks4_att8", unit="mean", polarity="high_good", source="dfe"),
             row("2025-03-31", ENG, 22.9, ind="ks4_att8", unit="mean", polarity="high_good", source="dfe"))
    assert plots.finding_title(t, "ks4_att8", LA, label="Attainment 8") == (
        "Attainment 8: 19.2 in 2025 (England 22.9; no interval published, so not compared)"
    )
    fig = plots.trend_chart(t, "ks4_att8", LA)
    assert fig.texts[0].get_text().startswith("No confidence interval is published for this measure")
    assert "count" not in fig.texts[0].get_text()
    small = tidy(row("2025-03-31", LA, 19.2, n=8, ind="ks4_att8", unit="mean", source="dfe"),
                 row("2025-03-31", ENG, 22.9, ind="ks4_att8", unit="mean", source="dfe"))
    assert plots.finding_title(small, "ks4_att8", LA, label="A8").endswith("; too few children to compare)")


def test_snapshot_title_and_n_of_a_rate():
    t = tidy(
        row("2025-09-30", LA, 686.0, n=None, ind="cla_on_date", unit="count", polarity="none",
            period_type="rolling_12m"),
        {**row("2025-03-31", LA, 46.0, n=149529, lo=43.0, hi=49.0, ind="cla_rate_per_10k",
               unit="rate_per_10k", polarity="none"), "numerator": 686.0},
    )
    assert plots.finding_title(t, "cla_on_date", LA) == "Children looked after on 30 Sep 2025: 686"
    ax = plots.trend_chart(t, "cla_rate_per_10k", LA, comparators={}).axes[0]
    assert ax.get_xticklabels()[0].get_text() == "2025\nn=686"  # the children counted, not the population
    count = plots.trend_chart(t, "cla_on_date", LA, comparators={}, period_type=None)
    assert "no confidence interval" in count.texts[0].get_text()
    assert [t.get_text() for t in count.axes[0].texts] == []  # a count has no n to write


@pytest.mark.parametrize(("value", "reference", "unit", "expected"), [
    (9.42, 9.0, "%", ("9.4%", "9.0%")),       # the "9%, target at most 9%, not met"
    (9.004, 9.0, "%", ("9.00%", "9.00%")),    # at most two more decimals
    (12.0, 9.0, "%", ("12%", "9%")),          # apart already: DfE's whole percentages
    (9.0, 9.0, "%", ("9%", "9%")),
    (14.23, 14.2, "mean", ("14.23", "14.20")),
    (np.nan, 9.0, "%", ("not available", "9%")),
])
def test_format_pair_adds_decimals_only_to_tell_a_value_from_its_target(value, reference, unit, expected):
    assert wording.format_pair(value, reference, unit) == expected


def test_figure_alt_text_says_what_the_title_legend_axes_and_footnote_say():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4], label="Crafted")
    ax.legend()
    ax.set_title("Children with 3 or\nmore placements")
    ax.set_ylabel("%")
    fig.text(0, 0, "Source: SSDA903")
    plt.close(fig)
    assert plots.figure_alt_text(fig) == ("Chart: Children with 3 or more placements. Series: Crafted. "
                                          "vertical axis: %. Source: SSDA903.")
    fig.alt_text = "Moves fell from 12% to 9%."
    assert plots.figure_alt_text(fig) == "Moves fell from 12% to 9%."


def _long_series(years=10, with_england=True, gap=()):
    rows = []
    for k, year in enumerate(range(2016, 2016 + years)):
        if year in gap:
            continue
        value = 40.0 + (k % 3) * 25  # zig-zag up to the top of the axis, where labels would meet the title
        rows.append(row(f"{year}-03-31", LA, value, n=1234, lo=value - 8, hi=min(100.0, value + 8)))
        if with_england:
            rows.append(row(f"{year}-03-31", ENG, value - 1, source="dfe"))
    return tidy(*rows)


@pytest.mark.parametrize("years", [3, 10, 12])
def test_trend_chart_texts_never_overlap(years):
    fig = plots.trend_chart(_long_series(years), "placements_3plus_12m", LA, la_name="A long authority name")
    assert plots.text_overlaps(fig) == []


def test_text_overlaps_finds_two_texts_on_each_other():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    plt.close(fig)
    assert ("first label", "second label") in plots.text_overlaps(fig)


def test_years_without_results_are_a_gap_in_the_line():
    fig = plots.trend_chart(_long_series(6, gap=(2019, 2020)), "placements_3plus_12m", LA)
    ax = fig.axes[0]
    ours = [ln for ln in ax.get_lines() if ln.get_label() == "Our authority"][0]
    # no row for 2019-2020 at all: the x axis has only the years with rows, so the line joins 2018
    # and 2021 unless a NaN separates them; the chart marks missing years as missing
    assert len(ours.get_xdata()) == 4


def test_dollar_in_a_title_is_printed_not_mathtext() -> None:
    import matplotlib.pyplot as plt

    title = "Spend per child ($5 to $10 a week)"
    with matplotlib.rc_context():
        plots.use_house_style()
        fig, ax = plt.subplots()
        shown = ax.set_title(title)
        label = ax.set_ylabel("$x$")
        FigureCanvasAgg(fig).draw()  # mathtext would typeset "5 to " in italics
        assert shown._preprocess_math(shown.get_text()) == (title, False)
        assert label._preprocess_math(label.get_text()) == ("$x$", False)
        plt.close(fig)
    assert matplotlib.rcParams["text.parse_math"] is True  # the test leaves the defaults as they were
