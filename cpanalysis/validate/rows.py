"""Rows that cannot be used: required blanks (REQ), exact copies (DUP), DEC before DECOM (356)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import schema
from cpanalysis.clean import UNUSABLE_WHEN_INVALID
from cpanalysis.validate.engine import (
    EVERY_COLUMN,
    ValidationContext,
    _combine,
    _dates,
    _duplicated,
    findings,
    rule,
)

#: Every column some table requires (the fields of REQ).
REQUIRED_FIELDS = tuple(dict.fromkeys(col for spec in schema.TABLES.values() for col in spec.required))


@rule("REQ", "all", "warning", fields=REQUIRED_FIELDS)
def required_blank(ctx: ValidationContext) -> pd.DataFrame:
    """A column DfE requires is blank (liia-tools ``canbeblank: no``; DfE 103, 166, 167, 442, 564 ...).

    The row cannot be used (``error``) when the blank is CHILD, the header's DOB, or the date
    that identifies a row of a multi-row table (episode DECOM, review date, missing start,
    adoption decision date, social-worker episode start); otherwise it is kept (``warning``).
    """
    out = []
    for name, spec in schema.TABLES.items():
        frame = ctx.tables[name]
        for col in spec.required:
            processed = schema.processed_name(col)
            source = "sex_as_returned" if col == "SEX" else processed
            blank = frame[source].isna()
            unusable = col == "CHILD" or (name, col) in UNUSABLE_WHEN_INVALID
            # An unreadable value was already reported while cleaning; only true blanks here.
            if col in spec.dates:
                blank &= ~_unreadable(ctx, name, col, frame)
            consequence = "the row cannot be used" if unusable else "kept"
            out.append(findings(frame, blank, name, col, f"{col} is blank but required; {consequence}.", "error" if unusable else None))
    return _combine(out)


def _unreadable(ctx: ValidationContext, name: str, col: str, frame: pd.DataFrame) -> pd.Series:
    """Rows whose ``col`` held text that cleaning could not read (reported under VALUE_RULES)."""
    keys = ctx.unreadable.get((name, col), set())
    if not keys:
        return pd.Series(False, index=frame.index)
    return pd.Series([k in keys for k in zip(frame["source_file"], frame["source_row"], strict=False)], index=frame.index, dtype=bool)


@rule("DUP", "all", "error", fields=(EVERY_COLUMN,))
def exact_duplicates(ctx: ValidationContext) -> pd.DataFrame:
    """A row repeats an earlier row of the same return exactly (every DfE column equal).

    The copy adds nothing and would be counted twice, so it is quarantined; the first row is
    kept.
    """
    out = []
    for name, _spec in schema.TABLES.items():
        frame = ctx.tables[name]
        if frame.empty:
            continue
        columns = ["return_label", *[c for c in frame.columns if c not in schema.METADATA_COLUMNS]]
        repeated = _duplicated(frame, columns)
        if not repeated.any():
            continue
        # The row each copy repeats, found among the rows that have a copy only (a text copy of
        # every cell of a million-row table was the largest part of this rule: issue 15).
        copied = frame[repeated | _duplicated(frame, columns, keep="last")]
        key = copied[columns].astype(str)
        first_row = copied["source_row"].groupby([key[c] for c in key.columns], sort=False, dropna=False).transform("first")
        message = "exact copy of row " + first_row.astype(str) + " of " + copied["source_file"].astype(str) + "; the copy is not used."
        out.append(findings(frame, repeated, name, None, message))
    return _combine(out)


@rule("356", "episodes", "error", fields=("DEC", "DECOM"))
def ceased_before_started(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 356: the date the episode ceased is before the date it started.

    Such an episode cannot be placed on a timeline (negative length), so it is quarantined.
    """
    eps = ctx.tables["episodes"]
    bad = eps["dec"] < eps["decom"]
    def message(eps):
        return "DEC " + _dates(eps["dec"]) + " is before DECOM " + _dates(eps["decom"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)
