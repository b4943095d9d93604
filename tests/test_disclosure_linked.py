"""Disclosure over everything an external pack writes: linked tables, data quality, shares, changes.

The property tests generate the counts behind linked tables (reason groups and their detailed
reasons, as page 04 shows them) and try every single subtraction a reader can make: any shown
total less any shown parts of one of its lines. None may give back exactly one hidden count, and
no count of 1 to 5 may be shown. The pack-level tests read what an external run wrote.
"""

from __future__ import annotations

import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import codes, disclosure, moves
from cpanalysis.errors import ParameterError
from cpanalysis.reports import changes, data_quality, profile
from cpanalysis.reports.placement_moves import linked_reasons_hidden
from tests.pipeline_runs import fixture_pack


def _recoverable(values: np.ndarray, hidden: np.ndarray, lines: list[tuple[int, list[int]]]) -> list[str]:
    """Every single subtraction (shown total less its shown parts) that isolates one hidden count."""
    found = []
    for total, parts in lines:
        if hidden[total]:
            continue
        unseen = [p for p in parts if hidden[p]]
        if len(unseen) == 1:
            found.append(f"total {total} ({values[total]:.0f}) less its shown parts gives part {unseen[0]}")
    shown_small = [i for i in range(len(values)) if not hidden[i] and 1 <= values[i] <= disclosure.THRESHOLD]
    found += [f"count {values[i]:.0f} shown at {i}" for i in shown_small]
    return found


def _hierarchy(draw_counts: list[list[int]]) -> tuple[np.ndarray, list[tuple[int, list[int]]]]:
    """Counts of a grand total, groups and their parts (position 0, then groups, then parts)."""
    groups = [sum(parts) for parts in draw_counts]
    values = [sum(groups), *groups]
    lines_groups = (0, list(range(1, len(groups) + 1)))
    lines = [lines_groups]
    leaves: list[int] = []
    for g, parts in enumerate(draw_counts, start=1):
        start = len(values)
        values += parts
        ids = list(range(start, len(values)))
        leaves += ids
        lines.append((g, ids))
    lines.append((0, leaves))
    return np.array(values, dtype=float), lines


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=6), min_size=1, max_size=5))
def test_linked_mask_leaves_nothing_recoverable(parts: list[list[int]]) -> None:
    values, lines = _hierarchy(parts)
    hidden = disclosure.linked_mask(values, lines, grand_totals={0})
    if hidden[0]:
        return  # the whole year is withdrawn (every share goes with its denominator)
    assert _recoverable(values, hidden, lines) == []
    for total, members in lines[1:-1]:  # a group with a hidden reason is hidden itself
        if hidden[members].any():
            assert hidden[total]


def _reasons_frame(counts: dict[str, int]) -> pd.DataFrame:
    """A :func:`cpanalysis.moves.move_reasons` year (both levels) from counts per reason code."""
    total = sum(counts.values())
    groups: dict[str, int] = {}
    for code, n in counts.items():
        group = moves._reason_group(code, codes.PLACE_CHANGE_GROUPS)
        groups[group] = groups.get(group, 0) + n
    rows = [{"collection_year": 2025, "breakdown": "Total", "breakdown_value": "Total", "level": "group",
             "reason": g, "n_moves": n, "total_moves": total} for g, n in groups.items()]
    rows += [{"collection_year": 2025, "breakdown": "Total", "breakdown_value": "Total", "level": "reason",
              "reason": c, "n_moves": n, "total_moves": total} for c, n in counts.items()]
    return pd.DataFrame(rows)


REASON_CODES = list(codes.REASON_PLACE_CHANGE.codes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=len(REASON_CODES), max_size=len(REASON_CODES)))
def test_page_04_group_and_reason_tables_together(counts: list[int]) -> None:
    frame = _reasons_frame(dict(zip(REASON_CODES, counts, strict=True)))
    hide = linked_reasons_hidden(frame, "external").to_numpy()
    groups = frame[frame["level"] == "group"]
    total = float(frame["total_moves"].iloc[0])
    values = np.r_[total, frame["n_moves"].to_numpy(float)]
    hidden = np.r_[bool(hide.all()) and total <= disclosure.THRESHOLD, hide]
    if hide.all():
        return
    position = {row: k + 1 for k, row in enumerate(frame.index)}
    reasons = frame[frame["level"] == "reason"]
    lines = [(0, [position[r] for r in groups.index]), (0, [position[r] for r in reasons.index])]
    for row, name in groups["reason"].items():
        members = [position[r] for r, code in reasons["reason"].items()
                   if moves._reason_group(code, codes.PLACE_CHANGE_GROUPS) == name]
        if members:
            lines.append((position[row], members))
    assert _recoverable(values, hidden, lines) == []


def test_page_04_example_of_the_issue() -> None:
    # Disruption 197 = approval removed 5 + the other disruption reasons shown: must not give 5 back.
    counts = {"CHILD": 60, "CREQB": 100, "CREQO": 20, "STAND": 7, "ALLEG": 5, "APPRR": 5, "CARPL": 150,
              "CLOSE": 30, "LAREQ": 20, "CUSTOD": 0}
    counts = {c: n for c, n in counts.items() if c in REASON_CODES}
    frame = _reasons_frame(counts)
    hide = linked_reasons_hidden(frame, "external")
    by_reason = dict(zip(frame["reason"], hide, strict=True))
    assert by_reason["APPRR"] and by_reason["ALLEG"]
    group = moves._reason_group("APPRR", codes.PLACE_CHANGE_GROUPS)
    assert by_reason[group]  # the group total goes with its hidden reasons
    assert not linked_reasons_hidden(frame, "internal").any()


def _data(audience: str, **frames) -> SimpleNamespace:
    return SimpleNamespace(audience=audience, **frames)


def test_data_quality_counts_hidden_for_external() -> None:
    manifest = {"rows": {"episodes": {"read": 120, "kept": 117, "quarantined": 3},
                         "header": {"read": 40, "kept": 40, "quarantined": 0}}}
    table = data_quality.row_reconciliation(_data("external", manifest=manifest))
    episodes = table[table["Table"] == "episodes"].iloc[0]
    assert episodes["Quarantined"] == "[c]" and episodes["Kept"] == "[c]" and episodes["Rows read"] == 120
    header = table[table["Table"] == "header"].iloc[0]
    assert (header["Rows read"], header["Kept"], header["Quarantined"]) == (40, 40, 0)
    inside = data_quality.row_reconciliation(_data("internal", manifest=manifest))
    assert inside[inside["Table"] == "episodes"]["Quarantined"].iloc[0] == 3
    issues = pd.DataFrame({"severity": ["info", "warning"], "rule_id": ["STITCH_3A", "143"],
                           "table": ["episodes", "episodes"], "action": ["removed", "kept"]})
    summary = data_quality.issue_summary(_data("external", tables={"issues": issues}))
    assert summary["Rows"].tolist() == ["[c]", "[c]"]


def test_share_of_total_never_nan() -> None:
    rows = pd.DataFrame({
        "indicator_id": "cla_on_date", "period_end": pd.Timestamp("2025-03-31"), "period_type": "year",
        "breakdown": ["Total", "sex", "sex"], "breakdown_value": ["Total", "F", "M"],
        "value": [40.0, np.nan, 36.0], "suppressed": ["", "c", ""], "unit": "count"})
    data = SimpleNamespace(indicators=rows, period_end=pd.Timestamp("2025-03-31"), window="year")
    table = profile.breakdown_table(data, "cla_on_date", "sex")
    assert table["Share of total (%)"].tolist() == ["", "90.0"]


def test_previous_run_only_of_the_same_audience(tmp_path: Path) -> None:
    for day, audience in (("2025-03-31", "internal"), ("2025-06-30", "external"), ("2025-07-31", "internal")):
        folder = tmp_path / day
        folder.mkdir()
        (folder / "indicators.csv").write_text("x\n")
        (folder / "run_manifest.json").write_text(json.dumps({"parameters": {"audience": audience}}))
    assert changes.find_previous_run(tmp_path, "2025-09-30", "external") == tmp_path / "2025-06-30" / "indicators.csv"
    assert changes.find_previous_run(tmp_path, "2025-09-30", "internal") == tmp_path / "2025-07-31" / "indicators.csv"
    with pytest.raises(ParameterError, match="is an internal run; an external pack is compared only with an external"):
        changes.check_previous_audience(tmp_path / "2025-03-31" / "indicators.csv", "external")
    changes.check_previous_audience(tmp_path / "2025-03-31" / "indicators.csv", "internal")


class _Tables(HTMLParser):
    """Every table cell's text on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._in, self._text = True, ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._in:
            self.cells.append(self._text.strip())
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._text += data


#: A count printed beside a share ("4% (3)") or a whole cell that is a small whole number.
_IN_BRACKETS = re.compile(r"\((\d[\d,]*)\)")


@pytest.mark.slow  # runs the whole external report pack (about 25 s): make test, not make test-fast
def test_external_pack_shows_no_count_from_1_to_5(tmp_path_factory) -> None:
    pack = fixture_pack(tmp_path_factory, "external")
    out = pack.result.out_dir
    problems = []
    for page in sorted(out.glob("*.html")):
        parser = _Tables()
        parser.feed(page.read_text(encoding="utf-8"))
        for cell in parser.cells:
            for number in _IN_BRACKETS.findall(cell):
                if 1 <= int(number.replace(",", "")) <= disclosure.THRESHOLD:
                    problems.append(f"{page.name}: {cell!r}")
    ees = pd.read_csv(out / "indicators.csv", dtype=str, keep_default_na=False)
    for column in ("numerator", "denominator"):
        small = ees[ees[column].isin([str(n) for n in range(1, 6)])]
        problems += [f"indicators.csv {column}: {r.indicator_id}" for r in small.itertuples()]
    book = openpyxl.load_workbook(out / "indicators.xlsx", read_only=True)
    for sheet in book.worksheets[1:]:
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows))
        wanted = [header.index(c) for c in ("numerator", "denominator")]
        for row in rows:
            problems += [f"indicators.xlsx {sheet.title}" for i in wanted
                         if isinstance(row[i], float) and 1 <= row[i] <= disclosure.THRESHOLD]
    assert problems == []


def test_pairs_of_hidden_cells_are_never_alone_in_a_line() -> None:
    # every line of the linked tables hides none or at least two cells (brute force, small grid)
    for parts in itertools.product([0, 3, 12], repeat=4):
        values, lines = _hierarchy([list(parts[:2]), list(parts[2:])])
        hidden = disclosure.linked_mask(values, lines, grand_totals={0})
        for total, members in lines:
            if not hidden[total]:
                assert hidden[members].sum() != 1, (parts, hidden)


def test_sdq_groups_hidden_with_their_total() -> None:
    # found by tests/test_disclosure_demo_pack.py: "All children 22, No moves 19, 1 move [c]" gave back 3
    from cpanalysis.reports.sdq_changes import _groups_with_total

    def frame(counts: list[int]) -> pd.DataFrame:
        return pd.DataFrame({"breakdown": ["Total", *["moves"] * (len(counts) - 1)],
                             "breakdown_value": ["Total", *map(str, range(len(counts) - 1))], "n_children": counts})

    assert _groups_with_total(frame([22, 19, 3]), "external").tolist() == [False, True, True]
    assert _groups_with_total(frame([22, 19, 3]), "internal").tolist() == [False, False, False]
    # the smallest other group goes with the hidden one; the whole cohort stays
    assert _groups_with_total(frame([40, 19, 3, 18]), "external").tolist() == [False, False, True, True]
    # a lone hidden group would be the whole cohort: both go
    assert _groups_with_total(frame([3, 3]), "external").tolist() == [True, True]
    assert _groups_with_total(frame([30, 12, 18]), "external").tolist() == [False, False, False]
