"""Column specification of every SSDA903 table, by collection year.

A table is recognised from its header row (``ingest`` compares the set of column names), so the
column lists here are exactly DfE's CSV column names, in DfE order (``docs/ssda903.md``
§1). Processed tables use the same names in snake_case lower case (``DECOM`` -> ``decom``);
:func:`processed_name` is the one mapping.

Collection years are the year ending 31 March (``2024`` = the 2023-24 return).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cpanalysis import codes


@dataclass(frozen=True)
class TableSpec:
    """One SSDA903 table.

    Parameters
    ----------
    name : str
        Package name of the table (``"episodes"``); also the processed parquet's stem.
    columns : tuple of str
        DfE column names in DfE order.
    dates : tuple of str
        Columns holding dates (``dd/mm/yyyy`` in DfE CSVs).
    required : tuple of str
        Columns that may never be blank (liia-tools ``canbeblank: no``).
    coded : dict
        Column -> :class:`cpanalysis.codes.CodeList` it must belong to.
    first_year : int
        First collection year in which DfE collects the table.
    one_row_per_child : bool
        Whether a child may appear only once per return.
    key : tuple of str
        Columns identifying a row within a return (for de-duplication across returns).
    """

    name: str
    columns: tuple[str, ...]
    dates: tuple[str, ...] = ()
    required: tuple[str, ...] = ("CHILD",)
    coded: dict[str, codes.CodeList] = field(default_factory=dict)
    first_year: int = codes.FIRST_YEAR
    one_row_per_child: bool = False
    key: tuple[str, ...] = ("CHILD",)
    integers: tuple[str, ...] = ()

    def applies_to(self, year: int) -> bool:
        """Whether the table is part of the return for collection ``year``."""
        return year >= self.first_year


def _coded(*cols: str) -> dict[str, codes.CodeList]:
    return {c: codes.CODE_LISTS[c] for c in cols}


HEADER = TableSpec(
    "header",
    ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    dates=("DOB", "MC_DOB"),
    required=("CHILD", "SEX", "DOB", "ETHNIC", "UPN"),
    coded=_coded("SEX", "ETHNIC", "MOTHER"),
    one_row_per_child=True,
)
EPISODES = TableSpec(
    "episodes",
    (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    dates=("DECOM", "DEC"),
    required=("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE"),
    coded=_coded("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"),
    key=("CHILD", "DECOM"),
)
UASC = TableSpec(
    "uasc",
    ("CHILD", "SEX", "DOB", "DUC"),
    dates=("DOB", "DUC"),
    required=("CHILD", "SEX", "DOB"),
    coded=_coded("SEX"),
    one_row_per_child=True,
)
REVIEWS = TableSpec(
    "reviews",
    ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    dates=("DOB", "REVIEW"),
    required=("CHILD", "REVIEW", "REVIEW_CODE"),
    coded=_coded("REVIEW_CODE"),
    key=("CHILD", "REVIEW"),
)
OC2 = TableSpec(
    "oc2",
    (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    dates=("DOB",),
    coded=_coded("SDQ_REASON", *codes.OC2_FLAGS),
    one_row_per_child=True,
    integers=("SDQ_SCORE",),
)
OC3 = TableSpec(
    "oc3",
    ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    dates=("DOB",),
    coded=_coded("IN_TOUCH", "ACTIV", "ACCOM"),
    one_row_per_child=True,
)
AD1 = TableSpec(
    "ad1",
    ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    dates=("DOB", "DATE_INT", "DATE_MATCH"),
    coded=_coded("FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    one_row_per_child=True,
)
PLACED_FOR_ADOPTION = TableSpec(
    "placed_for_adoption",
    ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    dates=("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
    required=("CHILD", "DATE_PLACED"),
    coded=_coded("REASON_PLACED_CEASED"),
    key=("CHILD", "DATE_PLACED"),
)
PREVIOUS_PERMANENCE = TableSpec(
    "previous_permanence",
    ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    # DATE_PERM may be partial (ZZ/06/2012), so it is kept as text and not parsed as a date.
    dates=("DOB",),
    coded=_coded("PREV_PERM"),
    one_row_per_child=True,
)
MISSING = TableSpec(
    "missing",
    ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    dates=("DOB", "MIS_START", "MIS_END"),
    required=("CHILD", "MISSING", "MIS_START"),
    coded=_coded("MISSING"),
    key=("CHILD", "MIS_START"),
)
SW_EPISODES = TableSpec(
    "sw_episodes",
    ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    dates=("DOB", "SW_DECOM", "SW_DEC"),
    required=("CHILD", "SW_ID", "SW_DECOM"),
    coded=_coded("SW_REASON"),
    first_year=2024,
    key=("CHILD", "SW_DECOM"),
)

#: Every table, in the order the package reads, validates and writes them.
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        HEADER,
        EPISODES,
        UASC,
        REVIEWS,
        OC2,
        OC3,
        AD1,
        PLACED_FOR_ADOPTION,
        PREVIOUS_PERMANENCE,
        MISSING,
        SW_EPISODES,
    )
}

#: XML tag names that differ from the CSV column names (ssda903.md §0.2).
COLUMN_ALIASES: dict[str, str] = {"CHILDID": "CHILD", "PL": "PLACE"}

#: Extra columns that LIIA outputs carry; ignored (not an error) when present.
IGNORED_EXTRA_COLUMNS = frozenset({"LA", "YEAR", "YEAR_LATEST", "EPISODE_SOURCE"})


#: Columns of every issue row (ingest notes, cleaning fixes, validation findings, stitching repairs).
ISSUE_COLUMNS = ("file", "table", "row", "child", "column", "rule_id", "severity", "message", "action")
#: ``error`` = the row is unusable for analysis and is quarantined; the others are kept.
SEVERITIES = ("error", "warning", "info")
#: ``removed`` = a row dropped while stitching returns because a later or fuller copy of it is kept
#: (a duplicate, or an episode the next return replaced); it is never quarantined.
ACTIONS = ("kept", "fixed", "quarantined", "removed")

#: Metadata columns ``ingest`` adds to every raw table (docs/architecture.md "Raw returns").
METADATA_COLUMNS = ("source_file", "source_row", "return_label", "collection_year", "is_in_year", "as_at")


def processed_name(column: str) -> str:
    """Processed-table name of a DfE column (``"DECOM"`` -> ``"decom"``, ``"CHILD"`` -> ``"child_id"``)."""
    return "child_id" if column == "CHILD" else column.lower()


def normalise_header(name: object) -> str:
    """Canonical form of a header cell: stripped, upper case, BOM removed, XML aliases mapped."""
    text = str(name).replace("\ufeff", "").strip().upper().replace(" ", "_")
    return COLUMN_ALIASES.get(text, text)


def tables_for_year(year: int) -> dict[str, TableSpec]:
    """The tables that make up the return for collection ``year``."""
    return {name: spec for name, spec in TABLES.items() if spec.applies_to(year)}
