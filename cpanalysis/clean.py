"""Turn raw text tables into typed tables with the processed column names.

:func:`normalise` is the only place where the text of a return is interpreted:

* column names become :func:`cpanalysis.schema.processed_name` (``DECOM`` -> ``decom``,
  ``CHILD`` -> ``child_id``); the ingest metadata columns are kept unchanged;
* dates are parsed from ``dd/mm/yyyy`` (DfE), ISO ``yyyy-mm-dd`` (LIIA outputs) and Excel serial
  numbers (a date column formatted as "General") into ``datetime64[ns]``; NaT when blank;
* ``SEX`` ``1``/``2`` (to 2023-24) and ``M``/``F``/``U`` (from 2024-25) become one coding
  (:data:`cpanalysis.codes.SEX_NORMALISED`); the code as returned is kept in ``sex_as_returned``
  so validation can still check it against the collection year's code list;
* 0/1 flags (OC2 flags, ``MOTHER``, ``FOSTER_CARE``) become ``Int8``, ``SDQ_SCORE`` ``Int64``;
* every other value stays text, ``None`` when blank; unknown codes are kept as written
  (validation reports them).

Each change is logged as an issue row: a date not written ``dd/mm/yyyy`` (``info``, ``fixed``,
one row per file and column and format), and a value that cannot be read at all (one row per
cell). An unreadable date in a column the row cannot be used without (DOB in the header, the
key date of an episode, review, missing period, adoption decision or social-worker episode)
is an ``error`` and the row is quarantined by :func:`cpanalysis.validate.quarantine`; elsewhere
the value is treated as blank (``warning``, ``fixed``).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from cpanalysis import codes, schema
from cpanalysis.ingest import RawReturns, classify_dates, empty_table, issue_frame, parse_dates

__all__ = ["normalise", "normalise_table", "parse_dates", "FLAG_COLUMNS", "VALUE_RULES", "UNUSABLE_WHEN_INVALID"]

#: Columns holding 0/1 flags, converted to ``Int8``.
FLAG_COLUMNS = frozenset({*codes.OC2_FLAGS, "MOTHER", "FOSTER_CARE"})

#: DfE rule id for a value that is not a valid date/number, by (table, column); "DATE" or
#: "NUMBER" where DfE's rule book has no specific id.
VALUE_RULES: dict[tuple[str, str], str] = {
    ("header", "DOB"): "102",
    ("header", "MC_DOB"): "171",
    ("header", "MOTHER"): "165",
    ("episodes", "DECOM"): "141",
    ("episodes", "DEC"): "147",
    ("uasc", "DUC"): "104",
    ("reviews", "REVIEW"): "166",
    ("oc2", "SDQ_SCORE"): "180",
    **{("oc2", flag): "181" for flag in codes.OC2_FLAGS},
    ("ad1", "DATE_INT"): "112",
    ("ad1", "DATE_MATCH"): "113",
    ("ad1", "FOSTER_CARE"): "114",
    ("placed_for_adoption", "DATE_PLACED"): "115",
    ("placed_for_adoption", "DATE_PLACED_CEASED"): "116",
    ("missing", "MIS_START"): "1004",
    ("missing", "MIS_END"): "1005",
}

#: (table, column) whose unreadable value makes the row unusable (severity ``error``): the
#: header's DOB and the date that identifies each row of a multi-row table.
UNUSABLE_WHEN_INVALID = frozenset(
    {("header", "DOB")}
    | {(spec.name, col) for spec in schema.TABLES.values() for col in spec.key if col in spec.dates}
)

#: How each non-DfE date form is named in its DATE_FORMAT note (every one is unambiguous, so it is
#: read and the note says so; ``ingest.classify_dates`` gives the kinds).
_FORMAT_NAMES = {"dmy_variant": "d/m/yyyy or dd-mm-yyyy",
                 "iso": "yyyy-mm-dd", "ymd": "yyyy/mm/dd", "serial": "an Excel serial number"}


def _blank_to_none(values: pd.Series) -> pd.Series:
    """Text with ``None`` for every blank ("", None, NaN); the same string objects otherwise."""
    array = np.asarray(values, dtype=object).copy()
    array[pd.isna(array) | (array == "")] = None
    return pd.Series(array, index=values.index, dtype=object)


def _value_issue(frame: pd.DataFrame, mask: pd.Series, table: str, col: str, what: str) -> list[dict]:
    """One issue per unreadable cell."""
    if not mask.any():
        return []
    unusable = (table, col) in UNUSABLE_WHEN_INVALID
    rule_id = VALUE_RULES.get((table, col), "DATE" if col in schema.TABLES[table].dates else "NUMBER")
    consequence = "the row cannot be used" if unusable else "treated as blank"
    return [
        {
            "file": file,
            "table": table,
            "row": row,
            "child": child or None,
            "column": col,
            "rule_id": rule_id,
            "severity": "error" if unusable else "warning",
            "message": f"{col} {value!r} is not {what}; {consequence}.",
            "action": "quarantined" if unusable else "fixed",
        }
        for file, row, child, value in frame.loc[mask, ["source_file", "source_row", "CHILD", col]].itertuples(index=False)
    ]


def _format_notes(frame: pd.DataFrame, kind: pd.Series, table: str, col: str) -> list[dict]:
    """One ``info`` row per file and non-DfE date format used in a column."""
    notes = []
    for fmt, name in _FORMAT_NAMES.items():
        hit = kind == fmt
        if not hit.any():
            continue
        for file, rows in frame.loc[hit, "source_row"].groupby(frame.loc[hit, "source_file"]):
            notes.append(
                {"file": file, "table": table, "row": int(rows.min()), "column": col, "rule_id": "DATE_FORMAT",
                 "severity": "info", "action": "fixed",
                 "message": f"{col}: {len(rows)} date(s) written as {name} (not dd/mm/yyyy) were read as dates."}
            )
    return notes


def normalise_table(name: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Type one raw table (see the module docstring).

    Parameters
    ----------
    name : str
        Table name in :data:`cpanalysis.schema.TABLES`.
    raw : pandas.DataFrame
        Raw text table as :func:`cpanalysis.ingest.read_returns` gives it.

    Returns
    -------
    table : pandas.DataFrame
        Processed column names, typed; same row order and index as ``raw``.
    issues : list of dict
        Issue rows for every conversion or unreadable value.
    """
    if raw.empty:
        return _empty_processed(name).copy(), []
    return _typed(name, raw)


def _typed(name: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    spec = schema.TABLES[name]
    issues: list[dict] = []
    # Columns are collected in a dict and framed once: inserting them one by one is slow.
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        values = raw[col]
        if col in spec.dates:
            parsed, kind = classify_dates(values)
            issues.extend(_format_notes(raw, kind, name, col))
            issues.extend(_value_issue(raw, kind == "bad", name, col, "a date (dd/mm/yyyy)"))
            out[schema.processed_name(col)] = parsed.astype("datetime64[ns]")
        elif col in FLAG_COLUMNS or col in spec.integers:
            number = pd.to_numeric(values.where(values != "", None), errors="coerce")
            whole = number.notna() & (number == number.round())
            if col in FLAG_COLUMNS:
                # Out-of-range numbers (2, 9) stay for validation to report as unknown codes;
                # only what Int8 cannot hold is unreadable.
                whole &= number.abs() <= 127
            bad = (values != "") & ~whole
            issues.extend(_value_issue(raw, bad, name, col, "a whole number"))
            typed = number.where(whole).round()
            if col in FLAG_COLUMNS:
                out[schema.processed_name(col)] = typed.astype("Int8")
            else:
                out[schema.processed_name(col)] = typed.astype("Int64")
        elif col == "SEX":
            recorded = _blank_to_none(values)
            out["sex"] = recorded.map(lambda v: codes.SEX_NORMALISED.get(v, v) if v is not None else None).astype(object)
            out["sex_as_returned"] = recorded
        else:
            out[schema.processed_name(col)] = _blank_to_none(values)
    for col in schema.METADATA_COLUMNS:
        out[col] = raw[col]
    return pd.DataFrame(out, index=raw.index), issues


@functools.cache
def _empty_processed(name: str) -> pd.DataFrame:
    """The typed, empty processed table (built once; callers copy it)."""
    return _typed(name, empty_table(name))[0]


def normalise(raw: RawReturns, release: bool = False) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Typed, processed-name tables and the issue rows for every fix.

    Parameters
    ----------
    raw : RawReturns
        What :func:`cpanalysis.ingest.read_returns` read.
    release : bool, default False
        Let each text table go once it is typed (:meth:`RawReturns.release`: ``raw.tables`` are
        left empty, ``raw.rows_read()`` still counts them), so a large return is not held
        twice (``cpanalysis validate`` does this).

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        Every table of :data:`cpanalysis.schema.TABLES` (empty tables keep their columns), with
        processed column names, dates ``datetime64[ns]``, flags ``Int8``, ``sdq_score``
        ``Int64``, codes as ``str`` or ``None``, plus the ingest metadata columns. Rows are in
        the raw order with the raw index, so ``len(tables[t]) == len(raw.tables[t])``.
    issues : pandas.DataFrame
        The ingest notes followed by the cleaning issues, in the issue-row layout.
    """
    tables: dict[str, pd.DataFrame] = {}
    rows: list[dict] = []
    for name in schema.TABLES:
        tables[name], table_issues = normalise_table(name, raw.release(name) if release else raw.tables[name])
        rows.extend(table_issues)
    issues = pd.concat([raw.issues, issue_frame(rows)], ignore_index=True) if len(raw.issues) else issue_frame(rows)
    return tables, issues
