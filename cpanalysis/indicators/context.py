"""Prepared inputs and the cohorts every indicator family shares.

:func:`prepare` checks the processed tables once (raising a plain-English
:class:`~cpanalysis.errors.ParameterError` naming any missing table or column), derives
placements with non-default counting rules through :mod:`cpanalysis.episodes`, and returns a
:class:`IndicatorContext`. Its methods give the DfE cohorts at a date:

* :meth:`IndicatorContext.looked_after_on` - children looked after at the **end** of a day: an episode
  with ``DECOM <= date`` and ``DEC`` blank or after the date (``DEC`` on the date means the child
  ceased that day), legal status not V3/V4 (ssda903.md §3.3);
* :meth:`IndicatorContext.looked_after_during` - children with a non-V3/V4 episode overlapping a window;
* :meth:`IndicatorContext.continuously_looked_after` - the OC2 cohort of ssda903.md §3.4;
* :meth:`IndicatorContext.episode_on` - the episode open on a date, the source of every point-in-time
  field (placement type, distance, location, provider): DfE's tables "on 31 March" describe the
  episode open that day, not the first episode of the placement (carers move house with the
  child, or a placement transfers from an agency to the authority, RNE T, without a move);
* :attr:`IndicatorContext.placement_changes` - every placement record, same-carer changes (RNE T/U)
  included, for DfE's new-placements and reasons-for-change tables;
* :meth:`IndicatorContext.carer_spell_on` - the carer spell (a placement under the carer-spell counting
  rule, :func:`cpanalysis.episodes.derive_placements`) open on a date, for how long a child has
  lived with the same carers.

``docs/indicator_views.md`` lists which indicator reads which view.

Short breaks (LS V3/V4) are excluded everywhere, as in every DfE children-looked-after table.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis import codes, periods
from cpanalysis import episodes as episodes_module
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.table import NOT_KNOWN, UASC_VALUES, as_category

SdqDenominator = Literal["with_score", "cohort"]
#: Choices of :attr:`Options.temporary_on_period_end`.
TEMPORARY_ON_PERIOD_END = ("episode", "interrupted")
#: Choices of :attr:`Options.uasc_distance`.
UASC_DISTANCE = ("not_known", "exclude")
#: Choices of :attr:`Options.a2_match_before_authority`.
A2_MATCH_BEFORE_AUTHORITY = ("zero", "exclude")
#: Episode fields describing where and with whom a child is placed on a date.
POINT_IN_TIME = ("place", "place_provider", "pl_post", "pl_distance", "pl_la", "pl_location", "urn")

#: Episode columns of :meth:`IndicatorContext.looked_after_on` (and so of :meth:`IndicatorContext.episode_on`).
ON_DATE_COLUMNS = ("child_id", "decom", "dec", "ls", "rne", "period_id", "is_temporary", *POINT_IN_TIME)
#: Columns each processed table must carry for the indicators (others are optional).
REQUIRED: dict[str, tuple[str, ...]] = {
    "children": ("child_id", "sex", "dob"),
    "episodes": ("child_id", "decom", "dec", "rne", "ls", "place", "rec"),
}
#: Columns of the processed tables no indicator reads (where a row came from, identifiers the
#: indicators never show): :func:`prepare` leaves them out of its tables, and a caller holding
#: many authorities can leave them out when reading (``benchmarks/bench_indicators.py``).
NOT_READ: tuple[str, ...] = ("source_file", "source_row", "repair", "upn", "mother", "mc_dob", "first_return",
                             "last_return")
#: Every processed table :func:`prepare` reads (the others, such as ``issues`` or ``reviews``, it
#: never opens: a caller holding many authorities can load only these).
TABLES: tuple[str, ...] = ("children", "episodes", "placements", "periods_of_care", "uasc", "oc2", "oc3",
                           "missing", "ad1", "sw_episodes")
_PLACEMENT_DEFAULTS = {"same_carer_moves": False, "temporary": "merge"}


@dataclass(frozen=True)
class Options:
    """The counting choices where DfE is ambiguous (see :func:`cpanalysis.indicators.compute`).

    Attributes
    ----------
    same_carer_moves : bool, default False
        Count same-carer changes (RNE T/U) in "3 or more placements".
    temporary : {"merge", "count", "exclude"}, default "merge"
        Temporary placements T0-T4 in the placement views (:func:`cpanalysis.episodes.derive_placements`).
    sdq_band_denominator : {"with_score", "cohort"}, default "with_score"
    oc3_birthday_lag_months : int, default 0
    temporary_on_period_end : {"episode", "interrupted"}, default "episode"
        Placement type, provider, distance and location of a child in a temporary placement
        (T0-T4) on the period end: those of the temporary episode as returned (``"episode"``,
        what DfE's tables on 31 March describe: a temporary placement has no provider), or those
        of the placement the temporary move interrupted (``"interrupted"``).
    uasc_distance : {"not_known", "exclude"}, default "not_known"
        Unaccompanied asylum-seeking children have no home postcode requirement, so no distance:
        keep the children ``uasc_on_date`` on the period end (DfE's characteristic) in the distance denominators as "not known" (``"not_known"``, as EES does) or
        leave them out of the distance indicators (``"exclude"``).
    oc2_ceased_on_period_end : bool, default False
        Put children whose care ends **on** the period end in the 12-month (OC2) cohort. DfE's
        cohort is "looked after on 31 March", and a DEC of 31 March means not looked after that
        day, hence False; DfE's validator (rule 185) still expects their OC2 row.
    placement_ending_on_first_day : bool, default False
        Count a placement ending on the window's first day in "3 or more placements"
        (:func:`cpanalysis.episodes.placements_in_window`).
    missing_started_before_window : bool, default True
        Count a missing or away incident that started before the window and was still going on
        its first day (MIS_END blank or on/after it) in the missing indicators, as DfE does (LAIT's
        methodology: "includes children who were missing or away from placement without
        authorisation at 1 April"); False counts only incidents starting in the window.
    a2_match_before_authority : {"zero", "exclude"}, default "zero"
        Adoption scorecard A2 for a child whose match (AD1 DATE_MATCH) is dated before the
        placement order: counted as 0 days (``"zero"``: the child did not wait for a match once
        the court gave authority) or left out (``"exclude"``). DfE's guidance does not say.
    """

    same_carer_moves: bool = False
    temporary: str = "merge"
    sdq_band_denominator: SdqDenominator = "with_score"
    oc3_birthday_lag_months: int = 0
    temporary_on_period_end: str = "episode"
    uasc_distance: str = "not_known"
    oc2_ceased_on_period_end: bool = False
    placement_ending_on_first_day: bool = False
    missing_started_before_window: bool = True
    a2_match_before_authority: str = "zero"

    def __post_init__(self) -> None:
        if self.a2_match_before_authority not in A2_MATCH_BEFORE_AUTHORITY:
            raise ParameterError(f"a2_match_before_authority must be one of {', '.join(A2_MATCH_BEFORE_AUTHORITY)}; "
                                 f"got {self.a2_match_before_authority!r}")
        if self.temporary_on_period_end not in TEMPORARY_ON_PERIOD_END:
            raise ParameterError(f"temporary_on_period_end must be one of {', '.join(TEMPORARY_ON_PERIOD_END)}; "
                                 f"got {self.temporary_on_period_end!r}")
        if self.uasc_distance not in UASC_DISTANCE:
            raise ParameterError(f"uasc_distance must be one of {', '.join(UASC_DISTANCE)}; got {self.uasc_distance!r}")
        if self.sdq_band_denominator not in ("with_score", "cohort"):
            raise ParameterError(
                f"sdq_band_denominator must be 'with_score' or 'cohort'; got {self.sdq_band_denominator!r}"
            )
        if not 0 <= int(self.oc3_birthday_lag_months) <= 12:
            raise ParameterError(f"oc3_birthday_lag_months must be 0-12; got {self.oc3_birthday_lag_months}")
        if self.temporary not in episodes_module.TEMPORARY_CHOICES:
            raise ParameterError(f"temporary must be one of {', '.join(episodes_module.TEMPORARY_CHOICES)}; "
                                 f"got {self.temporary!r}")

    @classmethod
    def from_definitions(cls, definitions: Mapping[str, object] | None) -> Options:
        """The options from a report's ``definitions`` parameter (name -> choice), each checked.

        A report notebook and ``cpanalysis run --definition NAME VALUE`` give only the choices
        that differ from the defaults (DfE's reading); a name that is not an option, or a value of
        the wrong kind (text for a True/False choice), is refused with a plain message rather than
        silently read as something else (the text "False" is true in Python).

        Raises
        ------
        ParameterError
            For an unknown name or a value of the wrong kind or outside the choices.
        """
        defaults = {f.name: f.default for f in fields(cls)}
        for name, value in dict(definitions or {}).items():
            if name not in defaults:
                raise ParameterError(f"definitions: {name!r} is not a definition choice; the choices are "
                                     f"{', '.join(defaults)}")
            default = defaults[name]
            if isinstance(default, bool):
                kind_ok, kind = isinstance(value, bool), "True or False"
            elif isinstance(default, int):
                kind_ok, kind = isinstance(value, int) and not isinstance(value, bool), "a whole number"
            else:
                kind_ok, kind = isinstance(value, str), "text"
            if not kind_ok:
                raise ParameterError(f"definitions: {name} must be {kind}; got {value!r}")
        return cls(**dict(definitions or {}))

    def changed(self) -> dict[str, object]:
        """The choices that differ from the defaults, in the order of the attributes (empty: DfE's
        reading throughout). Reports print them, and caches are keyed on them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != f.default}


def _require(tables: dict[str, pd.DataFrame], name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if name not in tables or tables[name] is None:
        raise ParameterError(f"the processed tables have no '{name}' table; rebuild with `cpanalysis build`")
    frame = tables[name]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"processed table '{name}' has no column(s) {', '.join(missing)}; rebuild with `cpanalysis build`"
        )
    return frame


def _optional(tables: dict[str, pd.DataFrame], name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = tables.get(name)
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return _require(tables, name, columns)


def _own(frame: pd.DataFrame) -> pd.DataFrame:
    """The context's own copy of a processed table, without the columns of :data:`NOT_READ`
    (pandas copies on write, so the caller's table is never changed and its columns are copied
    only when the context changes them)."""
    return frame.drop(columns=[c for c in NOT_READ if c in frame.columns])


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for c in columns:
        if c in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[c]):
            frame[c] = pd.to_datetime(frame[c], errors="coerce")
    return frame


@dataclass
class IndicatorContext:
    """Processed tables ready for the indicators, plus the options and the areas.

    Attributes
    ----------
    children : DataFrame
        Indexed by ``child_id``, which inside the context is the child's row number (an
        integer key; :attr:`child_ids` holds the ids of the returns): ``sex`` (label), ``dob``, ``ethnic_group``, ``ever_uasc`` (in the UASC table of
        any return), ``duc``
        (and ``la_code`` when several authorities are stacked).
    episodes : DataFrame
        Every episode with ``is_short_break`` and ``is_temporary`` recomputed from LS and PLACE.
    placements : DataFrame
        The carer spells: placements under the carer-spell counting rule (RNE T/U never start
        one; temporary placements per ``temporary``). :attr:`placement_changes` is the view of
        every placement record.
    periods_of_care : DataFrame
        The ``ls``/``place`` of each period's last episode added as ``last_ls``/``last_place``.
    oc2, oc3, missing : DataFrame
        Possibly empty.
    ad1, sw_episodes : DataFrame
        The adoption (AD1: ``date_match``) and social worker episode (``sw_id, sw_decom,
        sw_dec``) tables on the integer child keys; possibly empty (rows of children with no
        episode are dropped: no measure can use them).
    first_year : int or None
        The earliest collection year the loaded episodes come from (None for hand-made tables
        without ``collection_year``: the history is then taken as complete). Measures over
        several years (the adoption scorecard's three years) are produced only when the loaded
        returns cover their whole window.
    areas : tuple of str
        Geography codes of the authorities (one, unless :func:`stack_authorities` was used).
    population : DataFrame or None
        ``la_code, year, population_under18`` (the under-18 totals).
    population_by_age : DataFrame or None
        ``la_code, year, age_band, population_under18``: the rows of the population table with an
        ``age_band`` (DfE's age bands, :data:`cpanalysis.periods.AGE_BAND_ORDER`); None when it
        has none. DfE publishes no population by age in the files the package reads, so the
        rates by age are the authority's own, from its population file.
    options : Options
        The counting choices.
    child_ids : Index
        The CHILD id of the returns of each integer key (``child_ids[k]`` is child ``k``).
    """

    children: pd.DataFrame
    episodes: pd.DataFrame
    placements: pd.DataFrame
    periods_of_care: pd.DataFrame
    oc2: pd.DataFrame
    oc3: pd.DataFrame
    missing: pd.DataFrame
    areas: tuple[str, ...]
    population: pd.DataFrame | None
    options: Options = field(default_factory=Options)
    ad1: pd.DataFrame = field(default_factory=pd.DataFrame)
    sw_episodes: pd.DataFrame = field(default_factory=pd.DataFrame)
    first_year: int | None = None
    population_by_age: pd.DataFrame | None = None
    child_ids: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
    _cache: dict = field(default_factory=dict, repr=False)
    _used: set = field(default_factory=set, repr=False)

    @property
    def geography(self) -> str:
        """The authority's code when the tables hold one authority (the first area otherwise)."""
        return self.areas[0]

    def geo_of(self, child_ids: object) -> np.ndarray:
        """Area number (index into :attr:`areas`) of each child (0 for an unknown child)."""
        arrays = self.cached("children_arrays", self._children_arrays)
        pos = self._positions(child_ids)
        return np.where(pos >= 0, arrays["geo"][np.maximum(pos, 0)], 0)

    def _positions(self, child_ids: object) -> np.ndarray:
        """Row of each child in :attr:`children` (-1 for an unknown child).

        Inside the context a child's key is its row number (:func:`prepare`), so integer keys
        are their own positions; anything else is looked up.
        """
        index = self.children.index
        values = np.asarray(child_ids)
        if (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
                and values.dtype.kind in "iu"):
            keys = values.astype(np.int64, copy=False)
            return np.where((keys >= 0) & (keys < len(index)), keys, -1)
        return index.get_indexer(pd.Index(child_ids, dtype=object))

    def covers(self, start: pd.Timestamp) -> bool:
        """Whether the loaded returns reach back to ``start`` (a window starting earlier would
        silently count only its later part)."""
        return self.first_year is None or periods.year_start(self.first_year) <= start

    def cached(self, key: Hashable, make: Callable[[], object]) -> object:
        """``make()`` once per ``key`` (cohorts shared by several indicators of one window)."""
        if key not in self._cache:
            self._cache[key] = make()
        self._used.add(key)
        return self._cache[key]

    def forget_unused(self) -> None:
        """Drop the cached cohorts of dates and windows not used since the last call.

        :func:`cpanalysis.indicators.compute_context` calls this after each period end: a
        cohort keyed by a date or a window (a tuple key) that the period end did not ask for
        will not be asked for again, and 32 quarter ends' worth of them would otherwise stay in
        memory. Views of the whole history (plain keys) are kept; a cohort carried forward to
        the next period end (OC2 at an in-year quarter end) is kept because it was used.
        """
        for key in [k for k in self._cache if isinstance(k, tuple) and k not in self._used]:
            del self._cache[key]
        self._used = set()

    # ----------------------------------------------------------------------------- cohorts
    @property
    def care_episodes(self) -> pd.DataFrame:
        """Episodes other than short breaks (LS V3/V4), the ones every DfE count uses."""
        return self.cached("care_episodes", lambda: self.episodes.loc[~self.episodes["is_short_break"]])

    def looked_after_on(self, date: pd.Timestamp) -> pd.DataFrame:
        """Episodes open at the end of ``date`` (one per child, non-V3/V4), indexed by child_id.

        Only the columns of :data:`ON_DATE_COLUMNS` (what the cohorts on a date read).
        """
        return self.cached(("on", date), lambda: self._looked_after_on(date))

    def _looked_after_on(self, date: pd.Timestamp) -> pd.DataFrame:
        e = self.cached("care_episodes_on_date", lambda: self.care_episodes[
            [c for c in ON_DATE_COLUMNS if c in self.care_episodes.columns]])
        open_ = (e["decom"] <= date) & (e["dec"].isna() | (e["dec"] > date))
        # Episodes are sorted by child and start (prepare); overlaps are repaired upstream,
        # and if any remain the latest start wins.
        rows = e.take(_last_per_child(e["child_id"], open_))  # one copy of the rows kept
        return rows.set_index("child_id")

    def looked_after_during(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.Index:
        """Children with a non-V3/V4 episode overlapping ``start``..``end`` (inclusive)."""
        e = self.care_episodes
        hit = (e["decom"] <= end) & (e["dec"].isna() | (e["dec"] >= start))
        return pd.Index(e["child_id"][hit].unique(), name="child_id", dtype=object)

    def current_period(self, date: pd.Timestamp) -> pd.DataFrame:
        """Period of care of each child looked after on ``date`` (indexed by child_id)."""
        return self.cached(("period", date), lambda: self._current_period(date))

    def _current_period(self, date: pd.Timestamp) -> pd.DataFrame:
        on = self.looked_after_on(date)
        p = self.cached("periods_by_key", lambda: self.periods_of_care.set_index(["child_id", "period_id"]))
        keys = pd.MultiIndex.from_arrays([on.index, on["period_id"]])
        out = p.reindex(keys).reset_index().set_index("child_id")
        return out

    def twelve_month_cohort(self, date: pd.Timestamp) -> pd.Index:
        """The OC2 cohort on ``date``: :meth:`continuously_looked_after` for 12 months, plus, with
        ``oc2_ceased_on_period_end=True``, children whose care ends on ``date`` after 12 months."""
        return self.cached(("oc2_cohort", date), lambda: self._twelve_month_cohort(date))

    def _twelve_month_cohort(self, date: pd.Timestamp) -> pd.Index:
        cohort = self.continuously_looked_after(date, 12)
        if not self.options.oc2_ceased_on_period_end:
            return cohort
        first = periods.months_before(date, 12)
        p = self.periods_of_care
        ceasing = p.loc[(~p["is_short_break"]) & (p["end"] == date) & (p["start"] <= first)
                        & (p["end_rec"] != codes.REC_CONTINUES), "child_id"]
        e = self.cached("short_break_episodes", lambda: self.episodes.loc[self.episodes["is_short_break"]])
        breaks = e.loc[(e["decom"] <= date) & (e["dec"].isna() | (e["dec"] >= first)), "child_id"]
        extra = pd.Index(ceasing.unique(), dtype=object).difference(pd.Index(breaks.unique(), dtype=object))
        return cohort.union(extra).rename("child_id")

    def continuously_looked_after(self, date: pd.Timestamp, months: int) -> pd.Index:
        """Children looked after continuously for at least ``months`` months at the end of ``date``.

        Looked after on ``date`` (not ceasing that day), in a period of care that started on or
        before the first day of the ``months``-month window ending on ``date`` (a child who started
        on 1 April has 12 months at 31 March, as in DfE validation rule 185's definition), and with
        no V3/V4 episode overlapping the window. For 12 months this is the OC2 cohort
        (ssda903.md §3.4). A child ceasing on 31 March is not looked after on 31 March, so is not
        in it (the validator's definition would still expect their OC2 row).
        """
        first = periods.months_before(date, months)
        period = self.current_period(date)
        ok = period["start"] <= first
        children = period.index[ok.fillna(False).to_numpy(dtype=bool)]
        e = self.cached("short_break_episodes", lambda: self.episodes.loc[self.episodes["is_short_break"]])
        breaks = e.loc[(e["decom"] <= date) & (e["dec"].isna() | (e["dec"] >= first)), "child_id"]
        return children.difference(pd.Index(breaks.unique(), dtype=object)).rename("child_id")

    def episode_on(self, date: pd.Timestamp) -> pd.DataFrame:
        """The episode open at the end of ``date`` for each child looked after (indexed by child_id).

        The point-in-time view: placement type, provider, distance and location on a date are
        those of this episode (:data:`POINT_IN_TIME`), never the first episode of the placement.
        A child in a temporary placement (T0-T4) on the date gets the fields of the temporary
        episode, or with ``temporary_on_period_end="interrupted"`` those of the latest
        non-temporary episode before it in the same period of care (kept as returned when there
        is none).
        """
        return self.cached(("episode_on", date), lambda: self._episode_on(date))

    def _episode_on(self, date: pd.Timestamp) -> pd.DataFrame:
        on = self.looked_after_on(date).copy()
        temp = on["is_temporary"].to_numpy(dtype=bool)
        if self.options.temporary_on_period_end == "interrupted" and temp.any():
            e = self.care_episodes
            before = e.loc[~e["is_temporary"] & (e["decom"] <= date)]
            last = before.drop_duplicates(["child_id", "period_id"], keep="last").set_index(["child_id", "period_id"])
            keys = pd.MultiIndex.from_arrays([on.index[temp], on["period_id"].to_numpy()[temp]])
            found = last.reindex(keys)
            has = found["decom"].notna().to_numpy()
            rows = np.flatnonzero(temp)[has]
            for col in POINT_IN_TIME:
                on.iloc[rows, on.columns.get_loc(col)] = found[col].to_numpy()[has]
        return on

    def carer_spell_on(self, date: pd.Timestamp) -> pd.DataFrame:
        """The non-short-break carer spell open at the end of ``date`` for each child (by child_id).

        A carer spell is a placement of :attr:`placements` (one set of carers; under the default
        counting rule a same-carer change, RNE T/U, does not end it). Use it for how long a child
        has been with the same carers, and :meth:`episode_on` for where they are placed.
        """
        key = ("carer_spell_on", date)
        self._used.add(key)
        if key not in self._cache:
            # the columns a carer spell on a date is read for (its start, period and sequence)
            p = self.cached("placements_on_date", lambda: self.placements[
                ["child_id", "period_id", "placement_seq", "start", "end", "is_short_break"]])
            open_ = (~p["is_short_break"]) & (p["start"] <= date) & (p["end"].isna() | (p["end"] > date))
            # the latest start per child: positions ordered by child and start (stable, as
            # sort_values on the open rows would), then each child's last
            positions = np.flatnonzero(open_.to_numpy(dtype=bool))
            child, start = p["child_id"].to_numpy()[positions], p["start"].to_numpy()[positions]
            positions = positions[np.lexsort((start, child))]
            rows = p.take(positions[_last_of_runs(p["child_id"].to_numpy()[positions])])
            self._cache[key] = rows.set_index("child_id")
        return self._cache[key]

    @property
    def placement_changes(self) -> pd.DataFrame:
        """The placement-changes view (:func:`cpanalysis.episodes.derive_placement_changes`).

        Every placement record, a same-carer change (RNE T/U) included, with ``is_change`` and
        ``change_reason``; derived on first use (the other views do not need it).
        """
        return self.cached("placement_changes", self._placement_changes)

    def _placement_changes(self) -> pd.DataFrame:
        out = episodes_module.derive_placement_changes(self.episodes, temporary=self.options.temporary)
        # derive_* key children by text; inside the context a child is an integer key
        out["child_id"] = out["child_id"].astype(np.int64)
        out["is_short_break"] = out["is_short_break"].astype(bool)
        out["pl_distance"] = pd.to_numeric(out["pl_distance"], errors="coerce")
        return out.sort_values(["child_id", "start"]).reset_index(drop=True)

    @property
    def counted_placements(self) -> pd.DataFrame:
        """The placements "3 or more placements" counts: carer spells, or with
        ``same_carer_moves=True`` the placement-changes view (same-carer changes counted)."""
        return self.placement_changes if self.options.same_carer_moves else self.placements

    # ----------------------------------------------------------------------------- attributes
    def attributes(self, child_ids: pd.Index, date: pd.Timestamp | pd.Series) -> pd.DataFrame:
        """Breakdown attributes of ``child_ids`` at ``date`` (a date or one date per child).

        Columns: ``age`` (completed years), ``age_band``, ``sex``, ``ethnic_group``, ``uasc``
        (the breakdown of that name: ``"UASC"`` when the child is UASC on the date, as DfE counts
        UASC in its characteristics tables: ``ever_uasc`` and DUC blank or after the date; see
        :func:`cpanalysis.cohort.uasc_on_date`).
        """
        arrays = self.cached("children_arrays", self._children_arrays)
        pos = self.children.index.get_indexer(child_ids)
        known = pos >= 0
        pos = np.where(known, pos, 0)
        if isinstance(date, pd.Series):
            dates = pd.to_datetime(date.reindex(child_ids))
        else:
            dates = pd.Series(pd.Timestamp(date), index=child_ids)
        age = periods.age_at(arrays["dob"].iloc[pos].set_axis(child_ids), dates)
        age = age.where(known)  # not age[~known] = NA: a boolean-array setitem first tries a label look-up
        duc = arrays["duc"][pos]
        on_date = dates.to_numpy(dtype="datetime64[ns]")
        uasc_on_date = known & arrays["ever_uasc"][pos] & (np.isnat(duc) | (duc > on_date))
        return pd.DataFrame(
            {
                "age": age,
                "age_band": periods.age_band(age, as_category=True),
                "sex": arrays["sex"].take(np.where(known, pos, -1), allow_fill=True),
                "ethnic_group": arrays["ethnic_group"].take(np.where(known, pos, -1), allow_fill=True),
                "uasc": pd.Categorical.from_codes(np.where(uasc_on_date, 0, 1), categories=list(UASC_VALUES)),
                "geo": np.where(known, arrays["geo"][pos], 0),
            },
            index=child_ids,
        )

    def _children_arrays(self) -> dict:
        c = self.children
        return {
            "dob": c["dob"].reset_index(drop=True),
            "duc": c["duc"].to_numpy(dtype="datetime64[ns]"),
            "ever_uasc": c["ever_uasc"].fillna(False).astype(bool).to_numpy(),
            "sex": as_category(c["sex"], tuple(codes.SEX_LABELS.values())),
            "ethnic_group": as_category(c["ethnic_group"], codes.ETHNIC_GROUPS),
            "geo": (
                pd.Categorical(c["la_code"], categories=self.areas).codes.astype(np.int64).clip(0)
                if "la_code" in c.columns else np.zeros(len(c), dtype=np.int64)
            ),
        }

    def annual_rows(self, table: str, win: periods.Window) -> tuple[pd.DataFrame, periods.Window]:
        """Rows of an annual table (``oc2``/``oc3``) for a window, and the window they describe.

        OC2 and OC3 are collected once a year. For a window ending 31 March (annual or rolling)
        rows of that collection year describe it (OC3: with the previous year's, for birthdays
        of a rolling window; callers pick the years they need from ``collection_year``, made
        numeric here). For an in-year quarter end:

        * OC3 rows of the collection year containing it are used for the birthdays up to the
          quarter end, from the annual return or an in-year extract alike;
        * OC2 rows of that year are used only when they come from an **in-year extract**
          (``return_label`` not the plain year label, e.g. ``2025-26_Q2``): rows of the annual
          return describe the 31 March cohort, not the quarter's.

        Otherwise the latest complete collection year is **carried forward**: the figures are
        those of the year ending the previous 31 March, still labelled with the quarter end. The
        second value is the window actually described.
        """
        frame, years, in_year = self.cached(("annual", table), lambda: self._annual(table))
        year = periods.collection_year(win.end)
        current = (years == year) & (in_year if table == "oc2" else True)
        if (win.end.month, win.end.day) != (3, 31) and not current.any():
            win = periods.window(periods.year_end(year - 1), "year")
        return frame, win

    def _annual(self, table: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
        frame = getattr(self, table)
        years = pd.to_numeric(frame["collection_year"], errors="coerce")
        if "return_label" in frame.columns:
            annual_label = years.map(lambda y: periods.year_label(int(y)) if y == y else "")
            in_year = frame["return_label"].astype(object).fillna("").astype(str).str.strip() != annual_label
        else:  # hand-made tables without provenance: treat rows as the annual return's
            in_year = pd.Series(False, index=frame.index)
        return frame.assign(collection_year=years), years, in_year

    def population_for(self, period_end: pd.Timestamp) -> np.ndarray | None:
        """Under-18 population of each area for the collection year containing ``period_end``.

        Uses the latest year on or before it when that year's estimate is not in the table yet
        (an in-year quarter end). ``None`` when no population table was given.

        Raises
        ------
        ParameterError
            If the table has no row for an area up to that year.
        """
        if self.population is None:
            return None
        year = periods.collection_year(period_end)
        return self.cached(("population", year), lambda: self._population_in(year)).copy()

    def _population_in(self, year: int) -> np.ndarray:
        pop = self.population[self.population["year"] <= year].sort_values("year")
        latest = pop.drop_duplicates("la_code", keep="last").set_index("la_code")["population_under18"]
        values = latest.reindex(list(self.areas))
        if values.isna().any():
            missing = ", ".join(values.index[values.isna()][:5])
            raise ParameterError(
                f"population table has no under-18 population for la_code {missing} "
                f"in or before {periods.year_label(year)} (columns la_code, year, population_under18)"
            )
        return values.to_numpy(dtype=float)

    def population_by_age_for(self, period_end: pd.Timestamp) -> np.ndarray | None:
        """Population of each area (rows) in each DfE age band (columns, :data:`periods.AGE_BAND_ORDER`)
        for the collection year containing ``period_end`` (the latest year on or before it, as
        :meth:`population_for`); NaN where the table has no row; None without any age rows."""
        if self.population_by_age is None:
            return None
        year = periods.collection_year(period_end)
        pop = self.population_by_age[self.population_by_age["year"] <= year].sort_values("year")
        latest = pop.drop_duplicates(["la_code", "age_band"], keep="last")
        table = latest.pivot(index="la_code", columns="age_band", values="population_under18")
        return table.reindex(index=list(self.areas), columns=list(periods.AGE_BAND_ORDER)).to_numpy(dtype=float)


def _last_of_runs(keys: np.ndarray) -> np.ndarray:
    """Whether each position holds the last of its run of equal ``keys`` (a boolean mask)."""
    last = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        last[:-1] = keys[1:] != keys[:-1]
    return last


def _last_per_child(child_id: pd.Series, mask: pd.Series) -> np.ndarray:
    """Positions of ``mask``'s rows keeping each child's last one, in order: the rows of
    ``frame.loc[mask].drop_duplicates("child_id", keep="last")`` found on two columns, not the frame."""
    positions = np.flatnonzero(mask.to_numpy(dtype=bool))
    children = pd.Series(child_id.to_numpy()[positions])
    return positions[~children.duplicated(keep="last").to_numpy()]


def _ids(values: pd.Series) -> pd.Series:
    """Child ids as plain Python strings (object dtype: pandas' string dtype is slower to index here)."""
    return values.astype(str).astype(object)


def _children(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    c = _own(_require(tables, "children", REQUIRED["children"]))
    _dates(c, "dob", "duc")
    c["child_id"] = _ids(c["child_id"])
    c["sex"] = c["sex"].map(lambda s: codes.SEX_LABELS.get(codes.SEX_NORMALISED.get(str(s), ""), NOT_KNOWN))
    if "ethnic_group" not in c.columns:
        c["ethnic_group"] = c["ethnic"].map(codes.ethnic_group) if "ethnic" in c.columns else NOT_KNOWN
    if "ever_uasc" not in c.columns:
        uasc = tables.get("uasc")
        c["ever_uasc"] = c["child_id"].isin(_ids(uasc["child_id"])) if uasc is not None else False
    if "duc" not in c.columns:
        c["duc"] = pd.NaT
    return c.drop_duplicates("child_id", keep="last").set_index("child_id")


def _placements(tables: dict[str, pd.DataFrame], episodes: pd.DataFrame, options: Options) -> pd.DataFrame:
    """The carer spells (same-carer changes never start one; ``same_carer_moves`` only chooses
    which view "3 or more placements" counts, :meth:`IndicatorContext.counted_placements`)."""
    chosen = {"same_carer_moves": False, "temporary": options.temporary}
    if tables.get("placements") is not None and chosen == _PLACEMENT_DEFAULTS:
        p = _own(tables["placements"])
    else:
        p = episodes_module.derive_placements(episodes, **chosen)
    _require({"placements": p}, "placements", ("child_id", "period_id", "start", "end", "place"))
    p = _dates(p, "start", "end")
    p["child_id"] = _ids(p["child_id"])
    if "is_short_break" not in p.columns:
        raise ParameterError("processed table 'placements' has no column is_short_break; rebuild")
    p["is_short_break"] = p["is_short_break"].fillna(False).astype(bool)
    for col in ("place_last", "place_provider", "pl_location", "end_rec", "end_reason"):
        if col not in p.columns:
            p[col] = None
    if "pl_distance" not in p.columns:
        p["pl_distance"] = np.nan
    p["pl_distance"] = pd.to_numeric(p["pl_distance"], errors="coerce")
    return p.sort_values(["child_id", "start"]).reset_index(drop=True)


def _periods(tables: dict[str, pd.DataFrame], episodes: pd.DataFrame) -> pd.DataFrame:
    if tables.get("periods_of_care") is not None:
        p = _own(tables["periods_of_care"])
    else:
        p = episodes_module.derive_periods_of_care(episodes)
    _require({"periods_of_care": p}, "periods_of_care", ("child_id", "period_id", "start", "end"))
    p = _dates(p, "start", "end")
    p["child_id"] = _ids(p["child_id"])
    in_order = episodes[["child_id", "period_id", "decom", "ls", "place", "rec"]].sort_values(
        ["child_id", "period_id", "decom"])
    last = in_order.drop_duplicates(["child_id", "period_id"], keep="last").set_index(["child_id", "period_id"])
    first = in_order.drop_duplicates(["child_id", "period_id"], keep="first").set_index(["child_id", "period_id"])
    keys = pd.MultiIndex.from_arrays([p["child_id"], p["period_id"]])
    p["last_ls"] = last["ls"].reindex(keys).to_numpy()
    p["last_place"] = last["place"].reindex(keys).to_numpy()
    if "end_rec" not in p.columns:
        p["end_rec"] = last["rec"].reindex(keys).to_numpy()
    if "first_ls" not in p.columns:
        p["first_ls"] = first["ls"].reindex(keys).to_numpy()
    # A period counts as short-break care when all its episodes are V3/V4.
    all_breaks = episodes.groupby(["child_id", "period_id"])["is_short_break"].all()
    p["is_short_break"] = all_breaks.reindex(keys).fillna(False).to_numpy(dtype=bool)
    return p.sort_values(["child_id", "start"]).reset_index(drop=True)


def prepare(
    tables: dict[str, pd.DataFrame],
    la_code: str | None = None,
    population: pd.DataFrame | None = None,
    options: Options | None = None,
) -> IndicatorContext:
    """Check and prepare processed tables for the indicators.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables (``docs/architecture.md``): ``children`` and ``episodes`` are required;
        ``placements`` and ``periods_of_care`` are derived with :mod:`cpanalysis.episodes` when
        absent; ``oc2``, ``oc3``, ``missing`` are optional (their indicators are then empty).
    la_code : str, optional
        Geography of the rows (the authority's 9-character code). ``None`` uses the only
        ``la_code`` of ``population`` when there is exactly one, else ``"local"``.
    population : DataFrame, optional
        ``la_code, year, population_under18`` (``year`` = collection year ending 31 March).
    options : Options, optional
        Counting choices.

    Raises
    ------
    ParameterError
        If a required table or column is missing, or the population table is malformed.
    """
    options = options or Options()
    episodes = _own(_require(tables, "episodes", REQUIRED["episodes"]))
    _dates(episodes, "decom", "dec")
    episodes["child_id"] = _ids(episodes["child_id"])
    if "period_id" not in episodes.columns or episodes["period_id"].isna().any():
        episodes = episodes_module.assign_periods_of_care(episodes)
    episodes = episodes_module.flag_episodes(episodes)
    for col in POINT_IN_TIME:  # hand-made tables may carry only the core columns
        if col not in episodes.columns:
            episodes[col] = np.nan if col == "pl_distance" else None
    episodes["pl_distance"] = pd.to_numeric(episodes["pl_distance"], errors="coerce")
    episodes = episodes.sort_values(["child_id", "decom"]).reset_index(drop=True)
    population_by_age = None
    if population is not None:
        population, population_by_age = _population(population)
    children = _children(tables)
    areas = _areas(children, la_code, population)
    if "la_code" in children.columns and len(areas) == 1:
        children["la_code"] = areas[0]
    oc2 = _own(_optional(tables, "oc2", ("child_id", "collection_year")))
    oc3 = _own(_optional(tables, "oc3", ("child_id", "collection_year")))
    missing = _own(_optional(tables, "missing", ("child_id", "missing", "mis_start")))
    for frame in (oc2, oc3, missing):
        frame["child_id"] = _ids(frame["child_id"])
    _dates(missing, "mis_start", "mis_end")
    _dates(oc3, "dob")
    ad1 = _own(_optional(tables, "ad1", ("child_id", "date_match")))
    sw_episodes = _own(_optional(tables, "sw_episodes", ("child_id", "sw_id", "sw_decom", "sw_dec")))
    for frame in (ad1, sw_episodes):
        frame["child_id"] = _ids(frame["child_id"])
    _dates(ad1, "date_match")
    _dates(sw_episodes, "sw_decom", "sw_dec")
    first_year = None
    if "collection_year" in episodes.columns and episodes["collection_year"].notna().any():
        first_year = int(pd.to_numeric(episodes["collection_year"], errors="coerce").min())
    placements = _placements(tables, episodes, options)
    periods_of_care = _periods(tables, episodes)
    others = (episodes, placements, periods_of_care, oc2, oc3, missing)
    children = _with_every_child(children, others)
    # Indicators never show a child id, so inside the context a child is its row number in
    # `children`: integer keys make every cohort filter, join and count fast.
    ids = pd.Index(children.index, dtype=object)
    for frame in others:
        frame["child_id"] = ids.get_indexer(frame["child_id"]).astype(np.int64)
    ad1, sw_episodes = (_keyed(frame, ids) for frame in (ad1, sw_episodes))
    children = children.reset_index(drop=True).rename_axis("child_id")
    return IndicatorContext(
        children=children,
        episodes=episodes,
        placements=placements,
        periods_of_care=periods_of_care,
        oc2=oc2,
        oc3=oc3,
        missing=missing,
        child_ids=ids,
        areas=areas,
        population=population,
        options=options,
        ad1=ad1,
        sw_episodes=sw_episodes,
        first_year=first_year,
        population_by_age=population_by_age,
    )


def _keyed(frame: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """``frame`` on the integer child keys, without rows of children the episodes never mention."""
    keys = ids.get_indexer(frame["child_id"]).astype(np.int64)
    return frame.assign(child_id=keys).loc[keys >= 0].reset_index(drop=True)


def _with_every_child(children: pd.DataFrame, tables: tuple[pd.DataFrame, ...]) -> pd.DataFrame:
    """``children`` plus a row of unknown attributes for any child only in other tables (none dropped)."""
    seen = pd.Index(pd.concat([t["child_id"] for t in tables]).unique(), dtype=object)
    extra = seen.difference(children.index)
    if len(extra) == 0:
        return children
    blank = pd.DataFrame(index=pd.Index(extra, dtype=object, name="child_id"), columns=children.columns)
    blank["sex"], blank["ever_uasc"] = NOT_KNOWN, False
    blank["dob"], blank["duc"] = pd.NaT, pd.NaT
    return pd.concat([children, blank.astype({c: children[c].dtype for c in ("dob", "duc")})])


#: Other names of the population columns (EES ``cla_number_and_rate`` file, the demo's population.csv).
POPULATION_ALIASES = {"time_period": "year", "population_estimate": "population_under18"}


def _areas(children: pd.DataFrame, la_code: str | None, population: pd.DataFrame | None) -> tuple[str, ...]:
    """The authorities in the data: ``children.la_code`` when present (several authorities, see
    :func:`stack_authorities`), else ``la_code``, else the population table's only code, else "local"."""
    if "la_code" in children.columns:
        found = tuple(sorted(children["la_code"].dropna().astype(str).unique()))
        if len(found) > 1:
            if la_code is not None:
                raise ParameterError(
                    f"the tables hold {len(found)} authorities (children.la_code); la_code={la_code!r} "
                    "only applies to one authority's tables"
                )
            return found
        if found and la_code is None:
            return found
    if la_code is None and population is not None and population["la_code"].nunique() == 1:
        la_code = str(population["la_code"].iloc[0])
    return (la_code or "local",)


def stack_authorities(authorities: dict[str, dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Several authorities' processed tables as one set, computed together by :func:`compute`.

    Child ids become ``"<la_code>/<child_id>"`` (unique across authorities) and ``children``
    gains ``la_code``; every indicator row then carries its authority in ``geography``. This is
    how all-authority comparisons (and the England benchmark) run in one vectorised pass.

    Parameters
    ----------
    authorities : dict
        ``la_code`` -> that authority's processed tables.
    """
    stacked: dict[str, list[pd.DataFrame]] = {}
    for code, tables in authorities.items():
        for name, frame in tables.items():
            if not isinstance(frame, pd.DataFrame):
                continue
            # assign, not copy-and-set: the frame's other columns are not copied before the concat
            if "child_id" in frame.columns:
                frame = frame.assign(child_id=code + "/" + frame["child_id"].astype(str).astype(object))
            if name == "children":
                frame = frame.assign(la_code=code)
            stacked.setdefault(name, []).append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in stacked.items()}


def _population(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The under-18 totals and, when the table has an ``age_band`` column, the rows by age band.

    An ``age_band`` that is blank or ``Total`` marks the under-18 total; any other must be one of
    DfE's age bands (:data:`cpanalysis.periods.AGE_BAND_ORDER`).
    """
    need = ("la_code", "year", "population_under18")
    # The synthetic demo and the EES file name the columns time_period / population_estimate.
    frame = frame.rename(columns={k: v for k, v in POPULATION_ALIASES.items() if v not in frame.columns})
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ParameterError(f"population table has no column(s) {', '.join(missing)} (expected {', '.join(need)})")
    out = frame.copy()
    out["la_code"] = out["la_code"].astype(str)
    for col in ("year", "population_under18"):
        values = pd.to_numeric(out[col].map(_year_or_nan) if col == "year" else out[col], errors="coerce")
        bad = values.isna() | (values <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise ParameterError(f"population table row {row}, column {col}: {out[col].iloc[row - 2]!r} is not valid")
        out[col] = values
    if "age_band" not in out.columns:
        return out, None
    band = out["age_band"].fillna("").astype(str).str.strip()
    total = band.isin(("", cat.TOTAL))
    unknown = ~total & ~band.isin(periods.AGE_BAND_ORDER)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
        raise ParameterError(f"population table row {row}, column age_band: {band.iloc[row - 2]!r} is not one of "
                             f"{', '.join(periods.AGE_BAND_ORDER)} (blank or Total for the under-18 total)")
    by_age = out.loc[~total].assign(age_band=band[~total]).reset_index(drop=True)
    return out.loc[total].drop(columns="age_band").reset_index(drop=True), (by_age if len(by_age) else None)


def _year_or_nan(value: object) -> float:
    try:
        return float(periods.parse_year_label(str(value).strip()))
    except ParameterError:
        return np.nan


#: Ordered DfE characteristic names (re-exported for family modules).
CHARACTERISTICS = cat.CHARACTERISTICS
