"""Codes not valid in the row's collection year (DfE 101, 103, 143-149, 165-178, 181, 196, 631, 1006, 1009, SW13STG1 ...), and SEX reported as unknown (232)."""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, schema
from cpanalysis.validate.engine import (
    ValidationContext,
    _combine,
    _none,
    _year_label,
    findings,
    rule,
)


def _code_message(col: str, values: pd.Series, years: pd.Series, codelist: codes.CodeList) -> pd.Series:
    def text(value: object, year: int) -> str:
        if value in codelist:
            return f"{col} {value!r} is not a valid code in {_year_label(year)} (it is valid in other years)."
        if col == "REC" and value == codes.REC_LIIA_REPAIRED:
            return f"{col} {value!r} is a LIIA repair marker, not a DfE code."
        if col == "PLACE" and value in codes.PLACE_HISTORIC:
            return f"{col} {value!r} is a historic code no longer collected."
        return f"{col} {value!r} is not a valid code."

    return pd.Series([text(v, int(y)) for v, y in zip(values, years, strict=False)], index=values.index, dtype=object)


def _invalid_codes(frame: pd.DataFrame, table: str, col: str, source: str | None = None) -> pd.DataFrame:
    """Findings for values of ``col`` not valid in the row's collection year."""
    codelist = codes.CODE_LISTS[col]
    values = frame[source or schema.processed_name(col)]
    text = pd.Series([None if v is None or pd.isna(v) else str(v) for v in values], index=values.index, dtype=object)
    valid_by_year = {int(y): codelist.valid_codes(int(y)) for y in frame["collection_year"].unique()}
    bad = pd.Series(
        [v is not None and v not in valid_by_year[int(y)] for v, y in zip(text, frame["collection_year"], strict=False)],
        index=frame.index,
        dtype=bool,
    )
    if not bad.any():
        return _none()
    return findings(frame, bad, table, col, _code_message(col, text[bad], frame.loc[bad, "collection_year"], codelist))


def _code_rule(rule_id: str, table: str, col: str, label: str) -> None:
    def check(ctx: ValidationContext) -> pd.DataFrame:
        return _invalid_codes(ctx.tables[table], table, col)

    check.__name__ = f"invalid_{col.lower()}"
    check.__doc__ = (
        f"DfE {rule_id}: the {label} code ({table} {col}) is not a valid code.\n\n"
        f"Checked against :data:`cpanalysis.codes.{col}` for the row's collection year, so a code "
        "retired or not yet introduced that year is reported too. Blanks are the REQ rule's."
    )
    rule(rule_id, table, fields=(col,))(check)


@rule("101", "header", "warning", fields=("SEX", "uasc.SEX"))
def invalid_sex(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 101: the sex code is not valid (1/2 up to 2023-24; M/F/U from 2024-25).

    Checked on the code as returned (``sex_as_returned``) in the header and UASC tables.
    """
    return _combine([_invalid_codes(ctx.tables[t], t, "SEX", "sex_as_returned") for t in ("header", "uasc")])


for _rule_id, _table, _col, _label in (
    ("103", "header", "ETHNIC", "ethnicity"),
    ("165", "header", "MOTHER", "mother status"),
    ("143", "episodes", "RNE", "reason for new episode"),
    ("144", "episodes", "LS", "legal status"),
    ("145", "episodes", "CIN", "category of need"),
    ("146", "episodes", "PLACE", "placement type"),
    ("178", "episodes", "PLACE_PROVIDER", "placement provider"),
    ("149", "episodes", "REC", "reason episode ceased"),
    ("1009", "episodes", "REASON_PLACE_CHANGE", "reason for placement change"),
    ("167", "reviews", "REVIEW_CODE", "participation"),
    ("196", "oc2", "SDQ_REASON", "reason for no SDQ score"),
    ("131", "oc3", "IN_TOUCH", "in touch"),
    ("132", "oc3", "ACTIV", "activity"),
    ("133", "oc3", "ACCOM", "accommodation"),
    ("114", "ad1", "FOSTER_CARE", "adopted by former foster carers"),
    ("175", "ad1", "NB_ADOPTR", "number of adopters"),
    ("176", "ad1", "SEX_ADOPTR", "sex of adopters"),
    ("177", "ad1", "LS_ADOPTR", "legal status of adopters"),
    ("120", "placed_for_adoption", "REASON_PLACED_CEASED", "reason no longer placed for adoption"),
    ("631", "previous_permanence", "PREV_PERM", "previous permanence"),
    ("1006", "missing", "MISSING", "missing type"),
    ("SW13STG1", "sw_episodes", "SW_REASON", "social worker change reason"),
):
    _code_rule(_rule_id, _table, _col, _label)


@rule("181", "oc2", "warning", fields=("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"))
def invalid_oc2_flags(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 181: the OC2 items (convicted, health check, immunisations ...) must be 0 or 1."""
    oc2 = ctx.tables["oc2"]
    return _combine([_invalid_codes(oc2, "oc2", flag) for flag in codes.OC2_FLAGS])


#: SEX code for "unknown or not reported" (from 2024-25).
SEX_UNKNOWN = "U"


@rule("232", "header", "warning", fields=("SEX",), first_year=2025)
def sex_reported_unknown(ctx: ValidationContext) -> pd.DataFrame:
    """DfE 232: sex of the child/young person has been reported as unknown (SEX U), from 2024-25.

    Checked on the code as returned (``sex_as_returned``); U is a valid code (no 101), but DfE asks
    the authority to confirm it.
    """
    header = ctx.tables["header"]
    return findings(header, header["sex_as_returned"] == SEX_UNKNOWN, "header", "SEX",
                    "SEX U: the child's sex has been reported as unknown.")
