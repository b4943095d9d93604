"""Cohort filters and the per-child attribute table shared by the longitudinal analyses.

A scrutiny panel's deep-dive question ("are children placed more than 20 miles away moving more
often?", "how are UASC care leavers doing?") is a **cohort filter**: a true/false expression over
child attributes, written as an analyst would type it, for example::

    uasc_on_date == False and age_band == '10 to 15'
    placed_over_20_miles
    placement_group == 'Foster placements' and n_moves >= 3

:func:`child_attributes` builds the table the expression is evaluated on (one row per child at a
date); :func:`select_children` evaluates it safely (only column names, literals, comparisons and
``and``/``or``/``not`` are allowed: no function calls, attribute access or ``@`` variables).
Every function of :mod:`cpanalysis.sdq`, :mod:`cpanalysis.moves` and :mod:`cpanalysis.leavers`
accepts ``cohort=`` (a filter, evaluated in that call), ``children=`` (the children already
chosen), ``by=`` and ``attributes=`` and uses :func:`restrict` and :func:`groups`.

A report that shows many tables of one cohort (the deep dive) resolves the filter **once**,
:func:`resolve_cohort`, to a :class:`ChildCohort`: the children chosen, the date their attributes
were judged at and the labelled attribute table; it then passes ``children=`` to every call, so
no call evaluates the filter again and every table counts the same children.

UASC: two names, two meanings
-----------------------------
Whether a child is an unaccompanied asylum-seeking child has two readings, and the package
never calls either of them plain ``uasc`` in a child-level table:

* ``ever_uasc``: the child is in the UASC table of any loaded return (the processed
  ``children`` table's column). A care leaver or a child granted leave to remain keeps it, so
  it suits questions about a child's history ("how are UASC care leavers doing?"), and it is
  what blanks the placement distance (DfE waives the postcodes of UASC and former UASC).
* ``uasc_on_date``: UASC on a given date, as DfE counts UASC in its tables of children looked
  after on 31 March: ``ever_uasc`` and the date of ceasing to be UASC (``DUC``, the latest
  return's) blank or after the date (:func:`uasc_on_date`; docs/ssda903.md §3.3). The indicators'
  ``uasc`` breakdown is this reading.

A cohort filter naming plain ``uasc`` is refused with a message naming both.

Small numbers
-------------
The package never shows a statistic computed on fewer than ``min_children`` children (default
:data:`MIN_CHILDREN` = 10). The rule is the same in every analysis function: the row of that
statistic is **kept** (so a table never silently loses a group) with its counts, its values left
empty (NaN) and ``note`` set to ``"not produced: fewer than 10 children"`` (:func:`too_few`).
Functions never raise for small numbers, so a notebook run on a narrow cohort still finishes and
says why a figure is missing. ``note`` is ``""`` on every produced row.

The move counter :func:`move_number` lives here (not in :mod:`cpanalysis.moves`) because both the
attribute table and the moves analyses need it and the dependency runs one way:
``cohort`` <- ``moves`` / ``sdq`` / ``leavers``.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from cpanalysis import codes, config, periods
from cpanalysis.errors import ParameterError

#: Default minimum number of children behind any statistic the analyses produce.
MIN_CHILDREN = config.MIN_CHILDREN

#: Distance bands as EES publishes them (placement distance of children looked after).
DISTANCE_BANDS = ("20 miles or less", "Over 20 miles", "Not known")
DISTANCE_THRESHOLD_MILES = 20.0

#: Bands of the number of placement moves (the DfE stability measure turns on 3+ placements).
MOVES_BANDS = ("0", "1", "2", "3+")

#: Label of the whole-cohort row in every grouped table (as in the tidy indicator table).
TOTAL = "Total"
#: Group label for a child whose grouping attribute is missing.
NOT_KNOWN = "Not known"

# Expression nodes a cohort filter may contain: names, literals, comparisons, boolean logic and
# simple arithmetic. Anything else (calls, attributes, subscripts, lambdas) is refused before
# pandas sees the text, so a filter typed into a notebook parameter cannot run code.
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Invert,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.BitAnd,
    ast.BitOr,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
)


def as_timestamp(value: object, what: str = "date") -> pd.Timestamp:
    """``value`` as a midnight ``pandas.Timestamp``; a plain-English error when it is not a date.

    Raises
    ------
    ParameterError
        If ``value`` is blank or cannot be read as a date.
    """
    # one parser for the whole package: periods owns date reading
    return periods._timestamp(value, what)


def too_few(n_children: int, min_children: int = MIN_CHILDREN) -> str:
    """The ``note`` of a statistic on ``n_children`` children: ``""`` or the not-produced message.

    Parameters
    ----------
    n_children : int
        Number of distinct children behind the statistic.
    min_children : int; default 10
        Smallest number of children on which a statistic is produced.

    Returns
    -------
    str
        ``""`` when ``n_children >= min_children``, otherwise
        ``"not produced: fewer than <min_children> children"``.

    Examples
    --------
    >>> too_few(9)
    'not produced: fewer than 10 children'
    >>> too_few(10)
    ''
    """
    if min_children < 1:
        raise ParameterError(f"min_children must be at least 1; got {min_children}")
    return "" if n_children >= min_children else f"not produced: fewer than {min_children} children"


def check_filter(expression: str, columns: list[str] | pd.Index) -> None:
    """Check that a cohort filter only uses allowed syntax and known attribute names.

    Parameters
    ----------
    expression : str
        A boolean expression such as ``"uasc_on_date == False and age_band == '10 to 15'"``.
    columns : list of str
        The attribute names the expression may use.

    Raises
    ------
    ParameterError
        If the text is not a valid expression, uses anything other than names, literals,
        comparisons, ``and``/``or``/``not``/``in`` and arithmetic, or names an unknown attribute
        (the message lists the known ones).
    """
    if not isinstance(expression, str) or not expression.strip():
        raise ParameterError('the cohort filter is empty: give a condition such as "uasc_on_date == False"')
    if "@" in expression or "`" in expression:
        raise ParameterError(
            f"cohort filter {expression!r}: '@' and backticks are not allowed; use attribute "
            "names and literal values only"
        )
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ParameterError(
            f"cohort filter {expression!r} is not a valid expression: {exc.msg}"
        ) from None
    known = set(columns)
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ParameterError(
                f"cohort filter {expression!r}: {type(node).__name__} is not allowed; use attribute "
                "names, literal values, comparisons (==, !=, <, >=, in) and and/or/not"
            )
        if isinstance(node, ast.Name) and node.id not in known and node.id == "uasc":
            raise ParameterError(
                f"cohort filter {expression!r}: 'uasc' has two meanings; write ever_uasc (in the UASC "
                "table of any return) or uasc_on_date (UASC on the period end, as DfE counts it)"
            )
        if isinstance(node, ast.Name) and node.id not in known:
            raise ParameterError(
                f"cohort filter {expression!r}: unknown attribute {node.id!r}; known attributes: "
                + ", ".join(sorted(known))
            )


def select_children(attributes: pd.DataFrame, cohort: str | None) -> pd.Index:
    """Child IDs of the children who satisfy a cohort filter.

    Parameters
    ----------
    attributes : DataFrame
        One row per child with a ``child_id`` column (normally :func:`child_attributes`).
    cohort : str or None
        Boolean expression over the columns of ``attributes`` (see the module docstring);
        ``None`` selects every child. A missing value never satisfies a condition.

    Returns
    -------
    pandas.Index
        The selected ``child_id`` values (strings).

    Raises
    ------
    ParameterError
        If the expression is refused by :func:`check_filter` or does not give true/false.
    """
    if "child_id" not in attributes.columns:
        raise ParameterError("the attribute table needs a child_id column")
    if cohort is None:
        return pd.Index(attributes["child_id"].astype(str))
    check_filter(cohort, [c for c in attributes.columns if c != "child_id"])
    try:
        mask = attributes.eval(cohort.strip(), engine="python")
    except Exception as exc:  # pandas raises many types for type clashes; report them plainly
        raise ParameterError(f"cohort filter {cohort!r} could not be evaluated: {exc}") from None
    if not isinstance(mask, pd.Series) or not (
        pd.api.types.is_bool_dtype(mask.dtype) or mask.dropna().isin([True, False]).all()
    ):
        raise ParameterError(
            f'cohort filter {cohort!r} must be a true/false condition (for example "n_moves >= 3")'
        )
    mask = mask.astype("boolean").fillna(False).astype(bool)
    return pd.Index(attributes.loc[mask.to_numpy(), "child_id"].astype(str))


def restrict(
    data: pd.DataFrame,
    *,
    cohort: str | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    children: Collection[str] | None = None,
) -> pd.DataFrame:
    """Keep the rows of ``data`` whose child is in the cohort and add the grouping column.

    Parameters
    ----------
    data : DataFrame
        Any analysis table with a ``child_id`` column (pairs of SDQ scores, placements, OC3 rows).
    cohort : str or None
        Cohort filter over ``attributes`` (see :func:`select_children`).
    by : str or None
        Attribute to break results down by (``"placement_group"``, ``"moves_band"``,
        ``"ever_uasc"``, ``"age_band"`` ...). A column already in ``data`` is used as it is; otherwise
        it is taken from ``attributes``.
    attributes : DataFrame or None
        The per-child attribute table; needed whenever ``cohort`` is given or ``by`` is not a
        column of ``data`` (a :class:`ChildCohort` given as ``children`` brings its own).
    children : ChildCohort or collection of str or None
        The children already chosen (:func:`resolve_cohort`): rows of other children are left
        out and no filter is evaluated. Not with ``cohort``.

    Returns
    -------
    DataFrame
        A copy of the selected rows with a ``breakdown_value`` column (``"Total"`` when ``by`` is
        ``None``; the attribute as text otherwise, ``"Not known"`` when missing).

    Raises
    ------
    ParameterError
        If attributes are needed but not given, or ``by`` names no known column.
    """
    if cohort is not None and children is not None:
        raise ParameterError("give a cohort filter (cohort=) or the children chosen (children=), not both")
    if isinstance(children, ChildCohort) and attributes is None:
        attributes = children.attributes
    out = data.copy()
    needs_attributes = cohort is not None or (by is not None and by not in data.columns)
    if needs_attributes and attributes is None:
        raise ParameterError(
            "a cohort filter or a breakdown by a child attribute needs attributes="
            "cohort.child_attributes(tables, as_at)"
        )
    if cohort is not None:
        keep = select_children(attributes, cohort)
        out = out[out["child_id"].astype(str).isin(keep)]
    if children is not None:
        keep = children.children if isinstance(children, ChildCohort) else {str(c) for c in children}
        out = out[out["child_id"].astype(str).isin(keep)]
    if by is None:
        out["breakdown_value"] = TOTAL
        return out
    if by in out.columns:
        values = out[by]
    else:
        if by not in attributes.columns:
            raise ParameterError(
                f"cannot break down by {by!r}: no such attribute; known attributes: "
                + ", ".join(sorted(c for c in attributes.columns if c != "child_id"))
            )
        unique = attributes.drop_duplicates("child_id")
        lookup = pd.Series(unique[by].to_numpy(), index=unique["child_id"].astype(str))
        values = out["child_id"].astype(str).map(lookup)
    out["breakdown_value"] = [NOT_KNOWN if _missing(v) else str(v) for v in values]
    return out


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def groups(data: pd.DataFrame, by: str | None) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """The whole cohort then each group of a :func:`restrict` result.

    Yields
    ------
    (breakdown, breakdown_value, rows)
        ``("Total", "Total", data)`` first, then ``(by, value, rows)`` for each value of
        ``breakdown_value`` in sorted order (``"Not known"`` last).
    """
    yield TOTAL, TOTAL, data
    if by is None:
        return
    values = sorted(set(data["breakdown_value"]), key=lambda v: (v == NOT_KNOWN, _natural(v)))
    for value in values:
        yield by, value, data[data["breakdown_value"] == value]


def _natural(value: str) -> tuple:
    # "3+" after "2", "10 to 15" after "5 to 9": sort on the leading number when there is one
    digits = ""
    for ch in value:
        if ch.isdigit():
            digits += ch
        else:
            break
    return (0, int(digits), value) if digits else (1, 0, value)


def move_number(placements: pd.DataFrame) -> pd.Series:
    """Number of the move that started each placement (0 for the first placement of a period).

    A **move** is a new placement within the same period of care: every placement of the
    ``placements`` table (whose counting rule, by default RNE S/P/B with temporary placements
    merged, is set by ``episodes.derive_placements``) except the first of its period of care.
    Starting to be looked after is not a move.

    Parameters
    ----------
    placements : DataFrame
        The processed ``placements`` table (``child_id, period_id, start`` at least).

    Returns
    -------
    Series of int
        Aligned with ``placements``: 0, 1, 2 ... in start order within (child_id, period_id).
    """
    order = placements.sort_values(["child_id", "period_id", "start"], kind="stable")
    number = order.groupby(["child_id", "period_id"], sort=False).cumcount()
    return number.reindex(placements.index).astype(int)


def moves_band(n_moves: float | int | None) -> str | None:
    """Band (``"0"``, ``"1"``, ``"2"``, ``"3+"``) of a number of moves; ``None`` when missing."""
    if _missing(n_moves):
        return None
    return MOVES_BANDS[min(int(n_moves), 3)]


def distance_band(miles: float | None) -> str:
    """EES distance band of a placement distance in miles (``"Not known"`` when missing).

    DfE: "over 20 miles" is strictly more than 20.0 miles from home (``PL_DISTANCE > 20``).
    """
    if _missing(miles):
        return DISTANCE_BANDS[2]
    return DISTANCE_BANDS[1] if float(miles) > DISTANCE_THRESHOLD_MILES else DISTANCE_BANDS[0]


def uasc_on_date(ever_uasc: pd.Series, duc: pd.Series, on: pd.Timestamp | pd.Series) -> pd.Series:
    """Whether each child is UASC on a date (DfE's reading: the status on 31 March).

    Parameters
    ----------
    ever_uasc : Series of bool
        In the UASC table of any return (the ``children`` table's ``ever_uasc``).
    duc : Series of datetime
        The date the child ceased to be UASC (blank while still UASC), aligned with ``ever_uasc``.
    on : Timestamp or Series of Timestamp
        The date, or one date per child (aligned).

    Returns
    -------
    Series of bool
        ``ever_uasc`` and ``duc`` blank or after ``on``: a status ceasing **on** the date is over
        that day, as a care episode ending on 31 March is (docs/ssda903.md §3.3).
    """
    ever = ever_uasc.astype("boolean").fillna(False).astype(bool)
    ceased = pd.to_datetime(duc)
    return ever & (ceased.isna() | (ceased > on))


#: Columns of :func:`child_attributes`, in order.
ATTRIBUTE_COLUMNS = (
    "child_id",
    "sex",
    "ethnic_group",
    "ever_uasc",
    "uasc_on_date",
    "age",
    "age_band",
    "looked_after",
    "period_start",
    "years_in_care",
    "place",
    "placement_group",
    "provider",
    "provider_group",
    "in_house",
    "distance",
    "distance_band",
    "placed_over_20_miles",
    "out_of_area",
    "n_moves",
    "moves_12m",
    "moves_band",
)


def _ever_uasc(tables: Mapping[str, pd.DataFrame], children: pd.DataFrame) -> pd.Series:
    """``ever_uasc`` of each row of ``children``: its column, else membership of the UASC table."""
    if "ever_uasc" in children:
        return children["ever_uasc"].astype("boolean").fillna(False).astype(bool)
    uasc = tables.get("uasc")
    if uasc is None:
        return pd.Series(False, index=children.index)
    return children["child_id"].astype(str).isin(set(uasc["child_id"].astype(str)))


def _table(tables: Mapping[str, pd.DataFrame], name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if name not in tables:
        raise ParameterError(
            f"child attributes need the processed {name!r} table; it was not given"
        )
    table = tables[name]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(
            f"the {name!r} table has no column(s) {', '.join(missing)} (see docs/architecture.md)"
        )
    return table


def child_attributes(
    tables: Mapping[str, pd.DataFrame], as_at: date | str | pd.Timestamp
) -> pd.DataFrame:
    """One row per child with the attributes cohort filters and breakdowns use, at a date.

    Built from the processed tables of ``docs/architecture.md``. Placement attributes describe
    the child's **current placement** on ``as_at`` when looked after that day, otherwise the
    **last placement** of the latest period of care that started on or before ``as_at`` (so a
    care leaver keeps the attributes of where they last lived in care); ``looked_after`` tells
    the two apart. Short-break (V3/V4) periods and placements are ignored, as in every DfE
    headline figure. Children with no care before ``as_at`` have missing placement attributes.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        At least ``children``, ``placements`` and ``periods_of_care``.
    as_at : date-like
        The date the attributes describe (usually the period end, e.g. 31 March).

    Returns
    -------
    DataFrame
        Columns :data:`ATTRIBUTE_COLUMNS`:

        - ``sex`` (M/F/U), ``ethnic_group``;
        - ``ever_uasc`` (bool: in the UASC table of any loaded return) and ``uasc_on_date``
          (bool: UASC on ``as_at``, :func:`uasc_on_date`); see the module docstring;
        - ``age`` (completed years on ``as_at``, ``periods.age_at``), ``age_band`` (DfE bands);
        - ``looked_after`` (bool): in care on ``as_at`` (a period that started on or before it and
          had not ended by it; DfE: a period ending on the day has ceased);
        - ``period_start`` and ``years_in_care`` (from the start of the current/latest period to
          ``as_at`` or its end, in years of 365.25 days);
        - ``place`` (PLACE code), ``placement_group`` (DfE publication group), ``provider``
          (PLACE_PROVIDER), ``provider_group``, ``in_house`` (bool: own provision);
        - ``distance`` (miles), ``distance_band`` (20 miles or less / Over 20 miles / Not known),
          ``placed_over_20_miles`` (bool, False when the distance is not known),
          ``out_of_area`` (bool: PL_LOCATION outside the authority);
        - ``n_moves`` (moves in the current/latest period of care up to ``as_at``; see
          :func:`move_number`), ``moves_12m`` (moves in the 12 months ending ``as_at``, any period),
          ``moves_band`` (0, 1, 2, 3+ of ``n_moves``).

    Raises
    ------
    ParameterError
        If a table or a contract column is missing, or ``as_at`` is not a date.
    """
    when = as_timestamp(as_at, "as_at")
    children = _table(tables, "children", ("child_id", "dob"))
    placements = _table(tables, "placements", ("child_id", "period_id", "start", "end", "place"))
    spells = _table(tables, "periods_of_care", ("child_id", "period_id", "start", "end"))

    out = pd.DataFrame({"child_id": children["child_id"].astype(str).to_numpy()})
    for column in ("sex", "ethnic_group"):
        out[column] = children[column].to_numpy() if column in children else None
    ever = _ever_uasc(tables, children)
    duc = children["duc"] if "duc" in children else pd.Series(pd.NaT, index=children.index)
    out["ever_uasc"] = ever.to_numpy()
    out["uasc_on_date"] = uasc_on_date(ever, duc, when).to_numpy()
    out["age"] = periods.age_at(children["dob"].reset_index(drop=True), when)
    out["age_band"] = periods.age_band(out["age"])

    spells = without_short_breaks(spells)
    spells = spells[spells["start"] <= when].sort_values(["child_id", "start"], kind="stable")
    latest = spells.groupby(spells["child_id"].astype(str)).tail(1)
    latest = latest.assign(child_id=latest["child_id"].astype(str)).set_index("child_id")
    in_care = latest["end"].isna() | (latest["end"] > when)
    until = latest["end"].where(~in_care, when)
    out["looked_after"] = out["child_id"].map(in_care).astype("boolean").fillna(False).astype(bool)
    out["period_start"] = out["child_id"].map(latest["start"])
    out["years_in_care"] = out["child_id"].map((until - latest["start"]).dt.days / 365.25)

    placed = without_short_breaks(placements).copy()
    placed["child_id"] = placed["child_id"].astype(str)
    placed["move_number"] = move_number(placed)
    window_start = periods.months_before(when, 12)
    recent = placed[
        (placed["move_number"] > 0) & (placed["start"] >= window_start) & (placed["start"] <= when)
    ]
    placed = placed[placed["start"] <= when]
    key = latest["period_id"]
    placed = placed[placed["period_id"].to_numpy() == placed["child_id"].map(key).to_numpy()]
    last = (
        placed.sort_values(["child_id", "start"], kind="stable")
        .groupby("child_id")
        .tail(1)
        .set_index("child_id")
    )

    def pick(column: str) -> pd.Series:
        return (
            out["child_id"].map(last[column])
            if column in last
            else pd.Series(None, index=out.index, dtype=object)
        )

    out["place"] = pick("place")
    out["placement_group"] = out["place"].map(
        lambda c: None if _missing(c) else codes.PLACE_GROUPS.get(c, NOT_KNOWN)
    )
    out["provider"] = pick("place_provider")
    out["provider_group"] = out["provider"].map(
        lambda c: None if _missing(c) else codes.PROVIDER_GROUPS.get(c, NOT_KNOWN)
    )
    out["in_house"] = out["provider"].isin(codes.PROVIDER_IN_HOUSE)
    out["distance"] = pd.to_numeric(pick("pl_distance"), errors="coerce").astype(float)
    has_placement = out["place"].notna()
    out["distance_band"] = [
        distance_band(d) if ok else None
        for d, ok in zip(out["distance"], has_placement, strict=True)
    ]
    out["placed_over_20_miles"] = (
        (out["distance"] > DISTANCE_THRESHOLD_MILES).fillna(False).astype(bool)
    )
    out["out_of_area"] = (pick("pl_location") == codes.PL_LOCATION_OUT).fillna(False).astype(bool)
    out["n_moves"] = pick("move_number").astype("Int64")
    out["moves_12m"] = out["child_id"].map(recent.groupby("child_id").size()).fillna(0).astype(int)
    out["moves_band"] = [moves_band(n) for n in out["n_moves"]]
    return out[list(ATTRIBUTE_COLUMNS)]


def without_short_breaks(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a placements / periods table that are not short breaks (``is_short_break`` false).

    DfE excludes children looked after under an agreed series of short breaks (LS V3/V4) from
    every headline figure; tables without the column are returned unchanged.
    """
    if "is_short_break" not in table:
        return table
    return table[~table["is_short_break"].astype("boolean").fillna(False).astype(bool)]


#: Column :func:`label_cohort` adds, and its two values (a deep dive's cohort beside everyone else).
COHORT_GROUP = "cohort_group"
IN_COHORT = "In the cohort"
EVERYONE_ELSE = "Everyone else"


@dataclass(frozen=True, eq=False)
class ChildCohort:
    """A cohort filter resolved once to the children it chooses, with the date it was judged at.

    Pass it as ``children=`` to the analyses (:func:`restrict`): they keep these children and
    evaluate nothing again. It is a collection of child ids (``in``, ``len``, iteration).

    Attributes
    ----------
    filter : str
        The filter as given, stripped ("" when every child is chosen).
    judged_on : pandas.Timestamp
        The date the attributes describe: each child's current placement then, or the last one
        for a child who had left care.
    children : frozenset of str
        The child ids chosen.
    attributes : DataFrame
        :func:`child_attributes` on ``judged_on`` with :data:`COHORT_GROUP` (the cohort or
        everyone else), for breakdowns by ``cohort_group`` and by the other attributes.
    """

    filter: str
    judged_on: pd.Timestamp
    children: frozenset[str]
    attributes: pd.DataFrame = field(repr=False)

    def __contains__(self, child_id: object) -> bool:
        return str(child_id) in self.children

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.children))

    def __len__(self) -> int:
        return len(self.children)


def resolve_cohort(
    tables: Mapping[str, pd.DataFrame],
    cohort_filter: str | None,
    judged_on: date | str | pd.Timestamp,
    *,
    attributes: pd.DataFrame | None = None,
) -> ChildCohort:
    """Evaluate a cohort filter once, on the children's attributes at one date.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The processed tables (:func:`child_attributes`).
    cohort_filter : str or None
        The filter (:func:`select_children`); empty or None chooses every child.
    judged_on : date-like
        The date the cohort is judged at (a report's period end).
    attributes : DataFrame or None
        :func:`child_attributes` of ``tables`` on ``judged_on`` when already computed.

    Returns
    -------
    ChildCohort

    Raises
    ------
    ParameterError
        If the filter is refused (:func:`check_filter`) or ``judged_on`` is not a date.
    """
    when = as_timestamp(judged_on, "judged_on")
    attrs = child_attributes(tables, when) if attributes is None else attributes
    text = (cohort_filter or "").strip()
    if text:
        labelled = label_cohort(attrs, text)
    else:  # no filter: every child is in the cohort
        labelled = attrs.assign(**{COHORT_GROUP: IN_COHORT})
    chosen = labelled.loc[labelled[COHORT_GROUP] == IN_COHORT, "child_id"].astype(str)
    return ChildCohort(text, when, frozenset(chosen), labelled)


def label_cohort(
    attributes: pd.DataFrame,
    cohort: str,
    *,
    inside: str = IN_COHORT,
    outside: str = EVERYONE_ELSE,
) -> pd.DataFrame:
    """The attribute table with a ``cohort_group`` column: the cohort or everyone else.

    A deep dive compares a cohort with the rest of the children ("are children placed more than
    20 miles away moving more often?" is ``placed_over_20_miles`` against everyone else). Every
    analysis then runs once with ``by="cohort_group", attributes=<this table>`` and gives the
    whole cohort, the cohort and everyone else side by side, each with its own small-number
    rule. A child the filter cannot decide (a missing value) is in "everyone else", as
    :func:`select_children` never selects on a missing value.

    Parameters
    ----------
    attributes : DataFrame
        :func:`child_attributes` (one row per child).
    cohort : str
        Cohort filter (see :func:`select_children`).
    inside, outside : str; default "In the cohort", "Everyone else"
        The two labels.

    Returns
    -------
    DataFrame
        A copy of ``attributes`` with :data:`COHORT_GROUP` added.

    Raises
    ------
    ParameterError
        If the filter is refused (:func:`check_filter`) or ``inside`` equals ``outside``.
    """
    if inside == outside:
        raise ParameterError("the cohort and everyone else need different labels")
    chosen = set(select_children(attributes, cohort))
    out = attributes.copy()
    out[COHORT_GROUP] = [inside if c in chosen else outside for c in out["child_id"].astype(str)]
    return out


#: When a deep dive judges who is in the cohort: on the period end (each child's current or last
#: placement) or at each placement (a placement-level measure reads the placement's own
#: characteristics: its distance, type, provider, the child's age when it started).
JUDGED_AT = ("period_end", "each_placement")

#: Placement-level columns that stand for the child attribute of the same name at each placement.
PLACEMENT_ATTRIBUTES = ("place", "placement_group", "provider_group", "in_house", "distance",
                        "distance_band", "out_of_area", "age_band", "ever_uasc", "uasc_on_date")


def label_placements(placements: pd.DataFrame, cohort: str, attributes: pd.DataFrame, *,
                     inside: str = IN_COHORT, outside: str = EVERYONE_ELSE) -> pd.Series:
    """The cohort group of each placement, the filter judged on the placement's own characteristics.

    A child placed 30 miles away in 2021 and 5 miles away now is in the cohort
    ``placed_over_20_miles`` for the 2021 placement and not for the current one. The filter
    reads :data:`PLACEMENT_ATTRIBUTES` from the placement (``age`` is the age at its start,
    ``placed_over_20_miles`` its distance over 20 miles, ``uasc_on_date`` UASC on its start date)
    and every other attribute (sex, ethnic group, moves) from the child's attributes on the
    period end.

    Parameters
    ----------
    placements : DataFrame
        Placement-level rows with ``child_id`` and the placement columns of
        :func:`cpanalysis.moves.placement_durations`.
    cohort : str
        Cohort filter (:func:`select_children`).
    attributes : DataFrame
        :func:`child_attributes` on the period end.

    Returns
    -------
    Series
        ``inside`` or ``outside`` per placement, on ``placements``' index.
    """
    unique = attributes.drop_duplicates("child_id")
    child = unique.set_index(unique["child_id"].astype(str))
    frame = child.reindex(placements["child_id"].astype(str)).reset_index(drop=True)
    for column in PLACEMENT_ATTRIBUTES:
        if column in placements.columns:
            frame[column] = placements[column].to_numpy()
    if "age_at_start" in placements.columns:
        frame["age"] = placements["age_at_start"].to_numpy()
    if "distance" in placements.columns:
        miles = pd.to_numeric(placements["distance"], errors="coerce").to_numpy()
        frame["placed_over_20_miles"] = pd.Series(miles > DISTANCE_THRESHOLD_MILES).where(~pd.isna(miles))
    frame["child_id"] = [f"p{i}" for i in range(len(frame))]  # one row per placement
    chosen = set(select_children(frame, cohort))
    return pd.Series([inside if f"p{i}" in chosen else outside for i in range(len(frame))], index=placements.index)
