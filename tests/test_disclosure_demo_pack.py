"""Must hold (issue 15): an external pack of a real demo authority discloses no count of 1 to 5.

A small demo authority (Rutland-sized, three annual returns and an in-year extract) is run
twice to the same period end, once for each audience, and the external pack once more a
quarter earlier so that it has a ``changes.csv``. The internal pack gives the true value behind
every cell the external pack hides (the two packs lay their tables out the same way). Then,
for every page:

* no shown count is 1 to 5 (a whole number in a count column, or in brackets after a share);
* **within a table**, every row and every column is a line: a cell whose true value is the sum
  of the other cells of its line is that line's total; a shown total whose line hides exactly
  one cell gives it back by one subtraction;
* **across the tables of a page**, a shown count of one table against any run of consecutive
  cells of a row or column of another table whose true values add up to it (groups and their
  detailed reasons, as page 04 shows them): a run hiding exactly one cell gives it back;

and in ``indicators.csv``, ``indicators.xlsx`` and ``changes.csv`` no numerator, denominator or
count is 1 to 5, and no hidden numerator comes back from a shown value and denominator
(``value`` is hidden with it).

Runs three report packs: marked ``slow`` (``make test`` runs it; ``make test-fast`` does not).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cpanalysis import disclosure, synth
from cpanalysis.pipeline.run import run as run_pipeline

pytestmark = pytest.mark.slow

LA = "E06000017"  # Rutland: a small authority, so many counts are small
SEED = 7
PERIOD_END = "2025-09-30"
PREVIOUS_END = "2025-06-30"
LOW, HIGH = 1, disclosure.THRESHOLD
#: What a hidden cell looks like on a page (DfE's symbol, or an empty or dashed cell).
HIDDEN_MARKS = {disclosure.SUPPRESSED, f"[{disclosure.SUPPRESSED}]", "", "-", "–", "—"}
_NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")
#: A count followed by its share, "12 (34%)": the count is read.
_COUNT_AND_SHARE = re.compile(r"^(\d[\d,]*) \(\d+(\.\d+)?%\)$")


class _PageTables(HTMLParser):
    """Every ``<table>`` of a page as a list of rows of cell texts (nested tables not expected)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _tables(page: Path) -> list[list[list[str]]]:
    parser = _PageTables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tables


def _number(text: str) -> float | None:
    text = text.strip()
    both = _COUNT_AND_SHARE.match(text)
    if both:
        return float(both.group(1).replace(",", ""))
    if text.endswith("%"):
        return None
    return float(text.replace(",", "")) if _NUMBER.match(text) else None


def _count_grid(internal: list[list[str]], external: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """True whole-number counts of a table, which of them the external pack hides, which it shows.

    Returns ``(values, hidden, shown)`` arrays of the table's shape (NaN where the internal cell
    is not a whole number), or None when the two packs do not lay the table out alike.
    """
    if len(internal) != len(external) or any(len(a) != len(b) for a, b in zip(internal, external, strict=True)):
        return None
    width = max((len(r) for r in internal), default=0)
    values = np.full((len(internal), width), np.nan)
    hidden = np.zeros(values.shape, dtype=bool)
    shown = np.zeros(values.shape, dtype=bool)
    for i, (row_in, row_ex) in enumerate(zip(internal, external, strict=True)):
        for j, (cell_in, cell_ex) in enumerate(zip(row_in, row_ex, strict=True)):
            true = _number(cell_in)
            if true is None or true != int(true) or true < 0:
                continue
            values[i, j] = true
            seen = _number(cell_ex)
            hidden[i, j] = seen is None and cell_ex.strip() in HIDDEN_MARKS
            shown[i, j] = seen is not None and seen == true
    return values, hidden, shown


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    rows = [[(i, j) for j in range(shape[1])] for i in range(shape[0])]
    columns = [[(i, j) for i in range(shape[0])] for j in range(shape[1])]
    return rows + columns


def _within_table(name: str, values: np.ndarray, hidden: np.ndarray, shown: np.ndarray) -> list[str]:
    """A shown total of a row or column (true value = sum of the line's other counts) with one hidden part."""
    found = []
    for line in _lines(values.shape):
        cells = [c for c in line if not np.isnan(values[c])]
        for total in cells:
            parts = [c for c in cells if c != total]
            if not shown[total] or len(parts) < 2 or values[total] == 0:
                continue
            if sum(values[c] for c in parts) == values[total]:
                unseen = [c for c in parts if hidden[c]]
                if len(unseen) == 1 and LOW <= values[unseen[0]]:
                    found.append(f"{name}: total {values[total]:.0f} at {total} less its shown parts gives "
                                 f"{values[unseen[0]]:.0f} at {unseen[0]}")
    return found


def _part_sets(values: np.ndarray, labels: list[str]) -> list[list[tuple[int, int]]]:
    """The sets of counts a reader can take as the parts of a breakdown, per count column.

    The whole column (one category per row), and the rows sharing a first-column label (a
    breakdown within a year, an age or a cohort, as "Year | Placement type" tables list them).
    """
    sets = []
    for j in range(values.shape[1]):
        rows = [i for i in range(1, values.shape[0]) if not np.isnan(values[i, j])]
        if len(rows) >= 2:
            sets.append([(i, j) for i in rows])
        by_label: dict[str, list[int]] = {}
        for i in rows:
            by_label.setdefault(labels[i], []).append(i)
        sets += [[(i, j) for i in group] for group in by_label.values() if 2 <= len(group) < len(rows)]
    return sets


def _across_tables(grids: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, list[str]]]) -> list[str]:
    """A shown count of a page equal to the true sum of a breakdown's parts that hides exactly one."""
    found = []
    for name_b, values_b, hidden_b, _, labels_b in grids:
        for parts in _part_sets(values_b, labels_b):
            unseen = [c for c in parts if hidden_b[c]]
            if len(unseen) != 1 or values_b[unseen[0]] < LOW:
                continue
            total = sum(values_b[c] for c in parts)
            for name_a, values_a, _, shown_a, _ in grids:
                if any(values_a[c] == total for c in zip(*np.nonzero(shown_a), strict=True)):
                    found.append(f"{name_a} shows {total:.0f}, the sum of {name_b} cells {parts}: less the "
                                 f"shown ones it gives {values_b[unseen[0]]:.0f} at {unseen[0]}")
                    break
    return found


def _shown_small(name: str, values: np.ndarray, shown: np.ndarray, external: list[list[str]]) -> list[str]:
    """Counts of 1 to 5 shown: a whole-number cell of a column headed as a count, or ``(n)`` after a share."""
    found = []
    header = [h.lower() for h in external[0]] if external else []
    # a rate ("moves per placement-year", "per 10,000 children") is not a count, whatever it counts:
    # 57 moves in 57 placement-years shows 1.00
    count_columns = {j for j, h in enumerate(header)
                     if re.search(r"\b(children|young people|number|count|episodes|placements|moves|n)\b", h)
                     and not re.search(r"\bper\b", h)}
    for (i, j) in zip(*np.nonzero(shown), strict=True):
        if i > 0 and j in count_columns and LOW <= values[i, j] <= HIGH:
            found.append(f"{name}: count {values[i, j]:.0f} shown at row {i}, column {header[j]!r}")
    for i, row in enumerate(external):
        for j, cell in enumerate(row):
            for number in re.findall(r"\((\d[\d,]*)\)", cell):
                if LOW <= int(number.replace(",", "")) <= HIGH:
                    found.append(f"{name}: {cell!r} at ({i}, {j})")
    return found


@pytest.fixture(scope="module")
def demo_packs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The external and internal packs of the small demo authority at :data:`PERIOD_END`."""
    root = tmp_path_factory.mktemp("demo_pack")
    synth.generate(root / "demo", seed=SEED, la_code=LA, first_year="2022-23")
    data = root / "demo" / "903"
    common = dict(data=data, dfe=root / "no_dfe", la_code=LA, progress=None)
    # a previous external run, so that the pack has a changes.csv (one notebook is enough for it)
    run_pipeline(period_end=PREVIOUS_END, audience="external", out=root / "external",
                 notebooks=["00_data_quality"], **common)
    external = run_pipeline(period_end=PERIOD_END, audience="external", out=root / "external", **common)
    internal = run_pipeline(period_end=PERIOD_END, audience="internal", out=root / "internal", **common)
    return external.out_dir, internal.out_dir


def test_pages_give_back_no_small_count(demo_packs) -> None:
    external, internal = demo_packs
    pages = sorted(p.name for p in external.glob("*.html"))
    assert len(pages) >= 9
    problems: list[str] = []
    compared = hidden_cells = 0
    for page in pages:
        outside, inside = _tables(external / page), _tables(internal / page)
        if len(outside) != len(inside):
            # the external page leaves tables out (data quality): only what it shows can be judged
            inside = [[["" for _ in row] for row in table] for table in outside]
        grids = []
        for k, (table_in, table_ex) in enumerate(zip(inside, outside, strict=True)):
            grid = _count_grid(table_in, table_ex)
            if grid is None:
                continue
            name = f"{page} table {k + 1}"
            values, hidden, shown = grid
            compared += int((~np.isnan(values)).sum())
            hidden_cells += int(hidden.sum())
            problems += _shown_small(name, values, shown, table_ex)
            problems += _within_table(name, values, hidden, shown)
            grids.append((name, values, hidden, shown, [row[0] if row else "" for row in table_ex]))
        problems += _across_tables(grids)
    # the test looked at something: many counts, some of them hidden
    assert compared > 200 and hidden_cells > 0, (compared, hidden_cells)
    assert problems == []


def _ees(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _small(values: pd.Series) -> pd.Series:
    number = pd.to_numeric(values, errors="coerce")
    return number.between(LOW, HIGH)


def _shown(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").notna()


def test_downloads_give_back_no_small_count(demo_packs) -> None:
    external, internal = demo_packs
    problems: list[str] = []
    ees, truth = _ees(external / "indicators.csv"), _ees(internal / "indicators.csv")
    for column in ("numerator", "denominator"):
        problems += [f"indicators.csv {column} {r.indicator_id} {r.time_period}" for r in ees[_small(ees[column])].itertuples()]
    # a shown value and denominator give the numerator back: value is hidden with a hidden numerator
    assert len(ees) == len(truth)
    statistics = {"numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998", "comparison"}
    key = [c for c in ees.columns if c not in statistics]
    both = ees.merge(truth, on=key, suffixes=("", "_true"), validate="one_to_one")
    assert len(both) == len(ees)
    hidden = both["numerator"].eq(disclosure.SUPPRESSED) & _small(both["numerator_true"])
    leaks = hidden & _shown(both["value"]) & _shown(both["denominator"])
    problems += [f"indicators.csv value and denominator give back {r.numerator_true}: {r.indicator_id}"
                 for r in both[leaks].itertuples()]
    assert hidden.any()

    book = openpyxl.load_workbook(external / "indicators.xlsx", read_only=True)
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = [str(h) for h in next(rows, ())]
        wanted = [header.index(c) for c in ("numerator", "denominator") if c in header]
        for row in rows:
            problems += [f"indicators.xlsx {sheet.title} {header[i]} {row[i]}" for i in wanted
                         if isinstance(row[i], int | float) and LOW <= row[i] <= HIGH]

    # changes.csv: no value or previous value of a measure whose count that run hid
    changed = _ees(external / "changes.csv")
    assert len(changed) > 0
    previous = _ees(external.parent / PREVIOUS_END / "indicators.csv")
    for column, period, table in (("value", PERIOD_END, ees), ("previous_value", PREVIOUS_END, previous)):
        own = table[(table["geographic_level"] == "Local authority") & (table["breakdown"] == "Total")
                    & (table["period_end"] == period)]
        hid = set(own.loc[own["numerator"].eq(disclosure.SUPPRESSED) | own["value"].eq(disclosure.SUPPRESSED), "indicator_id"])
        shown = changed[changed["indicator_id"].isin(hid) & _shown(changed[column])]
        problems += [f"changes.csv {column} of {r} shown although its count is hidden" for r in shown["indicator_id"]]
    assert problems == []
