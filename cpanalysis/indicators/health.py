"""Outcome 1, physical health: the OC2 measures of the 12-month cohort.

The cohort is the children looked after continuously for at least 12 months at the period end
(:meth:`cpanalysis.indicators.context.IndicatorContext.continuously_looked_after`; ``ssda903.md`` §3.4).
It is computed from the episodes, not from which children have an OC2 row: a child in the cohort
without an OC2 row counts in the denominator and not in the numerator (DfE expects a row for
every child in the cohort, validation rule 185). OC2 rows of children outside the cohort are
not used. Ages are completed years on the period end. Flags are 1 = yes.

OC2 is annual: at an in-year quarter end the latest complete year is carried forward unless an
in-year extract carries OC2 rows (:meth:`IndicatorContext.annual_rows`). When the chosen year has no OC2
row at all, the OC2 indicators are not produced (an absent return is not a 0% result).
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import periods
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.table import Rows, Stamp, count_rows, proportion_rows
from cpanalysis.periods import Window

#: OC2 columns read here and in :mod:`cpanalysis.indicators.mental_health`.
OC2_COLUMNS = (
    "health_assessment",
    "immunisations",
    "teeth_check",
    "health_check",
    "substance_misuse",
    "convicted",
    "sdq_score",
)


def oc2_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame | None:
    """The 12-month cohort at the (possibly carried-forward) period end with its OC2 columns.

    Returns ``None`` when there are no OC2 rows for the collection year used. Flags become
    booleans (1 = True); ``sdq_score`` is numeric (NaN when blank or outside 0-40).
    """
    rows, used = ctx.annual_rows("oc2", win)
    # keyed on the window described, so quarters that carry one year forward share it
    return ctx.cached(("oc2", used), lambda: _oc2_frame(ctx, rows, used))


def _oc2_frame(ctx: IndicatorContext, rows: pd.DataFrame, used: Window) -> pd.DataFrame | None:
    rows = rows[rows["collection_year"] == periods.collection_year(used.end)]
    if rows.empty:
        return None
    rows = rows.drop_duplicates("child_id", keep="last").set_index("child_id")
    cohort = ctx.twelve_month_cohort(used.end)
    frame = ctx.attributes(cohort, used.end)
    for col in OC2_COLUMNS:
        values = pd.to_numeric(rows[col], errors="coerce") if col in rows.columns else pd.Series(dtype=float)
        values = values.astype("float64").reindex(cohort)
        frame[col] = values.where(values.between(0, 40)) if col == "sdq_score" else values == 1
    return frame


def cla_12m_cohort(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows:
    """Children looked after continuously for at least 12 months at the period end (DfE OC2 cohort).

    Cohort: looked after on the period end (not ceasing that day, unless
    ``oc2_ceased_on_period_end=True``), in a period of care that began on or before the window's
    first day, with no V3/V4 episode in the window. Computed at the period end itself (never
    carried forward). Breakdowns: age band, sex.
    """
    cohort = ctx.twelve_month_cohort(win.end)
    frame = ctx.attributes(cohort, win.end)
    return count_rows(frame, "cla_12m_cohort", stamp, cat.get("cla_12m_cohort").breakdowns)


def _flag(ctx: IndicatorContext, win: Window, stamp: Stamp, indicator_id: str, column: str,
          ages: tuple[int, int] | None = None) -> Rows | None:
    frame = oc2_frame(ctx, win)
    if frame is None:
        return None
    if ages is not None:
        frame = frame[frame["age"].between(*ages).fillna(False)]
    return proportion_rows(frame, column, indicator_id, stamp, cat.get(indicator_id).breakdowns)


def health_assessment_up_to_date(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Annual health assessment up to date (EES "Had their annual health assessment"; LAIT ``LACHealth%``).

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort, all ages. Numerator: OC2 HEALTH_ASSESSMENT = 1
    (under-5s need both of their two assessments; children who declined count as not assessed).
    """
    return _flag(ctx, win, stamp, "health_assessment_up_to_date", "health_assessment")


def immunisations_up_to_date(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Immunisations up to date (EES "Had their immunisations up to date"; LAIT ``LACVaccinations%``).

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort, all ages. Numerator: OC2 IMMUNISATIONS = 1.
    """
    return _flag(ctx, win, stamp, "immunisations_up_to_date", "immunisations")


def dental_check(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Teeth checked by a dentist in the year (EES "Had their teeth checked by a dentist"; LAIT ``LACDental%``).

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort, all ages. Numerator: OC2 TEETH_CHECK = 1.
    """
    return _flag(ctx, win, stamp, "dental_check", "teeth_check")


def development_assessment_0_4(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Development assessments up to date, ages 0-4 (EES "Development assessments up to date").

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort aged under 5 on the period end. Numerator:
    OC2 HEALTH_CHECK = 1.
    """
    return _flag(ctx, win, stamp, "development_assessment_0_4", "health_check", (0, 4))


def substance_misuse(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Identified as having a substance misuse problem (EES substance misuse; LAIT ``LACSubstance``).

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort, all ages. Numerator: OC2 SUBSTANCE_MISUSE = 1.
    """
    return _flag(ctx, win, stamp, "substance_misuse", "substance_misuse")


def convicted_10_17(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Convicted or given a youth caution in the year, ages 10-17 (EES convictions; LAIT ``LAC_Convictions``).

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort aged 10 to 17 on the period end. Numerator:
    OC2 CONVICTED = 1.
    """
    return _flag(ctx, win, stamp, "convicted_10_17", "convicted", (10, 17))


INDICATORS = (
    cla_12m_cohort,
    health_assessment_up_to_date,
    immunisations_up_to_date,
    dental_check,
    development_assessment_0_4,
    substance_misuse,
    convicted_10_17,
)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every health indicator for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
