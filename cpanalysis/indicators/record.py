"""One catalogue record (:class:`Indicator`) and the vocabularies its fields are checked against.

Kept apart from :mod:`cpanalysis.indicators.catalogue` so that the modules declaring records
outside the 903 families (:mod:`cpanalysis.indicators.beyond_903`) can build them and the
catalogue can import those modules, with no circle.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpanalysis.errors import ParameterError

UNITS = ("%", "rate_per_10k", "mean", "count", "days")
POLARITIES = ("high_good", "low_good", "none")
OUTCOMES: dict[str, str] = {
    "profile": "Who our children are",
    "O1": "Physical health",
    "O2": "Emotional and mental health",
    "O3": "Stable, safe homes",
    "O4": "Education",
    "O5": "Leaving care",
}

SHORT_BREAKS = "Children looked after under an agreed series of short-term breaks (LS V3/V4)"


@dataclass(frozen=True)
class Indicator:
    """One catalogue record.

    Parameters
    ----------
    id : str
        Stable snake_case id (the tidy table's ``indicator_id``).
    title : str
        Plain-English title for reports.
    family : str
        Module of :mod:`cpanalysis.indicators` that computes it (``"profile"``, ``"stability"`` ...,
        ``"local"`` for local measures).
    outcome : str
        Strategy outcome ``O1``-``O5`` or ``"profile"``.
    unit : str
        One of :data:`UNITS`.
    polarity : str
        One of :data:`POLARITIES`.
    cohort, numerator, denominator, exclusions : str
        The definition in words.
    dfe_equivalent : str
        EES file and filter values and/or LAIT ``Short Desc``; ``""`` when DfE publishes none.
    breakdowns : tuple of str
        Breakdown names computed besides ``"Total"``.
    dfe_definition : str
        For a measure DfE publishes (unrounded for each authority), whether the package's
        definition is the one that produced the published figure: ``"published definition
        ..."`` (DfE's stated definition, followed as stated), ``"reading: ..."`` (DfE leaves a
        choice open; the default and the parameter that changes it are named) or ``"differs:
        ..."`` (the package measures something else, and how). ``""`` when DfE publishes none.
    """

    id: str
    title: str
    family: str
    outcome: str
    unit: str
    polarity: str
    cohort: str
    numerator: str
    denominator: str
    exclusions: str = SHORT_BREAKS
    dfe_equivalent: str = ""
    breakdowns: tuple[str, ...] = ()
    dfe_definition: str = ""

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ParameterError(f"indicator {self.id}: unit {self.unit!r} is not one of {UNITS}")
        if self.polarity not in POLARITIES:
            raise ParameterError(f"indicator {self.id}: polarity {self.polarity!r} is not one of {POLARITIES}")
        if self.outcome not in OUTCOMES:
            raise ParameterError(f"indicator {self.id}: outcome {self.outcome!r} is not one of {tuple(OUTCOMES)}")
