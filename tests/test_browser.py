"""The report pack as a reader sees it: every page opened in headless Chromium.

For ``index.html`` and every report page of a pipeline run (the fixture returns, every notebook
in ``notebooks/``), a copy of the page gets a small script in its ``<head>`` that records script
errors, failed resource loads and ``console.error`` calls, and, once the page has loaded, writes
the size of every image and what it recorded into the page. ``chromium --headless --dump-dom``
prints the resulting DOM, which the test parses. Chromium's own console log (``--enable-logging``)
is read too, for anything the page logs that the script could not see.

The pages themselves carry no JavaScript (``cpanalysis.pipeline.html``), so the script exists only
in the copies. Skipped, with the reason, when no Chromium is installed (``.ci/run`` installs
Debian's ``chromium``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pipeline_runs import fixture_pack

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
PROBE_ID = "__cpanalysis_check"
#: Injected first thing in <head>: capture errors from the start, report after the load event.
PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    errors.push(e.message || ("failed to load " + (t && (t.src || t.href || t.tagName))));
  }, true);
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.map.call(document.images, function (img) {
      return {src: img.src.slice(0, 60), width: img.naturalWidth, height: img.naturalHeight};
    });
    var out = document.createElement("pre");
    out.id = "PROBE_ID";
    out.textContent = JSON.stringify({images: images, errors: errors});
    document.body.appendChild(out);
  });
})();
</script>""".replace("PROBE_ID", PROBE_ID)
CONSOLE_LINE = re.compile(r":CONSOLE(?::\d+)?\]\s*(.*)")


def find_chromium() -> str | None:
    """Path of a Chromium binary (``$CHROMIUM`` first), or None."""
    for name in (os.environ.get("CHROMIUM", ""), *CANDIDATES):
        if name and (found := shutil.which(name)):
            return found
    return None


CHROMIUM = find_chromium()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (/usr/bin/chromium, or $CHROMIUM): install Debian's `chromium` "
    "(apt-get install chromium; .ci/run does) to check the report pages in a browser",
)]


def open_in_browser(page: Path, profile: Path) -> dict:
    """Load a probed copy of ``page`` in headless Chromium; return images, errors and console lines.

    Parameters
    ----------
    page : Path
        An HTML file; the copy is written beside it so relative links resolve the same way.
    profile : Path
        An empty folder for Chromium's user data (no shared state between pages).

    Returns
    -------
    dict
        ``images`` (list of {src, width, height}), ``errors`` (script errors, failed loads,
        ``console.error`` calls) and ``console`` (every console line Chromium logged).
    """
    text = page.read_text(encoding="utf-8")
    assert "<head>" in text, f"{page.name}: no <head> to put the probe in"
    probed = page.with_name(f".probed_{page.name}")
    probed.write_text(text.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=5000", "--dump-dom", probed.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    match = re.search(rf'<pre id="{PROBE_ID}">(.*?)</pre>', done.stdout, re.S)
    assert match, f"{page.name}: the page did not finish loading in Chromium:\n{done.stderr[-2000:]}"
    found = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    found["console"] = [m.group(1) for line in done.stderr.splitlines() if (m := CONSOLE_LINE.search(line))]
    return found


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """index.html and every report page of the fixture run, copied so the probes touch nothing."""
    pack = fixture_pack(tmp_path_factory, "internal")
    copy = tmp_path_factory.mktemp("browser") / "pack"
    shutil.copytree(pack.result.out_dir, copy)
    reports = [copy / f"{r.name}.html" for r in pack.result.notebooks]
    return copy, reports, pack.result


def test_every_notebook_ran_and_has_a_page(pages):
    copy, reports, result = pages
    assert [r.describe() for r in result.failed] == []  # a report must cope with a small authority
    assert len(reports) == len(list((Path(__file__).parents[1] / "notebooks").glob("*.ipynb")))
    assert reports and all(p.is_file() for p in reports)
    assert (copy / "index.html").is_file()


def test_index_links_every_report_and_download(pages):
    copy, reports, _ = pages
    index = (copy / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+)"', index)
    assert [h for h in hrefs if h.endswith(".html")] == [p.name for p in reports]
    for name in ("indicators.csv", "indicators.xlsx", "run_manifest.json"):
        assert name in hrefs, name
    assert all((copy / h).is_file() for h in hrefs), [h for h in hrefs if not (copy / h).is_file()]


def test_index_opens_without_errors(pages, tmp_path):
    copy, _, _ = pages
    seen = open_in_browser(copy / "index.html", tmp_path / "profile")
    assert seen["errors"] == [] and seen["console"] == []


def test_every_report_shows_its_charts_without_errors(pages, tmp_path):
    _, reports, _ = pages
    problems = []
    charts = 0
    for page in reports:
        seen = open_in_browser(page, tmp_path / f"profile_{page.stem}")
        broken = [i["src"] for i in seen["images"] if i["width"] <= 0 or i["height"] <= 0]
        charts += len(seen["images"])
        if broken or seen["errors"] or seen["console"]:
            problems.append(f"{page.name}: broken images {broken}, errors {seen['errors']}, "
                            f"console {seen['console']}")
    assert problems == []
    assert charts > 0  # the profile alone draws a trend and an age chart


def test_the_probe_catches_a_broken_image_and_a_script_error(tmp_path):
    # Guard against a probe that sees nothing: a page with one good image, one missing image and a
    # failing script must report exactly that.
    page = tmp_path / "bad.html"
    pixel = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
             "rkJggg==")
    page.write_text(f'<!DOCTYPE html><html><head><title>x</title></head><body>'
                    f'<img src="data:image/png;base64,{pixel}"><img src="missing.png">'
                    f"<script>undefinedFunction();</script></body></html>", encoding="utf-8")
    seen = open_in_browser(page, tmp_path / "profile")
    assert [(i["width"], i["height"]) for i in seen["images"]] == [(1, 1), (0, 0)]
    assert any("undefinedFunction is not defined" in e for e in seen["errors"])
    assert any(e.startswith("failed to load") and "missing.png" in e for e in seen["errors"])
    assert any("undefinedFunction" in line for line in seen["console"])


@pytest.mark.parametrize("audience", ["internal", "external"])
def test_no_table_cell_of_any_page_says_nan_or_none(tmp_path_factory, audience):
    """A reviewer's check: a blank a reader sees is empty or explained, never ``nan`` or ``None``."""
    out = fixture_pack(tmp_path_factory, audience).result.out_dir
    bad = []
    for page in sorted(out.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", text, flags=re.S):
            words = re.sub(r"<[^>]+>", " ", cell).split()
            if any(w.strip(".,;:()").lower() in ("nan", "none", "nat", "<na>") for w in words):
                bad.append((page.name, cell.strip()[:80]))
    assert bad == []


def test_every_chart_has_a_description(pages):
    _, reports, _ = pages
    missing = [(p.name, alt) for p in reports
               for alt in re.findall(r'<img[^>]*alt="([^"]*)"', p.read_text(encoding="utf-8"))
               if not alt or alt.startswith("No description")]
    assert missing == []


#: Run after the page has loaded: Deque's axe-core (WCAG 2 A and AA rules) on the whole page;
#: the serious and critical violations are written into the page for the test to read.
AXE_PROBE = """<script>
window.addEventListener("load", function () {
  axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}).then(function (result) {
    var found = result.violations.filter(function (v) {
      return v.impact === "serious" || v.impact === "critical";
    }).map(function (v) {
      return {id: v.id, impact: v.impact, nodes: v.nodes.length,
              first: v.nodes.length ? v.nodes[0].html.slice(0, 120) : ""};
    });
    var out = document.createElement("pre");
    out.id = "__axe_result";
    out.textContent = JSON.stringify(found);
    document.body.appendChild(out);
  });
});
</script>"""


def _axe_script() -> str | None:
    try:
        import axe_core_python
    except ImportError:
        return None
    path = Path(axe_core_python.__file__).with_name("axe.min.js")
    return path.read_text(encoding="utf-8") if path.is_file() else None


def axe_violations(page: Path, profile: Path, axe: str) -> list[dict]:
    """Serious and critical axe-core violations of ``page`` (a probed copy is opened in Chromium)."""
    text = page.read_text(encoding="utf-8")
    probed = page.with_name(f".axe_{page.name}")
    probed.write_text(text.replace("<head>", f"<head>\n<script>{axe}</script>\n{AXE_PROBE}", 1), encoding="utf-8")
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
               "--disable-extensions", f"--user-data-dir={profile}",
               "--virtual-time-budget=20000", "--dump-dom", probed.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    match = re.search(r'<pre id="__axe_result">(.*?)</pre>', done.stdout, re.S)
    assert match, f"{page.name}: axe-core did not report:\n{done.stderr[-1500:]}"
    return json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


@pytest.fixture(scope="module")
def axe():
    script = _axe_script()
    if script is None:
        pytest.skip("axe-core-python (the dev extra) is not installed: pip install -e '.[dev]'")
    return script


def test_the_accessibility_check_finds_a_known_fault(axe, tmp_path):
    page = tmp_path / "faulty.html"
    page.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><main>'
                    '<img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>', encoding="utf-8")
    assert "image-alt" in {v["id"] for v in axe_violations(page, tmp_path / "profile", axe)}


def test_pages_pass_an_automated_accessibility_check(pages, axe, tmp_path):
    """axe-core in Chromium: no serious or critical WCAG 2 A/AA violation on any page."""
    copy, reports, _ = pages
    problems = {}
    for page in [copy / "index.html", *reports]:
        found = axe_violations(page, tmp_path / page.stem, axe)
        if found:
            problems[page.name] = found
    assert problems == {}
