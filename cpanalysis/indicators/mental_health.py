"""Outcome 2, emotional and mental health: the SDQ measures DfE publishes.

Cohort: the 12-month cohort (:mod:`cpanalysis.indicators.health`) aged **5 to 16 on the period
end** (DfE collects from age 4 but publishes 5-16, ``methods.md`` §1.1). A score is an OC2
SDQ_SCORE from 0 to 40; the bands are 0-13 normal, 14-16 borderline, 17-40 cause for concern
(:data:`cpanalysis.codes.SDQ_BANDS`). The same annual-data rule as the health measures applies.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes
from cpanalysis.indicators import catalogue as cat
from cpanalysis.indicators.context import IndicatorContext
from cpanalysis.indicators.health import oc2_frame
from cpanalysis.indicators.table import Rows, Stamp, mean_rows, proportion_rows
from cpanalysis.periods import Window

SDQ_AGES = (5, 16)
_BAND_IDS = {"Normal": "sdq_normal", "Borderline": "sdq_borderline", "Cause for concern": "sdq_concern"}


def sdq_frame(ctx: IndicatorContext, win: Window) -> pd.DataFrame | None:
    """The 12-month cohort aged 5-16 with ``has_score`` and ``band`` (``None`` without OC2 rows)."""
    frame = oc2_frame(ctx, win)
    if frame is None:
        return None
    frame = frame[frame["age"].between(*SDQ_AGES).fillna(False)].copy()
    frame["has_score"] = frame["sdq_score"].notna()
    frame["band"] = frame["sdq_score"].map(codes.sdq_band)
    return frame


def sdq_completed(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """SDQ score received (EES "Ages 5 to 16 years with SDQ score" x "SDQ score was received").

    Cohort and denominator (short breaks V3/V4 excluded): the 12-month cohort aged 5-16 on the
    period end. Numerator: those with an SDQ score (0-40; a blank score with an SDQ_REASON is not a score).
    """
    frame = sdq_frame(ctx, win)
    if frame is None:
        return None
    return proportion_rows(frame, "has_score", "sdq_completed", stamp, cat.get("sdq_completed").breakdowns)


def sdq_mean(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """Average SDQ total difficulties score (EES "SDQ average score"; LAIT ``Emotional_LAC``).

    Cohort: the 12-month cohort aged 5-16 with a score. Value: mean score (DfE shows 1 d.p.),
    Student-t limits; numerator = sum of scores, denominator = children with a score.
    """
    frame = sdq_frame(ctx, win)
    if frame is None:
        return None
    return mean_rows(frame, "sdq_score", "sdq_mean", stamp, cat.get("sdq_mean").breakdowns)


def _band(ctx: IndicatorContext, win: Window, stamp: Stamp, band: str) -> Rows | None:
    frame = sdq_frame(ctx, win)
    if frame is None:
        return None
    if ctx.options.sdq_band_denominator == "with_score":
        frame = frame[frame["has_score"]]
    frame = frame.assign(hit=frame["band"] == band)
    indicator_id = _BAND_IDS[band]
    return proportion_rows(frame, "hit", indicator_id, stamp, cat.get(indicator_id).breakdowns)


def sdq_normal(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """SDQ score normal, 0-13 (EES "SDQ score is normal").

    Cohort: the 12-month cohort aged 5-16. Numerator: score 0-13. Denominator: children with a
    score (``sdq_band_denominator="with_score"``, DfE's choice: 2025 England 14,320 / 33,790 = 42%
    concern) or the whole 5-16 cohort (``"cohort"``).
    """
    return _band(ctx, win, stamp, "Normal")


def sdq_borderline(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """SDQ score borderline, 14-16 (EES "SDQ score is borderline"); denominator as :func:`sdq_normal`."""
    return _band(ctx, win, stamp, "Borderline")


def sdq_concern(ctx: IndicatorContext, win: Window, stamp: Stamp) -> Rows | None:
    """SDQ score a cause for concern, 17-40 (EES "SDQ score is a cause for concern"); denominator as :func:`sdq_normal`."""
    return _band(ctx, win, stamp, "Cause for concern")


INDICATORS = (sdq_completed, sdq_mean, sdq_normal, sdq_borderline, sdq_concern)


def compute(ctx: IndicatorContext, win: Window, stamp: Stamp) -> list:
    """Every SDQ indicator for one window."""
    return [f(ctx, win, stamp) for f in INDICATORS]
