"""The validation engine: the rule registry, the shared :class:`ValidationContext`, running the rules,
quarantine and the reconciliation of rows read, kept and quarantined.

Topic modules register their rules with :func:`rule`; see the package docstring.
"""


from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
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
    first_year, last_year : int
        Collection years (``2025`` is 2024-25) the rule applies to: by default from the first
        year DfE collects its table (``schema.TableSpec.first_year``: social worker episodes from
        2023-24), or from the year DfE added the rule (232 from 2024-25, 348 from 2025-26:
        :func:`validate` reports such a rule only on returns of those years), open-ended. None of
        the package's rules is one DfE has deleted.
    fields : tuple of str
        The columns the rule judges (DfE's "affected fields"), in DfE's spelling (the schema's
        column names; :func:`cpanalysis.schema.processed_name` gives the processed name): first
        the column its findings name, then the others it reads. A bare name is a column of
        ``table`` (or of :data:`DERIVED_FIELDS`, or a metadata column); ``"table.COLUMN"`` is a
        column of another table the rule reads (``"header.DOB"``); :data:`EVERY_COLUMN` is every
        column (whole rows or files). :func:`check_fields` keeps them true.
    """

    rule_id: str
    table: str
    severity: str
    name: str
    description: str
    check: Callable[[ValidationContext], pd.DataFrame] | None
    stage: str = "validate"
    first_year: int = codes.FIRST_YEAR
    last_year: int = codes.LAST_YEAR
    fields: tuple[str, ...] = ()

    @property
    def columns(self) -> frozenset[str]:
        """The fields without their table (``"header.DOB"`` -> ``"DOB"``): DfE's way of naming them."""
        return frozenset(f.rpartition(".")[2] for f in self.fields)

    def names(self, column: str) -> bool:
        """Whether ``column`` (a DfE column name, any table) is among the fields: always for a rule
        on :data:`EVERY_COLUMN`. A finding of the rule names only such a column."""
        return EVERY_COLUMN in self.fields or column in self.columns

    @property
    def fields_text(self) -> str:
        """The fields in words for the book: ``"DECOM, DEC"``; :data:`EVERY_COLUMN` as ``every column``."""
        return ", ".join("every column" if f == EVERY_COLUMN else f for f in self.fields)

    @property
    def collection_years(self) -> str:
        """The years in words: ``"all years"``, ``"2023-24 onwards"``, ``"to 2024-25"``..."""
        if self.first_year <= codes.FIRST_YEAR and self.last_year >= codes.LAST_YEAR:
            return "all years"
        if self.last_year >= codes.LAST_YEAR:
            return f"{periods.year_label(self.first_year)} onwards"
        if self.first_year <= codes.FIRST_YEAR:
            return f"to {periods.year_label(self.last_year)}"
        return f"{periods.year_label(self.first_year)} to {periods.year_label(self.last_year)}"


def _table_first_year(table: str) -> int:
    """First collection year of a table (``codes.FIRST_YEAR`` for ``"all"`` and unknown names)."""
    spec = schema.TABLES.get(table)
    return spec.first_year if spec is not None else codes.FIRST_YEAR


#: Columns DfE's validator derives from the postcodes before its rules run and reads as the
#: table's own (``ValidationContext.placement_geography`` derives them the same way): a rule may name them
#: as fields of the table.
DERIVED_FIELDS: dict[str, tuple[str, ...]] = {"episodes": ("PL_DISTANCE", "PL_LA", "PL_LOCATION")}
#: The field of a rule about whole rows or whole files (DUP, most ingest rules): every column.
EVERY_COLUMN = "*"


def table_fields(table: str) -> frozenset[str]:
    """The field names a rule on ``table`` may give without a table prefix.

    The table's DfE columns, its :data:`DERIVED_FIELDS`, the metadata columns ``ingest`` adds
    (``source_file``, ``collection_year``, ...) and :data:`EVERY_COLUMN`; for ``"all"`` (rules
    applied to every table) a column of any table.
    """
    if table == "all":
        names = {c for spec in schema.TABLES.values() for c in spec.columns}
        names |= {c for derived in DERIVED_FIELDS.values() for c in derived}
    else:
        names = set(schema.TABLES[table].columns) | set(DERIVED_FIELDS.get(table, ()))
    return frozenset(names | set(schema.METADATA_COLUMNS) | {EVERY_COLUMN})


def check_fields(rule_id: str, table: str, fields: Sequence[str]) -> tuple[str, ...]:
    """A rule's fields, checked: not empty, each a column of its table or ``"<table>.<COLUMN>"``.

    Raises
    ------
    ValueError
        No fields, or a field that is no column (a typo in the package, not a data problem).
    """
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    if not fields:
        raise ValueError(f"rule {rule_id}: no fields given")
    for name in fields:
        other, dot, column = name.rpartition(".")
        known = (other in schema.TABLES and column in table_fields(other)) if dot else name in table_fields(table)
        if not known:
            raise ValueError(f"rule {rule_id}: field {name!r} is not a column of {other or table}")
    return fields


#: Where a rule is applied, in pipeline order.
STAGES = ("ingest", "normalise", "validate", "stitch", "build")

#: The rule book: every rule the package applies, keyed by rule id (validation rules in the
#: order :func:`validate` runs them).
RULES: dict[str, Rule] = {}


def rule(rule_id: str, table: str, severity: str = "warning", *, fields: Sequence[str],
         first_year: int | None = None, last_year: int = codes.LAST_YEAR) -> Callable:
    """Register a rule function (decorator).

    Parameters
    ----------
    rule_id, table, severity : str
        See :class:`Rule`.
    fields : sequence of str
        The columns the rule judges (:attr:`Rule.fields`); required, so no rule is without them.
    first_year, last_year : int, optional
        Collection years the rule applies to (:class:`Rule`; default from the first year DfE
        collects ``table``, open-ended). A rule DfE added later (232 from 2024-25, 348 from
        2025-26) gives its first year: :func:`validate` drops its findings on rows of returns
        outside these years, so an older return is checked by the rules of its own year.
    """
    if severity not in schema.SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    fields = check_fields(rule_id, table, fields)

    def register(func: Callable[[ValidationContext], pd.DataFrame]) -> Callable[[ValidationContext], pd.DataFrame]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        description = (func.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        description = " ".join(description.split())
        RULES[rule_id] = Rule(rule_id, table, severity, func.__name__, description, func,
                              first_year=first_year or _table_first_year(table), last_year=last_year, fields=fields)
        return func

    return register


def book(rule_id: str, table: str, severity: str, stage: str, description: str, *, fields: Sequence[str]) -> None:
    """List a rule applied outside validation (reading, cleaning, stitching, building) in :data:`RULES`.

    Parameters
    ----------
    rule_id, table, severity, stage : str
        See :class:`Rule` (``stage`` one of :data:`STAGES`).
    description : str
        The plain-English rule.
    fields : sequence of str
        The columns it judges or changes (:attr:`Rule.fields`).
    """
    if severity not in schema.SEVERITIES or stage not in STAGES:
        raise ValueError(f"rule {rule_id}: unknown severity {severity!r} or stage {stage!r}")
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} registered twice")
    RULES[rule_id] = Rule(rule_id, table, severity, "-", description, None, stage, first_year=_table_first_year(table),
                          fields=check_fields(rule_id, table, fields))


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


def _duplicated(frame: pd.DataFrame, columns: list[str], keep: str = "first") -> pd.Series:
    """``frame.duplicated(columns, keep=keep)``, holding two columns' codes at a time, not all.

    pandas codes every column of the subset at once (8 bytes a cell: 160 MB for a 1.4 million-row
    episodes table); here each column's codes are folded into one running key, renumbered when it
    could overflow. Blanks (None, NaN, NaT) are equal to each other, as in ``DataFrame.duplicated``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame.
    columns : list of str
        The columns that must all be equal.
    keep : {"first", "last"}
        ``"first"``: true for a row equal to an earlier row; ``"last"``: to a later one.

    Returns
    -------
    pandas.Series of bool
        Indexed like ``frame``: true for a row equal to an earlier (later) row on every column.
    """
    if len(columns) == 1:
        # pandas' one-column path tells None from NaN (its several-column path does not)
        return frame[columns[0]].duplicated(keep=keep)
    key = np.zeros(len(frame), dtype="int64")
    size = 1  # every key is below size
    for column in columns:
        codes, uniques = pd.factorize(frame[column])  # a blank is -1
        width = len(uniques) + 1
        if size * width >= 2**62:
            key, found = pd.factorize(key)
            size = len(found)
        key = key * width + (codes + 1)
        size *= width
    return pd.Series(key, index=frame.index).duplicated(keep=keep)


def _year_label(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"


# ---------------------------------------------------------------------------------------------
# ValidationContext shared by the rules
# ---------------------------------------------------------------------------------------------
#: Columns of the episodes no rule reads from :attr:`ValidationContext.sequence` (left out of it).
SEQUENCE_UNREAD = frozenset({"source_file", "collection_year", "as_at", "reason_place_change", "home_post", "header_sex"})


class ValidationContext:
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
        #: Views a topic module derives once and shares between its rules (name -> value).
        self.cache: dict[str, object] = {}
        self.unreadable: dict[tuple[str, str], set[tuple[str, int]]] = {}

    def table(self, name: str) -> pd.DataFrame:
        """A processed table with its return's window columns ``year_start`` and ``year_end``.

        ``year_start`` is 1 April of the collection year; ``year_end`` the date the return runs
        to (31 March for an annual return, the as-at date for an in-year extract).
        """
        frame = self.tables[name]
        # One date per collection year, mapped (not one Python call per row: returns run to millions).
        starts = {year: periods.year_start(int(year)) for year in frame["collection_year"].unique()}
        out = frame.assign(
            year_start=frame["collection_year"].map(starts).astype("datetime64[ns]"),
            year_end=frame["as_at"].astype("datetime64[ns]"),
        )
        return out

    def release(self, view: str) -> None:
        """Let a shared view go once no later rule needs it (it is rebuilt if one asks again).

        Parameters
        ----------
        view : str
            A cached property (``"sequence"``, ``"header_dob"``, ...), ``"with_header:<table>"``
            or ``"cache:<key>"`` (a topic module's entry in :attr:`cache`).
        """
        kind, _, name = view.partition(":")
        if kind == "with_header":
            self._joined.pop(name, None)
        elif kind == "cache":
            self.cache.pop(name, None)
        else:
            self.__dict__.pop(view, None)

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
        # A vectorised look-up (no Python tuple per row: a large return has millions of rows).
        lookup = self.header_dob.set_index(["return_label", "child_id"])
        keys = pd.MultiIndex.from_arrays([frame["return_label"], frame["child_id"]])
        found = lookup.reindex(keys)
        sex = found["sex"].to_numpy(dtype=object, copy=True)
        sex[pd.isna(sex)] = None
        return frame.assign(
            header_dob=pd.Series(found["dob"].to_numpy(dtype="datetime64[ns]"), index=frame.index),
            header_sex=pd.Series(sex, index=frame.index, dtype=object),
        )

    @cached_property
    def sequence(self) -> pd.DataFrame:
        """Episodes with a usable DECOM, in order within each return and child, with the
        previous and next episode's fields (``prev_dec``, ``prev_rec``, ``prev_ls``, ``prev_cin``, ``prev_place``,
        ``prev_place_provider``, ``prev_pl_post``, ``prev_urn``, ``next_decom``; NaN/None when there
        is none) and ``has_prev``/``has_next``. The columns of :data:`SEQUENCE_UNREAD` are left out."""
        eps = self.with_header("episodes")
        # Which rows and in what order are found on a few columns, then the rows are taken once
        # with the columns the rules read: filtering, de-duplicating and sorting every column
        # in turn made three copies of a million-row table (issue 15).
        usable = eps["decom"].notna() & eps["child_id"].notna()
        # An exact copy (the DUP rule's) would look like an episode followed by itself. Its first
        # row has the same DECOM and CHILD, so judging copies among every row is the same.
        content = ["return_label", *[schema.processed_name(c) for c in schema.EPISODES.columns]]
        usable &= ~_duplicated(eps, content)  # blanks (None, NaT) equal to each other, as a copy's are
        keys = ["return_label", "child_id", "decom", "dec", "source_row"]
        order = eps.loc[usable, keys].sort_values(keys, na_position="last", kind="stable").index
        eps = eps.loc[order, [c for c in eps.columns if c not in SEQUENCE_UNREAD]]
        by = eps.groupby(["return_label", "child_id"], sort=False)
        for col in ("dec", "rec", "ls", "cin", "place", "place_provider", "pl_post", "urn"):
            eps[f"prev_{col}"] = by[col].shift(1)
        eps["next_decom"] = by["decom"].shift(-1)
        eps["has_prev"] = by.cumcount() > 0
        eps["has_next"] = by.cumcount(ascending=False) > 0
        return eps

    @cached_property
    def placement_geography(self) -> pd.DataFrame | None:
        """``PL_DISTANCE``, ``PL_LA`` and ``PL_LOCATION`` of every episode row, derived from the
        postcodes as DfE's validator derives them before its rules run (ssda903.md §6.1).

        Indexed like the episodes table: ``pl_distance`` (miles to 1 d.p., NaN when either
        postcode is blank or unknown; not blanked for short breaks or UASC, as DfE's
        validator does not), ``pl_la`` (upper-tier authority of ``PL_POST``; ``WAL``/``SCO``/
        ``NIR`` outside England; None when unknown) and ``pl_location`` (``IN`` when ``pl_la``
        is the responsible authority, ``OUT`` otherwise, None when the postcode is unknown),
        ``home_known`` and ``pl_known`` (the postcode has a grid reference). The responsible
        authority is the English authority most home postcodes lie in (a return holds no
        authority code; DfE's validator is told it). ``None`` when the postcode
        lookup cannot be used: the rules needing these fields then report nothing.
        """
        eps = self.tables["episodes"]
        try:
            from cpanalysis import geography

            home = geography.lookup_postcodes(eps["home_post"])
            placed = geography.lookup_postcodes(eps["pl_post"])
        except (ImportError, OSError, ValueError):
            return None
        out = pd.DataFrame(index=eps.index)
        out["pl_distance"] = geography.grid_distance_miles(home["easting"], home["northing"], placed["easting"], placed["northing"])
        out["pl_la"] = geography.upper_tier_of_district(placed["lad_code"])
        home_la = geography.upper_tier_of_district(home["lad_code"])
        english = home_la[home_la.str.startswith("E", na=False)].value_counts()
        # ties broken by code so the choice is repeatable
        authority = sorted(english[english == english.max()].index)[0] if len(english) else None
        location = pd.Series(codes.PL_LOCATION_OUT, index=eps.index, dtype=object)
        location[out["pl_la"].eq(authority).fillna(False).to_numpy(dtype=bool)] = codes.PL_LOCATION_IN
        out["pl_location"] = location.where(placed["lad_code"].notna(), None)
        out["home_known"] = home["easting"].notna()
        out["pl_known"] = placed["easting"].notna()
        return out

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
    def previous_annual(self) -> dict[str, str]:
        """Return label -> label of the annual return of the year before, when it was read.

        DfE's "last year" (its ``_last`` tables): for ``2024-25`` and ``2025-26_Q2`` it is
        ``2024-25``'s predecessor ``2023-24`` and ``2024-25`` respectively.
        """
        found = self.returns
        annual = found[~found["is_in_year"].astype(bool)]
        by_year = dict(zip(annual["collection_year"].astype(int), annual["return_label"], strict=False))
        return {
            label: by_year[int(year) - 1]
            for label, year in zip(found["return_label"], found["collection_year"], strict=False)
            if int(year) - 1 in by_year
        }

    def last_year(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Each row of table ``name`` beside the same child's first row in last year's return.

        Returns a frame indexed like the table with ``in_last_year`` (bool: the child has a
        row in :attr:`previous_annual`'s return) and ``last_<column>`` for each of ``columns``.
        """
        frame = self.tables[name]
        last = frame.drop_duplicates(["return_label", "child_id"])
        last = last.loc[:, ["return_label", "child_id", *columns]].astype({"return_label": object}).rename(
            columns={"return_label": "last_label", **{c: f"last_{c}" for c in columns}}
        )
        left = pd.DataFrame({"child_id": frame["child_id"], "last_label": frame["return_label"].map(self.previous_annual).astype(object)})
        merged = left.reset_index().merge(last, on=["last_label", "child_id"], how="left", indicator=True).set_index("index")
        merged = merged.reindex(frame.index)
        merged["in_last_year"] = merged["_merge"].eq("both")
        return merged[["in_last_year", *[f"last_{c}" for c in columns]]]

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
# Rules applied while cleaning (listed for the rule book)
# ---------------------------------------------------------------------------------------------
def register_cleaning_rules() -> None:
    """List the rules :func:`cpanalysis.clean.normalise` applies (``stage="normalise"``) in :data:`RULES`."""
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
            None, "normalise", fields=check_fields(rule_id, table, columns),
        )



# ---------------------------------------------------------------------------------------------
# Running the rules, quarantine, reconciliation
# ---------------------------------------------------------------------------------------------
def describe_rules() -> pd.DataFrame:
    """The rule book: one row per rule (``rule_id, table, severity, stage, collection_years, fields,
    name, description``; ``collection_years`` as :attr:`Rule.collection_years`, ``fields`` the
    rule's :attr:`Rule.fields_text`)."""
    return pd.DataFrame(
        [(r.rule_id, r.table, r.severity, r.stage, r.collection_years, r.fields_text, r.name, r.description)
         for r in RULES.values()],
        columns=["rule_id", "table", "severity", "stage", "collection_years", "fields", "name", "description"],
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
    ctx = ValidationContext(tables)
    ctx.unreadable = _unreadable_cells(prior_issues)
    rows: list[dict] = []
    for rule_ in selected:
        found = rule_.check(ctx)
        if len(found) and (rule_.first_year > _table_first_year(rule_.table) or rule_.last_year < codes.LAST_YEAR):
            found = _in_years(rule_, found, ctx.tables)
        if len(found):
            rows.extend(_to_issues(rule_, found, ctx.tables))
        # A large return's shared views are each as big as a table: let each go after its last rule.
        for view in RELEASE_AFTER.get(rule_.rule_id, ()):
            ctx.release(view)
    return issue_frame(rows)


def _in_years(rule_: Rule, found: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The findings on rows of returns whose collection year the rule applies to."""
    keep = []
    for table, group in found.groupby("table", sort=False):
        years = tables[table].loc[group["index"], "collection_year"].astype(int).to_numpy()
        keep.append(group[(years >= rule_.first_year) & (years <= rule_.last_year)])
    return _combine(keep)


#: The shared views of :class:`ValidationContext` each rule is the last to read (in :data:`RULES` order):
#: :func:`validate` releases them after that rule, so a large return does not keep every
#: widened copy of its tables until the end (issue 15: a 300 MB return held about 1 GB of them).
#: A wrong entry costs time, never a finding (a released view is rebuilt when asked for);
#: ``tests/test_validate_memory.py`` checks that no view is built twice.
RELEASE_AFTER: dict[str, tuple[str, ...]] = {
    "INT11": ("with_header:ad1",),
    "INT12": ("with_header:placed_for_adoption",),
    "INT13": ("with_header:missing",),
    "INT14": ("with_header:oc2",),
    "INT15": ("with_header:oc3",),
    "INT16": ("with_header:previous_permanence",),
    "INT17": ("with_header:reviews",),
    "INT21": ("with_header:uasc", "header_dob"),
    "185": ("sequence",),
    "197B": ("oc2_cohort",),
    "453": ("cache:first_episode_pairs",),
    "607": ("with_header:episodes",),
    "1015": ("placement_geography",),
}


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
