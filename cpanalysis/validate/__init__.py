"""Validation rules, quarantine and the reconciliation of rows read, kept and quarantined.

The package has the engine (:mod:`.engine`: the registry, :class:`ValidationContext`, :func:`validate`,
:func:`quarantine`, :func:`reconcile`) and one module per topic, each registering its rules:
:mod:`.rows`, :mod:`.code_lists`, :mod:`.dates`, :mod:`.chains`, :mod:`.placements`,
:mod:`.integrity`, :mod:`.missing`, :mod:`.health`, :mod:`.care_leavers`, :mod:`.mother`,
:mod:`.cross_year`, :mod:`.first_episode`, :mod:`.postcodes`, :mod:`.permanence`,
:mod:`.social_workers`.

Each rule is a named function registered with :func:`rule`; its docstring gives the DfE rule id,
the DfE wording (paraphrased) and what this package checks. :data:`RULES` lists them all
(:func:`describe_rules` as a table), so the rule book can be printed, documented and tested.

A rule receives a :class:`ValidationContext` (the processed tables of :func:`cpanalysis.clean.normalise`,
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

# Topic modules register their rules on import; the order here is the order rules run.
from cpanalysis.validate import (  # noqa: F401
    care_leavers,
    chains,
    code_lists,
    cross_year,
    dates,
    first_episode,
    health,
    integrity,
    missing,
    mother,
    permanence,
    placements,
    postcodes,
    rows,
    social_workers,
    stages,
)
from cpanalysis.validate.engine import (
    FINDING_COLUMNS,
    RULES,
    STAGES,
    Rule,
    ValidationContext,
    book,
    describe_rules,
    findings,
    quarantine,
    reconcile,
    register_cleaning_rules,
    rule,
    validate,
    write_quarantine,
)

register_cleaning_rules()

__all__ = [
    "FINDING_COLUMNS",
    "RULES",
    "STAGES",
    "ValidationContext",
    "Rule",
    "book",
    "describe_rules",
    "findings",
    "quarantine",
    "reconcile",
    "rule",
    "validate",
    "write_quarantine",
]
