"""Returns exported by other tools read, validate, build and give indicators without a traceback.

``tests/fixtures/foreign/csc_data_synthesizer`` is written as SocialFinance's csc-data-synthesizer
writes a return (``docs/returns.md``): two-digit years in DEC, made-up postcodes (``V28 5OY``),
seven-digit URNs, SEX coded 1/2, 0-byte AD1 and missing files, a header-only placed-for-adoption
file. ``..._xml`` is the same return in the XML its writer produces (one line, ``us-ascii``
declaration, empty ``<UASC />``, PL_POST before HOME_POST).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import build, cli
from cpanalysis.commands.validate import run_validation

FOREIGN = Path(__file__).parent / "fixtures" / "foreign"


@pytest.mark.parametrize("case", ["csc_data_synthesizer", "csc_data_synthesizer_xml"])
def test_synthesizer_return_validates_and_builds(case: str, tmp_path: Path) -> None:
    result = run_validation(FOREIGN / case, tmp_path / "validate")
    counts = result.counts.set_index("table")
    assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_quarantined"]).all()
    assert counts.loc["episodes", "rows_read"] == 6 and counts.loc["header", "rows_read"] == 4
    # the three two-digit-year DECs are not guessed: each is reported and read as blank
    two_digit = result.issues[(result.issues["column"] == "DEC") & result.issues["message"].str.contains("is not a date")]
    assert sorted(two_digit["message"]) == [
        "DEC '03/08/21' is not a date (dd/mm/yyyy); treated as blank.",
        "DEC '04/06/21' is not a date (dd/mm/yyyy); treated as blank.",
        "DEC '20/01/22' is not a date (dd/mm/yyyy); treated as blank.",
    ]
    built = build.build(FOREIGN / case, out_dir=None, la_code="E10000018")
    assert set(built.tables["children"]["child_id"]) == {"1134591", "2297724", "3385130", "4417702"}


def test_synthesizer_csv_and_xml_give_the_same_build() -> None:
    csv = build.build(FOREIGN / "csc_data_synthesizer", out_dir=None, la_code="E10000018")
    xml = build.build(FOREIGN / "csc_data_synthesizer_xml", out_dir=None, la_code="E10000018")
    for name in ("children", "episodes", "reviews", "placements", "periods_of_care"):
        keep = [c for c in csv.tables[name].columns if c not in ("source_file", "source_row")]
        pd.testing.assert_frame_equal(xml.tables[name][keep], csv.tables[name][keep], obj=name)


def test_synthesizer_return_gives_indicators(tmp_path: Path, capsys) -> None:
    out = tmp_path / "indicators.csv"
    code = cli.main(["indicators", str(FOREIGN / "csc_data_synthesizer"), "--period-end", "2022-03-31",
                     "--la", "E10000018", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert len(table) > 0
