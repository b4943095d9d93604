"""Parameters of the synthetic authority: who comes into care, what happens to them, and when.

Every probability the microsimulation uses lives here, in one place an analyst can read
(``docs/synthetic_authority.md`` explains them). Codes are never spelt free-hand: they are read
through :data:`C`, which checks each name against :mod:`cpanalysis.codes` when this module is
imported, so a retired or mistyped code fails at once.

The default profile is calibrated to Leicestershire (E10000018): published starts, children
looked after and under-18 population by year (``dfe_statistics.md`` §2c). Any other English
authority gets the ``england`` profile scaled to its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from cpanalysis import codes


class _Checked:
    """Attribute access to one code list; ``C.PLACE.U6`` is ``"U6"`` after checking it exists."""

    def __init__(self, codelist: codes.CodeList) -> None:
        self._codelist = codelist

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._codelist:
            raise AttributeError(
                f"{name!r} is not a {self._codelist.name} code in cpanalysis.codes"
            )
        setattr(self, name, name)  # checked once; later look-ups are plain attributes
        return name


class _CodeLists:
    """``C.<LIST>.<CODE>``: every code the generator writes, checked against ``codes.py``."""

    def __init__(self) -> None:
        for name, codelist in codes.CODE_LISTS.items():
            setattr(self, name, _Checked(codelist))
        self.UPN = _Checked(codes.UPN_UNKNOWN)


#: Checked code access (``C.REC.E11``, ``C.LS.C2`` ...).
C = _CodeLists()
#: The 0/1 flag values of OC2 and the adoption tables.
NO, YES = codes.YES_NO.codes


def weights(pairs: dict[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Split a ``{code: weight}`` table into codes and probabilities summing to 1."""
    total = sum(pairs.values())
    return tuple(pairs), tuple(w / total for w in pairs.values())


# ---------------------------------------------------------------------------------------------
# Published figures of the default authority (Leicestershire, dfe_statistics.md §2c)
# ---------------------------------------------------------------------------------------------
#: Children who started to be looked after, by reporting year (year ending 31 March): published
#: 2015-2025; 2008-2014 assumed lower (the county looked after about 400-470 children then), so
#: that the stock on 1 April 2016 is near the published 469.
LEICESTERSHIRE_STARTS: dict[int, int] = {
    2008: 180, 2012: 200, 2014: 225, 2015: 245, 2016: 246, 2017: 253, 2018: 218, 2019: 207, 2020: 239,
    2021: 239, 2022: 247, 2023: 253, 2024: 311, 2025: 299,
}  # fmt: skip
#: Children looked after on 31 March (the calibration target the duration factors are tuned to).
LEICESTERSHIRE_CLA: dict[int, int] = {
    2015: 471, 2016: 469, 2017: 510, 2018: 554, 2019: 583, 2020: 654,
    2021: 706, 2022: 696, 2023: 681, 2024: 725, 2025: 694,
}  # fmt: skip
#: ONS mid-year under-18 population DfE used for rates: 2019-2025 published; 2014-2018
#: extrapolated backwards at the 2019-2021 growth (about 870 a year) and 2026 forwards at the
#: 2023-2025 growth (about 2,090 a year) -- both marked "extrapolated" in population.csv.
LEICESTERSHIRE_POPULATION: dict[int, int] = {
    2019: 138_152, 2020: 139_012, 2021: 139_893, 2022: 140_691,
    2023: 143_264, 2024: 145_610, 2025: 147_439,
}  # fmt: skip
POPULATION_GROWTH_BEFORE = 870
POPULATION_GROWTH_AFTER = 2_090


# fmt: off
#: UASC starts by year (part of the starts): the National Transfer Scheme became mandatory in
#: 2021-22, hence the step (assumed; DfE does not publish LA UASC starts in the files read).
LEICESTERSHIRE_UASC_STARTS: dict[int, int] = {
    2012: 10, 2016: 16, 2017: 22, 2018: 14, 2019: 12, 2020: 14,
    2021: 18, 2022: 38, 2023: 42, 2024: 46, 2025: 42, 2026: 42,
}
#: Multiplier on time in care before a planned exit, by the year the child came into care:
#: tuned so that children looked after follow the published 2016-2025 series (long stays for
#: children who came in during 2016-2021, shorter since, as ceasings rose).
LEICESTERSHIRE_STAY_FACTOR: dict[int, float] = {
    2010: 0.6, 2016: 1.45, 2017: 1.95, 2018: 2.5, 2019: 2.8, 2020: 2.6,
    2021: 1.6, 2022: 1.05, 2023: 0.85, 2024: 0.7, 2025: 0.65, 2026: 0.65,
}
#: Leicestershire's published OC2 rates (dfe_statistics.md §2c), as probabilities by year.
LEICESTERSHIRE_BY_YEAR: dict[str, dict[int, float]] = {
    "health_assessment": {2018: 0.80, 2019: 0.82, 2020: 0.92, 2021: 0.86, 2022: 0.84,
                          2023: 0.77, 2024: 0.82, 2025: 0.91},
    "immunisations": {2018: 0.94, 2019: 0.82, 2020: 0.90, 2021: 0.90, 2022: 0.86, 2023: 0.83,
                      2024: 0.77, 2025: 0.79},
    "dental": {2018: 0.85, 2019: 0.92, 2020: 0.88, 2021: 0.28, 2022: 0.58, 2023: 0.85,
               2024: 0.95, 2025: 0.93},
    "development_check": {2020: 0.81, 2021: 0.78, 2022: 0.77, 2023: 0.75, 2024: 0.76, 2025: 0.85},
    "sdq_completion": {2020: 0.83, 2021: 0.75, 2022: 0.89, 2023: 0.88, 2024: 0.62, 2025: 0.88},
}
# fmt: on


@dataclass(frozen=True)
class Profile:
    """What makes one synthetic authority differ from another.

    Parameters
    ----------
    name : str
        Label used in messages and the population file.
    dfe_number : str
        Three-digit DfE LA number used inside UPNs (any 3 digits work for a synthetic authority).
    starts : dict
        Reporting year -> children starting care (all starts, UASC included). Years outside the
        dict use the nearest year given.
    uasc_starts : dict
        Reporting year -> UASC starts (part of ``starts``); the National Transfer Scheme became
        mandatory in 2021-22, hence the step.
    population : dict
        Reporting year -> under-18 population (published years); other years are extrapolated.
    stay_factor : dict
        Entry reporting year -> multiplier on time in care before a planned exit (home, SGO,
        adoption...). Longer stays in 2017-2021 and shorter from 2022 reproduce the published
        rise then plateau of children looked after.
    in_house_foster : float
        Share of non-kinship foster placements with the authority's own carers (PR1).
    instability : float
        Multiplier on the placement-move hazard (1 = calibrated England-like stability).
    far_placement : float
        Multiplier on distances to external placements (1 = calibrated).
    sdq_shift : float
        Added to every child's underlying SDQ level.
    health_assessment, immunisations, dental, development_check : float
        Probability a child in the 12-month cohort has each check.
    sdq_completion : float
        Probability a 4-16-year-old in the 12-month cohort has an SDQ score.
    leaver_eet : float
        Baseline probability a care leaver aged 19-21 is in education, employment or training.
    """

    name: str = "Leicestershire (synthetic)"
    dfe_number: str = "855"
    starts: dict[int, int] = field(default_factory=lambda: dict(LEICESTERSHIRE_STARTS))
    uasc_starts: dict[int, int] = field(default_factory=lambda: dict(LEICESTERSHIRE_UASC_STARTS))
    population: dict[int, int] = field(default_factory=lambda: dict(LEICESTERSHIRE_POPULATION))
    stay_factor: dict[int, float] = field(default_factory=lambda: dict(LEICESTERSHIRE_STAY_FACTOR))
    in_house_foster: float = 0.66
    instability: float = 1.0
    far_placement: float = 1.25  # Leicestershire: 21-24% placed over 20 miles on 31 March 2024-25
    sdq_shift: float = 0.0
    health_assessment: float = 0.90
    immunisations: float = 0.80
    dental: float = 0.90
    development_check: float = 0.84
    sdq_completion: float = 0.88
    leaver_eet: float = 0.62  # tuned: 19-21 EET about 59% (Leicestershire 2019-2025: 57-61%)
    by_year: dict[str, dict[int, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in LEICESTERSHIRE_BY_YEAR.items()}
    )

    def rate(self, name: str, year: int) -> float:
        """Probability ``name`` (``"dental"``...) in ``year``: the year's value, else the default."""
        table = self.by_year.get(name, {})
        return table[year] if year in table else float(getattr(self, name))

    def for_year(self, table: dict[int, float], year: int) -> float:
        """Value of a year-indexed table for ``year``: the latest year given at or before it (the first year given for earlier years)."""
        if year in table:
            return table[year]
        known = sorted(table)
        if year < known[0]:
            return table[known[0]]
        if year > known[-1]:
            return table[known[-1]]
        below = max(y for y in known if y < year)
        return table[below]

    def population_for(self, year: int) -> tuple[int, bool]:
        """Under-18 population for ``year`` and whether it is extrapolated."""
        if year in self.population:
            return self.population[year], False
        first, last = min(self.population), max(self.population)
        # Leicestershire's yearly growth, scaled to this authority's size
        scale = self.population[last] / LEICESTERSHIRE_POPULATION[max(LEICESTERSHIRE_POPULATION)]
        if year < first:
            growth = round(POPULATION_GROWTH_BEFORE * scale)
            return self.population[first] - growth * (first - year), True
        return self.population[last] + round(POPULATION_GROWTH_AFTER * scale) * (year - last), True


#: The default authority.
LEICESTERSHIRE = Profile()

#: England-average rates per 10,000 under-18s (2025: CLA 67, starts about 28) used to size any
#: other authority from its under-18 population.
ENGLAND_START_RATE = 27.0
ENGLAND_UASC_SHARE_OF_STARTS = 0.14


def scaled_profile(
    name: str, population: int, start_rate: float = ENGLAND_START_RATE, **changes
) -> Profile:
    """A profile for another authority: England-like rates scaled to its under-18 population.

    Parameters
    ----------
    name : str
        Label of the authority.
    population : int
        Its under-18 population (estimated from its postcode count when unknown).
    start_rate : float
        Starts per 10,000 under-18s in 2025; earlier years follow Leicestershire's shape.
    **changes
        Any other :class:`Profile` field (``in_house_foster=0.5`` ...).
    """
    base = LEICESTERSHIRE
    ratio = start_rate * population / 10_000 / base.starts[2025]
    starts = {y: max(1, round(n * ratio)) for y, n in base.starts.items()}
    uasc = {
        y: max(0, round(n * ratio * ENGLAND_UASC_SHARE_OF_STARTS / 0.13))
        for y, n in base.uasc_starts.items()
    }
    grow = population / base.population[2025]
    pops = {y: round(p * grow) for y, p in base.population.items()}
    changes.setdefault("by_year", {})
    return replace(base, name=name, starts=starts, uasc_starts=uasc, population=pops, **changes)


# ---------------------------------------------------------------------------------------------
# Children entering care
# ---------------------------------------------------------------------------------------------
#: Age at entry (non-UASC), as (lowest age, highest age, share): England starts 2025 by age.
ENTRY_AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.05, 0.07),  # newborns (care proceedings at birth)
    (0.05, 1.0, 0.07),
    (1.0, 5.0, 0.13),
    (5.0, 10.0, 0.14),
    (10.0, 16.0, 0.34),
    (16.0, 17.95, 0.25),
)
MALE_SHARE = 0.53
UASC_MALE_SHARE = 0.92
#: Leicestershire's looked-after children are mostly White British; mixed heritage is over-represented.
ETHNICITY = weights(
    {
        C.ETHNIC.WBRI: 72.0,
        C.ETHNIC.WIRI: 0.3,
        C.ETHNIC.WOTH: 3.5,
        C.ETHNIC.WIRT: 0.6,
        C.ETHNIC.WROM: 0.6,
        C.ETHNIC.MWBC: 5.0,
        C.ETHNIC.MWBA: 1.0,
        C.ETHNIC.MWAS: 2.5,
        C.ETHNIC.MOTH: 2.5,
        C.ETHNIC.AIND: 2.5,
        C.ETHNIC.APKN: 1.0,
        C.ETHNIC.ABAN: 0.3,
        C.ETHNIC.AOTH: 1.0,
        C.ETHNIC.BCRB: 1.0,
        C.ETHNIC.BAFR: 1.5,
        C.ETHNIC.BOTH: 0.7,
        C.ETHNIC.CHNE: 0.2,
        C.ETHNIC.OOTH: 1.0,
        C.ETHNIC.REFU: 0.3,
        C.ETHNIC.NOBT: 0.5,
    }  # fmt: skip
)
UASC_ETHNICITY = weights(
    {C.ETHNIC.BAFR: 35, C.ETHNIC.AOTH: 30, C.ETHNIC.OOTH: 20, C.ETHNIC.WOTH: 10, C.ETHNIC.BOTH: 5}
)
#: Category of need at entry (England 2025: abuse or neglect about two thirds).
CIN = weights(
    {
        C.CIN.N1: 64.0,
        C.CIN.N2: 3.0,
        C.CIN.N3: 3.0,
        C.CIN.N4: 8.0,
        C.CIN.N5: 13.0,
        C.CIN.N6: 1.5,
        C.CIN.N7: 0.2,
        C.CIN.N8: 7.3,
    }  # fmt: skip
)
UASC_CIN = weights({C.CIN.N8: 90, C.CIN.N4: 10})

#: Legal status at entry by age band: (upper age, {LS: weight}).
ENTRY_LEGAL: tuple[tuple[float, dict[str, float]], ...] = (
    (1.0, {C.LS.C1: 62, C.LS.V2: 24, C.LS.L1: 6, C.LS.L2: 6, C.LS.L3: 2}),
    (10.0, {C.LS.C1: 52, C.LS.V2: 34, C.LS.L1: 8, C.LS.L2: 5, C.LS.L3: 1}),
    (16.0, {C.LS.V2: 52, C.LS.C1: 32, C.LS.L1: 6, C.LS.J1: 7, C.LS.J2: 2, C.LS.J3: 1}),
    (18.0, {C.LS.V2: 72, C.LS.C1: 12, C.LS.L1: 5, C.LS.J1: 9, C.LS.J2: 2}),
)

#: Care plan (how the period of care will end) by age band: (upper age, {plan: weight}).
PLANS: tuple[tuple[float, dict[str, float]], ...] = (
    (1.0, {"adoption": 30, "sgo": 24, "home": 24, "cao": 3, "longterm": 19}),
    (5.0, {"adoption": 14, "sgo": 24, "home": 32, "cao": 4, "longterm": 26}),
    (10.0, {"sgo": 14, "home": 38, "cao": 5, "longterm": 43}),
    (14.0, {"sgo": 5, "home": 36, "cao": 3, "longterm": 56}),
    (16.0, {"sgo": 2, "home": 34, "cao": 1, "to18": 63}),
    (18.0, {"home": 30, "to18": 70}),
)

# ---------------------------------------------------------------------------------------------
# Time in care (days; lognormal medians and spreads, before the year's stay factor)
# ---------------------------------------------------------------------------------------------
HOME_STAY = (170.0, 1.15)
SGO_STAY = (520.0, 0.55)
CAO_STAY = (430.0, 0.6)
#: Long-term children: time until an exit other than turning 18 (most reach 18 first).
LONGTERM_STAY = (3000.0, 0.8)
FINAL_HEARING = (250.0, 0.3)  # care proceedings: interim order to final order
ADOPTION_DECISION = (190.0, 0.35)  # entry to the "should be placed for adoption" decision
PLACEMENT_ORDER_AFTER_DECISION = (75.0, 0.5)
MATCH_AFTER_ORDER = (140.0, 0.6)
PLACED_AFTER_MATCH = (30.0, 0.4)
ADOPTION_ORDER_AFTER_PLACED = (260.0, 0.35)
ADOPTION_PLAN_FAILS = 0.10
RE_ENTRY_WITHIN_TWO_YEARS = 0.13

#: Exit reasons at 18 by the kind of placement the young person is in at 18.
EXIT_AT_18: dict[str, dict[str, float]] = {
    # E17 (staying put): England 2018-2021 55-60% of those leaving foster care at 18 (P1, P3)
    "foster": {C.REC.E17: 56, C.REC.E5: 16, C.REC.E8: 10, C.REC.E13: 8, C.REC.E4A: 6, C.REC.E6: 4},
    "residential": {
        C.REC.E5: 48,
        C.REC.E8: 22,
        C.REC.E13: 10,
        C.REC.E4A: 8,
        C.REC.E6: 8,
        C.REC.E7: 4,
    },
    "supported": {C.REC.E5: 56, C.REC.E6: 16, C.REC.E8: 16, C.REC.E13: 8, C.REC.E4A: 4},
}
UASC_EXIT = {"at18": 0.84, "age_assessed": 0.04, "transferred": 0.09, "other": 0.03}
HOME_EXIT = weights({C.REC.E4A: 78, C.REC.E4B: 8, C.REC.E13: 14})

# ---------------------------------------------------------------------------------------------
# Placements
# ---------------------------------------------------------------------------------------------
#: Placement type of a new placement by age band (upper age, {PLACE: weight}); later moves of
#: children who have had disruptions shift towards children's homes (see lifecourse).
PLACEMENT_TYPES: tuple[tuple[float, dict[str, float]], ...] = (
    (1.0, {C.PLACE.U6: 68, C.PLACE.U3: 20, C.PLACE.U5: 6, C.PLACE.R3: 4, C.PLACE.U2: 2}),
    (5.0, {C.PLACE.U6: 72, C.PLACE.U3: 22, C.PLACE.U5: 3, C.PLACE.U2: 1, C.PLACE.R2: 0.3, C.PLACE.Z1: 0.3}),
    (11.0, {C.PLACE.U6: 72, C.PLACE.U3: 18, C.PLACE.K2: 7, C.PLACE.S1: 2, C.PLACE.R2: 0.3, C.PLACE.Z1: 0.5}),
    (16.0, {C.PLACE.U6: 58, C.PLACE.U3: 12, C.PLACE.K2: 24, C.PLACE.S1: 3, C.PLACE.K1: 0.5,
            C.PLACE.R2: 0.5, C.PLACE.R1: 0.5, C.PLACE.P3: 0.2, C.PLACE.Z1: 1}),
    (18.0, {C.PLACE.U6: 34, C.PLACE.U3: 8, C.PLACE.K2: 20, "supported": 34, C.PLACE.R1: 1,
            C.PLACE.R2: 0.5, C.PLACE.P3: 0.5, C.PLACE.Z1: 2}),
)  # fmt: skip
UASC_PLACEMENT_TYPES: tuple[tuple[float, dict[str, float]], ...] = (
    (16.0, {C.PLACE.U6: 84, C.PLACE.K2: 10, "supported": 6}),
    (18.0, {C.PLACE.U6: 30, "supported": 64, C.PLACE.K2: 6}),
)
#: Placement while on remand (LS J1/J2), by whether aged 15 or over.
REMAND_PLACEMENT_TYPES = {
    False: {C.PLACE.K1: 45, C.PLACE.U6: 35, C.PLACE.K2: 20},
    True: {C.PLACE.R5: 40, C.PLACE.K1: 25, C.PLACE.U6: 20, C.PLACE.K2: 15},
}
#: Provider by placement type (PR1 foster share comes from the profile).
PROVIDERS: dict[str, dict[str, float]] = {
    "kinship": {C.PLACE_PROVIDER.PR1: 96, C.PLACE_PROVIDER.PR4: 4},
    "adoption": {C.PLACE_PROVIDER.PR1: 62, C.PLACE_PROVIDER.PR2: 25, C.PLACE_PROVIDER.PR5: 13},
    C.PLACE.K2: {C.PLACE_PROVIDER.PR1: 14, C.PLACE_PROVIDER.PR4: 80, C.PLACE_PROVIDER.PR5: 6},
    C.PLACE.K1: {C.PLACE_PROVIDER.PR2: 70, C.PLACE_PROVIDER.PR4: 20, C.PLACE_PROVIDER.PR5: 10},
    "supported": {C.PLACE_PROVIDER.PR4: 60, C.PLACE_PROVIDER.PR5: 26, C.PLACE_PROVIDER.PR1: 14},
    C.PLACE.R1: {C.PLACE_PROVIDER.PR4: 70, C.PLACE_PROVIDER.PR5: 20, C.PLACE_PROVIDER.PR1: 10},
    C.PLACE.R2: {C.PLACE_PROVIDER.PR3: 100},
    C.PLACE.R3: {C.PLACE_PROVIDER.PR4: 50, C.PLACE_PROVIDER.PR3: 30, C.PLACE_PROVIDER.PR5: 20},
    C.PLACE.R5: {C.PLACE_PROVIDER.PR3: 80, C.PLACE_PROVIDER.PR4: 20},
    C.PLACE.S1: {C.PLACE_PROVIDER.PR4: 60, C.PLACE_PROVIDER.PR5: 30, C.PLACE_PROVIDER.PR2: 10},
    C.PLACE.P3: {C.PLACE_PROVIDER.PR4: 100},
}
#: Mean days a placement lasts before an unplanned move, by type, for a child of average
#: instability; long-term and kinship placements are much more stable.
PLACEMENT_HAZARD_DAYS: dict[str, float] = {
    C.PLACE.U6: 700.0, C.PLACE.U3: 2000.0, C.PLACE.U4: 5600.0, C.PLACE.U1: 7000.0,
    C.PLACE.U5: 2000.0, C.PLACE.U2: 2000.0, C.PLACE.K2: 460.0, C.PLACE.K1: 150.0,
    C.PLACE.S1: 900.0, C.PLACE.R1: 400.0, C.PLACE.R2: 60.0, C.PLACE.R3: 120.0,
    C.PLACE.R5: 120.0, C.PLACE.P3: 300.0, C.PLACE.Z1: 60.0, "supported": 500.0,
    C.PLACE.P1: 100000.0, "adoption": 100000.0,
}  # fmt: skip
#: Share of first placements that are emergency placements ending within weeks.
EMERGENCY_FIRST_PLACEMENT = 0.30
EMERGENCY_DAYS = 28.0
#: Child-level instability: gamma shape (mean 1); small shape = a few children move a lot.
INSTABILITY_SHAPE = 0.55
#: Reasons for a placement ending: unplanned (disruption) vs planned.
DISRUPTION_REASONS = weights(
    {
        C.REASON_PLACE_CHANGE.CREQB: 40,
        C.REASON_PLACE_CHANGE.CHILD: 18,
        C.REASON_PLACE_CHANGE.CREQO: 16,
        C.REASON_PLACE_CHANGE.ALLEG: 6,
        C.REASON_PLACE_CHANGE.STAND: 5,
        C.REASON_PLACE_CHANGE.APPRR: 2,
        C.REASON_PLACE_CHANGE.CLOSE: 5,
        C.REASON_PLACE_CHANGE.LAREQ: 5,
        C.REASON_PLACE_CHANGE.OTHER: 3,
    }  # fmt: skip
)
PLANNED_REASONS = weights(
    {
        C.REASON_PLACE_CHANGE.CARPL: 88,
        C.REASON_PLACE_CHANGE.LAREQ: 7,
        C.REASON_PLACE_CHANGE.OTHER: 5,
    }
)
#: Temporary placements per placement-year and their types with (min, max) days.
TEMPORARY_PER_YEAR = 0.05
TEMPORARY_TYPES: dict[str, tuple[int, int, float]] = {
    C.PLACE.T3: (3, 14, 40), C.PLACE.T4: (1, 7, 30), C.PLACE.T2: (3, 10, 15),
    C.PLACE.T1: (1, 20, 12), C.PLACE.T0: (1, 5, 3),
}  # fmt: skip

#: Distance from home (miles) by kind of placement: (share near, near median, far median, far spread).
DISTANCE: dict[str, tuple[float, float, float, float]] = {
    "in_house_foster": (0.90, 6.0, 16.0, 0.4),
    "kinship": (0.74, 4.0, 30.0, 0.8),
    "external_foster": (0.55, 9.0, 26.0, 0.5),
    "residential": (0.25, 10.0, 32.0, 0.7),
    "secure": (0.0, 0.0, 55.0, 0.6),
    "supported": (0.85, 5.0, 25.0, 0.6),
    "adoption": (0.45, 10.0, 40.0, 0.6),
    "health": (0.7, 6.0, 30.0, 0.6),
    "custody": (0.2, 10.0, 45.0, 0.5),
    "temporary_local": (1.0, 6.0, 6.0, 0.5),
    "holiday": (0.1, 8.0, 70.0, 0.5),
}
