"""The report pipeline: notebook execution, HTML, exports, quarter-on-quarter changes."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest

from cpanalysis import return_files
from cpanalysis.dfe import snapshot
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import ees_layout
from cpanalysis.pipeline import exports, html
from cpanalysis.pipeline import run as run_module
from cpanalysis.pipeline.execute import NotebookJob, execute_notebook, execute_notebooks
from cpanalysis.pipeline.run import run as run_pipeline
from cpanalysis.reports import (
    changes,
    common,
    data_quality,
    national_comparison,
    outcome_trends,
    profile,
    strategy_scorecard,
    wording,
)
from cpanalysis.reports import loading as data

LA = "E10000018"
COLUMNS = [
    "indicator_id", "period_end", "period_type", "geography", "breakdown", "breakdown_value",
    "numerator", "denominator", "value", "unit", "lower_95", "upper_95", "lower_998", "upper_998",
    "polarity", "source", "suppressed",
]


def tidy_row(ind, period_end, numerator, denominator, value, *, unit="%", lo=np.nan, hi=np.nan,
             polarity="low_good", geography=LA, breakdown="Total", group="Total", suppressed="",
             period_type="rolling_12m"):
    return {
        "indicator_id": ind, "period_end": pd.Timestamp(period_end), "period_type": period_type,
        "geography": geography, "breakdown": breakdown, "breakdown_value": group,
        "numerator": numerator, "denominator": denominator, "value": value, "unit": unit,
        "lower_95": lo, "upper_95": hi, "lower_998": np.nan, "upper_998": np.nan,
        "polarity": polarity, "source": "local", "suppressed": suppressed,
    }


def frame(*rows):
    return pd.DataFrame(list(rows), columns=COLUMNS)


@pytest.fixture(scope="module", autouse=True)
def without_the_builtin_snapshot():
    """These tests cover a machine with no national figures at all (the package's snapshot removed
    too); ``tests/test_dfe_snapshot.py`` runs the pipeline with the snapshot."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(snapshot, "SNAPSHOT_DIR", Path("/nonexistent/dfe_snapshot"))
        yield


# ----------------------------------------------------------------------------- exports


@pytest.mark.parametrize(
    ("end", "expected"),
    [("2025-03-31", ("202425", "Financial year Q4")), ("2025-06-30", ("202526", "Financial year Q1")),
     ("2025-09-30", ("202526", "Financial year Q2")), ("2025-12-31", ("202526", "Financial year Q3"))],
)
def test_financial_quarter(end, expected):
    assert ees_layout.financial_quarter(end) == expected


@pytest.mark.parametrize(("value", "text"), [(10.0, "10"), (10.504, "10.5"), (0.126, "0.13"), (-0.0001, "0"),
                                             (81770.0, "81770"), (1234567.255, "1234567.25")])
def test_format_number(value, text):
    assert ees_layout.format_number(value) == text


@pytest.fixture
def current():
    return frame(
        tidy_row("placements_3plus_12m", "2025-09-30", 30, 100, 30.0, lo=22.0, hi=39.6),
        tidy_row("cla_on_date", "2025-09-30", np.nan, np.nan, 700.0, unit="count", polarity="none"),
        tidy_row("placements_3plus_12m", "2025-09-30", np.nan, np.nan, np.nan, breakdown="sex",
                 group="Female", suppressed="c"),
        tidy_row("placements_3plus_12m", "2025-09-30", 1, 1, 100.0, geography="E92000001"),
        tidy_row("sdq_mean", "2025-09-30", np.nan, 50, 15.2, unit="mean", lo=14.0, hi=16.4),
    )


def test_to_ees_layout_symbols_and_order(current):
    ees = ees_layout.to_ees(current, LA, la_name="Leicestershire", old_la_code="855",
                         region_code="E12000004", region_name="East Midlands")
    assert list(ees.columns) == list(ees_layout.EES_COLUMNS)
    assert list(ees.columns[:5]) == ["time_period", "time_identifier", "geographic_level", "country_code",
                                     "country_name"]
    assert len(ees) == 4  # England's row is not ours to export
    assert ees["indicator_id"].tolist() == ["cla_on_date", "placements_3plus_12m", "placements_3plus_12m",
                                           "sdq_mean"]
    first = ees.iloc[0]
    assert (first["time_period"], first["time_identifier"], first["geographic_level"]) == (
        "202526", "Financial year Q2", "Local authority")
    assert (first["old_la_code"], first["new_la_code"], first["la_name"]) == ("855", LA, "Leicestershire")
    # a count has no interval (z) and no numerator/denominator recorded (x)
    assert first[["numerator", "value", "lower_95", "upper_95"]].tolist() == ["x", "700", "z", "z"]
    total = ees[(ees["indicator_id"] == "placements_3plus_12m") & (ees["breakdown"] == "Total")].iloc[0]
    assert total[["numerator", "denominator", "value", "lower_95", "upper_95", "lower_998"]].tolist() == [
        "30", "100", "30", "22", "39.6", "x"]
    assert total["outcome"] == "O3"
    female = ees[ees["breakdown"] == "sex"].iloc[0]
    assert female[list(ees_layout.EES_INDICATORS)].tolist() == ["c"] * 7
    assert not (ees == "").any().any() or (ees[list(ees_layout.EES_INDICATORS)] != "").all().all()


def test_csv_round_trip_and_identical_bytes(tmp_path, current):
    ees = ees_layout.to_ees(current, LA)
    a = exports.write_indicators_csv(ees, tmp_path / "a" / "indicators.csv")
    b = exports.write_indicators_csv(ees_layout.to_ees(current.sample(frac=1, random_state=1), LA),
                                     tmp_path / "b" / "indicators.csv")
    assert a.read_bytes() == b.read_bytes()
    back = ees_layout.read_indicators_csv(a)
    assert list(back.columns) == COLUMNS
    row = back[(back["indicator_id"] == "placements_3plus_12m") & (back["breakdown"] == "Total")].iloc[0]
    assert (row["numerator"], row["denominator"], row["value"], row["suppressed"]) == (30, 100, 30, "")
    assert back[back["breakdown"] == "sex"]["suppressed"].tolist() == ["c"]
    with pytest.raises(ParameterError, match="no such indicators file"):
        ees_layout.read_indicators_csv(tmp_path / "missing.csv")


def test_xlsx_one_sheet_per_outcome(tmp_path, current):
    path = exports.write_indicators_xlsx(ees_layout.to_ees(current, LA), tmp_path / "indicators.xlsx",
                                         title="Test", notes=["Audience: internal"])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Contents", "Definitions", "Profile", "O2 Emotional and mental health",
                               "O3 Stable, safe homes"]
    o3 = book["O3 Stable, safe homes"]
    header = [c.value for c in o3[1]]
    values = {h: c.value for h, c in zip(header, o3[2], strict=True)}
    assert values["value"] == 30 and values["upper_95"] == 39.6  # numbers stay numbers
    assert [c.value for c in o3[3]][header.index("value")] == "c"
    assert values["period_end"] == dt.datetime(2025, 9, 30)  # a date, not text
    assert o3.cell(2, header.index("period_end") + 1).number_format == "yyyy-mm-dd"
    assert o3.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}3"


def test_one_row_per_period_and_window_at_31_march():
    at_march = frame(
        tidy_row("placements_3plus_12m", "2025-03-31", 30, 100, 30.0, lo=22.0, hi=39.6, period_type="year"),
        tidy_row("placements_3plus_12m", "2025-03-31", 30, 100, 30.0, lo=22.0, hi=39.6),
        tidy_row("placements_3plus_12m", "2024-12-31", 28, 100, 28.0, lo=20.0, hi=37.6),
    )
    ees = ees_layout.to_ees(at_march, LA)
    assert ees[["time_period", "time_identifier", "period_type"]].values.tolist() == [
        ["202425", "Financial year Q3", "rolling_12m"], ["202425", "Financial year Q4", "year"]]
    assert not ees.duplicated(["time_period", "time_identifier", "indicator_id", "breakdown",
                               "breakdown_value", "new_la_code", "comparison"]).any()


def test_manifest_helpers(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.csv").write_bytes(b"abc")
    # sha256("abc")
    assert return_files.file_hashes(tmp_path / "in") == {
        "x.csv": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
    versions = exports.package_versions()
    assert versions["pandas"] == pd.__version__ and "python" in versions
    path = exports.write_manifest({"b": 1, "a": pd.Timestamp("2025-09-30")}, tmp_path / "m.json")
    assert json.loads(path.read_text()) == {"a": "2025-09-30 00:00:00", "b": 1}


# ----------------------------------------------------------------------------- changes


def test_compare_runs_newcombe_and_overlap(current):
    previous = frame(
        tidy_row("placements_3plus_12m", "2025-06-30", 20, 100, 20.0, lo=13.3, hi=28.9),
        tidy_row("placements_3plus_12m", "2025-03-31", 90, 100, 90.0),  # older period: ignored
        tidy_row("cla_on_date", "2025-06-30", np.nan, np.nan, 690.0, unit="count", polarity="none"),
        tidy_row("sdq_mean", "2025-06-30", np.nan, 50, 12.0, unit="mean", lo=11.0, hi=13.0),
    )
    out = changes.compare_runs(previous, current, geography=LA).set_index("indicator_id")
    assert sorted(out.index) == ["cla_on_date", "placements_3plus_12m", "sdq_mean"]
    p = out.loc["placements_3plus_12m"]
    # Newcombe by hand: Wilson 30/100 = (21.89, 39.58), 20/100 = (13.34, 28.88);
    # 10 - sqrt(8.11^2 + 8.88^2) = -2.025, 10 + sqrt(9.58^2 + 6.66^2) = 21.673
    assert p["change"] == pytest.approx(10.0)
    assert p["change_lower_95"] == -2.02  # rounded to 2 decimal places like indicators.csv
    assert p["change_upper_95"] == 21.67
    assert (p["direction"], p["beyond_noise"], p["verdict"], p["method"]) == (
        "Up", False, "No significant change", changes.NEWCOMBE)
    s = out.loc["sdq_mean"]  # 14.0-16.4 vs 11.0-13.0 do not overlap; low is good
    assert (s["direction"], s["beyond_noise"], s["verdict"], s["method"]) == ("Up", True, "Worsened", changes.OVERLAP)
    c = out.loc["cla_on_date"]
    assert (c["change"], c["beyond_noise"], c["verdict"]) == (10.0, None, "Not assessed")


def test_compare_runs_beyond_noise_and_suppressed():
    prev = frame(tidy_row("eet", "2025-06-30", 40, 200, 20.0, polarity="high_good"),
                 tidy_row("neet", "2025-06-30", 40, 200, 20.0))
    cur = frame(tidy_row("eet", "2025-09-30", 80, 200, 40.0, polarity="high_good"),
                tidy_row("neet", "2025-09-30", np.nan, np.nan, np.nan, suppressed="c"))
    out = changes.compare_runs(prev, cur).set_index("indicator_id")
    assert out.loc["eet", "beyond_noise"] is True and out.loc["eet", "verdict"] == "Improved"
    assert out.loc["eet", "change_lower_95"] > 0
    assert out.loc["neet", "verdict"] == "Not assessed"
    text = wording.describe_change(out.loc["eet"].to_dict())
    assert text == "Up 20.0 points since 30 Jun 2025 (beyond noise)"
    rate = {"unit": "rate_per_10k", "change": -0.4, "direction": "Down", "beyond_noise": None,
            "previous_period_end": pd.Timestamp("2025-06-30"), "verdict": "Not tested"}
    assert wording.describe_change(rate) == "Down 0.4 per 10,000 since 30 Jun 2025 (not tested)"
    readers = changes.changes_for_readers(out.reset_index())
    assert list(readers.columns) == ["Measure", "30 Jun 2025", "30 Sep 2025", "Change", "Assessment"]
    assert readers.iloc[0].tolist()[1:3] == ["20%", "40%"]


def test_headline_changes_lead_with_every_change_beyond_noise_even_by_single_age():
    table = pd.DataFrame({
        "indicator_id": ["cla_on_date", "leavers_18_eet", "leavers_19_eet", "leavers_19_21_eet"],
        "beyond_noise": [False, True, False, None]})
    assert changes.headline_changes(table)["indicator_id"].tolist() == ["leavers_18_eet", "cla_on_date",
                                                                        "leavers_19_21_eet"]


def test_find_previous_run(tmp_path):
    for name in ("2025-03-31", "2025-06-30", "2025-09-30", "notes"):
        (tmp_path / name).mkdir()
    for name in ("2025-03-31", "2025-06-30", "2025-09-30"):
        (tmp_path / name / "indicators.csv").write_text("x")
    assert changes.find_previous_run(tmp_path, "2025-09-30") == tmp_path / "2025-06-30" / "indicators.csv"
    assert changes.find_previous_run(tmp_path, "2025-03-31") is None
    assert changes.find_previous_run(tmp_path / "absent", "2025-03-31") is None


def test_previous_run_only_with_the_same_definitions(tmp_path):
    """A run counted another way is not "the previous quarter": its differences are not changes."""
    for name, chosen in (("2025-03-31", {}), ("2025-06-30", {"uasc_distance": "exclude"})):
        (tmp_path / name).mkdir()
        (tmp_path / name / "indicators.csv").write_text("x")
        (tmp_path / name / "run_manifest.json").write_text(json.dumps(
            {"parameters": {"audience": "internal", "definitions": chosen}}))
    (tmp_path / "2024-12-31").mkdir()  # a run made before --definition existed: DfE's reading
    (tmp_path / "2024-12-31" / "indicators.csv").write_text("x")
    (tmp_path / "2024-12-31" / "run_manifest.json").write_text(json.dumps({"parameters": {"audience": "internal"}}))
    newer = tmp_path / "2025-06-30" / "indicators.csv"
    assert changes.find_previous_run(tmp_path, "2025-09-30", "internal", {}) == tmp_path / "2025-03-31" / "indicators.csv"
    assert changes.find_previous_run(tmp_path, "2025-09-30", "internal", {"uasc_distance": "exclude"}) == newer
    assert changes.find_previous_run(tmp_path, "2025-03-31", "internal", {}) == tmp_path / "2024-12-31" / "indicators.csv"
    assert changes.find_previous_run(tmp_path, "2025-09-30", "internal", {"same_carer_moves": True}) is None
    changes.check_previous_definitions(newer, {"uasc_distance": "exclude"})  # the same: accepted
    with pytest.raises(ParameterError, match=r"was counted with other definitions \(uasc_distance = exclude\) "
                                             r"than this run \(DfE's reading\)"):
        changes.check_previous_definitions(newer, {})


# ----------------------------------------------------------------------------- execution and HTML


def _notebook(path, code_cells, params="la_code = 'E10000018'\nn = 1"):
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Report {path.stem}\n\nSome words."), p]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in code_cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def test_charts_carry_their_description_as_alt_text(tmp_path):
    chart = _notebook(tmp_path / "chart.ipynb", [
        "from cpanalysis.reports import plots\nimport matplotlib.pyplot as plt\nplots.use_house_style()\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2], [3, 4], label='Crafted')\nax.plot([1, 2], [4, 4], label='England')\n"
        "ax.legend()\nax.set_title('Moves per year')\nplt.close(fig)\nfig"])
    result = execute_notebook(NotebookJob(chart, tmp_path / "out" / "chart.ipynb", {}, tmp_path))
    assert result.ok, result.error_value
    page = html.notebook_to_html(result.output, tmp_path / "chart.html").read_text()
    assert 'alt="Chart: Moves per year. Series: Crafted, England."' in page
    assert "No description has been provided" not in page
    # printed, a heading stays with what follows it and a chart or table is never split
    assert "h1, h2, h3 { break-after: avoid; page-break-after: avoid; }" in page


def test_execute_reports_failures_and_keeps_strings(tmp_path):
    good = _notebook(tmp_path / "good.ipynb", [
        "import sys\nprint(type(la_code).__name__, la_code, n)\nprint('a warning', file=sys.stderr)",
        "from cpanalysis.reports import plots\nplots.scorecard_tile({'indicator_id': 'x', 'value': 10.0, 'unit': '%'})",
    ])
    bad = _notebook(tmp_path / "bad.ipynb", ["x = 1", "raise ValueError('no data for that quarter')"])
    lines = []
    results = execute_notebooks(
        [NotebookJob(good, tmp_path / "out" / "good.ipynb", {"la_code": "855", "n": 2}),
         NotebookJob(bad, tmp_path / "out" / "bad.ipynb", {})],
        workers=2, progress=lines.append,
    )
    ok, failed = results
    assert ok.ok and not failed.ok
    assert (failed.cell, failed.execution_count, failed.error_name, failed.error_value) == (
        3, 3, "ValueError", "no data for that quarter")  # markdown, parameters, x = 1, raise
    assert failed.cell_source == "raise ValueError('no data for that quarter')"
    assert "bad: FAILED at cell 3 (In [3])" in failed.describe()
    assert any("[2/2]" in line for line in lines) and any("running  good" in line for line in lines)
    executed = nbformat.read(tmp_path / "out" / "good.ipynb", as_version=4)
    printed = executed.cells[3].outputs[0]["text"]
    assert printed == "str 855 2\n"  # the LA code arrived as a string, not the number 855

    page = html.notebook_to_html(tmp_path / "out" / "good.ipynb", tmp_path / "good.html")
    text = page.read_text()
    assert "<title>Report good</title>" in text
    assert "str 855 2" in text
    assert "print(type" not in text and "plots.scorecard_tile" not in text  # no code
    assert "a warning" not in text  # stderr is for the analyst's log
    assert "<script" not in text and "http://" not in text and "https://" not in text
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 1 and base64.b64decode(images[0])[:8] == b"\x89PNG\r\n\x1a\n"

    broken = html.notebook_to_html(tmp_path / "out" / "bad.ipynb", tmp_path / "bad.html",
                                   failure=failed.describe())
    text = broken.read_text()
    assert "This report did not finish" in text and "Traceback" not in text


def test_write_index_lists_reports_changes_and_downloads(tmp_path):
    table = pd.DataFrame({"Measure": ["EET"], "Last quarter": ["20%"], "This quarter": ["40%"],
                          "Change": ["Up 20.0 points"], "Assessment": ["Improved"]})
    page = html.write_index(
        tmp_path / "index.html", title="Leicestershire: 30 Sep 2025", intro="Intro <b>",
        entries=[html.IndexEntry("Data quality", "00_data_quality.html", True),
                 html.IndexEntry("Profile", "01_profile.html", False, "ValueError at cell 3")],
        downloads=[("Indicators (CSV)", "indicators.csv")], changes=table,
    )
    text = page.read_text()
    assert '<a href="00_data_quality.html">Data quality</a>' in text
    assert "did not finish" in text and "ValueError at cell 3" in text
    assert "Intro &lt;b&gt;" in text
    assert "<td>Improved</td>" in text and '<a href="indicators.csv">' in text


# ----------------------------------------------------------------------------- data for notebooks

GOOD = Path(__file__).parent / "fixtures" / "good"


def test_a_change_to_the_package_code_rebuilds_the_cache(tmp_path, monkeypatch):
    """The version number stays the same between commits: the sources' fingerprint is in the key,
    so a fix to a rule or an indicator is never hidden by a warm cache."""
    import shutil

    returns = tmp_path / "returns"
    shutil.copytree(GOOD, returns)
    said: list[str] = []
    data.load_tables(returns, "E10000018", progress=said.append)
    data.load_tables(returns, "E10000018", progress=said.append)
    assert any(line.startswith("Using the processed tables cached") for line in said)
    monkeypatch.setattr(data, "_CODE", ["a later commit"], raising=False)
    said.clear()
    data.load_tables(returns, "E10000018", progress=said.append)
    assert not any(line.startswith("Using the processed tables cached") for line in said)
    assert any(line.startswith("Validating and building") for line in said)


def test_processed_dir_for_and_demo_detection(tmp_path):
    assert data.processed_dir_for(tmp_path / "data" / "raw" / "demo" / "903") == tmp_path / "data" / "processed" / "demo"
    assert data.processed_dir_for(tmp_path / "data" / "raw" / "903") == tmp_path / "data" / "processed"
    assert data.processed_dir_for(tmp_path / "exports" / "903") == tmp_path / "exports" / "processed"
    # two demo-layout folders side by side (903/ inside each): given by the folder or by its
    # 903/, each authority's tables go in its own folder, never one shared <parent>/processed
    for name in ("short", "bham"):
        (tmp_path / "rv" / name / "903").mkdir(parents=True)
        assert data.processed_dir_for(tmp_path / "rv" / name) == tmp_path / "rv" / name / "processed"
        assert data.processed_dir_for(tmp_path / "rv" / name / "903") == tmp_path / "rv" / name / "processed"
    assert data.is_demo_dir(tmp_path / "data" / "raw" / "demo" / "903")
    assert data.is_demo_dir(tmp_path / "data" / "raw" / "demo")
    assert not data.is_demo_dir(tmp_path / "data" / "raw" / "903")
    assert data.project_root(tmp_path / "data" / "raw" / "903") == tmp_path.resolve()
    assert data.project_root(tmp_path / "elsewhere") is None


def test_series_period_ends():
    rolling, years = data.series_period_ends("2025-09-30", 2023, quarters=3)
    assert rolling == [pd.Timestamp("2025-03-31"), pd.Timestamp("2025-06-30"), pd.Timestamp("2025-09-30")]
    assert years == [pd.Timestamp("2023-03-31"), pd.Timestamp("2024-03-31"), pd.Timestamp("2025-03-31")]
    assert data.series_period_ends("2025-03-31", 2025, quarters=1) == ([pd.Timestamp("2025-03-31")],
                                                                       [pd.Timestamp("2025-03-31")])
    # returns from 2023-24 (first day 1 April 2023): the 12 months to 31 December 2023 start on
    # 1 January 2023, before them, so the series starts at 31 March 2024 (7 quarters, not 8)
    rolling, years = data.series_period_ends("2025-09-30", 2024, quarters=8)
    assert rolling == [pd.Timestamp(d) for d in ("2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31",
                                                 "2025-03-31", "2025-06-30", "2025-09-30")]
    assert years == [pd.Timestamp("2024-03-31"), pd.Timestamp("2025-03-31")]
    # the period end asked for is kept even when its own 12 months reach before the returns
    assert data.series_period_ends("2023-09-30", 2024, quarters=4)[0] == [pd.Timestamp("2023-09-30")]


@pytest.fixture(scope="module")
def good_project(tmp_path_factory):
    """The hand-made fixture returns copied into a project layout, loaded once."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(GOOD, root / "data" / "raw" / "903", ignore=shutil.ignore_patterns("*.md"))
    messages: list[str] = []
    loaded = data.load_for_notebook(root / "data" / "raw" / "903", "", LA, dfe_dir=str(root / "no_dfe"),
                                    quarters=2, progress=messages.append)
    return root, loaded, messages


def test_load_for_notebook_builds_once_and_caches(good_project):
    root, loaded, messages = good_project
    assert loaded.period_end == pd.Timestamp("2025-09-30")  # the in-year extract runs to 30 Sep 2025
    assert loaded.window == "rolling_12m"
    assert loaded.processed_dir == root / "data" / "processed"
    assert any(m.startswith("Validating and building") for m in messages)
    assert loaded.national is None and "cpanalysis dfe download" in loaded.national_message
    assert next(iter(loaded.comparators.items())) == ("E92000001", "England")
    cla = loaded.indicators[(loaded.indicators["indicator_id"] == "cla_on_date")
                            & (loaded.indicators["breakdown"] == "Total")]
    # rolling rows at the two quarter ends, years ending 31 March 2024 and 2025 (first return 2023-24)
    assert sorted(zip(cla["period_type"], cla["period_end"].dt.strftime("%Y-%m-%d"), strict=True)) == [
        ("rolling_12m", "2025-06-30"), ("rolling_12m", "2025-09-30"),
        ("year", "2024-03-31"), ("year", "2025-03-31")]
    # on 30 Sep 2025: 1001, 1002, 1005, 1007 (1006 short breaks only, 1003 adopted, 0042 left)
    assert cla.set_index("period_end").loc["2025-09-30", "value"] == 4
    again: list[str] = []
    second = data.load_for_notebook(root / "data" / "raw" / "903", "2025-06-30", LA,
                                    dfe_dir=str(root / "no_dfe"), quarters=2, progress=again.append)
    assert again == [f"Using the processed tables cached in {root / 'data' / 'processed'}"]
    assert second.period_end == pd.Timestamp("2025-06-30")
    assert len(list((root / "data" / "processed").glob("indicators_*.parquet"))) == 2


def test_report_tables_on_the_fixture(good_project):
    _, loaded, _ = good_project
    recon = data_quality.row_reconciliation(loaded)
    assert recon.set_index("Table").loc["episodes", "Rows read"] == 23
    assert (recon["Every row accounted for"] == "Yes").all()
    assert data_quality.returns_table(loaded)["Return"].tolist() == ["2023-24", "2024-25", "2025-26_Q2"]
    summary = data_quality.issue_summary(loaded)
    assert "child" not in " ".join(summary.columns).lower()
    head = profile.headline_table(loaded, ["cla_on_date"])
    assert head.iloc[0][["Measure", "Value", "England"]].tolist() == [
        "Children looked after on the period end", "4", ""]
    sexes = profile.breakdown_table(loaded, "cla_on_date", "sex").set_index("Group")
    assert sexes.loc["Male", "Share of total (%)"] == "50.0"  # 1001 and 1005 of the four
    assert sexes.attrs["caption"].startswith("Children looked after on the period end by sex, ")
    assert "Leicestershire" in common.describe_run(loaded)


def test_indicator_cache_follows_local_measures(tmp_path):
    shutil.copytree(GOOD, tmp_path / "data" / "raw" / "903", ignore=shutil.ignore_patterns("*.md"))
    folder = tmp_path / "data" / "raw" / "903"
    cached = tmp_path / "data" / "processed"

    def pep() -> list[float]:
        tidy = data.load_for_notebook(folder, "2025-09-30", LA, dfe_dir=str(tmp_path / "none"), quarters=1).indicators
        return tidy.loc[tidy["indicator_id"] == "local_pep_completed", "value"].tolist()

    assert pep() == []
    (tmp_path / "data" / "raw" / "local").mkdir()
    measure = tmp_path / "data" / "raw" / "local" / "pep.csv"
    measure.write_text("indicator_id,period_end,numerator,denominator\nlocal_pep_completed,2025-09-30,3,4\n")
    assert pep() == [75.0]
    measure.write_text("indicator_id,period_end,numerator,denominator\nlocal_pep_completed,2025-09-30,1,4\n")
    assert pep() == [25.0]  # a corrected file is read again, not the cached series
    assert len(list(cached.glob("indicators_*.parquet"))) == 3


def test_snapshot_answers_only_the_same_call(good_project, tmp_path, monkeypatch):
    root, loaded, _ = good_project
    folder = root / "data" / "raw" / "903"
    arguments = data.snapshot_arguments(folder, "2025-09-30", LA, "", "internal", 2)
    # "" and a resolved path, a date string and a Timestamp: the same call
    assert data.snapshot_arguments(str(folder / ".." / "903"), pd.Timestamp("2025-09-30"), LA, "", "internal",
                                   2) == arguments
    path = data.write_snapshot(loaded, arguments, tmp_path / "snap.pkl")
    assert data.read_snapshot(arguments) is None  # no environment variable: not used
    monkeypatch.setenv(data.SNAPSHOT_ENV, str(path))
    again = data.read_snapshot(arguments)
    assert again is not None and again.la_code == LA and len(again.indicators) == len(loaded.indicators)
    assert data.read_snapshot({**arguments, "audience": "external"}) is None  # other call: load normally
    # load_for_notebook returns the snapshot (here: made for quarters=2) without touching the data
    marked = data.write_snapshot(dataclasses.replace(loaded, la_name="From the snapshot"), arguments, path)
    assert data.load_for_notebook(folder, "2025-09-30", LA, quarters=2).la_name == "From the snapshot"
    marked.unlink()
    assert data.read_snapshot(arguments) is None  # gone: load normally


def test_authority_names_are_read_once_and_travel_in_the_snapshot(good_project, tmp_path, monkeypatch):
    root, loaded, _ = good_project
    from cpanalysis import dfe

    national = dataclasses.replace(loaded, national_folder=tmp_path / "dfe", cache={})
    codes = pd.DataFrame({"new_la_code": ["E10000018", "E06000016", ""], "la_name": ["Leicestershire", "Leicester", "Old"]})
    calls = []
    monkeypatch.setattr(dfe, "la_codes", lambda folder: calls.append(folder) or codes.copy())
    expected = {"E10000018": "Leicestershire", "E06000016": "Leicester"}
    assert national_comparison.area_names(national) == expected
    assert national_comparison.area_names(national) == expected and len(calls) == 1
    arguments = data.snapshot_arguments(root / "data" / "raw" / "903", "2025-09-30", LA, "", "internal", 2)
    monkeypatch.setenv(data.SNAPSHOT_ENV, str(data.write_snapshot(national, arguments, tmp_path / "snap.pkl")))
    in_a_kernel = data.read_snapshot(arguments)
    monkeypatch.setattr(dfe, "la_codes", lambda folder: pytest.fail("the kernel read the national files again"))
    assert national_comparison.area_names(in_a_kernel) == expected


def test_the_runner_works_out_the_shared_cohort_once_for_every_kernel(good_project, tmp_path, monkeypatch):
    root, _, _ = good_project
    handed = {}
    write = data.write_snapshot

    def spy(loaded, arguments, path):
        handed.update(loaded.cache)
        return write(loaded, arguments, path)

    monkeypatch.setattr(data, "write_snapshot", spy)
    run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", period_end="2025-06-30", la_code=LA,
                 out=tmp_path / "reports", notebooks=[], progress=None)
    end = pd.Timestamp("2025-06-30")
    assert {("child_attributes", end), ("cohort", "", end)} <= set(handed)
    assert handed[("cohort", "", end)].filter == "" and handed[("cohort", "", end)].judged_on == end


def test_load_for_notebook_rejects_bad_parameters(good_project):
    root, _, _ = good_project
    with pytest.raises(ParameterError, match="audience must be one of"):
        data.load_for_notebook(root / "data" / "raw" / "903", "", LA, audience="public")
    with pytest.raises(ParameterError, match="not a quarter end"):
        data.load_for_notebook(root / "data" / "raw" / "903", "2025-08-31", LA, dfe_dir=str(root / "x"))
    with pytest.raises(ParameterError, match="not found"):
        data.load_for_notebook(root / "data" / "raw" / "nothing", "", LA)


# ----------------------------------------------------------------------------- the whole run


@pytest.fixture(scope="module")
def fixture_run(good_project, tmp_path_factory):
    """Two real notebooks and a broken one, on the fixture returns, with non-default parameters."""
    root, _, _ = good_project
    notebooks = tmp_path_factory.mktemp("notebooks")
    for name in ("00_data_quality", "01_profile"):
        shutil.copy(Path(__file__).parents[1] / "notebooks" / f"{name}.ipynb", notebooks)
    _notebook(notebooks / "99_broken.ipynb", ["raise KeyError('no such column')"],
              params="period_end = ''\nla_code = ''")
    lines: list[str] = []
    result = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", period_end="2025-06-30",
                          la_code=LA, out=root / "reports", notebooks_dir=notebooks, progress=lines.append)
    return root, result, lines


@pytest.mark.slow  # runs notebooks through papermill
def test_run_writes_the_pack_and_reports_the_failure(fixture_run):
    root, result, lines = fixture_run
    out = root / "reports" / "2025-06-30"
    assert result.out_dir == out and result.period_end == pd.Timestamp("2025-06-30")
    assert [r.name for r in result.notebooks] == ["00_data_quality", "01_profile", "99_broken"]
    assert [r.ok for r in result.notebooks] == [True, True, False]
    assert result.exit_code == 1
    broken = result.notebooks[2]
    assert (broken.error_name, broken.cell_source) == ("KeyError", "raise KeyError('no such column')")
    assert any("99_broken: FAILED at cell" in line for line in lines)
    assert lines[-1].startswith("Done in") and "1 notebook(s) failed" in lines[-1]
    for name in ("index.html", "00_data_quality.html", "01_profile.html", "99_broken.html", "indicators.csv",
                 "indicators.xlsx", "run_manifest.json"):
        assert (out / name).is_file(), name
    index = (out / "index.html").read_text()
    assert '<a href="00_data_quality.html">Data quality: what was read, what was kept, what is missing</a>' in index
    assert '<a href="01_profile.html">Who our children are</a>' in index
    assert "did not finish" in index and "No previous quarter" in index
    profile = (out / "01_profile.html").read_text()
    assert "30 Jun 2025" in profile and "30 Sep 2025" not in profile  # the injected period end was used
    assert "common.setup" not in profile and "common.show" not in profile  # no code
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', profile)
    assert len(images) >= 2 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    executed = nbformat.read(out / "_executed" / "01_profile.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "period_end = \"2025-06-30\"" in injected[0].source and "la_code = \"E10000018\"" in injected[0].source
    assert "previous_indicators" not in injected[0].source  # only parameters the notebook declares
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["parameters"]["period_end"] == "2025-06-30" and manifest["parameters"]["kernel"] == "python3"
    assert manifest["inputs"]["returns"]["2024-25/episodes.csv"] == return_files.sha256_file(GOOD / "2024-25" / "episodes.csv")
    assert [n["ok"] for n in manifest["notebooks"]] == [True, True, False]
    assert manifest["outputs"]["indicators.csv"] == return_files.sha256_file(out / "indicators.csv")
    assert {"validate_build", "indicators", "notebooks", "total"} <= set(manifest["timings_seconds"])
    assert manifest["inputs"]["dfe_folder"] == str((root / "no_dfe").resolve())  # as given: nothing found there
    # the kernels' snapshot of the loaded data is deleted, and never written to the pack
    assert not list((root / "data" / "processed").glob(".notebook_data_*")) and not list(out.rglob("*.pkl"))
    assert data.SNAPSHOT_ENV not in os.environ
    ees = pd.read_csv(out / "indicators.csv", dtype=str)
    assert ees["period_end"].max() == "2025-06-30"
    assert (ees["new_la_code"] == LA).all()


@pytest.mark.slow  # runs notebooks through papermill
def test_rerun_gives_identical_indicators_and_compares_with_the_last_quarter(fixture_run):
    root, first, _ = fixture_run
    again = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", period_end="2025-06-30",
                         la_code=LA, out=root / "again", notebooks=[], progress=None)
    assert again.indicators_csv.read_bytes() == first.indicators_csv.read_bytes()
    later = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", period_end="2025-09-30",
                         la_code=LA, out=root / "reports", notebooks=[], progress=None)
    assert later.exit_code == 0 and later.changes is not None
    cla = later.changes.set_index("indicator_id").loc["cla_on_date"]
    assert (cla["previous_period_end"], cla["period_end"]) == (pd.Timestamp("2025-06-30"), pd.Timestamp("2025-09-30"))
    assert (later.out_dir / "changes.csv").is_file()
    assert "What changed since the previous run" in later.index.read_text()


@pytest.mark.slow  # runs notebooks through papermill
def test_a_page_is_the_same_when_its_notebook_follows_another_in_one_kernel(fixture_run):
    root, first, _ = fixture_run  # two workers: each real notebook was the first in its kernel
    shared = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", period_end="2025-06-30",
                          la_code=LA, out=root / "one_kernel", notebooks=["00", "01"], workers=1, progress=None)
    assert [r.ok for r in shared.notebooks] == [True, True]
    for page in ("00_data_quality.html", "01_profile.html"):  # 01 ran after 00 in the same kernel
        assert (shared.out_dir / page).read_bytes() == (first.out_dir / page).read_bytes(), page


def test_run_rejects_bad_options(good_project, tmp_path):
    root, _, _ = good_project
    with pytest.raises(ParameterError, match="audience"):
        run_pipeline(data=root / "data" / "raw" / "903", audience="everyone", progress=None)
    with pytest.raises(ParameterError, match="notebook '42' not found"):
        run_pipeline(data=root / "data" / "raw" / "903", notebooks=["42"], progress=None)


def test_default_data_dir_prefers_the_authoritys_returns(tmp_path):
    from cpanalysis.pipeline.run import default_data_dir

    demo = tmp_path / "data" / "raw" / "demo" / "903"
    assert default_data_dir(tmp_path) == demo  # nothing there yet: the demo (generated on first use)
    own = tmp_path / "data" / "raw" / "903"
    own.mkdir(parents=True)
    (own / ".gitkeep").touch()
    (own / "README.md").write_text("put the returns here")
    assert default_data_dir(tmp_path) == demo  # no return file yet
    (own / "2024-25").mkdir()
    (own / "2024-25" / "Header.CSV").write_text("CHILD\n")
    assert default_data_dir(tmp_path) == own


def test_kernels_start_in_the_notebook_folder_without_moving_the_caller(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    jobs = [NotebookJob(_notebook(folder / f"{i}.ipynb", ["import os\nprint(os.getcwd())"]),
                        tmp_path / "out" / f"{i}.ipynb", {}, folder) for i in range(2)]
    before = os.getcwd()
    results = execute_notebooks(jobs, workers=2, progress=None)
    assert os.getcwd() == before  # papermill's own cwd= would chdir the whole process
    for r in results:
        printed = nbformat.read(r.output, as_version=4).cells[2].outputs[0]["text"].strip()
        assert printed == str(folder.resolve())


# ----------------------------------------------------------------------------- outcomes, national comparison, scorecard


def test_national_sections_say_how_to_get_the_files_when_absent(good_project):
    _, loaded, _ = good_project
    assert loaded.national is None
    for shown in (outcome_trends.comparison_table(loaded, ["placements_3plus_12m"]),
                  national_comparison.national_position(loaded, ["placements_3plus_12m"]),
                  national_comparison.funnel(loaded, "placements_3plus_12m"),
                  national_comparison.reconciliation_table(loaded),
                  outcome_trends.outcome_trend(loaded, "ks2_rwm_expected")):  # published by DfE only
        assert "cpanalysis dfe download" in shown.data
    assert common.show(national_comparison.funnel(loaded, "placements_3plus_12m")).data.startswith("*National comparison")
    card = strategy_scorecard.strategy_scorecard(loaded)
    assert card["england_value"].isna().all() and (card["target_status"] == "").all()  # no targets.csv
    assert "no previous run" in strategy_scorecard.changes_table(loaded).data


def test_quarter_changes_compare_with_the_previous_indicators_csv(good_project, tmp_path):
    _, loaded, _ = good_project
    ees = ees_layout.to_ees(loaded.indicators, LA)
    previous = exports.write_indicators_csv(ees, tmp_path / "indicators.csv")
    same = strategy_scorecard.quarter_changes(loaded, str(previous))
    # the same run as the previous one: nothing moved
    assert len(same) and (same["direction"].isin(["No change", ""])).all()
    worded = strategy_scorecard.changes_table(loaded, str(previous))
    end = f"{loaded.period_end:%-d %b %Y}"  # the same run twice: both columns name its period end
    assert list(worded.columns)[0] == "Measure" and list(worded.columns)[-2:] == ["Change", "Assessment"]
    assert worded.columns[1] == end
    card = strategy_scorecard.strategy_scorecard(loaded, str(previous))
    assert (card.dropna(subset=["change"])["change"] == 0).all() and card["change"].notna().any()


@pytest.mark.slow  # runs notebooks through papermill
def test_run_passes_further_parameters_to_the_notebooks_that_declare_them(good_project, tmp_path):
    root, _, _ = good_project
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(folder / "08_cohort.ipynb", ["print(cohort_filter, min_children)"],
              params="period_end = ''\ncohort_filter = ''\nmin_children = 10")
    result = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", la_code=LA, out=tmp_path / "out",
                          notebooks_dir=folder, parameters={"cohort_filter": "sex in ['M', 'F']", "min_children": 2},
                          progress=None)
    assert result.exit_code == 0
    executed = nbformat.read(result.out_dir / "_executed" / "08_cohort.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == "sex in ['M', 'F'] 2"
    # a cohort matching nobody is refused before any notebook runs, with the values to choose from
    with pytest.raises(ParameterError, match=r"cohort_filter \"sex == 'X'\" selects no children on .*"
                                             r"Values in the data: sex: 'F', 'M'"):
        run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", la_code=LA, out=tmp_path / "out2",
                     notebooks_dir=folder, parameters={"cohort_filter": "sex == 'X'"}, progress=None)
    assert not (tmp_path / "out2").exists()
    with pytest.raises(ParameterError, match="no notebook of this run has a parameter 'cohort'"):
        run_pipeline(data=root / "data" / "raw" / "903", la_code=LA, notebooks_dir=folder,
                     parameters={"cohort": "uasc"}, progress=None)
    with pytest.raises(ParameterError, match="'period_end' is set by its own option"):
        run_pipeline(data=root / "data" / "raw" / "903", la_code=LA, notebooks_dir=folder,
                     parameters={"period_end": "2025-03-31"}, progress=None)


def test_cli_parameters_read_numbers_and_booleans():
    from cpanalysis.commands.run import _literal

    assert _literal("min_children", "20") == ("min_children", 20)
    assert _literal("flag", "True") == ("flag", True)
    assert _literal("cohort_filter", "uasc and age >= 16") == ("cohort_filter", "uasc and age >= 16")
    assert _literal("question", "'quoted'") == ("question", "'quoted'")  # only numbers and booleans are parsed


@pytest.mark.slow  # runs notebooks through papermill
def test_a_demo_pack_says_it_is_synthetic_on_every_page_and_export(tmp_path):
    from cpanalysis.synth import NOTICE_FILE

    returns = tmp_path / "demo" / "903"
    shutil.copytree(GOOD, returns, ignore=shutil.ignore_patterns("*.md"))
    (tmp_path / "demo" / NOTICE_FILE).write_text("Synthetic demonstration data, not Crafted's.\n\nMore.\n")
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(folder / "01_one.ipynb", ["print(1)"], params="period_end = ''")
    result = run_pipeline(data=returns, dfe=tmp_path / "no_dfe", la_code=LA, out=tmp_path / "out",
                          notebooks_dir=folder, progress=None)
    notice = "Synthetic demonstration data, not Crafted&#x27;s."
    assert notice in (result.out_dir / "01_one.html").read_text()
    assert "Synthetic demonstration data, not Crafted" in result.index.read_text()
    contents = [row[0].value for row in openpyxl.load_workbook(result.indicators_xlsx)["Contents"].iter_rows()]
    assert "Synthetic demonstration data, not Crafted's." in contents
    assert json.loads(result.manifest.read_text())["synthetic_data"] == "Synthetic demonstration data, not Crafted's."
    # an authority's own returns carry no such notice
    assert run_module.synthetic_notice(GOOD) == ""


def test_definition_choices_are_checked_and_only_changes_kept():
    from cpanalysis.indicators import Options

    chosen = Options.from_definitions({"uasc_distance": "exclude", "temporary": "merge", "same_carer_moves": True})
    assert chosen.uasc_distance == "exclude" and chosen.same_carer_moves is True
    assert chosen.changed() == {"same_carer_moves": True, "uasc_distance": "exclude"}  # the default dropped
    assert Options.from_definitions(None).changed() == {} == Options.from_definitions({}).changed()
    with pytest.raises(ParameterError, match="'uasc' is not a definition choice; the choices are same_carer_moves"):
        Options.from_definitions({"uasc": "exclude"})
    with pytest.raises(ParameterError, match="same_carer_moves must be True or False; got 'False'"):
        Options.from_definitions({"same_carer_moves": "False"})  # the text "False" would be true
    with pytest.raises(ParameterError, match="oc3_birthday_lag_months must be a whole number; got 1.5"):
        Options.from_definitions({"oc3_birthday_lag_months": 1.5})
    with pytest.raises(ParameterError, match="uasc_distance must be one of not_known, exclude; got 'blank'"):
        Options.from_definitions({"uasc_distance": "blank"})
    with pytest.raises(ParameterError, match="temporary must be one of merge, count, exclude; got 'keep'"):
        Options.from_definitions({"temporary": "keep"})


def test_load_for_notebook_uses_the_definitions_names_them_and_caches_them_apart(good_project, monkeypatch):
    from cpanalysis import indicators

    root, loaded, _ = good_project
    seen = []
    prepare = indicators.prepare
    monkeypatch.setattr(indicators, "prepare", lambda *a, **k: seen.append(k["options"]) or prepare(*a, **k))
    chosen = data.load_for_notebook(root / "data" / "raw" / "903", "", LA, dfe_dir=str(root / "no_dfe"),
                                    quarters=2, definitions={"sdq_band_denominator": "cohort"})
    assert [o.changed() for o in seen] == [{"sdq_band_denominator": "cohort"}]  # computed, not the default cache
    assert chosen.definitions == {"sdq_band_denominator": "cohort"} and loaded.definitions == {}
    assert ("**Definitions differ from DfE's** (sdq\\_band\\_denominator = cohort): the figures are not directly "
            "comparable") in common.describe_run(chosen)
    assert "Definitions differ" not in common.describe_run(loaded)
    seen.clear()
    data.load_for_notebook(root / "data" / "raw" / "903", "", LA, dfe_dir=str(root / "no_dfe"), quarters=2)
    assert seen == []  # DfE's reading: still the cached series of the first load
    with pytest.raises(ParameterError, match="'nope' is not a definition choice"):
        data.load_for_notebook(root / "data" / "raw" / "903", "", LA, definitions={"nope": 1})


@pytest.mark.slow  # runs notebooks through papermill
def test_run_gives_the_definitions_to_every_notebook_and_the_manifest(good_project, tmp_path):
    root, _, _ = good_project
    folder = tmp_path / "nbs"
    folder.mkdir()
    _notebook(folder / "01_defs.ipynb", ["print(definitions)"], params="period_end = ''\ndefinitions = {}")
    result = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", la_code=LA, out=tmp_path / "out",
                          notebooks_dir=folder, definitions={"uasc_distance": "exclude"}, progress=None)
    assert result.exit_code == 0
    executed = nbformat.read(result.out_dir / "_executed" / "01_defs.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == "{'uasc_distance': 'exclude'}"
    manifest = json.loads((result.out_dir / "run_manifest.json").read_text())
    assert manifest["parameters"]["definitions"] == {"uasc_distance": "exclude"}
    book = openpyxl.load_workbook(result.out_dir / "indicators.xlsx")
    notes = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Definitions differing from DfE's: uasc_distance = exclude" in notes
    with pytest.raises(ParameterError, match="'definitions' is set by its own option"):
        run_pipeline(data=root / "data" / "raw" / "903", la_code=LA, notebooks_dir=folder,
                     parameters={"definitions": {}}, progress=None)
    with pytest.raises(ParameterError, match="definitions: uasc_distance must be text; got 1"):
        run_pipeline(data=root / "data" / "raw" / "903", la_code=LA, notebooks_dir=folder, out=tmp_path / "o2",
                     definitions={"uasc_distance": 1}, progress=None)
    assert not (tmp_path / "o2" / "2025-09-30").exists()
