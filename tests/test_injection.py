"""Text from the data or the parameters never acts: escaped in HTML, inert in CSV and Excel.

Unit checks of :mod:`cpanalysis.writing` and :func:`cpanalysis.pipeline.html.sanitise`, then one
run of the data-quality and deep-dive notebooks on the fixture returns with a hostile return
folder name, question and local-measure title.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cpanalysis.indicators import ees_layout
from cpanalysis.pipeline import html as pages
from cpanalysis.reports.common import show
from cpanalysis.reports.deep_dive import deep_dive_title
from cpanalysis.writing import (
    excel_cell,
    markdown_text,
    neutralise,
    neutralise_frame,
    restore,
    write_csv,
)

GOOD = Path(__file__).parent / "fixtures" / "good"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-1.5", "-1.5"), ("+3", "+3"), ("-0", "-0"), ("c", "c"), ("Leicestershire", "Leicestershire"), ("", ""),
])
def test_neutralise_text_only(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(neutralise(text)) == text


def test_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"n": [-3, 4], "v": [-1.25, 2.0], "t": ["=A1", "-2.5"]})
    out = neutralise_frame(frame)
    assert out["n"].tolist() == [-3, 4] and out["v"].tolist() == [-1.25, 2.0]
    assert out["t"].tolist() == ["'=A1", "-2.5"]


def test_write_csv_bytes(tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"title": ["=HYPERLINK(\"http://x\",\"y\")", "@x"], "value": [-1, 2]}),
                     tmp_path / "t.csv")
    assert path.read_bytes() == b'title,value\n"\'=HYPERLINK(""http://x"",""y"")",-1\n\'@x,2\n'


def test_excel_cells_are_text_with_quote_prefix(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append([excel_cell(sheet, v) for v in ("=1+1", "-2", -2.5, "@x", "plain")])
    book.save(tmp_path / "t.xlsx")
    cells = list(openpyxl.load_workbook(tmp_path / "t.xlsx")["s"].iter_rows())[0]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in cells] == [
        ("=1+1", "s", True), ("-2", "s", False), (-2.5, "n", False), ("@x", "s", True), ("plain", "s", False)]


def test_sanitise_keeps_tables_and_charts_and_drops_anything_that_runs() -> None:
    body = (f'<p>{SCRIPT}{IMG}<a href="javascript:alert(1)">x</a><a href="index.html">i</a></p>'
            '<iframe src="http://x"></iframe><table class="dataframe"><tr><td onclick="x()">1</td></tr></table>'
            '<img src="data:image/png;base64,iVBORw0KGgo=">')
    clean = pages.sanitise(body)
    assert clean == (
        '<p>&lt;script&gt;alert(1)&lt;/script&gt;<img><a>x</a><a href="index.html">i</a></p>'
        '&lt;iframe src="http://x"&gt;&lt;/iframe&gt;<table class="dataframe"><tbody><tr><td>1</td></tr></tbody>'
        '</table><img src="data:image/png;base64,iVBORw0KGgo=">')


def test_markdown_text_and_the_deep_dive_question() -> None:
    assert markdown_text(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown_text("a_b *c* [d](e)") == "a\\_b \\*c\\* \\[d\\](e)"
    assert deep_dive_title(SCRIPT, "uasc").data.startswith("## &lt;script&gt;alert(1)&lt;/script&gt;\n")


def test_report_tables_escape_cell_text() -> None:
    html = show(pd.DataFrame({"File": [IMG], "Rows": [3]})).to_html()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html


@pytest.fixture(scope="module")
def hostile_pack(tmp_path_factory: pytest.TempPathFactory):
    """Data-quality and deep-dive pages of the fixture with hostile text in every input."""
    from cpanalysis.pipeline.run import run as run_pipeline

    root = tmp_path_factory.mktemp("hostile")
    returns = root / "data" / "raw" / "903"
    shutil.copytree(GOOD, returns, ignore=shutil.ignore_patterns("*.md"))
    (returns / "2024-25").rename(returns / f"2024-25 {IMG}")
    local = root / "data" / "raw" / "local"
    local.mkdir(parents=True)
    (local / "m.csv").write_text(
        "indicator_id,period_end,numerator,denominator,title,outcome,polarity\n"
        f"local_evil,2025-09-30,3,4,\"=HYPERLINK(\"\"http://x\"\",\"\"{SCRIPT}\"\")\",O2,high_good\n")
    result = run_pipeline(data=returns, dfe=root / "no_dfe", la_code="E10000018", notebooks=["00", "08"],
                          out=root / "reports", parameters={"question": SCRIPT, "cohort_filter": "sex == 'M'",
                                                            "min_children": 1}, progress=None)
    return result


def test_no_live_html_in_any_page(hostile_pack) -> None:
    for page in sorted(hostile_pack.out_dir.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "onerror" not in text.replace("onerror=alert(1)&gt;", ""), page.name
        assert "<img src=x" not in text and "<iframe" not in text, page.name
    deep = (hostile_pack.out_dir / "08_deep_dive.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in deep  # the question is shown as typed
    quality = (hostile_pack.out_dir / "00_data_quality.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in quality  # so is the folder name


def test_local_measure_title_is_inert_in_csv_and_xlsx(hostile_pack) -> None:
    csv_text = hostile_pack.indicators_csv.read_text(encoding="utf-8")
    assert "\"'=HYPERLINK(" in csv_text and ",=HYPERLINK(" not in csv_text
    back = ees_layout.read_indicators_csv(hostile_pack.indicators_csv)
    assert (back.loc[back["indicator_id"] == "local_evil", "value"] == 75.0).all()
    book = openpyxl.load_workbook(hostile_pack.indicators_xlsx)
    formulas = [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    titles = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert titles and all(c.quotePrefix for c in titles)


def test_sanitise_keeps_the_scorecard_tile_layout_and_drops_styles_that_fetch() -> None:
    """The tiles' grid, coloured border and spacing survive the page sanitiser (before, bleach's default
    CSS list dropped them, so the report showed a plain column); a style that could fetch a URL does not."""
    from cpanalysis.reports import strategy_scorecard

    card = pd.DataFrame([dict(indicator_id="x", indicator="Measure", outcome="O3", source="dfe", unit="percent",
                              value=9.4, numerator=66, denominator=700, lower=8.0, upper=12.0, suppressed="",
                              period_end="2025-03-31", period_type="year", trend="", trend_arrow="",
                              trend_assessment="", vs_england="", england_value=float("nan"), target=9.0,
                              target_comparison="at_most", target_source="", target_status="Not met",
                              change_verdict="", change_direction="", beyond_noise=None)])
    clean = pages.sanitise(strategy_scorecard.scorecard_tiles(card, "O3").data)
    assert "grid-template-columns:repeat(3, minmax(0, 1fr));gap:10px;margin:8px 0 16px 0;" in clean
    assert "border-left:6px solid #D4351C;background-color:#FBEAE7;padding:8px 10px;" in clean
    assert "break-inside:avoid;page-break-inside:avoid;" in clean
    hostile = pages.sanitise('<div style="background:url(http://x/a.png);border-image:url(http://x);color:red">a</div>')
    assert hostile == '<div style="color:red;">a</div>'
