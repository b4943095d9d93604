"""Realistic data-quality faults injected into the synthetic returns, each one listed.

The faults are the ones analysts meet in real extracts: overlapping episodes, missing postcodes,
invalid or retired codes, dates of birth mistyped in one table, rows exported twice and OC2 rows
missing for children in the 12-month cohort. Each is written to ``defects.csv`` with the file,
the spreadsheet row (header = row 1) and the DfE rule that should catch it, so a test can check
that validation finds every injected fault and nothing else.

At most one fault is injected per child and return, so every issue validation raises can be
traced back to exactly one fault.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cpanalysis import codes, schema
from cpanalysis.synth.returns import FILE_NAMES, ReturnSpec, dfe_date

DEFECT_COLUMNS = ("file", "row", "child", "column", "defect_type", "rule_id")

#: Share of faults of each type.
DEFECT_MIX: dict[str, float] = {
    "overlapping_episodes": 0.15,
    "missing_postcode": 0.12,
    "invalid_code": 0.30,
    "dob_typo": 0.15,
    "duplicated_row": 0.15,
    "missing_oc2_row": 0.13,
}

#: Wrong values seen in real extracts, by table and column, with the DfE rule that catches them.
INVALID_CODES: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("episodes", "PLACE"): (("U7", "K4", "Q1", "F1"), "146"),
    ("episodes", "LS"): (("C3", "V1", "S20"), "144"),
    ("episodes", "CIN"): (("N9", "N0"), "145"),
    ("episodes", "REC"): (("E10", "E4", "X2"), "149"),
    ("episodes", "PLACE_PROVIDER"): (("PR6", "PR"), "178"),
    ("header", "ETHNIC"): (("WBRT", "ASIA", "MIXD"), "103"),
    ("oc3", "ACCOM"): (("S1", "X1", "Z3"), "133"),
    ("oc3", "ACTIV"): (("F6", "G1"), "132"),
    ("reviews", "REVIEW_CODE"): (("PN8", "P1"), "167"),
    ("missing", "MISSING"): (("Y", "MA"), "1006"),
    ("previous_permanence", "PREV_PERM"): (("P5", "Z2"), "631"),
    ("sw_episodes", "SW_REASON"): (("LEAVER", "SICK"), "SW13STG1"),
}
#: DfE rule that compares a table's DOB with the header's (INT11-INT18).
DOB_RULES = {
    "ad1": "INT11",
    "placed_for_adoption": "INT12",
    "missing": "INT13",
    "oc2": "INT14",
    "oc3": "INT15",
    "previous_permanence": "INT16",
    "reviews": "INT17",
    "uasc": "INT18",
}
OVERLAP_RULE = "501"
#: DfE rule for a missing postcode (392a; not yet one of the package's validation rules).
POSTCODE_RULE = "392a"
DUPLICATE_RULE = "DUP"
MISSING_OC2_RULE = "191"


@dataclass
class Defect:
    """One injected fault; ``row_ref`` is the row object, numbered when the files are written."""

    label: str
    table: str
    row_ref: list[str]
    child: str
    column: str
    defect_type: str
    rule_id: str


def _parse(text: str) -> dt.date:
    day, month, year = text.split("/")
    return dt.date(int(year), int(month), int(day))


def inject_defects(
    cut: dict[str, dict[str, list[list[str]]]],
    specs: list[ReturnSpec],
    rate: float,
    rng: np.random.Generator,
) -> list[Defect]:
    """Inject faults into the cut returns in place; returns the list of what was done.

    Parameters
    ----------
    cut : dict
        Return label -> table name -> rows (as :func:`cpanalysis.synth.returns.cut_return` makes).
    specs : list of ReturnSpec
        The returns, in order.
    rate : float
        Faults per row (``0.01`` = about one row in a hundred).
    rng : numpy.random.Generator
        Source of randomness (separate from the simulation's, so defects do not change the data).
    """
    total = sum(len(rows) for tables in cut.values() for rows in tables.values())
    wanted = max(1, int(round(rate * total)))
    kinds = list(DEFECT_MIX)
    weights = np.array([DEFECT_MIX[k] for k in kinds])
    touched: set[tuple[str, str]] = set()
    done: list[Defect] = []
    attempts = 0
    while len(done) < wanted and attempts < wanted * 20:
        attempts += 1
        spec = specs[int(rng.integers(len(specs)))]
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        defect = _INJECTORS[kind](cut[spec.label], spec, rng, touched)
        if defect is not None:
            touched.add((spec.label, defect.child))
            done.append(defect)
    return done


def _free_rows(rows: list[list[str]], label: str, touched: set) -> list[int]:
    return [i for i, row in enumerate(rows) if (label, row[0]) not in touched]


def _overlap(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    rows = tables["episodes"]
    candidates = [
        i
        for i in _free_rows(rows[:-1], spec.label, touched)
        if rows[i][8] == codes.REC_CONTINUES and rows[i + 1][0] == rows[i][0]
    ]
    if not candidates:
        return None
    i = candidates[int(rng.integers(len(candidates)))]
    following = rows[i + 1]
    limit = _parse(following[7]) if following[7] else dt.date.fromordinal(spec.last_day)
    room = (limit - _parse(following[1])).days - 1
    if room < 1:
        return None
    late = _parse(following[1]) + dt.timedelta(days=int(rng.integers(1, min(room, 20) + 1)))
    rows[i][7] = dfe_date(late.toordinal())
    # DfE 501 flags the next episode: it starts before the (now later) end of the previous one
    return Defect(
        spec.label, "episodes", following, rows[i][0], "DECOM", "overlapping_episodes", OVERLAP_RULE
    )


def _missing_postcode(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    rows = tables["episodes"]
    candidates = [i for i in _free_rows(rows, spec.label, touched) if rows[i][10] and rows[i][11]]
    if not candidates:
        return None
    row = rows[candidates[int(rng.integers(len(candidates)))]]
    column = 10 if rng.random() < 0.5 else 11
    row[column] = ""
    name = "HOME_POST" if column == 10 else "PL_POST"
    return Defect(spec.label, "episodes", row, row[0], name, "missing_postcode", POSTCODE_RULE)


def _invalid_code(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    options = [key for key in INVALID_CODES if key[0] in tables and tables[key[0]]]
    table, column = options[int(rng.integers(len(options)))]
    rows = tables[table]
    position = schema.TABLES[table].columns.index(column)
    candidates = [i for i in _free_rows(rows, spec.label, touched) if rows[i][position]]
    if not candidates:
        return None
    row = rows[candidates[int(rng.integers(len(candidates)))]]
    values, rule_id = INVALID_CODES[(table, column)]
    row[position] = values[int(rng.integers(len(values)))]
    return Defect(spec.label, table, row, row[0], column, "invalid_code", rule_id)


def _dob_typo(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    options = [t for t in DOB_RULES if tables.get(t)]
    table = options[int(rng.integers(len(options)))]
    rows = tables[table]
    candidates = _free_rows(rows, spec.label, touched)
    if not candidates:
        return None
    row = rows[candidates[int(rng.integers(len(candidates)))]]
    position = schema.TABLES[table].columns.index("DOB")
    born = _parse(row[position])
    if born.day <= 12 and born.day != born.month and rng.random() < 0.5:
        typo = dt.date(born.year, born.day, born.month)  # day and month swapped
    else:
        typo = born.replace(
            year=born.year + (1 if rng.random() < 0.5 else -1), day=min(born.day, 28)
        )
    row[position] = dfe_date(typo.toordinal())
    return Defect(spec.label, table, row, row[0], "DOB", "dob_typo", DOB_RULES[table])


def _duplicate(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    options = [t for t in ("episodes", "reviews", "missing") if tables.get(t)]
    table = options[int(rng.integers(len(options)))]
    rows = tables[table]
    candidates = _free_rows(rows, spec.label, touched)
    if not candidates:
        return None
    i = candidates[int(rng.integers(len(candidates)))]
    copy = list(rows[i])
    rows.insert(i + 1, copy)
    return Defect(spec.label, table, copy, copy[0], "", "duplicated_row", DUPLICATE_RULE)


def _missing_oc2(
    tables: dict, spec: ReturnSpec, rng: np.random.Generator, touched: set
) -> Defect | None:
    if spec.in_year or not tables.get("oc2"):
        return None
    rows = tables["oc2"]
    candidates = _free_rows(rows, spec.label, touched)
    if not candidates:
        return None
    child = rows.pop(candidates[int(rng.integers(len(candidates)))])[0]
    header = next(row for row in tables["header"] if row[0] == child)
    return Defect(spec.label, "header", header, child, "CHILD", "missing_oc2_row", MISSING_OC2_RULE)


_INJECTORS = {
    "overlapping_episodes": _overlap,
    "missing_postcode": _missing_postcode,
    "invalid_code": _invalid_code,
    "dob_typo": _dob_typo,
    "duplicated_row": _duplicate,
    "missing_oc2_row": _missing_oc2,
}


def write_defects(
    defects: list[Defect], cut: dict[str, dict[str, list[list[str]]]], out: Path
) -> Path:
    """Write ``defects.csv`` (rows numbered as a spreadsheet shows them: header = row 1)."""
    positions: dict[tuple[str, str], dict[int, int]] = {}
    lines = []
    for d in defects:
        key = (d.label, d.table)
        if key not in positions:
            positions[key] = {id(row): i + 2 for i, row in enumerate(cut[d.label][d.table])}
        row = positions[key][id(d.row_ref)]
        lines.append(
            [
                f"{d.label}/{FILE_NAMES[d.table]}",
                str(row),
                d.child,
                d.column,
                d.defect_type,
                d.rule_id,
            ]
        )
    lines.sort(key=lambda r: (r[0], int(r[1])))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "defects.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(DEFECT_COLUMNS)
        writer.writerows(lines)
    return path
