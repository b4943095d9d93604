"""Every SSDA903 code list, with labels, year validity and analytical groupings.

This module is the one place in the package that spells an SSDA903 code. Other modules import
the constants below (``RNE.NEW_PLACEMENT``, ``PLACE.FOSTER``, ``ACTIV.EET`` ...) instead of
writing ``"U4"`` themselves, so a DfE code change is made here once.

Collection years are written as the year **ending** 31 March (``2024`` is the 2023-24 return),
as in the EES ``time_period`` column. Year validity follows ``docs/ssda903.md`` §2
(code lists) and §2.23 (the change log by collection year).

References
----------
DfE, "Children looked after return (SSDA903): guide", yearly; csc-validator-be-903 rule sets
(``lac2022_23`` ... ``lac2026_27``); liia-tools ``SSDA903_schema_2017.yml`` ... ``_2024.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

FIRST_YEAR = 2000  # open-ended lower bound for codes valid "in all years"
LAST_YEAR = 9999  # open-ended upper bound


@dataclass(frozen=True)
class Code:
    """One code of a code list.

    Parameters
    ----------
    code : str
        The value as written in the return (upper case).
    label : str
        A plain-English label for reports.
    first_year, last_year : int
        First and last collection year (year ending 31 March) in which DfE accepts the code.
    """

    code: str
    label: str
    first_year: int = FIRST_YEAR
    last_year: int = LAST_YEAR

    def valid_in(self, year: int) -> bool:
        """Whether the code is valid in collection year ``year`` (year ending 31 March)."""
        return self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class CodeList:
    """A named SSDA903 code list.

    Parameters
    ----------
    name : str
        The 903 column the list belongs to (``"PLACE"``, ``"REC"`` ...).
    items : tuple of Code
        The codes, in DfE order.
    """

    name: str
    items: tuple[Code, ...]
    _index: dict[str, Code] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.code: c for c in self.items})

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def __iter__(self):
        return iter(self.items)

    @property
    def codes(self) -> tuple[str, ...]:
        """All codes ever valid, in DfE order."""
        return tuple(c.code for c in self.items)

    def valid_codes(self, year: int | None = None) -> frozenset[str]:
        """Codes DfE accepts in collection ``year`` (all years when ``None``)."""
        if year is None:
            return frozenset(self._index)
        return frozenset(c.code for c in self.items if c.valid_in(year))

    def label(self, code: str) -> str:
        """Label of ``code``; the code itself when unknown (never raises)."""
        item = self._index.get(code)
        return item.label if item else str(code)

    def labels(self) -> dict[str, str]:
        """Mapping code -> label."""
        return {c.code: c.label for c in self.items}


def _codes(pairs: Iterable[tuple], name: str) -> CodeList:
    return CodeList(name, tuple(Code(*p) for p in pairs))


# ---------------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------------
SEX = _codes(
    [
        ("1", "Male", FIRST_YEAR, 2024),
        ("2", "Female", FIRST_YEAR, 2024),
        ("M", "Male", 2025),
        ("F", "Female", 2025),
        ("U", "Unknown or not reported", 2025),
    ],
    "SEX",
)
#: Both codings (1/2 up to 2023-24, M/F/U from 2024-25) map to one internal value.
SEX_NORMALISED: dict[str, str] = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}
SEX_LABELS: dict[str, str] = {"M": "Male", "F": "Female", "U": "Unknown"}

ETHNIC = _codes(
    [
        ("WBRI", "White British"),
        ("WIRI", "White Irish"),
        ("WOTH", "Any other White background"),
        ("WIRT", "Traveller of Irish heritage"),
        ("WROM", "Gypsy/Roma"),
        ("MWBC", "White and Black Caribbean"),
        ("MWBA", "White and Black African"),
        ("MWAS", "White and Asian"),
        ("MOTH", "Any other Mixed background"),
        ("AIND", "Indian"),
        ("APKN", "Pakistani"),
        ("ABAN", "Bangladeshi"),
        ("AOTH", "Any other Asian background"),
        ("BCRB", "Caribbean"),
        ("BAFR", "African"),
        ("BOTH", "Any other Black background"),
        ("CHNE", "Chinese"),
        ("OOTH", "Any other ethnic group"),
        ("REFU", "Refused"),
        ("NOBT", "Information not yet obtained"),
    ],
    "ETHNIC",
)


def ethnic_group(code: str) -> str:
    """Main ethnic group of an ETHNIC code (as the D2I tools group them).

    W* White, M* Mixed, A* Asian, B* Black, CHNE and OOTH Other, REFU/NOBT (or anything
    unrecognised) Not known.
    """
    if code in ("REFU", "NOBT") or code not in ETHNIC:
        return "Not known"
    if code in ("CHNE", "OOTH"):
        return "Other"
    return {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black"}[code[0]]


ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not known")

#: UPN "unknown" codes (Header.UPN).
UPN_UNKNOWN = _codes(
    [
        ("UN1", "Not school age and no UPN yet"),
        ("UN2", "Never attended a maintained school in England"),
        ("UN3", "Educated outside England"),
        ("UN4", "Newly looked after, UPN not yet known"),
        ("UN5", "Sources disagree, no reliable match"),
    ],
    "UPN",
)
MOTHER = _codes([("0", "Not a mother"), ("1", "Is a mother")], "MOTHER")

# ---------------------------------------------------------------------------------------------
# Episodes
# ---------------------------------------------------------------------------------------------
RNE = _codes(
    [
        ("S", "Started to be looked after"),
        ("L", "Change of legal status only"),
        ("P", "Change of placement and carer(s) only"),
        ("T", "Change of placement but same carer(s)"),
        ("B", "Change of legal status and placement and carer(s)"),
        ("U", "Change of legal status and placement, same carer(s)"),
    ],
    "RNE",
)
RNE_START = "S"
#: RNE codes that always mean a new placement with new carers (a move). DfE: a child placed
#: for adoption with their existing foster carers does not change placement, hence T and U
#: (same carers) are not moves by default.
RNE_NEW_PLACEMENT_NEW_CARER = frozenset({"S", "P", "B"})
#: RNE codes where the placement record changes but the carers stay the same.
RNE_SAME_CARER = frozenset({"T", "U"})
#: RNE codes that change the placement record at all (rule 225 needs a reason for these).
RNE_PLACEMENT_CHANGE = frozenset({"P", "B", "T", "U"})
#: RNE codes that change legal status.
RNE_LEGAL_CHANGE = frozenset({"L", "B", "U"})

LS = _codes(
    [
        ("C1", "Interim care order"),
        ("C2", "Full care order"),
        ("D1", "Freeing order granted"),
        ("E1", "Placement order granted"),
        ("V2", "Single period of accommodation under section 20"),
        ("V3", "Agreed series of short-term breaks (individual episodes recorded)"),
        ("V4", "Agreed series of short-term breaks (agreements recorded)"),
        ("L1", "Police protection, in LA accommodation"),
        ("L2", "Emergency protection order"),
        ("L3", "Child assessment order, in LA accommodation"),
        ("J1", "Remanded to LA or youth detention accommodation"),
        ("J2", "Placed in LA accommodation under PACE"),
        ("J3", "Youth rehabilitation order with residence or fostering requirement"),
    ],
    "LS",
)
#: Short-break (respite) legal statuses: DfE excludes them from every headline figure.
LS_SHORT_BREAK = frozenset({"V3", "V4"})
#: Short breaks recorded as individual episodes (rules 365-367 limit their length).
LS_SHORT_BREAK_EPISODES = frozenset({"V3"})
LS_GROUPS: dict[str, str] = {
    "C1": "Interim care order",
    "C2": "Full care order",
    "D1": "Freeing or placement order",
    "E1": "Freeing or placement order",
    "V2": "Voluntary agreement (s20)",
    "V3": "Short breaks",
    "V4": "Short breaks",
    "L1": "Emergency order or police protection",
    "L2": "Emergency order or police protection",
    "L3": "Emergency order or police protection",
    "J1": "Youth justice",
    "J2": "Youth justice",
    "J3": "Youth justice",
}

CIN = _codes(
    [
        ("N1", "Abuse or neglect"),
        ("N2", "Child's disability"),
        ("N3", "Parental illness or disability"),
        ("N4", "Family in acute stress"),
        ("N5", "Family dysfunction"),
        ("N6", "Socially unacceptable behaviour"),
        ("N7", "Low income"),
        ("N8", "Absent parenting"),
    ],
    "CIN",
)

PLACE = _codes(
    [
        ("A3", "Placed for adoption with consent, with current foster carer(s)"),
        ("A4", "Placed for adoption with consent, not with current foster carer(s)"),
        ("A5", "Placed for adoption with placement order, with current foster carer(s)"),
        ("A6", "Placed for adoption with placement order, not with current foster carer(s)"),
        ("H5", "Semi-independent living not subject to children's homes regulations", FIRST_YEAR, 2025),
        ("K1", "Secure children's home"),
        ("K2", "Children's home subject to Children's Homes Regulations"),
        ("K3", "Registered supported accommodation", 2025),
        ("P1", "Placed with own parent(s) or other person(s) with parental responsibility"),
        ("P2", "Independent living", FIRST_YEAR, 2025),
        ("P3", "Residential employment"),
        ("R1", "Residential care home"),
        ("R2", "NHS/health trust or other establishment providing medical or nursing care"),
        ("R3", "Family centre or mother and baby unit"),
        ("R5", "Young offender institution or prison"),
        ("S1", "Residential school"),
        ("T0", "Temporary move (any)"),
        ("T1", "Temporary period in hospital"),
        ("T2", "Temporary absence of the child on holiday"),
        ("T3", "Temporary accommodation while usual foster carer(s) on holiday"),
        ("T4", "Temporary accommodation of 7 days or less"),
        ("U1", "Foster with relative or friend: long-term fostering"),
        ("U2", "Foster with relative or friend who is also an approved adopter (FfA)"),
        ("U3", "Foster with relative or friend: not long-term or FfA"),
        ("U4", "Foster with other foster carer: long-term fostering"),
        ("U5", "Foster with other foster carer who is also an approved adopter (FfA)"),
        ("U6", "Foster with other foster carer: not long-term or FfA"),
        ("Z1", "Other placement", FIRST_YEAR, 2025),
        ("Z11", "Other placement (Z11)", 2026),
        ("Z12", "Other placement (Z12)", 2026),
        ("Z13", "Other placement (Z13)", 2026),
        ("Z14", "Other placement (Z14)", 2026),
    ],
    "PLACE",
)
PLACE_FOSTER = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
PLACE_FOSTER_FAMILY_FRIENDS = frozenset({"U1", "U2", "U3"})
PLACE_FOSTER_LONG_TERM = frozenset({"U1", "U4"})
PLACE_ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
#: Placed for adoption with their current foster carers (not counted as a move by DfE).
PLACE_ADOPTION_WITH_FOSTER_CARERS = frozenset({"A3", "A5"})
PLACE_TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
PLACE_OTHER = frozenset({"Z1", "Z11", "Z12", "Z13", "Z14"})
PLACE_WITH_PARENTS = frozenset({"P1"})
PLACE_SUPPORTED = frozenset({"H5", "P2", "K3"})
PLACE_SECURE_AND_CHILDRENS_HOMES = frozenset({"K1", "K2"})
PLACE_OTHER_RESIDENTIAL = frozenset({"R1", "R2", "R3", "R5"})
PLACE_RESIDENTIAL_SCHOOL = frozenset({"S1"})
#: Historic codes that may appear in long-running records (kept for reading, never valid now).
PLACE_HISTORIC = frozenset({"Q1", "Q2", "M1", "M2", "M3", "A1", "A2"})

#: DfE publication groups (EES placement breakdown). P3 sits with independent living [assumed].
PLACE_GROUPS: dict[str, str] = {
    **{c: "Foster placements" for c in PLACE_FOSTER},
    **{c: "Placed for adoption" for c in PLACE_ADOPTION},
    "P1": "Placed with parents or other person with parental responsibility",
    **{c: "Independent and semi-independent living / supported accommodation" for c in ("H5", "P2", "K3", "P3")},
    **{c: "Secure homes and children's homes" for c in PLACE_SECURE_AND_CHILDRENS_HOMES},
    **{c: "Other residential settings" for c in PLACE_OTHER_RESIDENTIAL},
    "S1": "Residential schools",
    **{c: "Other placements" for c in PLACE_OTHER | PLACE_TEMPORARY},
}
PLACE_GROUP_ORDER = (
    "Foster placements",
    "Placed for adoption",
    "Placed with parents or other person with parental responsibility",
    "Independent and semi-independent living / supported accommodation",
    "Secure homes and children's homes",
    "Other residential settings",
    "Residential schools",
    "Other placements",
)

#: Placement types that must carry no PLACE_PROVIDER (rules 178, 213).
PLACE_NO_PROVIDER = PLACE_TEMPORARY | PLACE_OTHER
#: Placement types that need no URN (rule 218); everything else expects one in England.
PLACE_NO_URN = frozenset({"P1", "P3", "R1", "R2", "R5"}) | PLACE_TEMPORARY | PLACE_OTHER
#: Minimum age at placement start for some types (rules 371-374).
PLACE_MIN_AGE: dict[str, int] = {"K3": 16, "H5": 16, "P2": 16, "P3": 14, "R5": 10, "S1": 4}

PLACE_PROVIDER = _codes(
    [
        ("PR0", "Parent(s) or other person(s) with parental responsibility"),
        ("PR1", "Own provision (by the LA), including a regional adoption agency it hosts"),
        ("PR2", "Other LA provision"),
        ("PR3", "Other public provision (e.g. health)"),
        ("PR4", "Private provision"),
        ("PR5", "Voluntary/third sector provision"),
    ],
    "PLACE_PROVIDER",
)
#: The authority's own provision ("in-house").
PROVIDER_IN_HOUSE = frozenset({"PR1"})
#: Provider code for parents (or others with parental responsibility): only with PLACE P1 (rule 550).
PROVIDER_PARENTS = "PR0"
#: Placement types each provider cannot go with (rules 527 PR1, 528 PR2, 529 PR3, 530 PR4, 531 PR5).
PROVIDER_EXCLUDED_PLACES: dict[str, frozenset[str]] = {
    "PR1": frozenset({"P1", "R2", "R5"}),
    "PR2": frozenset({"P1", "R2", "R5"}),
    "PR3": frozenset({"P1", "K1", "K2"}) | PLACE_ADOPTION | PLACE_FOSTER,
    "PR4": frozenset({"P1"}),
    "PR5": frozenset({"P1"}),
}
PROVIDER_GROUPS: dict[str, str] = {
    "PR0": "Parents",
    "PR1": "Own provision",
    "PR2": "Other LA",
    "PR3": "Other public",
    "PR4": "Private",
    "PR5": "Voluntary",
}

REC = _codes(
    [
        ("X1", "Episode ceases and new episode begins on the same day"),
        ("E11", "Adopted: application unopposed"),
        ("E12", "Adopted: consent dispensed with by the court"),
        ("E13", "Left care to live with parent(s), relative(s) or others without parental responsibility"),
        ("E14", "Accommodation on remand ended"),
        ("E15", "Age assessment determined child is 18 or over"),
        ("E16", "Child moved abroad"),
        ("E17", "Aged 18 or over and remained with current carers"),
        ("E2", "Died"),
        ("E3", "Care taken over by another LA in the UK"),
        ("E41", "Residence order or child arrangements order granted"),
        ("E43", "Special guardianship order made to former foster carers", FIRST_YEAR, 2018),
        ("E44", "Special guardianship order made to carers other than former foster carers", FIRST_YEAR, 2018),
        ("E45", "SGO to former foster carer(s) who are relatives or friends", 2019),
        ("E46", "SGO to former foster carer(s) who are not relatives or friends", 2019),
        ("E47", "SGO to carer(s) other than former foster carers, relatives or friends", 2019),
        ("E48", "SGO to carer(s) other than former foster carers, not relatives or friends", 2019),
        ("E4A", "Returned home to parent(s) as part of the care plan"),
        ("E4B", "Returned home to parent(s) not as part of the care plan"),
        ("E5", "Moved to independent living with supportive accommodation"),
        ("E6", "Moved to independent living with no formal support"),
        ("E7", "Transferred to residential care funded by adult social care"),
        ("E8", "Period of being looked after ceased for any other reason"),
        ("E9", "Sentenced to custody"),
    ],
    "REC",
)
REC_CONTINUES = "X1"
REC_ADOPTED = frozenset({"E11", "E12"})
REC_SGO = frozenset({"E43", "E44", "E45", "E46", "E47", "E48"})
REC_CAO = frozenset({"E41"})
REC_HOME = frozenset({"E4A", "E4B", "E13"})
REC_DIED = frozenset({"E2"})
REC_TRANSFERRED = frozenset({"E3"})
#: Reasons after which no further episode may follow: died, age assessed as 18+ (rule 437).
REC_NO_FURTHER_EPISODES = frozenset({"E2", "E15"})
#: Leaving-care reasons that only apply at 18 or over / moving on to adulthood.
REC_ADULTHOOD = frozenset({"E5", "E6", "E7", "E17"})
#: Ceasing reasons grouped as the strategy reports them.
REC_GROUPS: dict[str, str] = {
    **{c: "Adoption" for c in REC_ADOPTED},
    **{c: "Special guardianship order" for c in REC_SGO},
    **{c: "Child arrangements order" for c in REC_CAO},
    **{c: "Returned home" for c in REC_HOME},
    **{c: "Turned 18 / independent living" for c in REC_ADULTHOOD},
    **{c: "Other" for c in ("E14", "E15", "E16", "E2", "E3", "E8", "E9")},
}
REC_GROUP_ORDER = (
    "Adoption",
    "Special guardianship order",
    "Child arrangements order",
    "Returned home",
    "Turned 18 / independent living",
    "Other",
)
#: Non-DfE code written by LIIA repair rules; read but never valid.
REC_LIIA_REPAIRED = "E99"

REASON_PLACE_CHANGE = _codes(
    [
        ("CARPL", "Change to/implementation of care plan"),
        ("CLOSE", "Resignation/closure of provision"),
        ("ALLEG", "Allegation (s47)"),
        ("STAND", "Standards of care concern"),
        ("APPRR", "Approval removed"),
        ("CREQB", "Carer(s) requests placement end due to child's behaviour"),
        ("CREQO", "Carer(s) requests placement end other than due to child's behaviour"),
        ("CHILD", "Child requests placement end"),
        ("LAREQ", "Responsible/area authority requests placement end"),
        ("PLACE", "Change in the status of placement only"),
        ("CUSTOD", "Custody arrangement", 2019),
        ("OTHER", "Other"),
    ],
    "REASON_PLACE_CHANGE",
)
#: Default grouping of placement endings into unplanned disruption vs planned moves
#: (methods.md §2.3; needs practitioner sign-off, so analysis functions take it as a parameter).
PLACE_CHANGE_DISRUPTION = frozenset({"CREQB", "CHILD", "ALLEG", "STAND", "APPRR"})
PLACE_CHANGE_PLANNED = frozenset({"CARPL", "PLACE"})
PLACE_CHANGE_GROUPS: dict[str, str] = {
    **{c: "Disruption" for c in PLACE_CHANGE_DISRUPTION},
    **{c: "Planned" for c in PLACE_CHANGE_PLANNED},
    **{c: "Other" for c in ("CLOSE", "CREQO", "LAREQ", "CUSTOD", "OTHER")},
}

# ---------------------------------------------------------------------------------------------
# Other tables
# ---------------------------------------------------------------------------------------------
REVIEW_CODE = _codes(
    [
        ("PN0", "Child aged under 4 at the time of review"),
        ("PN1", "Child physically attends and speaks for themselves"),
        ("PN2", "Child physically attends and an advocate speaks on their behalf"),
        ("PN3", "Child attends and conveys views symbolically (non-verbally)"),
        ("PN4", "Child physically attends but does not speak or convey views"),
        ("PN5", "Child does not attend physically but briefs an advocate"),
        ("PN6", "Child does not attend but conveys feelings by another method"),
        ("PN7", "Child does not attend or convey views"),
    ],
    "REVIEW_CODE",
)
SDQ_REASON = _codes(
    [
        ("SDQ1", "No form returned: child under 4 or over 16 at the date of the latest assessment"),
        ("SDQ2", "Carer refused to complete the questionnaire"),
        ("SDQ3", "Not possible because of the severity of the child's disability"),
        ("SDQ4", "Other"),
        ("SDQ5", "Child or young person refused"),
    ],
    "SDQ_REASON",
)
SDQ_MIN, SDQ_MAX = 0, 40
#: SDQ total difficulties bands (LG Inform 2135 / DfE): normal 0-13, borderline 14-16,
#: cause for concern 17-40.
SDQ_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Normal", 0, 13),
    ("Borderline", 14, 16),
    ("Cause for concern", 17, 40),
)
SDQ_CONCERN_THRESHOLD = 17

YES_NO = _codes([("0", "No"), ("1", "Yes")], "YES_NO")
#: OC2 0/1 flag columns.
OC2_FLAGS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)

IN_TOUCH = _codes(
    [
        ("YES", "In touch"),
        ("NO", "Not in touch"),
        ("DIED", "Died since leaving care"),
        ("REFU", "Young person refuses contact"),
        ("NREQ", "Young person no longer requires services"),
        ("RHOM", "Returned home to parents for 6 or more months"),
    ],
    "IN_TOUCH",
)
#: DfE excludes these from the care-leaver denominators.
IN_TOUCH_EXCLUDED = frozenset({"DIED", "RHOM"})
#: Information not known because the LA is not in touch (DfE "information not known").
IN_TOUCH_NOT_KNOWN = frozenset({"NO", "REFU", "NREQ"})
#: The authority is in touch (activity and accommodation must then be known, rule 345).
IN_TOUCH_YES = "YES"

ACTIV = _codes(
    [
        ("F1", "Full-time higher education"),
        ("P1", "Part-time higher education"),
        ("F2", "Full-time education other than higher education"),
        ("P2", "Part-time education other than higher education"),
        ("F3", "Full-time training or employment", FIRST_YEAR, 2021),
        ("P3", "Part-time training or employment", FIRST_YEAR, 2021),
        ("F4", "Full-time apprenticeship", 2022),
        ("P4", "Part-time apprenticeship", 2022),
        ("F5", "Full-time training or employment (not apprenticeship)", 2022),
        ("P5", "Part-time training or employment (not apprenticeship)", 2022),
        ("G4", "Not in education, training or employment owing to illness or disability"),
        ("G5", "Not in education, training or employment, other circumstances"),
        ("G6", "Not in education, training or employment owing to pregnancy or parenting"),
        ("0", "Activity not known or not applicable"),
    ],
    "ACTIV",
)
ACTIV_HIGHER_EDUCATION = frozenset({"F1", "P1"})
ACTIV_OTHER_EDUCATION = frozenset({"F2", "P2"})
ACTIV_APPRENTICESHIP = frozenset({"F4", "P4"})
ACTIV_TRAINING_EMPLOYMENT = frozenset({"F3", "P3", "F5", "P5"})
ACTIV_EET = ACTIV_HIGHER_EDUCATION | ACTIV_OTHER_EDUCATION | ACTIV_APPRENTICESHIP | ACTIV_TRAINING_EMPLOYMENT
ACTIV_NEET = frozenset({"G4", "G5", "G6"})
ACTIV_NOT_KNOWN = frozenset({"0"})

_ACCOM_TYPES = {
    "B": "With parents or relatives",
    "C": "Community home or other residential care",
    "D": "Semi-independent transitional / registered supported accommodation",
    "E": "Supported lodgings",
    "G": "Gone abroad",
    "H": "Deported",
    "K": "Ordinary lodgings without formal support",
    "R": "Residence not known",
    "S": "No fixed abode / homeless",
    "T": "Foyers and similar",
    "U": "Independent living",
    "V": "Emergency accommodation",
    "W": "Bed and breakfast",
    "X": "In custody",
    "Y": "Other accommodation",
    "Z": "With former foster carers (staying put)",
}
ACCOM = _codes(
    [
        (f"{letter}{digit}", f"{label}: {'suitable' if digit == '1' else 'not suitable'}")
        for letter, label in _ACCOM_TYPES.items()
        for digit in ("1", "2")
        # homelessness and custody are never suitable (validator rule 133)
        if not (digit == "1" and letter in ("S", "X"))
    ]
    + [("0", "Accommodation not known or not applicable")],
    "ACCOM",
)
ACCOM_TYPE_LABELS: dict[str, str] = dict(_ACCOM_TYPES)
#: DfE excludes these accommodation types from the suitability denominator.
ACCOM_EXCLUDED_FROM_SUITABILITY = frozenset({"G", "H", "R"})
ACCOM_STAYING_PUT = "Z"
#: Accommodation not known or not applicable (rules 344/345).
ACCOM_NOT_KNOWN = frozenset({"0"})


def accom_type(code: str) -> str | None:
    """Letter (type) of an ACCOM code, or ``None`` for ``0``/blank/unknown."""
    return code[0] if isinstance(code, str) and len(code) == 2 and code[0] in _ACCOM_TYPES else None


def accom_suitable(code: str) -> bool | None:
    """Whether an ACCOM code is suitable (suffix 1), unsuitable (2) or unknown (``None``)."""
    if not isinstance(code, str) or len(code) != 2:
        return None
    return {"1": True, "2": False}.get(code[1])


AD1_SEX_ADOPTR = _codes(
    [
        ("M1", "Single male"),
        ("F1", "Single female"),
        ("MM", "Male couple"),
        ("FF", "Female couple"),
        ("MF", "Male and female couple"),
    ],
    "SEX_ADOPTR",
)
AD1_LS_ADOPTR = _codes(
    [
        ("L0", "Single adopter"),
        ("L11", "Married couple, different sex"),
        ("L12", "Married couple, same sex"),
        ("L2", "Civil partnership couple"),
        ("L3", "Unmarried couple, different sex"),
        ("L4", "Unmarried couple, same sex"),
    ],
    "LS_ADOPTR",
)
AD1_NB_ADOPTR = _codes([("1", "Single adopter"), ("2", "Couple")], "NB_ADOPTR")
REASON_PLACED_CEASED = _codes(
    [
        ("RD1", "Child's needs changed after the decision"),
        ("RD2", "Court did not make a placement order"),
        ("RD3", "Prospective adopters could not be found"),
        ("RD4", "Any other reason"),
    ],
    "REASON_PLACED_CEASED",
)
PREV_PERM = _codes(
    [
        ("P1", "Adoption"),
        ("P2", "Special guardianship order"),
        ("P3", "Residence order or child arrangements order"),
        ("P4", "Unknown"),
        ("Z1", "No previous permanence option"),
    ],
    "PREV_PERM",
)
MISSING = _codes(
    [
        ("M", "Missing from care"),
        ("A", "Away from placement without authorisation"),
    ],
    "MISSING",
)
SW_REASON = _codes(
    [
        ("MANAGE", "Management decision"),
        ("FCONTA", "First contact"),
        ("LEFTRL", "Social worker left role"),
        ("ORGRST", "Organisational restructure"),
        ("TSPROC", "Transfer between teams or processes"),
        ("ABSENC", "Social worker absence"),
        ("CHCHAN", "Child's circumstances changed"),
        ("PCCHAN", "Placement or carer change"),
        ("SWDIED", "Social worker died"),
        ("OTHERS", "Other"),
    ],
    "SW_REASON",
)

#: PL_LOCATION values: placed inside / outside the responsible authority's boundary.
PL_LOCATION_IN = "IN"
PL_LOCATION_OUT = "OUT"

#: Placement-location values derived by DfE (never in an LA extract): outside-England markers.
PL_LA_OUTSIDE_ENGLAND = frozenset({"WAL", "SCO", "NIR", "NUK"})

#: Every code list keyed by the 903 column it validates (one table may share a column name).
CODE_LISTS: dict[str, CodeList] = {
    "SEX": SEX,
    "ETHNIC": ETHNIC,
    "MOTHER": MOTHER,
    "RNE": RNE,
    "LS": LS,
    "CIN": CIN,
    "PLACE": PLACE,
    "PLACE_PROVIDER": PLACE_PROVIDER,
    "REC": REC,
    "REASON_PLACE_CHANGE": REASON_PLACE_CHANGE,
    "REVIEW_CODE": REVIEW_CODE,
    "SDQ_REASON": SDQ_REASON,
    "IN_TOUCH": IN_TOUCH,
    "ACTIV": ACTIV,
    "ACCOM": ACCOM,
    "SEX_ADOPTR": AD1_SEX_ADOPTR,
    "LS_ADOPTR": AD1_LS_ADOPTR,
    "NB_ADOPTR": AD1_NB_ADOPTR,
    "FOSTER_CARE": YES_NO,
    "REASON_PLACED_CEASED": REASON_PLACED_CEASED,
    "PREV_PERM": PREV_PERM,
    "MISSING": MISSING,
    "SW_REASON": SW_REASON,
    **{flag: YES_NO for flag in OC2_FLAGS},
}


def sdq_band(score: float | int | None) -> str | None:
    """SDQ band of a total difficulties score (``None`` when missing or out of range)."""
    if score is None or score != score:  # NaN check without importing numpy
        return None
    for name, low, high in SDQ_BANDS:
        if low <= score <= high:
            return name
    return None
