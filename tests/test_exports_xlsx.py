"""indicators.xlsx: the outcome sheets' rows serialised by exports._rows_xml give the same bytes as openpyxl."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from cpanalysis.indicators.ees_layout import EES_INDICATORS
from cpanalysis.pipeline import exports

#: Text and numbers whose serialisation could differ: escaping, surrounding spaces, Excel's length
#: limit, number formatting, blanks, number-like text.
AWKWARD = ["plain", " leading space", "trailing space ", "   ", "", "a & b < c > d", 'quotes " and \'', "é ñ 漢字 😀",
           "x" * 40000, "-1.5", "line\nbreak", "tab\tinside"]
NUMBERS = [0.0, 0.1, 1 / 3, 1e-7, 12345678901234567.0, -2.5, 201617, 7]


def frame(extra_text: str | None = None) -> pd.DataFrame:
    rows = []
    for i in range(60):
        rows.append({
            "time_period": 201617 + (i % 3) * 101, "period_end": ["2017-03-31", "2025-09-30", "2024-12-31"][i % 3],
            "indicator_id": f"m{i % 4}", "indicator": AWKWARD[i % len(AWKWARD)], "outcome": ["O1", "O3", "profile"][i % 3],
            "breakdown_value": None if i % 5 == 0 else AWKWARD[(i + 3) % len(AWKWARD)],
            **{col: (NUMBERS[(i + k) % len(NUMBERS)] if (i + k) % 4 else ["c", "x", "-", "z", ""][(i + k) % 5])
               for k, col in enumerate(EES_INDICATORS)},
        })
    if extra_text is not None:
        rows[10]["indicator"] = extra_text
    return pd.DataFrame(rows)


@pytest.mark.parametrize("extra", [None, "=SUM(A1:A2)", "#N/A", "@mention", "-"])
def test_fast_rows_give_openpyxls_bytes(tmp_path, monkeypatch, extra):
    ees = frame(extra)
    written = {}
    for fast in (False, True):
        monkeypatch.setattr(exports, "FAST_ROWS", fast)
        path = tmp_path / f"{fast}.xlsx"
        exports.write_indicators_xlsx(ees, path, title="Test", notes=["note"])
        written[fast] = path.read_bytes()
    assert written[True] == written[False]


def test_text_openpyxl_refuses_or_writes_as_an_error_stays_with_openpyxl():
    # a control character (openpyxl raises IllegalCharacterError) or an error code (written as
    # an error cell): the sheet is left to openpyxl, which behaves as it always did
    columns = ["period_end", "indicator"]
    for text in ("bell\x07", "#N/A"):
        assert not exports._plain_rows({"period_end": ["2025-03-31"] * 2, "indicator": ["fine", text]},
                                       columns, "period_end")
    assert exports._plain_rows({"period_end": ["2025-03-31"] * 2, "indicator": ["fine", "-"]}, columns, "period_end")


def test_fast_rows_read_back(tmp_path):
    path = exports.write_indicators_xlsx(frame("x" * 40000), tmp_path / "i.xlsx", title="Test")
    book = openpyxl.load_workbook(path)
    assert [name.split()[0] for name in book.sheetnames] == ["Contents", "Definitions", "Profile", "O1", "O3"]
    first, second = book[book.sheetnames[3]], book[book.sheetnames[4]]  # O1: frame rows 0, 3, 6 ...; O3: 1, 4, 7 ...
    header = [c.value for c in first[1]]
    rows = [dict(zip(header, r, strict=True)) for r in first.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 20
    assert rows[2]["indicator"] == AWKWARD[6]  # frame row 6
    assert rows[2]["period_end"].date() == pd.Timestamp("2017-03-31").date()
    assert rows[2]["numerator"] == NUMBERS[6] and rows[2]["lower_95"] == NUMBERS[(6 + 3) % len(NUMBERS)]
    assert rows[1]["indicator"] == AWKWARD[3] and rows[1]["breakdown_value"] == AWKWARD[6]
    assert rows[0]["breakdown_value"] is None  # frame row 0: None, no cell
    later = [dict(zip(header, r, strict=True)) for r in second.iter_rows(min_row=2, values_only=True)]
    assert later[3]["indicator"] == "x" * 32767  # frame row 10: cut at Excel's limit, as openpyxl cuts it
