"""DfE children-looked-after indicators at any period end, in the tidy indicator table.

:func:`compute` runs the whole catalogue (:mod:`cpanalysis.indicators.catalogue`) on the
processed tables of ``docs/architecture.md`` for the year ending 31 March or the rolling 12
months to any quarter end. The families:

* :mod:`~cpanalysis.indicators.profile` - looked after on the date, rates, starts, ceasings, UASC;
* :mod:`~cpanalysis.indicators.stability` - outcome 3 (placements, distance, provider, permanence);
* :mod:`~cpanalysis.indicators.adoption` - the adoption scorecard's A1, A2 and A10 over three years;
* :mod:`~cpanalysis.indicators.health` - outcome 1 (OC2 health of the 12-month cohort);
* :mod:`~cpanalysis.indicators.mental_health` - outcome 2 (SDQ);
* :mod:`~cpanalysis.indicators.care_leavers` - outcome 5 (OC3 and staying put);
* :mod:`~cpanalysis.indicators.missing` - missing and away from placement;
* :mod:`~cpanalysis.indicators.social_workers` - social worker changes (the 903's social worker episodes).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cpanalysis import periods
from cpanalysis.errors import ParameterError
from cpanalysis.indicators import (
    adoption,
    care_leavers,
    health,
    mental_health,
    missing,
    profile,
    social_workers,
    stability,
)
from cpanalysis.indicators.context import (
    TABLES,
    IndicatorContext,
    Options,
    prepare,
    stack_authorities,
)
from cpanalysis.indicators.table import TIDY_COLUMNS, Stamp, finish

#: Family modules in the order their rows appear.
FAMILIES = {
    "profile": profile,
    "stability": stability,
    "adoption": adoption,
    "health": health,
    "mental_health": mental_health,
    "care_leavers": care_leavers,
    "missing": missing,
    "social_workers": social_workers,
}

__all__ = ["TIDY_COLUMNS", "TABLES", "FAMILIES", "compute", "compute_context", "prepare", "stack_authorities", "Options",
           "IndicatorContext"]


def compute(
    tables: dict[str, pd.DataFrame],
    period_end: object | Iterable[object],
    window: periods.WindowType = "year",
    la_code: str | None = None,
    population: pd.DataFrame | None = None,
    *,
    same_carer_moves: bool = False,
    temporary: str = "merge",
    sdq_band_denominator: str = "with_score",
    oc3_birthday_lag_months: int = 0,
    temporary_on_period_end: str = "episode",
    uasc_distance: str = "not_known",
    oc2_ceased_on_period_end: bool = False,
    placement_ending_on_first_day: bool = False,
    missing_started_before_window: bool = True,
    a2_match_before_authority: str = "zero",
    families: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every indicator of the catalogue, for one or more period ends, in the tidy table.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables (``build.load_processed``): ``children`` and ``episodes`` required;
        ``placements``, ``periods_of_care`` derived when absent; ``oc2``, ``oc3``, ``missing``
        optional (their indicators are then not produced).
    period_end : date-like or iterable of date-likes
        Last day of each window: a 31 March for ``window="year"``, any quarter end for
        ``"rolling_12m"``.
    window : {"year", "rolling_12m"}; default "year"
        The year ending 31 March, or the 12 months ending on a quarter end (the cohort "on the
        date" is then the one at that quarter end). At 31 March both give identical figures.
    la_code : str, optional
        ``geography`` of the rows and the population row to use. Tables of several authorities
        (:func:`stack_authorities`, ``children.la_code``) give rows per authority instead.
    population : DataFrame, optional
        ``la_code, year, population_under18`` (ONS mid-year estimate DfE uses for the collection
        year ending 31 March ``year``; EES's ``time_period, population_estimate`` are accepted);
        the rate indicators are not produced without it.
    same_carer_moves : bool; default False
        Count same-carer changes (RNE T/U: a foster placement becoming an adoption placement
        A3/A5, redesignated long-term, carers moving house or transferring to the authority) in
        "3 or more placements" (12 months and 2 years). DfE does not count a child placed for
        adoption with current foster carers as moving, hence False. Only those two measures
        change: the new-placements and reasons tables always count same-carer changes, long-term
        stability and adoption timing never do (``docs/indicator_views.md``).
    temporary : {"merge", "count", "exclude"}; default "merge"
        Temporary placements T0-T4 (:func:`cpanalysis.episodes.derive_placements`): by default a
        temporary move and the return to the same placement are one placement.
    sdq_band_denominator : {"with_score", "cohort"}; default "with_score"
        Denominator of the SDQ band percentages: children with a score (DfE) or all 5-16s.
    oc3_birthday_lag_months : int; default 0
        Shift of the care-leaver birthday window (see :mod:`cpanalysis.indicators.care_leavers`).
    temporary_on_period_end : {"episode", "interrupted"}; default "episode"
        Placement type, provider, distance and location of a child in a temporary placement
        (T0-T4) on the period end: the temporary episode's, as DfE's tables on 31 March describe
        it, or those of the placement the move interrupted (:class:`Options`).
    uasc_distance : {"not_known", "exclude"}; default "not_known"
        Children ``uasc_on_date`` on the period end in the distance indicators: counted as
        distance not known (EES) or left out.
    oc2_ceased_on_period_end : bool; default False
        Children ceasing on the period end in the 12-month (OC2) cohort (DfE: not looked after
        on 31 March, so not in it).
    placement_ending_on_first_day : bool; default False
        A placement ending on the window's first day counts in "3 or more placements".
    missing_started_before_window : bool; default True
        A missing/away incident started before the window and still going on its first day counts
        (DfE's published definition); False counts only incidents starting in the window.
    a2_match_before_authority : {"zero", "exclude"}; default "zero"
        Adoption scorecard A2 for a match dated before the placement order: 0 days, or left out.
    families : iterable of str, optional
        Only these families (keys of :data:`FAMILIES`); all by default.

    Returns
    -------
    DataFrame
        The tidy indicator table (:data:`TIDY_COLUMNS`), percentages 0-100.

    Notes
    -----
    OC2/OC3 measures are annual; at an in-year quarter end the latest complete collection year
    is carried forward unless an in-year extract carries OC2/OC3 rows for the current year
    (:meth:`IndicatorContext.annual_rows`).

    Raises
    ------
    ParameterError
        For a period end that does not fit the window, an unknown option or family, or missing
        processed tables/columns.
    """
    options = Options(
        same_carer_moves=same_carer_moves,
        temporary=temporary,
        sdq_band_denominator=sdq_band_denominator,  # type: ignore[arg-type]
        oc3_birthday_lag_months=oc3_birthday_lag_months,
        temporary_on_period_end=temporary_on_period_end,
        uasc_distance=uasc_distance,
        oc2_ceased_on_period_end=oc2_ceased_on_period_end,
        placement_ending_on_first_day=placement_ending_on_first_day,
        missing_started_before_window=missing_started_before_window,
        a2_match_before_authority=a2_match_before_authority,
    )
    ctx = prepare(tables, la_code=la_code, population=population, options=options)
    return compute_context(ctx, period_end, window, families)


def compute_context(
    ctx: IndicatorContext,
    period_end: object | Iterable[object],
    window: periods.WindowType = "year",
    families: Iterable[str] | None = None,
) -> pd.DataFrame:
    """:func:`compute` on already prepared inputs (reuse one :class:`IndicatorContext` for many calls)."""
    ends = [period_end] if isinstance(period_end, (str, pd.Timestamp)) or not isinstance(
        period_end, Iterable
    ) else list(period_end)
    chosen = list(FAMILIES) if families is None else list(families)
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown:
        raise ParameterError(f"unknown indicator families {unknown}; choose from {list(FAMILIES)}")
    parts: list = []
    for end in ends:
        win = periods.window(end, window)
        stamp = Stamp(win.end, win.period_type, ctx.areas)
        for name in chosen:
            parts.extend(FAMILIES[name].compute(ctx, win, stamp))
        ctx.forget_unused()  # this period end's cohorts are not needed again
    return finish(parts)
