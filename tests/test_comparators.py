"""Named neighbours and missing comparisons (``cpanalysis/pipeline/comparators.py``), on crafted
national rows with hand-set values, and on the shipped snapshot (a fresh clone)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from IPython.display import Markdown

from cpanalysis.dfe import snapshot
from cpanalysis.indicators import TIDY_COLUMNS, catalogue
from cpanalysis.pipeline import html
from cpanalysis.reports import national_comparison as comparators
from cpanalysis.reports.loading import NotebookData

LA = "E10000018"
REGION = "E12000004"
NEIGHBOURS = ["E10000024", "E10000013"]


def row(indicator, year, geography, value, *, period_type="year", suppressed="", source="dfe", unit="%"):
    return {"indicator_id": indicator, "period_end": pd.Timestamp(year, 3, 31), "period_type": period_type,
            "geography": geography, "breakdown": "Total", "breakdown_value": "Total", "numerator": np.nan,
            "denominator": np.nan, "value": value, "unit": unit, "lower_95": np.nan, "upper_95": np.nan,
            "lower_998": np.nan, "upper_998": np.nan, "polarity": "low_good", "source": source,
            "suppressed": suppressed}


def crafted(national_rows, neighbours=NEIGHBOURS, region=REGION) -> NotebookData:
    local = pd.DataFrame([
        row("placements_3plus_12m", 2025, LA, 9.6, source="local"),
        row("long_term_stability", 2025, LA, 70.0, source="local"),
        row("health_assessment_up_to_date", 2025, LA, 88.0, source="local"),
    ], columns=list(TIDY_COLUMNS))
    national = pd.DataFrame(national_rows, columns=list(TIDY_COLUMNS))
    return NotebookData(
        la_code=LA, la_name="Leicestershire", period_end=pd.Timestamp("2025-09-30"), audience="internal", tables={},
        indicators=local, national=national, national_message="", comparators={"E92000001": "England"},
        neighbours=list(neighbours), manifest={}, data_dir=Path("."), processed_dir=Path("."), region_code=region,
        region_name="East Midlands", national_folder=None)


NATIONAL = [
    row("placements_3plus_12m", 2025, "E92000001", 10),
    row("placements_3plus_12m", 2025, REGION, 11),
    row("placements_3plus_12m", 2025, LA, 9.5),
    row("placements_3plus_12m", 2025, "E10000024", 12),
    row("placements_3plus_12m", 2025, "E10000013", np.nan, suppressed="c"),
    row("long_term_stability", 2024, "E92000001", 71),  # 2025 not yet published
    row("long_term_stability", 2024, "E10000024", 68),
]


def test_neighbours_table_names_each_neighbour_with_its_value() -> None:
    table = comparators.neighbours_table(crafted(NATIONAL), ["placements_3plus_12m", "long_term_stability",
                                                             "ks2_rwm_expected"])
    assert table["Area"].tolist() == ["Ours (computed from our returns)", "Leicestershire (published by DfE)",
                                      "1. E10000024", "2. E10000013", "Neighbours' median", "East Midlands",
                                      "England"]  # no national folder: codes stand in for names
    stability = table.columns[1]
    assert stability.endswith("(2025)")
    assert table[stability].tolist() == ["10%", "10%", "12%", "[c]", "12%", "11%", "10%"]
    # long-term stability: DfE's latest is 2024, when we have no yearly figure
    long_term = table[[c for c in table.columns if c.endswith("(2024)")][0]].tolist()
    assert long_term == ["no figure from the returns loaded", "not published", "68%", "not published", "68%",
                         "not published", "71%"]
    assert table[table.columns[3]].eq(comparators.NOT_PUBLISHED).all()  # attainment: nothing for any area


def test_neighbours_table_says_attainment_is_dfes_figure_only() -> None:
    """Attainment is DfE's (the National Pupil Database), never computed from the 903: our row
    points to the authority's published figure instead of reading "not computed"."""
    data = crafted([*NATIONAL, row("ks2_rwm_expected", 2025, LA, 47.0), row("ks2_rwm_expected", 2025, "E92000001", 35.0)])
    table = comparators.neighbours_table(data, ["ks2_rwm_expected"])
    assert table.iloc[:2, 1].tolist() == ["DfE's figure only (next row)", "47%"]
    assert not table.astype(str).apply(lambda c: c.str.contains("not computed")).any().any()


def test_a_chart_with_no_figure_of_ours_says_so_plainly() -> None:
    """Long-term stability on the last three returns (it looks back 30 months): the note names the
    returns, not the indicator table's keys."""
    from cpanalysis.reports import common, outcome_trends

    data = crafted(NATIONAL)
    data.manifest = {"returns": [{"label": "2023-24"}, {"label": "2024-25"}, {"label": "2025-26_Q2"}]}
    # the rolling 12 months to 30 Sep 2025 are covered (from 1 April 2023), no 31 March is
    data.indicators = data.indicators[data.indicators["indicator_id"] != "long_term_stability"]
    data.indicators = pd.concat([data.indicators, pd.DataFrame(
        [{**row("long_term_stability", 2025, LA, 77.8, source="local", period_type="rolling_12m"),
          "period_end": pd.Timestamp("2025-09-30")}])], ignore_index=True)
    expected = ("*Children in care 2.5+ years living in the same placement for 2+ years: no figure at 31 March "
                "from the returns loaded (2023-24 to 2025-26\\_Q2).*")
    assert outcome_trends.outcome_trend(data, "long_term_stability").data == expected
    assert common.trend(data, "long_term_stability", national=False).data == expected
    assert not isinstance(common.trend(data, "long_term_stability", period_type="rolling_12m", national=False),
                          Markdown)  # the rolling figure is drawn


def test_neighbours_table_says_why_when_it_cannot() -> None:
    no_neighbours = comparators.neighbours_table(crafted(NATIONAL, neighbours=[]), ["placements_3plus_12m"])
    assert isinstance(no_neighbours, Markdown) and "no statistical neighbours" in no_neighbours.data
    data = crafted(NATIONAL)
    data.national, data.national_message = None, "Get the files."
    assert "Get the files." in comparators.neighbours_table(data, ["placements_3plus_12m"]).data


def test_missing_comparisons_listed_once_per_reason() -> None:
    lines = comparators.missing_comparisons(crafted(NATIONAL, neighbours=[], region=""))
    assert lines[0].startswith("Region: Leicestershire (E10000018) has no region")
    assert lines[1].startswith("Statistical neighbours: Leicestershire (E10000018) has none")
    health = catalogue.title_of("health_assessment_up_to_date")
    assert lines[2] == f"No England figure in the national figures the package reads, so not compared: {health}."
    assert lines[3].startswith("Not yet published by DfE for the year to 31 March 2025 (its latest is 2024)")
    assert catalogue.title_of("long_term_stability") in lines[3] and len(lines) == 4
    complete = [*NATIONAL, row("long_term_stability", 2025, "E92000001", 70),
                row("health_assessment_up_to_date", 2025, "E92000001", 90)]
    assert comparators.missing_comparisons(crafted(complete)) == []


def test_index_lists_missing_comparisons(tmp_path: Path) -> None:
    out = html.write_index(tmp_path / "index.html", title="T", intro="I", entries=[], downloads=[],
                           national_source="National figures: X.",
                           missing_comparisons=["Region: <none> here."])
    page = out.read_text()
    assert "National figures: X." in page and "Comparisons that cannot be made" in page
    assert "<li>Region: &lt;none&gt; here.</li>" in page


def test_fresh_clone_neighbours_table_from_the_snapshot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cpanalysis.dfe import folders
    from cpanalysis.reports import loading

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(folders.ENV_VAR, raising=False)
    national, message, folder = loading.load_national("", tmp_path)
    assert folder == snapshot.SNAPSHOT_DIR
    data = crafted(national.to_dict("records"), neighbours=["E10000013", "E06000025"])
    data.national_folder = folder
    table = comparators.neighbours_table(data, ["placements_3plus_12m"])
    assert table["Area"].tolist()[2:4] == ["1. Gloucestershire", "2. South Gloucestershire"]
    values = table.iloc[2:4, 1].tolist()
    assert all(v.endswith("%") for v in values)


def _hidden_placements(data: NotebookData) -> NotebookData:
    """``data`` for an external audience with our placements figure hidden as disclosure.protect
    hides it: value, counts and interval gone, symbol ``c``."""
    local = data.indicators.copy()
    hidden = local["indicator_id"] == "placements_3plus_12m"
    local.loc[hidden, ["value", "numerator", "denominator", "lower_95", "upper_95"]] = np.nan
    local.loc[hidden, "suppressed"] = "c"
    data.indicators, data.audience = local, "external"
    return data


def test_page_06_shows_a_hidden_local_figure_as_hidden_never_nan() -> None:
    """Issue 15's leftover: our figure hidden for an external audience read "nan%" and "no local
    figure" in the reconciliation; on every table of page 06 it reads [c], with the footnote."""
    from cpanalysis.reports.common import HIDDEN_FOOTNOTE
    from cpanalysis.reports.outcome_trends import comparison_table

    data = _hidden_placements(crafted(NATIONAL))
    recon = comparators.reconciliation_table(data, ["placements_3plus_12m"])
    assert recon[["Ours", "DfE published", "Status"]].values.tolist() == [["[c]", "9.5%", "hidden locally"]]
    assert "suppressed for an external audience" in recon["Explanation"].iloc[0]
    position = comparators.national_position(data, ["placements_3plus_12m"])
    assert position[["Published figure", "Our computed figure", "England"]].values.tolist() == [["10%", "[c]", "10%"]]  # 9.5 shown whole
    trends = comparison_table(data, ["placements_3plus_12m"])
    assert trends[["Ours", "95% interval", "England"]].values.tolist() == [["[c]", "", "10%"]]
    neighbours = comparators.neighbours_table(data, ["placements_3plus_12m"])
    assert neighbours.iloc[0, 1] == "[c]"
    for table in (recon, position, trends, neighbours):
        assert not table.astype(str).apply(lambda c: c.str.contains("nan|no local figure|no figure of ours")).any().any()
        assert HIDDEN_FOOTNOTE in str(table.attrs["caption"])  # (the neighbours' then explains DfE's [c])
    # the library's reconciliation keeps the symbol and says why it does not compare
    from cpanalysis import compare

    both = pd.concat([data.indicators, data.national], ignore_index=True)
    row_ = compare.reconcile(both, LA).set_index("indicator_id").loc["placements_3plus_12m"]
    assert (row_["local_suppressed"], row_["status"]) == ("c", "hidden locally")


def test_page_06_footnote_only_when_one_of_our_figures_is_hidden() -> None:
    """DfE's own [c] (a neighbour) needs no footnote of ours; an unhidden local figure keeps its value."""
    from cpanalysis.reports.common import HIDDEN_FOOTNOTE

    data = crafted(NATIONAL)
    data.audience = "external"
    neighbours = comparators.neighbours_table(data, ["placements_3plus_12m"])
    assert neighbours.iloc[3, 1] == "[c]" and HIDDEN_FOOTNOTE not in neighbours.attrs["caption"]
    # ... but the reader is told whose symbol it is and why
    assert neighbours.attrs["caption"].endswith("In DfE's published figures: [c] suppressed to protect confidentiality.")
    recon = comparators.reconciliation_table(data, ["placements_3plus_12m"])
    assert recon["Ours"].tolist() == ["9.6%"] and "caption" not in recon.attrs


def test_page_02_marks_our_figure_when_it_is_dfes_published_one() -> None:
    """Attainment is not in the returns: the "Ours" column then shows DfE's figure for us and says so
    (a reviewer's finding: it read as if computed from our returns)."""
    from cpanalysis.reports.common import HIDDEN_FOOTNOTE
    from cpanalysis.reports.outcome_trends import DFE_MARK, DFE_NOTE, comparison_table

    data = crafted(NATIONAL)
    ours = data.indicators["indicator_id"] == "placements_3plus_12m"
    published = data.national[(data.national["geography"].astype(str) == LA)
                               & (data.national["indicator_id"] == "placements_3plus_12m")]
    data.indicators = data.indicators[~ours]  # not computed locally: only DfE's row for us is left
    assert len(published)
    table = comparison_table(data, ["placements_3plus_12m"])
    assert table["Ours"].tolist() == ["10%" + DFE_MARK]  # DfE publishes 9.5; shown whole, as DfE rounds
    assert DFE_NOTE in table.attrs["caption"] and HIDDEN_FOOTNOTE not in table.attrs["caption"]
    assert "_published" not in table.columns

    # DfE's own symbol for us: marked as DfE's, explained with DfE's reason, not as our hiding
    national = data.national.copy()
    mask = (national["geography"].astype(str) == LA) & (national["indicator_id"] == "placements_3plus_12m")
    national.loc[mask, ["value", "numerator", "denominator", "lower_95", "upper_95"]] = np.nan
    national.loc[mask, "suppressed"] = "c"
    data.national = national
    table = comparison_table(data, ["placements_3plus_12m"])
    assert table["Ours"].tolist() == ["[c]" + DFE_MARK]
    assert HIDDEN_FOOTNOTE not in table.attrs["caption"]
    assert "In DfE's published figures: [c]" in table.attrs["caption"] and DFE_NOTE in table.attrs["caption"]
