"""Validation rules, quarantine and the reconciliation of rows read, kept and quarantined.

Each rule is a named function registered with :func:`rule`; its docstring gives the DfE rule id,
the DfE wording (paraphrased) and what this package checks. :data:`RULES` lists them all
(:func:`describe_rules` as a table), so the rule book can be printed, documented and tested.

A rule receives a :class:`Context` (the processed tables of :func:`cpanalysis.clean.normalise`,
every return stacked, plus helpers) and returns *findings*: which row of which table breaks it,
in which column, and why. :func:`validate` runs them and turns findings into issue rows
(``file, table, row, child, column, rule_id, severity, message, action``; ``row`` is the
spreadsheet row of the source file).

Rules compare rows **within one return** (an annual return or an in-year extract), as DfE's do.
Continuity between returns (DfE 502/503, 202-208) is checked when stitching
(:mod:`cpanalysis.stitch`).

Severity
--------
``error``
    The row cannot be used for analysis: no CHILD, no usable DECOM, a header with no usable DOB,
    an episode that ends before it starts, an exact copy of an earlier row of the same file.
    :func:`quarantine` removes it (``quarantine/<table>.csv`` keeps it with the reason).
``warning``
    The row breaks a DfE rule but is kept and reported (most rules).
``info``
    A note (for example a date format converted while cleaning).

Rules applied while cleaning (unreadable dates and numbers, ids in
:data:`cpanalysis.clean.VALUE_RULES`) are listed in :data:`RULES` with ``stage="normalise"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from cpanalysis import codes, periods, schema
from cpanalysis.clean import UNUSABLE_WHEN_INVALID, VALUE_RULES, normalise_table
from cpanalysis.errors import ParameterError
from cpanalysis.ingest import RawReturns, empty_table, issue_frame

Tables = Mapping[str, pd.DataFrame]

#: Columns of a findings frame returned by a rule (``severity`` optional: overrides the rule's).
FINDING_COLUMNS = ("table", "index", "column", "message")


@dataclass(frozen=True)
class Rule:
    """One registered rule.

    Parameters
    ----------
    rule_id : str
        DfE rule id (``"501"``, ``"INT03"``), or a package id for checks DfE has none for
        (``"REQ"``, ``"DUP"``).
    table : str
        Table whose rows it reports (``"all"`` for rules applied to every table).
    severity : str
        ``error``, ``warning`` or ``info`` (see the module docstring).
    name : str
        Function name.
    description : str
        First paragraph of the docstring (the plain-English rule).
    check : callable or None
        ``check(context) -> findings``; ``None`` for rules applied while cleaning.
    stage : str
        ``"validate"`` or ``"normalise"``.
    """

    rule_id: str
    table: str
    severity: str
    name: str
    description: str
    check: Callable[[Context], pd.DataFrame] | None
    stage: str = "validate"


#: Every rule, in the order :func:`validate` runs them, keyed by rule id.
RULES: dict[str, Rule] = {}


def rule(rule_id: str, table: str, severity: str = "warning") -> Callable:
    """Register a rule function (decorator).

    Parameters
    ----------
    rule_id, table, severity : str
        See :class:`Rule`.
    """
    if severity not in schema.SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(func: Callable[[Context], pd.DataFrame]) -> Callable[[Context], pd.DataFrame]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        description = (func.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        description = " ".join(description.split())
        RULES[rule_id] = Rule(rule_id, table, severity, func.__name__, description, func)
        return func

    return register


def findings(frame: pd.DataFrame, mask: pd.Series, table: str, column: str | None, message: object, severity: str | None = None) -> pd.DataFrame:
    """Findings for the rows of ``frame`` where ``mask`` is true.

    Parameters
    ----------
    frame : pandas.DataFrame
        A processed table (or a frame indexed like one).
    mask : pandas.Series of bool
        Rows that break the rule.
    table : str
        Table the index labels belong to.
    column : str or None
        DfE column name the finding is about.
    message : str, pandas.Series or callable
        Plain-English message; a Series is aligned with ``frame``; a callable is given the rows
        found and returns the messages.
    severity : str, optional
        Overrides the rule's severity for these findings.
    """
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return _none()
    picked = frame.index[mask.to_numpy()]
    if callable(message):
        # Messages are only built for the rows found (most rules find nothing).
        message = message(frame.loc[picked])
    text = message.loc[picked] if isinstance(message, pd.Series) else pd.Series(message, index=picked, dtype=object)
    out = pd.DataFrame({"table": table, "index": picked, "column": column, "message": text.to_numpy()})
    if severity:
        out["severity"] = severity
    return out


_NO_FINDINGS = pd.DataFrame(columns=list(FINDING_COLUMNS))


def _none() -> pd.DataFrame:
    """No findings (a shared empty frame: never modified)."""
    return _NO_FINDINGS


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate findings, skipping empty frames (concatenating empties is slow)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return _none()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _fmt(date: object) -> str:
    return "blank" if pd.isna(date) else pd.Timestamp(date).strftime("%d/%m/%Y")


def _dates(values: pd.Series) -> pd.Series:
    """Dates as ``dd/mm/yyyy`` text for messages (``blank`` for NaT); always an object Series."""
    return pd.Series([_fmt(v) for v in values], index=values.index, dtype=object)


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality where two blanks are equal."""
    return (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())


def _year_label(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"


# ---------------------------------------------------------------------------------------------
# Context shared by the rules
# ---------------------------------------------------------------------------------------------
class Context:
    """The processed tables plus derived views the rules share (computed once).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Processed tables as :func:`cpanalysis.clean.normalise` returns them (every return
        stacked; metadata columns included).
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = {name: tables[name] if name in tables else _empty_processed(name) for name in schema.TABLES}
        self._joined: dict[str, pd.DataFrame] = {}
        self.unreadable: dict[tuple[str, str], set[tuple[str, int]]] = {}

    def table(self, name: str) -> pd.DataFrame:
        """A processed table with its return's window columns ``year_start`` and ``year_end``.

        ``year_start`` is 1 April of the collection year; ``year_end`` the date the return runs
        to (31 March for an annual return, the as-at date for an in-year extract).
        """
        frame = self.tables[name]
        out = frame.assign(
            year_start=pd.to_datetime(frame["collection_year"].map(lambda y: periods.year_start(int(y)))).astype("datetime64[ns]"),
            year_end=frame["as_at"].astype("datetime64[ns]"),
        )
        return out

    @cached_property
    def header_dob(self) -> pd.DataFrame:
        """(return_label, child_id) -> dob and sex from the header (first header row per child)."""
        header = self.tables["header"]
        return header.drop_duplicates(["return_label", "child_id"])[["return_label", "child_id", "dob", "sex"]]

    def with_header(self, name: str) -> pd.DataFrame:
        """A table joined to its return's header DOB and SEX (columns ``header_dob``, ``header_sex``)."""
        if name not in self._joined:
            self._joined[name] = self._with_header(name)
        return self._joined[name]

    def _with_header(self, name: str) -> pd.DataFrame:
        frame = self.table(name)
        lookup = self._header_lookup
        keys = list(zip(frame["return_label"], frame["child_id"], strict=False))
        found = [lookup.get(k, (pd.NaT, None)) for k in keys]
        return frame.assign(
            header_dob=pd.Series([f[0] for f in found], index=frame.index, dtype="datetime64[ns]"),
            header_sex=pd.Series([f[1] for f in found], index=frame.index, dtype=object),
        )

    @cached_property
    def _header_lookup(self) -> dict[tuple[str, str], tuple[pd.Timestamp, str | None]]:
        rows = self.header_dob
        return {(r, c): (d, x) for r, c, d, x in zip(rows["return_label"], rows["child_id"], rows["dob"], rows["sex"], strict=False)}

    @cached_property
    def sequence(self) -> pd.DataFrame:
        """Episodes with a usable DECOM, in order within each return and child, with the
        previous and next episode's fields (``prev_dec``, ``prev_rec``, ``prev_ls``, ``prev_place``,
        ``prev_place_provider``, ``prev_pl_post``, ``prev_urn``, ``next_decom``; NaN/None when there
        is none) and ``has_prev``/``has_next``."""
        eps = self.with_header("episodes")
        eps = eps[eps["decom"].notna() & eps["child_id"].notna()]
        # An exact copy (the DUP rule's) would look like an episode followed by itself.
        content = ["return_label", *[schema.processed_name(c) for c in schema.EPISODES.columns]]
        eps = eps[~eps[content].astype(str).duplicated()]
        eps = eps.sort_values(["return_label", "child_id", "decom", "dec", "source_row"], na_position="last", kind="stable")
        by = eps.groupby(["return_label", "child_id"], sort=False)
        for col in ("dec", "rec", "ls", "place", "place_provider", "pl_post", "urn"):
            eps[f"prev_{col}"] = by[col].shift(1)
        eps["next_decom"] = by["decom"].shift(-1)
        eps["has_prev"] = by.cumcount() > 0
        eps["has_next"] = by.cumcount(ascending=False) > 0
        return eps

    @cached_property
    def returns(self) -> pd.DataFrame:
        """One row per return: label, collection year, in-year flag, year start, year end."""
        rows = []
        for frame in self.tables.values():
            if len(frame):
                rows.append(frame[["return_label", "collection_year", "is_in_year", "as_at"]].drop_duplicates())
        if not rows:
            return pd.DataFrame(columns=["return_label", "collection_year", "is_in_year", "year_start", "year_end"])
        out = pd.concat(rows).drop_duplicates("return_label").reset_index(drop=True)
        out["year_start"] = out["collection_year"].map(lambda y: periods.year_start(int(y)))
        out["year_end"] = out["as_at"]
        return out

    @cached_property
    def oc2_cohort(self) -> pd.DataFrame:
        """Children looked after continuously for 12 months at 31 March, per annual return.

        DfE (validator definition, ssda903.md §3.4): the child has an episode in the year and
        none of: an episode starting the period of care (RNE S) after 1 April; an episode ending
        with a reason other than X1 between 1 April and 31 March; a short-break (V3/V4) episode
        in the year. In-year extracts are not assessed (no 31 March yet). Returns columns
        ``return_label, child_id``.
        """
        eps = self.sequence
        eps = eps[~eps["is_in_year"]]
        in_year = (eps["decom"] <= eps["year_end"]) & (eps["dec"].isna() | (eps["dec"] >= eps["year_start"]))
        started = (eps["rne"] == codes.RNE_START) & (eps["decom"] > eps["year_start"])
        ceased = eps["dec"].between(eps["year_start"], eps["year_end"]) & eps["rec"].notna() & (eps["rec"] != codes.REC_CONTINUES)
        respite = eps["ls"].isin(codes.LS_SHORT_BREAK) & in_year
        flags = pd.DataFrame({"in_year": in_year, "breaks": started | ceased | respite})
        flags[["return_label", "child_id"]] = eps[["return_label", "child_id"]]
        per_child = flags.groupby(["return_label", "child_id"]).agg(in_year=("in_year", "any"), breaks=("breaks", "any"))
        cohort = per_child[per_child["in_year"] & ~per_child["breaks"]].reset_index()
        return cohort[["return_label", "child_id"]]


def _empty_processed(name: str) -> pd.DataFrame:
    return normalise_table(name, empty_table(name))[0]


def _in(frame: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Whether each row's (return_label, child_id) is among ``pairs``."""
    keys = set(map(tuple, pairs[["return_label", "child_id"]].itertuples(index=False)))
    return pd.Series([k in keys for k in zip(frame["return_label"], frame["child_id"], strict=False)], index=frame.index, dtype=bool)


# ---------------------------------------------------------------------------------------------
# Rows that cannot be used
# ---------------------------------------------------------------------------------------------
@rule("REQ", "all", "warning")
def required_blank(ctx: Context) -> pd.DataFrame:
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


def _unreadable(ctx: Context, name: str, col: str, frame: pd.DataFrame) -> pd.Series:
    """Rows whose ``col`` held text that cleaning could not read (reported under VALUE_RULES)."""
    keys = ctx.unreadable.get((name, col), set())
    if not keys:
        return pd.Series(False, index=frame.index)
    return pd.Series([k in keys for k in zip(frame["source_file"], frame["source_row"], strict=False)], index=frame.index, dtype=bool)


@rule("DUP", "all", "error")
def exact_duplicates(ctx: Context) -> pd.DataFrame:
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
        repeated = frame.duplicated(columns, keep="first")
        if not repeated.any():
            continue
        key = frame[columns].astype(str)
        first_row = frame["source_row"].groupby([key[c] for c in key.columns], sort=False, dropna=False).transform("first")
        message = "exact copy of row " + first_row.astype(str) + " of " + frame["source_file"].astype(str) + "; the copy is not used."
        out.append(findings(frame, repeated, name, None, message))
    return _combine(out)


@rule("356", "episodes", "error")
def ceased_before_started(ctx: Context) -> pd.DataFrame:
    """DfE 356: the date the episode ceased is before the date it started.

    Such an episode cannot be placed on a timeline (negative length), so it is quarantined.
    """
    eps = ctx.tables["episodes"]
    bad = eps["dec"] < eps["decom"]
    def message(eps):
        return "DEC " + _dates(eps["dec"]) + " is before DECOM " + _dates(eps["decom"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)


# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------
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
    def check(ctx: Context) -> pd.DataFrame:
        return _invalid_codes(ctx.tables[table], table, col)

    check.__name__ = f"invalid_{col.lower()}"
    check.__doc__ = (
        f"DfE {rule_id}: the {label} code ({table} {col}) is not a valid code.\n\n"
        f"Checked against :data:`cpanalysis.codes.{col}` for the row's collection year, so a code "
        "retired or not yet introduced that year is reported too. Blanks are the REQ rule's."
    )
    rule(rule_id, table)(check)


@rule("101", "header", "warning")
def invalid_sex(ctx: Context) -> pd.DataFrame:
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


@rule("181", "oc2", "warning")
def invalid_oc2_flags(ctx: Context) -> pd.DataFrame:
    """DfE 181: the OC2 items (convicted, health check, immunisations ...) must be 0 or 1."""
    oc2 = ctx.tables["oc2"]
    return _combine([_invalid_codes(oc2, "oc2", flag) for flag in codes.OC2_FLAGS])


# ---------------------------------------------------------------------------------------------
# Header and dates against the collection year
# ---------------------------------------------------------------------------------------------
@rule("301", "header", "warning")
def born_after_year_end(ctx: Context) -> pd.DataFrame:
    """DfE 301: the date of birth falls after the end of the collection year (or the as-at date
    of an in-year extract)."""
    header = ctx.table("header")
    bad = header["dob"] > header["year_end"]
    def message(header):
        return "DOB " + _dates(header["dob"]) + " is after the return's end " + _dates(header["year_end"]) + "."
    return findings(header, bad, "header", "DOB", message)


@rule("351", "header", "warning")
def over_25(ctx: Context) -> pd.DataFrame:
    """DfE 351: the child was over 25 at the start of the collection year (a stale record)."""
    header = ctx.table("header")
    age = periods.age_at(header["dob"], header["year_start"])
    bad = (age > 25).fillna(False).astype(bool)
    return findings(header, bad, "header", "DOB", "aged " + age.astype(str) + " on 1 April, over 25.")


@rule("302", "episodes", "warning")
def episode_before_birth(ctx: Context) -> pd.DataFrame:
    """DfE 302: the first episode starts before the child was born (DOB from the same return's
    header)."""
    eps = ctx.sequence
    first = eps[~eps["has_prev"]]
    bad = first["decom"] < first["header_dob"]
    def message(first):
        return "DECOM " + _dates(first["decom"]) + " is before DOB " + _dates(first["header_dob"]) + "."
    return findings(first, bad, "episodes", "DECOM", message)


@rule("354", "episodes", "warning")
def started_after_year_end(ctx: Context) -> pd.DataFrame:
    """DfE 354: the episode starts after the end of the collection year (or the as-at date of
    an in-year extract): a future or mistyped date."""
    eps = ctx.table("episodes")
    bad = eps["decom"] > eps["year_end"]
    def message(eps):
        return "DECOM " + _dates(eps["decom"]) + " is after the return's end " + _dates(eps["year_end"]) + "."
    return findings(eps, bad, "episodes", "DECOM", message)


@rule("385", "episodes", "warning")
def ceased_after_year_end(ctx: Context) -> pd.DataFrame:
    """DfE 385: the date the episode ceased must be on or before the end of the collection year
    (or the as-at date of an in-year extract)."""
    eps = ctx.table("episodes")
    bad = eps["dec"] > eps["year_end"]
    def message(eps):
        return "DEC " + _dates(eps["dec"]) + " is after the return's end " + _dates(eps["year_end"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)


@rule("148", "episodes", "warning")
def dec_and_rec_together(ctx: Context) -> pd.DataFrame:
    """DfE 148: DEC and REC must both be filled or both be blank."""
    eps = ctx.tables["episodes"]
    dec_only = eps["dec"].notna() & eps["rec"].isna()
    rec_only = eps["dec"].isna() & eps["rec"].notna()
    def message(eps):
        return pd.Series("DEC is given but REC is blank.", index=eps.index).where(dec_only.loc[eps.index], "REC is given but DEC is blank.")
    return findings(eps, dec_only | rec_only, "episodes", "REC", message)


# ---------------------------------------------------------------------------------------------
# Episode chains (within one return)
# ---------------------------------------------------------------------------------------------
@rule("501", "episodes", "warning")
def overlapping_episodes(ctx: Context) -> pd.DataFrame:
    """DfE 501: a new episode starts before the end date of the previous episode (overlap).

    Reported on the later episode. Stitching truncates the earlier one (LIIA RULE_4).
    """
    eps = ctx.sequence
    bad = eps["prev_dec"].notna() & (eps["decom"] < eps["prev_dec"])
    def message(eps):
        return "DECOM " + _dates(eps["decom"]) + " is before the previous episode's DEC " + _dates(eps["prev_dec"]) + "."
    return findings(eps, bad, "episodes", "DECOM", message)


@rule("142", "episodes", "warning")
def open_episode_followed(ctx: Context) -> pd.DataFrame:
    """DfE 142: a new episode has started but the previous episode has not ended (no DEC).

    Reported on the open episode. Stitching closes it (LIIA RULE_1/1A).
    """
    eps = ctx.sequence
    bad = eps["has_next"] & eps["dec"].isna()
    def message(eps):
        return "the episode has no DEC but a later episode starts " + _dates(eps["next_decom"]) + "."
    return findings(eps, bad, "episodes", "DEC", message)


#: RNE codes that continue a period of care (every code except S).
RNE_CONTINUATION = frozenset(codes.RNE.codes) - {codes.RNE_START}
#: L: legal status changes, placement does not.
RNE_LEGAL_ONLY = codes.RNE_LEGAL_CHANGE - codes.RNE_PLACEMENT_CHANGE
#: P and T: placement changes, legal status does not.
RNE_PLACEMENT_ONLY = codes.RNE_PLACEMENT_CHANGE - codes.RNE_LEGAL_CHANGE
#: U and B: both change.
RNE_BOTH = codes.RNE_PLACEMENT_CHANGE & codes.RNE_LEGAL_CHANGE


@rule("433", "episodes", "warning")
def gap_in_period_of_care(ctx: Context) -> pd.DataFrame:
    """DfE 433: the RNE says the episode continues a period of care (L, P, T, U, B) but it does
    not start on the day the previous episode ended (a gap in the chain).

    Only gaps are reported here (DECOM after the previous DEC); a DECOM before it is an
    overlap (501).
    """
    eps = ctx.sequence
    bad = eps["rne"].isin(RNE_CONTINUATION) & eps["prev_dec"].notna() & (eps["decom"] > eps["prev_dec"])
    def message(eps):
        return (
            "RNE " + eps["rne"].astype(str) + " continues care but DECOM " + _dates(eps["decom"])
            + " is after the previous DEC " + _dates(eps["prev_dec"]) + "."
        )
    return findings(eps, bad, "episodes", "DECOM", message)


@rule("388", "episodes", "warning")
def x1_without_next_episode(ctx: Context) -> pd.DataFrame:
    """DfE 388: REC is X1 (a new episode begins the same day) but there is no following episode
    in the return."""
    eps = ctx.sequence
    bad = (eps["rec"] == codes.REC_CONTINUES) & ~eps["has_next"]
    return findings(eps, bad, "episodes", "REC", "REC X1 but no later episode follows in this return.")


@rule("357", "episodes", "warning")
def first_episode_not_s(ctx: Context) -> pd.DataFrame:
    """DfE 357: the first episode ever for a child must have RNE S.

    Judged on the first episode of a child in a return when it starts within that return's
    year and no return read holds an earlier episode for the child (an episode carried in
    from an earlier year whose return was not loaded is not judged).
    """
    eps = ctx.sequence
    earliest = eps.groupby("child_id")["decom"].transform("min")
    first = ~eps["has_prev"] & (eps["decom"] <= earliest) & (eps["decom"] >= eps["year_start"])
    bad = first & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    return findings(eps, bad, "episodes", "RNE", "RNE " + eps["rne"].astype(str) + " on the child's first episode; expected S.")


@rule("431", "episodes", "warning")
def s_on_day_previous_ended(ctx: Context) -> pd.DataFrame:
    """DfE 431: RNE is S (started to be looked after) but the previous episode ended the same
    day (so care did not really stop)."""
    eps = ctx.sequence
    bad = (eps["rne"] == codes.RNE_START) & (eps["prev_dec"] == eps["decom"])
    return findings(eps, bad, "episodes", "RNE", "RNE S but the previous episode ended on DECOM " + _dates(eps["decom"]) + ".")


@rule("432", "episodes", "warning")
def not_s_after_leaving(ctx: Context) -> pd.DataFrame:
    """DfE 432: the previous episode ended care (REC not X1) but the next episode's RNE is not S."""
    eps = ctx.sequence
    left = eps["prev_rec"].notna() & (eps["prev_rec"] != codes.REC_CONTINUES)
    bad = left & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    def message(eps):
        return "the previous episode ended care (REC " + eps["prev_rec"].astype(str) + ") but RNE is " + eps["rne"].astype(str) + ", not S."
    return findings(eps, bad, "episodes", "RNE", message)


def _changes(eps: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(follows on, legal status changed, placement changed) against the previous episode."""
    follows = eps["prev_dec"].notna() & (eps["prev_dec"] == eps["decom"])
    ls_changed = ~_same(eps["ls"], eps["prev_ls"])
    placement_changed = pd.Series(False, index=eps.index)
    for col in ("place", "place_provider", "pl_post", "urn"):
        placement_changed |= ~_same(eps[col], eps[f"prev_{col}"])
    return follows, ls_changed, placement_changed


@rule("434", "episodes", "warning")
def rne_l_inconsistent(ctx: Context) -> pd.DataFrame:
    """DfE 434: RNE L (legal status change only) but the legal status did not change, or a
    placement detail (PLACE, PLACE_PROVIDER, PL_POST, URN) did."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_LEGAL_ONLY) & (~ls_changed | placement_changed)
    def message(eps):
        return pd.Series("RNE L but the placement changed.", index=eps.index).where(placement_changed.loc[eps.index], "RNE L but LS did not change.")
    return findings(eps, bad, "episodes", "RNE", message)


@rule("435", "episodes", "warning")
def rne_p_t_inconsistent(ctx: Context) -> pd.DataFrame:
    """DfE 435: RNE P or T (placement change only) but the legal status changed, or no
    placement detail (PLACE, PLACE_PROVIDER, PL_POST, URN) changed."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_PLACEMENT_ONLY) & (ls_changed | ~placement_changed)
    def message(eps):
        return ("RNE " + eps["rne"].astype(str) + " but LS changed.").where(
            ls_changed.loc[eps.index], "RNE " + eps["rne"].astype(str) + " but no placement detail changed."
        )
    return findings(eps, bad, "episodes", "RNE", message)


@rule("436", "episodes", "warning")
def rne_u_b_inconsistent(ctx: Context) -> pd.DataFrame:
    """DfE 436: RNE U or B (legal status and placement change) but not both changed."""
    eps = ctx.sequence
    follows, ls_changed, placement_changed = _changes(eps)
    bad = follows & eps["rne"].isin(RNE_BOTH) & ~(ls_changed & placement_changed)
    def message(eps):
        return "RNE " + eps["rne"].astype(str) + " but " + pd.Series("LS", index=eps.index).where(~ls_changed.loc[eps.index], "the placement") + " did not change."
    return findings(eps, bad, "episodes", "RNE", message)


@rule("437", "episodes", "warning")
def episodes_after_death(ctx: Context) -> pd.DataFrame:
    """DfE 437: the episode ended because the child died (E2) or was assessed as 18 or over
    (E15), yet further episodes follow."""
    eps = ctx.sequence
    bad = eps["rec"].isin(codes.REC_NO_FURTHER_EPISODES) & eps["has_next"]
    return findings(eps, bad, "episodes", "REC", "REC " + eps["rec"].astype(str) + " but a later episode follows.")


# ---------------------------------------------------------------------------------------------
# Placement provider
# ---------------------------------------------------------------------------------------------
@rule("526", "episodes", "warning")
def provider_missing(ctx: Context) -> pd.DataFrame:
    """DfE 526: the placement provider is blank for a placement type that needs one (every type
    except temporary T0-T4 and other Z1/Z11-Z14)."""
    eps = ctx.tables["episodes"]
    bad = eps["place_provider"].isna() & eps["place"].notna() & ~eps["place"].isin(codes.PLACE_NO_PROVIDER)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER is blank for PLACE " + eps["place"].astype(str) + ".")


@rule("213", "episodes", "warning")
def provider_not_expected(ctx: Context) -> pd.DataFrame:
    """DfE 213: placement provider given for a temporary (T0-T4) or other (Z1/Z11-Z14) placement,
    which have none."""
    eps = ctx.tables["episodes"]
    bad = eps["place_provider"].notna() & eps["place"].isin(codes.PLACE_NO_PROVIDER)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER given for PLACE " + eps["place"].astype(str) + ".")


@rule("550", "episodes", "warning")
def parents_provider_not_p1(ctx: Context) -> pd.DataFrame:
    """DfE 550: provider PR0 (parents) can only go with placement P1 (placed with parents)."""
    eps = ctx.tables["episodes"]
    bad = (eps["place_provider"] == codes.PROVIDER_PARENTS) & eps["place"].notna() & ~eps["place"].isin(codes.PLACE_WITH_PARENTS)
    return findings(eps, bad, "episodes", "PLACE_PROVIDER", "PLACE_PROVIDER " + eps["place_provider"].astype(str) + " with PLACE " + eps["place"].astype(str) + ".")


def _provider_rule(rule_id: str, provider: str) -> None:
    excluded = codes.PROVIDER_EXCLUDED_PLACES[provider]

    def check(ctx: Context) -> pd.DataFrame:
        eps = ctx.tables["episodes"]
        bad = (eps["place_provider"] == provider) & eps["place"].isin(excluded)
        def message(eps):
            return f"PLACE_PROVIDER {provider} cannot go with PLACE " + eps["place"].astype(str) + "."
        return findings(eps, bad, "episodes", "PLACE_PROVIDER", message)

    check.__name__ = f"provider_{provider.lower()}_incompatible"
    check.__doc__ = f"DfE {rule_id}: provider {provider} cannot be associated with placement types {', '.join(sorted(excluded))}."
    rule(rule_id, "episodes")(check)


for _rule_id, _provider in zip(("527", "528", "529", "530", "531"), sorted(codes.PROVIDER_EXCLUDED_PLACES), strict=False):
    _provider_rule(_rule_id, _provider)


# ---------------------------------------------------------------------------------------------
# Short breaks
# ---------------------------------------------------------------------------------------------
#: Longest single short break in nights (DfE 365) and most short-break days a year (DfE 367).
MAX_SHORT_BREAK_NIGHTS = 17
MAX_SHORT_BREAK_DAYS_A_YEAR = 75


@rule("365", "episodes", "warning")
def short_break_too_long(ctx: Context) -> pd.DataFrame:
    """DfE 365: an individual short break (LS V3) must not exceed 17 days (DEC - DECOM, in
    nights; open breaks are not judged)."""
    eps = ctx.tables["episodes"]
    nights = (eps["dec"] - eps["decom"]).dt.days
    bad = eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & (nights > MAX_SHORT_BREAK_NIGHTS)
    return findings(eps, bad, "episodes", "DEC", "short break of " + nights.astype("Int64").astype(str) + " days (over 17).")


@rule("366", "episodes", "warning")
def short_break_placement_change(ctx: Context) -> pd.DataFrame:
    """DfE 366: a child cannot change placement during an individual short break: every V3
    episode must have RNE S."""
    eps = ctx.tables["episodes"]
    bad = eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & eps["rne"].notna() & (eps["rne"] != codes.RNE_START)
    return findings(eps, bad, "episodes", "RNE", "LS V3 episode with RNE " + eps["rne"].astype(str) + "; expected S.")


@rule("367", "episodes", "warning")
def short_breaks_over_75_days(ctx: Context) -> pd.DataFrame:
    """DfE 367: at most 75 days of short breaks (LS V3) in the collection year.

    Days are nights within the return's year (DEC - DECOM, clipped to the year; an open break
    counts to the return's end). Reported on the child's last V3 episode of the year.
    """
    eps = ctx.table("episodes")
    v3 = eps[eps["ls"].isin(codes.LS_SHORT_BREAK_EPISODES) & eps["decom"].notna() & eps["child_id"].notna()]
    if v3.empty:
        return _none()
    start = v3["decom"].clip(lower=v3["year_start"])
    end = v3["dec"].fillna(v3["year_end"]).clip(upper=v3["year_end"])
    days = (end - start).dt.days.clip(lower=0)
    total = days.groupby([v3["return_label"], v3["child_id"]]).transform("sum")
    last = v3["decom"] == v3.groupby(["return_label", "child_id"])["decom"].transform("max")
    bad = (total > MAX_SHORT_BREAK_DAYS_A_YEAR) & last
    return findings(v3, bad, "episodes", "LS", "short breaks total " + total.astype(str) + " days in the year (over 75).")


# ---------------------------------------------------------------------------------------------
# Cross-table integrity within a return
# ---------------------------------------------------------------------------------------------
_NOT_IN_HEADER = {
    "ad1": "INT01", "placed_for_adoption": "INT02", "episodes": "INT03", "missing": "INT04", "oc2": "INT05",
    "oc3": "INT06", "previous_permanence": "INT07", "reviews": "INT08", "uasc": "INT09",
}
_DOB_DIFFERS = {
    "ad1": "INT11", "placed_for_adoption": "INT12", "missing": "INT13", "oc2": "INT14", "oc3": "INT15",
    "previous_permanence": "INT16", "reviews": "INT17", "uasc": "INT18",
}
_ONCE_ONLY = {"ad1": "INT31", "header": "INT32", "oc2": "INT33", "oc3": "INT34", "previous_permanence": "INT35", "uasc": "INT36"}


def _not_in_header_rule(rule_id: str, table: str) -> None:
    def check(ctx: Context) -> pd.DataFrame:
        frame = ctx.tables[table]
        bad = frame["child_id"].notna() & ~_in(frame, ctx.header_dob)
        return findings(frame, bad, table, "CHILD", f"the child is in {table} but not in this return's header.")

    check.__name__ = f"{table}_child_not_in_header"
    check.__doc__ = f"DfE {rule_id}: a child in the {table} table does not exist in the same return's header."
    rule(rule_id, table)(check)


def _dob_differs_rule(rule_id: str, table: str) -> None:
    def check(ctx: Context) -> pd.DataFrame:
        frame = ctx.with_header(table)
        bad = frame["dob"].notna() & frame["header_dob"].notna() & (frame["dob"] != frame["header_dob"])
        def message(frame):
            return "DOB " + _dates(frame["dob"]) + " differs from the header's " + _dates(frame["header_dob"]) + "."
        return findings(frame, bad, table, "DOB", message)

    check.__name__ = f"{table}_dob_differs"
    check.__doc__ = f"DfE {rule_id}: the DOB in the {table} table differs from the DOB in the same return's header."
    rule(rule_id, table)(check)


def _once_only_rule(rule_id: str, table: str) -> None:
    def check(ctx: Context) -> pd.DataFrame:
        frame = ctx.tables[table]
        content = [c for c in frame.columns if c not in schema.METADATA_COLUMNS]
        exact = frame[["return_label", *content]].astype(str).duplicated()
        repeated = frame["child_id"].notna() & frame.duplicated(["return_label", "child_id"]) & ~exact
        return findings(frame, repeated, table, "CHILD", f"the child has more than one row in {table} in this return.")

    check.__name__ = f"{table}_child_repeated"
    check.__doc__ = (
        f"DfE {rule_id}: a child should appear only once in the {table} table of a return.\n\n"
        "Exact copies are the DUP rule's; this reports a second, different row (kept)."
    )
    rule(rule_id, table)(check)


for _table, _rule_id in _NOT_IN_HEADER.items():
    _not_in_header_rule(_rule_id, _table)
for _table, _rule_id in _DOB_DIFFERS.items():
    _dob_differs_rule(_rule_id, _table)
for _table, _rule_id in _ONCE_ONLY.items():
    _once_only_rule(_rule_id, _table)


@rule("INT21", "uasc", "warning")
def uasc_sex_differs(ctx: Context) -> pd.DataFrame:
    """DfE INT21: SEX in the UASC table differs from SEX in the same return's header (compared
    after recoding 1/2 to M/F)."""
    uasc = ctx.with_header("uasc")
    bad = uasc["sex"].notna() & uasc["header_sex"].notna() & (uasc["sex"] != uasc["header_sex"])
    return findings(uasc, bad, "uasc", "SEX", "SEX " + uasc["sex"].astype(str) + " differs from the header's " + uasc["header_sex"].astype(str) + ".")


@rule("304", "uasc", "warning")
def uasc_ceased_after_18(ctx: Context) -> pd.DataFrame:
    """DfE 304: the date UASC status ceased (DUC) must be on or before the child's 18th birthday."""
    uasc = ctx.tables["uasc"]
    eighteenth = periods.birthday(uasc["dob"], 18) if len(uasc) else uasc["dob"]
    bad = uasc["duc"].notna() & (uasc["duc"] > eighteenth)
    return findings(uasc, bad, "uasc", "DUC", "DUC " + _dates(uasc["duc"]) + " is after the 18th birthday " + _dates(pd.Series(eighteenth, index=uasc.index)) + ".")


@rule("567", "missing", "warning")
def missing_end_before_start(ctx: Context) -> pd.DataFrame:
    """DfE 567: the date a missing (or away from placement) period ended is before the date it
    started."""
    missing = ctx.tables["missing"]
    bad = missing["mis_end"] < missing["mis_start"]
    def message(missing):
        return "MIS_END " + _dates(missing["mis_end"]) + " is before MIS_START " + _dates(missing["mis_start"]) + "."
    return findings(missing, bad, "missing", "MIS_END", message)


# ---------------------------------------------------------------------------------------------
# OC2: children looked after continuously for 12 months at 31 March
# ---------------------------------------------------------------------------------------------
@rule("180", "oc2", "warning")
def sdq_out_of_range(ctx: Context) -> pd.DataFrame:
    """DfE 180: the SDQ total difficulties score must be a whole number from 0 to 40."""
    oc2 = ctx.tables["oc2"]
    score = oc2["sdq_score"]
    bad = score.notna() & ((score < codes.SDQ_MIN) | (score > codes.SDQ_MAX))
    return findings(oc2, bad.fillna(False), "oc2", "SDQ_SCORE", "SDQ_SCORE " + score.astype(str) + " is outside 0-40.")


def _oc2_outside_cohort(ctx: Context) -> pd.DataFrame:
    oc2 = ctx.tables["oc2"]
    annual = ~oc2["is_in_year"].astype(bool)
    return oc2[annual & oc2["child_id"].notna() & ~_in(oc2, ctx.oc2_cohort)]


@rule("185", "oc2", "warning")
def sdq_score_outside_cohort(ctx: Context) -> pd.DataFrame:
    """DfE 185: an SDQ score is given for a child not looked after continuously for 12 months at
    31 March (cohort: :attr:`Context.oc2_cohort`; annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    return findings(outside, outside["sdq_score"].notna(), "oc2", "SDQ_SCORE", "SDQ score given but the child is not in the 12-month cohort.")


@rule("198", "oc2", "warning")
def sdq_reason_outside_cohort(ctx: Context) -> pd.DataFrame:
    """DfE 198: a reason for no SDQ score is given for a child not looked after continuously for
    12 months at 31 March (annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    return findings(outside, outside["sdq_reason"].notna(), "oc2", "SDQ_REASON", "SDQ reason given but the child is not in the 12-month cohort.")


@rule("190", "oc2", "warning")
def oc2_items_outside_cohort(ctx: Context) -> pd.DataFrame:
    """DfE 190: OC2 items (convicted, health, substance misuse ...) are completed for a child not
    looked after continuously for 12 months at 31 March (annual returns only)."""
    outside = _oc2_outside_cohort(ctx)
    filled = outside[[f.lower() for f in codes.OC2_FLAGS]].notna().any(axis=1)
    return findings(outside, filled, "oc2", None, "OC2 items completed but the child is not in the 12-month cohort.")


#: OC2 items DfE 191 requires for every child in the 12-month cohort.
OC2_ALWAYS_REQUIRED = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")


@rule("191", "oc2", "warning")
def oc2_missing_in_cohort(ctx: Context) -> pd.DataFrame:
    """DfE 191: a child looked after continuously for 12 months at 31 March has blank OC2 items
    (immunisations, teeth check, health assessment, substance misuse), or no OC2 row at all.

    A missing OC2 row is reported on the child's header row of that return (table ``header``).
    """
    cohort = ctx.oc2_cohort
    oc2 = ctx.tables["oc2"]
    in_cohort = oc2[_in(oc2, cohort)]
    blank = in_cohort[[c.lower() for c in OC2_ALWAYS_REQUIRED]].isna().any(axis=1)
    present = findings(in_cohort, blank, "oc2", None, "child in the 12-month cohort with blank OC2 items (immunisations, teeth, health assessment or substance misuse).")
    header = ctx.tables["header"]
    absent_pairs = cohort[~_in(cohort, oc2)]
    first_header_row = header["child_id"].notna() & ~header.duplicated(["return_label", "child_id"])
    absent = findings(header, _in(header, absent_pairs) & first_header_row, "header", "CHILD",
                      "child looked after continuously for 12 months at 31 March but has no OC2 row.")
    return _combine([present, absent])


# ---------------------------------------------------------------------------------------------
# OC3: care leavers
# ---------------------------------------------------------------------------------------------
#: Birthdays for which care-leaver (OC3) information is collected (DfE 391). Ages 22 to 25
#: (young people who ask the authority for support) are collected from 2022-23.
OC3_AGES = range(17, 22)
OC3_AGES_FROM_2023 = range(17, 26)
OC3_EXTENDED_FROM_YEAR = 2023


@rule("391", "oc3", "warning")
def oc3_wrong_age(ctx: Context) -> pd.DataFrame:
    """DfE 391: care-leaver information is only for young people whose 17th to 21st birthday
    (22nd to 25th too from 2022-23) falls in the collection year (1 April to 31 March)."""
    oc3 = ctx.table("oc3")
    if oc3.empty:
        return _none()
    year_end = oc3["collection_year"].map(lambda y: periods.year_end(int(y)))
    age_at_end = periods.age_at(oc3["dob"], year_end)
    upper = oc3["collection_year"].map(lambda y: max(OC3_AGES_FROM_2023 if y >= OC3_EXTENDED_FROM_YEAR else OC3_AGES))
    # The birthday reached during the year is the age at its end.
    bad = age_at_end.notna() & ((age_at_end < min(OC3_AGES)) | (age_at_end > upper))
    return findings(oc3, bad.fillna(False).astype(bool), "oc3", "DOB", "aged " + age_at_end.astype(str) + " at 31 March: not a care-leaver birthday year.")


#: DfE relevant/former relevant child (rule 1001): at least 13 weeks looked after since the 14th
#: birthday, some of it after the 16th birthday (short breaks V3/V4 excluded).
RELEVANT_MIN_DAYS = 91


@rule("1001", "oc3", "warning")
def oc3_not_care_leaver(ctx: Context) -> pd.DataFrame:
    """DfE 1001: the young person's episodes do not make them a relevant or former relevant
    child, so they should not have care-leaver information.

    Relevant: looked after for at least 13 weeks (91 days) in total since their 14th birthday,
    including some time after their 16th birthday, not counting short breaks (V3/V4). Episodes
    of every return read are combined (each day counted once; an open episode counts to its
    return's end). Young people with no episodes in any return read are not judged (their care
    may predate the returns loaded).
    """
    oc3 = ctx.tables["oc3"]
    eps = ctx.table("episodes")
    eps = eps[eps["decom"].notna() & ~eps["ls"].isin(codes.LS_SHORT_BREAK) & eps["child_id"].isin(oc3["child_id"])]
    if oc3.empty or eps.empty:
        return _none()
    # The OC3 row's DOB, else the header's (OC3 DOB may be left blank).
    with_header = ctx.with_header("oc3")
    dob = with_header["dob"].fillna(with_header["header_dob"]).groupby(with_header["child_id"]).first()
    days_since_14 = {}
    after_16 = {}
    for child, group in eps.groupby("child_id"):
        birth = dob.get(child)
        if pd.isna(birth):
            continue
        spans = _merged_spans(group["decom"], group["dec"].fillna(group["year_end"]))
        from14, from16 = periods.birthday(birth, 14), periods.birthday(birth, 16)
        days_since_14[child] = sum(max(0, (e - max(s, from14)).days + 1) for s, e in spans if e >= from14)
        after_16[child] = any(e >= from16 for s, e in spans)
    judged = oc3["child_id"].isin(days_since_14.keys())
    days = oc3["child_id"].map(days_since_14)
    bad = judged & ((days < RELEVANT_MIN_DAYS) | ~oc3["child_id"].map(after_16).fillna(False).astype(bool))
    def message(oc3):
        return "looked after " + days.astype("Int64").astype(str) + " day(s) since the 14th birthday in the returns read: not a care leaver (needs 91, some after 16)."
    return findings(oc3, bad.fillna(False).astype(bool), "oc3", "CHILD", message)


def _merged_spans(starts: pd.Series, ends: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Union of date ranges [start, end] as sorted, non-overlapping spans."""
    spans: list[list[pd.Timestamp]] = []
    for start, end in sorted(zip(starts, ends, strict=False)):
        end = max(start, end)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(s, e) for s, e in spans]


@rule("153", "oc3", "warning")
def oc3_partly_completed(ctx: Context) -> pd.DataFrame:
    """DfE 153: IN_TOUCH, ACTIV and ACCOM must all be completed or all be left blank."""
    oc3 = ctx.tables["oc3"]
    filled = oc3[["in_touch", "activ", "accom"]].notna().sum(axis=1)
    return findings(oc3, filled.between(1, 2), "oc3", None, "only " + filled.astype(str) + " of IN_TOUCH, ACTIV and ACCOM completed.")


@rule("344", "oc3", "warning")
def oc3_died_or_home_with_details(ctx: Context) -> pd.DataFrame:
    """DfE 344: the young person died (DIED) or returned home for 6 months or more (RHOM), yet
    activity or accommodation is given (they should be 0)."""
    oc3 = ctx.tables["oc3"]
    detail = (oc3["activ"].notna() & ~oc3["activ"].isin(codes.ACTIV_NOT_KNOWN)) | (
        oc3["accom"].notna() & ~oc3["accom"].isin(codes.ACCOM_NOT_KNOWN)
    )
    bad = oc3["in_touch"].isin(codes.IN_TOUCH_EXCLUDED) & detail
    return findings(oc3, bad, "oc3", "IN_TOUCH", "IN_TOUCH " + oc3["in_touch"].astype(str) + " but ACTIV/ACCOM are not 0.")


@rule("345", "oc3", "warning")
def oc3_in_touch_without_details(ctx: Context) -> pd.DataFrame:
    """DfE 345: the authority is in touch (IN_TOUCH YES) but activity or accommodation is 0
    (not known)."""
    oc3 = ctx.tables["oc3"]
    unknown = oc3["activ"].isin(codes.ACTIV_NOT_KNOWN) | oc3["accom"].isin(codes.ACCOM_NOT_KNOWN)
    bad = (oc3["in_touch"] == codes.IN_TOUCH_YES) & unknown
    return findings(oc3, bad, "oc3", "IN_TOUCH", "IN_TOUCH YES but ACTIV or ACCOM is 0.")


# ---------------------------------------------------------------------------------------------
# Rules applied while cleaning (listed for the rule book)
# ---------------------------------------------------------------------------------------------
def _register_cleaning_rules() -> None:
    for (table, col), rule_id in VALUE_RULES.items():
        if rule_id in RULES:
            continue
        spec = schema.TABLES[table]
        what = "a valid date (dd/mm/yyyy, yyyy-mm-dd or an Excel serial number)" if col in spec.dates else "a whole number"
        columns = [c for (t, c), r in VALUE_RULES.items() if r == rule_id]
        severity = "error" if (table, col) in UNUSABLE_WHEN_INVALID else "warning"
        RULES[rule_id] = Rule(
            rule_id, table, severity, "clean.normalise",
            f"DfE {rule_id}: {table} {'/'.join(columns)} must be {what}; checked while cleaning.",
            None, "normalise",
        )


_register_cleaning_rules()


# ---------------------------------------------------------------------------------------------
# Running the rules, quarantine, reconciliation
# ---------------------------------------------------------------------------------------------
def describe_rules() -> pd.DataFrame:
    """The rule book: one row per rule (``rule_id, table, severity, stage, name, description``)."""
    return pd.DataFrame(
        [(r.rule_id, r.table, r.severity, r.stage, r.name, r.description) for r in RULES.values()],
        columns=["rule_id", "table", "severity", "stage", "name", "description"],
    )


def _to_issues(rule_: Rule, found: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> list[dict]:
    rows = []
    for table, group in found.groupby("table", sort=False):
        frame = tables[table]
        source = frame.loc[group["index"], ["source_file", "source_row", "child_id"]]
        severity = group["severity"] if "severity" in group else pd.Series(rule_.severity, index=group.index)
        for (file, row, child), column, message, sev in zip(
            source.itertuples(index=False, name=None), group["column"], group["message"], severity.fillna(rule_.severity), strict=False
        ):
            rows.append(
                {"file": file, "table": table, "row": int(row), "child": child, "column": column, "rule_id": rule_.rule_id,
                 "severity": sev, "message": message, "action": "quarantined" if sev == "error" else "kept"}
            )
    return rows


def validate(tables: Tables, rules: Iterable[str] | None = None, prior_issues: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run the validation rules on processed tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Processed tables from :func:`cpanalysis.clean.normalise` (every return stacked).
    rules : iterable of str, optional
        Rule ids to run (default: all of :data:`RULES` with ``stage="validate"``).
    prior_issues : pandas.DataFrame, optional
        Issues from cleaning; cells already reported as unreadable are not reported again as
        blank by the ``REQ`` rule.

    Returns
    -------
    pandas.DataFrame
        Issue rows (:data:`cpanalysis.schema.ISSUE_COLUMNS`) in rule order; ``action`` is
        ``quarantined`` for ``error`` rows and ``kept`` otherwise.

    Raises
    ------
    ParameterError
        An unknown rule id was asked for.
    """
    selected = [r for r in RULES.values() if r.check is not None]
    if rules is not None:
        wanted = list(rules)
        unknown = [r for r in wanted if r not in RULES or RULES[r].check is None]
        if unknown:
            raise ParameterError(f"unknown validation rule(s) {', '.join(unknown)}; see validate.describe_rules().")
        selected = [RULES[r] for r in wanted]
    ctx = Context(tables)
    ctx.unreadable = _unreadable_cells(prior_issues)
    rows: list[dict] = []
    for rule_ in selected:
        found = rule_.check(ctx)
        if len(found):
            rows.extend(_to_issues(rule_, found, ctx.tables))
    return issue_frame(rows)


def _unreadable_cells(issues: pd.DataFrame | None) -> dict[tuple[str, str], set[tuple[str, int]]]:
    marks: dict[tuple[str, str], set[tuple[str, int]]] = {}
    if issues is None or issues.empty:
        return marks
    value_ids = set(VALUE_RULES.values()) | {"DATE", "NUMBER"}
    picked = issues[issues["rule_id"].isin(value_ids) & issues["row"].notna()]
    for table, column, file, row in picked[["table", "column", "file", "row"]].itertuples(index=False):
        marks.setdefault((table, column), set()).add((file, int(row)))
    return marks


def quarantine(tables: Tables, issues: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Split every table into the rows kept and the rows quarantined by ``error`` issues.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Processed tables (each row identified by ``source_file`` and ``source_row``).
    issues : pandas.DataFrame
        Issue rows from cleaning and validation; those with ``severity == "error"`` and a
        ``table``/``file``/``row`` quarantine that row.

    Returns
    -------
    kept : dict of str to pandas.DataFrame
        The usable rows of every table.
    quarantined : dict of str to pandas.DataFrame
        The quarantined rows of every table (possibly empty) with a ``reason`` column: the
        rule ids and messages of its errors, joined by ``"; "``.
    """
    errors = issues[(issues["severity"] == "error") & issues["table"].notna() & issues["row"].notna()]
    kept: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        mine = errors[errors["table"] == name]
        if mine.empty:
            kept[name] = frame
            quarantined[name] = frame.iloc[:0].assign(reason=pd.Series(dtype=object))
            continue
        reasons: dict[tuple[str, int], list[str]] = {}
        for file, row, rule_id, message in mine[["file", "row", "rule_id", "message"]].itertuples(index=False):
            reasons.setdefault((file, int(row)), []).append(f"{rule_id}: {message}")
        keys = list(zip(frame["source_file"], frame["source_row"].astype(int), strict=False))
        out = pd.Series([k in reasons for k in keys], index=frame.index, dtype=bool)
        kept[name] = frame[~out]
        bad = frame[out].copy()
        bad["reason"] = pd.Series(["; ".join(reasons[k]) for k, flag in zip(keys, out, strict=False) if flag], index=bad.index, dtype=object)
        quarantined[name] = bad
    return kept, quarantined


def write_quarantine(quarantined: Mapping[str, pd.DataFrame], folder: str | Path) -> list[Path]:
    """Write ``<folder>/<table>.csv`` for every table with quarantined rows.

    ``folder`` is the quarantine folder itself (``data/processed/quarantine``). Dates are written
    ``yyyy-mm-dd``; the ``reason`` column says why each row was quarantined. The file of a table
    with nothing quarantined is removed if an earlier run left one, so the folder always
    matches the latest run.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in quarantined.items():
        path = folder / f"{name}.csv"
        if frame.empty:
            path.unlink(missing_ok=True)
            continue
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
    return written


def reconcile(raw: RawReturns, kept: Mapping[str, pd.DataFrame], quarantined: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows read, kept and quarantined per table; checks rows read = kept + quarantined.

    Parameters
    ----------
    raw : RawReturns
        What was read.
    kept, quarantined : mapping of str to pandas.DataFrame
        From :func:`quarantine`.

    Returns
    -------
    pandas.DataFrame
        ``table, rows_read, rows_kept, rows_quarantined`` for every table.

    Raises
    ------
    AssertionError
        Rows were lost or invented (a bug in the package, never a data problem).
    """
    rows = []
    for name, read in raw.rows_read().items():
        n_kept = len(kept.get(name, ()))
        n_quarantined = len(quarantined.get(name, ()))
        if read != n_kept + n_quarantined:
            raise AssertionError(f"{name}: {read} rows read but {n_kept} kept + {n_quarantined} quarantined")
        rows.append((name, read, n_kept, n_quarantined))
    return pd.DataFrame(rows, columns=["table", "rows_read", "rows_kept", "rows_quarantined"])
