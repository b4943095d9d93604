"""No CHILD id of the input returns appears in any file a pipeline run writes, for either audience.

Every output file of a run on the fixture returns (with distinctive ids, ``tests/pipeline_runs.py``)
is read as text: HTML pages, ``indicators.csv``, ``changes.csv``, the manifest, the executed
notebooks and every XML part of ``indicators.xlsx`` (an xlsx is a zip of XML: cell values live in
the sheets and ``sharedStrings.xml``). Embedded images are taken out first, since base64 is
arbitrary text; what a chart draws is beyond a text scan (charts plot aggregates only).

An id matches as a whole token: not inside a longer run of letters or digits and not as either
side of a decimal number, so id ``12`` would not match ``2012`` or ``0.12``. Ids that look like
numbers are also searched in the forms a numeric round trip gives them: ``7306481.0`` and, for
``0058217``, ``58217``.

For ``--audience external`` the indicators file must also show no count from 1 to 5: every such
numerator, denominator or count value is replaced by DfE's ``c``.
"""

from __future__ import annotations

import base64
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tests.pipeline_runs import RENAMED_IDS, fixture_pack

#: Base64 of embedded images (HTML data URIs and notebook image outputs) and xlsx binary parts.
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
NOTEBOOK_IMAGE = re.compile(r'"image/(?:png|jpeg|gif)": "[A-Za-z0-9+/=\\n]*"')
TEXT_SUFFIXES = {".html", ".csv", ".json", ".ipynb", ".txt", ".md", ".xml", ".rels", ".vml"}


pytestmark = pytest.mark.slow  # runs the whole report pack: make test, not make test-fast


def id_forms(child_id: str) -> set[str]:
    """The id, and for a numeric-looking id the forms a float or int round trip would print."""
    forms = {child_id}
    if child_id.isdigit():
        forms |= {str(int(child_id)), f"{int(child_id)}.0"}
    return forms


def token_pattern(ids: set[str]) -> re.Pattern:
    """Whole-token matches of any of ``ids`` (not part of a longer word or number)."""
    alternatives = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.compile(rf"(?<![0-9A-Za-z])(?<![0-9]\.)(?:{alternatives})(?![0-9A-Za-z])(?!\.[0-9])")


def output_texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text, images removed, xlsx files opened into their XML parts.

    Raises
    ------
    AssertionError
        For a file of a kind the scan cannot read (add it here rather than skip it silently).
    """
    texts: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for part in book.namelist():
                    if Path(part).suffix in TEXT_SUFFIXES:
                        texts[f"{name}!{part}"] = book.read(part).decode("utf-8")
            continue
        assert path.suffix in TEXT_SUFFIXES, f"unexpected output file {name}: teach this test to read it"
        text = path.read_text(encoding="utf-8")
        texts[name] = NOTEBOOK_IMAGE.sub('"image": ""', DATA_URI.sub("data:", text))
    return texts


def leaks(folder: Path, child_ids: set[str]) -> list[str]:
    """``file: context`` for every whole-token occurrence of a CHILD id under ``folder``."""
    pattern = token_pattern(set().union(*(id_forms(i) for i in child_ids)))
    found = []
    for name, text in output_texts(folder).items():
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 60):match.end() + 60].replace("\n", " ")
            found.append(f"{name}: ...{context}...")
    return found


# ----------------------------------------------------------------------------- the scanner itself


def test_token_pattern_matches_whole_ids_only():
    pattern = token_pattern(id_forms("12") | id_forms("0042"))
    hits = ["id 12,", "(12)", "<v>12</v>", '"12"', "12.0", "0042", "42", "42.0", "ids: 12/0042"]
    assert [t for t in hits if not pattern.search(t)] == []
    misses = ["2012", "120", "12.5", "0.12", "E12000004", "A12", "12b", "00420", "1042", "x42.0"]
    assert [t for t in misses if pattern.search(t)] == []


def test_scanner_reads_xlsx_xml_and_ignores_images(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    with zipfile.ZipFile(folder / "book.xlsx", "w") as book:
        book.writestr("xl/sharedStrings.xml", "<sst><si><t>child 7306481</t></si></sst>")
        book.writestr("xl/media/image1.png", b"\x89PNG 7306481")
    picture = "iVBORw0KGgo+7306481+AAAA/58217/" + base64.b64encode(b"\x89PNG").decode()  # ids by chance
    (folder / "page.html").write_text(f'<img src="data:image/png;base64,{picture} "><p>58217 left</p>')
    (folder / "a.ipynb").write_text('{"image/png": "' + picture + '", "text/plain": "7306481.0"}')
    found = leaks(folder, {"7306481", "0058217"})
    assert [f.split(":")[0] for f in found] == ["a.ipynb", "book.xlsx!xl/sharedStrings.xml", "page.html"]


# ----------------------------------------------------------------------------- the pipeline's outputs


@pytest.mark.parametrize("audience", ["internal", "external"])
def test_no_child_id_in_any_output(tmp_path_factory, audience):
    pack = fixture_pack(tmp_path_factory, audience)
    assert pack.child_ids == frozenset(RENAMED_IDS.values())  # every id of the input was renamed
    out = pack.result.out_dir
    names = {p.name for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "indicators.csv", "indicators.xlsx", "run_manifest.json"} <= names
    assert len(list((out / "_executed").glob("*.ipynb"))) == len(pack.result.notebooks) > 0
    assert leaks(out, set(pack.child_ids)) == []


def test_the_run_read_the_renamed_children(tmp_path_factory):
    # A leak check passes trivially on an empty run: the fixture's four children looked after
    # on 30 September 2025 (README of tests/fixtures/good) must be counted.
    pack = fixture_pack(tmp_path_factory, "internal")
    ees = pd.read_csv(pack.result.indicators_csv, dtype=str)
    cla = ees[(ees["indicator_id"] == "cla_on_date") & (ees["breakdown"] == "Total")
              & (ees["period_end"] == "2025-09-30") & (ees["period_type"] == "rolling_12m")]
    assert cla["value"].tolist() == ["4"]


def test_external_indicators_show_no_count_from_1_to_5(tmp_path_factory):
    pack = fixture_pack(tmp_path_factory, "external")
    ees = pd.read_csv(pack.result.indicators_csv, dtype=str, keep_default_na=False)
    shown = {"numerator": ees["numerator"], "denominator": ees["denominator"],
             "count value": ees.loc[ees["unit"] == "count", "value"]}
    small = {name: sorted(set(column[column.isin(["1", "2", "3", "4", "5"])])) for name, column in shown.items()}
    assert small == {"numerator": [], "denominator": [], "count value": []}
    # The fixture is all small numbers: the four children looked after are hidden, not shown.
    cla = ees[(ees["indicator_id"] == "cla_on_date") & (ees["breakdown"] == "Total")
              & (ees["period_end"] == "2025-09-30") & (ees["period_type"] == "rolling_12m")]
    assert cla["value"].tolist() == ["c"]
    assert (ees[["numerator", "denominator", "value"]] == "c").any(axis=None)
