"""DfE children-looked-after indicators at any period end, in the tidy indicator table.

``compute(tables, period_end, window="year")`` runs the whole catalogue
(:mod:`cpanalysis.indicators.catalogue`) on the processed tables of ``docs/architecture.md``.
"""

from __future__ import annotations

#: Columns of the tidy indicator table (docs/architecture.md "Tidy indicator table").
TIDY_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "period_end",
    "period_type",
    "geography",
    "breakdown",
    "breakdown_value",
    "numerator",
    "denominator",
    "value",
    "unit",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "polarity",
    "source",
    "suppressed",
)

__all__ = ["TIDY_COLUMNS"]
