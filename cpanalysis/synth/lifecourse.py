"""The microsimulation: each child's life through care, day by day in whole days.

Children enter care (age, sex, ethnicity, category of need, legal status, UASC), follow a care
plan (return home, special guardianship, child arrangements order, adoption, long-term care to
18), and live through placements whose type, provider, location and length depend on their age,
legal status, plan and history. Placement moves come from a hazard that rises with a child's own
instability (a gamma "frailty", so a few children move a lot) and falls in long-term and kinship
placements. Legal statuses move C1 -> C2 -> E1 -> adoption; foster placements are redesignated
long-term with the same carers (RNE T); temporary placements (T0-T4) return to the same carers.

Dates are proleptic ordinals (``datetime.date.toordinal``). Everything random comes from one
``numpy.random.Generator``, consumed in a fixed order, so a seed gives identical output.

Episodes are built from two timelines (legal status and placement spells), so the RNE of every
new episode follows from what changed (ssda903.md §2.5): legal status only ``L``; new carers ``P``;
same carers, new placement record ``T``; both with new carers ``B``; both with the same carers ``U``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from cpanalysis import codes
from cpanalysis.synth import params
from cpanalysis.synth.params import C
from cpanalysis.synth.places import Places, urn_for

# Dates where DfE changed what may be recorded.
P2_LAST_DAY = dt.date(2023, 10, 27).toordinal()  # P2 invalid for episodes open on/after 28 Oct 2023
K3_FIRST_DAY = dt.date(2024, 4, 1).toordinal()  # registered supported accommodation (2024-25 code)
H5_LAST_START = dt.date(2024, 3, 31).toordinal()
P2_LAST_START = dt.date(2023, 3, 31).toordinal()
Z1_LAST_DAY = dt.date(2025, 3, 30).toordinal()  # Z1 retired 2025-26 (Z11-Z14 instead)
Z1X_FIRST_DAY = dt.date(2025, 4, 1).toordinal()
NEW_SGO_CODES_FROM = dt.date(2018, 4, 1).toordinal()  # E45-E48 replace E43/E44 (2018-19)
CUSTOD_FROM = dt.date(2018, 4, 1).toordinal()
PREV_PERM_FROM = dt.date(2016, 4, 1).toordinal()  # PrevPerm: children starting care from then

SUPPORTED = "supported"
ADOPTION = "adoption"
XXX_URN = "XXXXXXX"


def birthday(dob: int, years: int) -> int:
    """Ordinal of the ``years``-th birthday (29 February birthdays fall on 1 March)."""
    born = dt.date.fromordinal(dob)
    try:
        return dt.date(born.year + years, born.month, born.day).toordinal()
    except ValueError:
        return dt.date(born.year + years, 3, 1).toordinal()


def age_on(dob: int, day: int) -> int:
    """Completed years of age on ``day``."""
    born, then = dt.date.fromordinal(dob), dt.date.fromordinal(day)
    return then.year - born.year - ((then.month, then.day) < (born.month, born.day))


def reporting_year(day: int) -> int:
    """Year ending 31 March that contains ``day``."""
    d = dt.date.fromordinal(day)
    return d.year + 1 if d.month >= 4 else d.year


def is_31_march(day: int) -> bool:
    d = dt.date.fromordinal(day)
    return d.month == 3 and d.day == 31


@dataclass(slots=True)
class Segment:
    """A spell with one placement record (same type, provider, postcode, carers)."""

    start: int
    end: int
    carer: int
    place: str
    provider: str | None
    post: int | None
    urn: str | None
    reason: str | None = None  # REASON_PLACE_CHANGE when the spell ends with a placement change
    temporary: bool = False


@dataclass(slots=True)
class Episode:
    start: int
    end: int
    rne: str
    ls: str
    cin: str
    place: str
    provider: str | None
    rec: str
    reason: str | None
    home: int | None
    post: int | None
    urn: str | None
    temporary: bool
    carer: int


@dataclass(slots=True)
class Period:
    """One period of care (a chain of episodes from an ``S`` to an exit)."""

    start: int
    end: int
    plan: str
    episodes: list[Episode]
    respite: bool = False
    missing: list[tuple[str, int, int]] = field(default_factory=list)
    reviews: list[tuple[int, str]] = field(default_factory=list)
    decisions: list[tuple[int, int | None, str | None]] = field(default_factory=list)
    ad1: tuple | None = None
    prev_perm: tuple[str, str, str] | None = None


@dataclass(slots=True)
class Child:
    """One synthetic child and everything recorded about them."""

    child_id: str
    sex: str
    dob: int
    ethnic: str
    cin: str
    uasc: bool
    upn: str
    instability: float
    missing_propensity: float
    sdq_level: float
    eet_propensity: float
    special: str = ""  # "N3/N5" marks: "UN3"/"UN5" UPN, or "" for none
    mc_dob: int | None = None
    duc: int | None = None
    periods: list[Period] = field(default_factory=list)
    sw: list[tuple[str, int, int, str]] = field(default_factory=list)
    oc2: dict[int, tuple] = field(default_factory=dict)
    oc3: dict[int, tuple[str, str, str]] = field(default_factory=dict)


def _lognormal(
    rng: np.random.Generator, median_sigma: tuple[float, float], factor: float = 1.0
) -> float:
    median, sigma = median_sigma
    return median * factor * float(np.exp(sigma * rng.standard_normal()))


def choose(rng: np.random.Generator, table: dict[str, float]) -> str:
    """A key of ``table`` drawn with probability proportional to its weight."""
    point = rng.random() * sum(table.values())
    for key, weight in table.items():
        point -= weight
        if point < 0:
            return key
    return key


def _band(table: tuple, age: float) -> dict[str, float]:
    for upper, dist in table:
        if age < upper:
            return dist
    return table[-1][1]


def upn_check_letter(digits12: str) -> str:
    """DfE UPN check letter: sum of digit x weight (2..13), mod 23, into A-Z without I, O, S."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(int(d) * w for d, w in zip(digits12, range(2, 14), strict=True))
    return letters[total % 23]


class Simulation:
    """Simulate every child of one authority between ``start`` and ``end`` (ordinals).

    Parameters
    ----------
    profile : params.Profile
        The authority's sizes and rates.
    places : Places
        Its postcode pools.
    rng : numpy.random.Generator
        The only source of randomness.
    start, end : int
        First day children may enter care (a burn-in long before the first return, so the
        stock on the first 1 April is fully formed) and the last day simulated (the as-at date).
    id_prefix : str
        Prepended to child ids (used to keep ids distinct across authorities).
    relevant_from : int
        First day of the first return written. Children who are past care-leaver age (22) by
        then are not simulated, and reviews and missing periods are only drawn for periods of
        care that reach it: both only save time, the returns are the same.
    """

    def __init__(
        self,
        profile: params.Profile,
        places: Places,
        rng: np.random.Generator,
        start: int,
        end: int,
        id_prefix: str = "",
        relevant_from: int = 0,
    ) -> None:
        self.profile = profile
        self.relevant_from = relevant_from
        self.places = places
        self.rng = rng
        self.start = start
        self.end = end
        self.id_prefix = id_prefix
        self.children: list[Child] = []
        self._carer = 0
        self._ids: set[str] = set()
        self.agency_urn = urn_for(places.la_code, "fostering agency")
        self.adoption_urn = urn_for(places.la_code, "adoption agency")
        self.ifa_urns = [urn_for(f"ifa{k}", "independent fostering agency") for k in range(12)]

    # -----------------------------------------------------------------------------------------
    # Entry
    # -----------------------------------------------------------------------------------------
    def run(self) -> list[Child]:
        """Simulate all entries from ``start`` to ``end``; returns the children."""
        first_year, last_year = reporting_year(self.start), reporting_year(self.end)
        entries: list[tuple[int, str]] = []
        for year in range(first_year, last_year + 1):
            y_start = max(dt.date(year - 1, 4, 1).toordinal(), self.start)
            y_end = min(dt.date(year, 3, 31).toordinal(), self.end)
            if y_end < y_start:
                continue
            share = (y_end - y_start + 1) / 365.0
            starts = self.profile.for_year(self.profile.starts, year)
            uasc = self.profile.for_year(self.profile.uasc_starts, year)
            # about 3% of starts are children re-entering care (generated by the model itself)
            new = max(0.0, starts * 0.97 - uasc)
            for kind, mean in (("child", new), ("uasc", uasc), ("respite", 2.0)):
                # UASC arrive through the National Transfer Scheme quota: a steady number
                count = (
                    round(mean * share) if kind == "uasc" else int(self.rng.poisson(mean * share))
                )
                for _ in range(count):
                    day = int(self.rng.integers(y_start, y_end + 1))
                    entries.append((day, kind))
        entries.sort()
        for day, kind in entries:
            if kind == "respite":
                self._respite_child(day)
            else:
                self._new_child(day, uasc=kind == "uasc")
        return self.children

    def _child_id(self) -> str:
        while True:
            candidate = f"{self.id_prefix}{int(self.rng.integers(100_000, 10_000_000))}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def _upn(self) -> str:
        digits = f"{self.profile.dfe_number}{int(self.rng.integers(0, 10**9)):09d}"
        return upn_check_letter(digits) + digits

    def _new_child(self, day: int, uasc: bool) -> None:
        rng = self.rng
        if uasc:
            age = float(choose(rng, {14: 0.08, 15: 0.22, 16: 0.40, 17: 0.30})) + rng.random() * 0.95
            sex = "M" if rng.random() < params.UASC_MALE_SHARE else "F"
            ethnic = _pick(rng, params.UASC_ETHNICITY)
            cin = _pick(rng, params.UASC_CIN)
        else:
            bands = params.ENTRY_AGE_BANDS
            k = int(choose(rng, {i: b[2] for i, b in enumerate(bands)}))
            age = bands[k][0] + rng.random() * (bands[k][1] - bands[k][0])
            sex = "M" if rng.random() < params.MALE_SHARE else "F"
            ethnic = _pick(rng, params.ETHNICITY)
            cin = _pick(rng, params.CIN)
        dob = day - int(age * 365.25)
        if dob >= day:
            dob = day - 1
        if self.relevant_from and birthday(dob, 22) < self.relevant_from:
            return  # out of care and past care-leaver age before the first return: never written
        instability = float(rng.gamma(params.INSTABILITY_SHAPE, 1 / params.INSTABILITY_SHAPE))
        special = ""
        roll = rng.random()
        if not uasc and roll < 0.005:
            special = C.UPN.UN3
        elif not uasc and roll < 0.008:
            special = C.UPN.UN5
        child = Child(
            child_id=self._child_id(),
            sex=sex,
            dob=dob,
            ethnic=ethnic,
            cin=cin,
            uasc=uasc,
            upn=self._upn(),
            instability=instability,
            missing_propensity=float(rng.gamma(0.35, 1 / 0.35)),
            sdq_level=float(
                12.3
                + rng.normal(0, 4.4)
                + (1.0 if sex == "M" else 0.0)
                + (3.0 if cin == C.CIN.N2 else 0.0)
                + 1.2 * min(instability, 3.0)
                - (1.5 if uasc else 0.0)
                + self.profile.sdq_shift
            ),
            eet_propensity=float(rng.standard_normal()),
            special=special,
        )
        if sex == "F" and not uasc and rng.random() < 0.04:
            # a young mother: her baby is born between 14.5 and 17.8 (only kept if in care then)
            child.mc_dob = dob + int((14.5 + rng.random() * 3.3) * 365.25)
        self.children.append(child)
        self._period(child, day)

    def _respite_child(self, day: int) -> None:
        """A disabled child on an agreed series of short breaks (LS V3), one episode per break."""
        rng = self.rng
        age = 5 + rng.random() * 10
        child = Child(
            child_id=self._child_id(),
            sex="M" if rng.random() < 0.62 else "F",
            dob=day - int(age * 365.25),
            ethnic=_pick(rng, params.ETHNICITY),
            cin=C.CIN.N2,
            uasc=False,
            upn=self._upn(),
            instability=1.0,
            missing_propensity=0.0,
            sdq_level=18.0,
            eet_propensity=0.0,
        )
        self.children.append(child)
        stop = min(
            day + int(365 * (1 + 3 * rng.random())), birthday(child.dob, 18) - 30, self.end + 400
        )
        t = day
        carer = self._new_carer()
        while t < stop:
            if is_31_march(t) or _is_1_april(t):
                t += 2
            nights = int(rng.integers(2, 5))
            end = t + nights
            episode = Episode(
                t, end, codes.RNE_START, C.LS.V3, C.CIN.N2, C.PLACE.R1, C.PLACE_PROVIDER.PR1,
                C.REC.E4A, None, None, None, None, False, carer,
            )  # fmt: skip
            child.periods.append(
                Period(t, end, "respite", [episode], respite=True, prev_perm=self._prev_perm())
            )
            t = end + int(rng.integers(24, 60))

    # -----------------------------------------------------------------------------------------
    # A period of care
    # -----------------------------------------------------------------------------------------
    def _new_carer(self) -> int:
        self._carer += 1
        return self._carer

    def _prev_perm(self) -> tuple[str, str, str]:
        rng = self.rng
        kind = choose(
            rng,
            {
                C.PREV_PERM.Z1: 88.0, C.PREV_PERM.P1: 1.5, C.PREV_PERM.P2: 3.5,
                C.PREV_PERM.P3: 2.0, C.PREV_PERM.P4: 5.0,
            },
        )  # fmt: skip
        if kind == C.PREV_PERM.Z1:
            return kind, "", ""
        year = int(rng.integers(2008, 2016))
        la = self.profile.dfe_number if rng.random() < 0.6 else "999"
        date = (
            f"ZZ/{int(rng.integers(1, 13)):02d}/{year}"
            if rng.random() < 0.3
            else (
                dt.date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29))).strftime(
                    "%d/%m/%Y"
                )
            )
        )
        return kind, la, date

    def _period(self, child: Child, t0: int) -> None:
        rng = self.rng
        if _is_1_april(t0):
            t0 += 1
        b18 = birthday(child.dob, 18)
        if t0 >= b18 - 2:
            return
        age0 = (t0 - child.dob) / 365.25
        stay = self.profile.for_year(self.profile.stay_factor, reporting_year(t0))
        legal: list[tuple[int, str]] = []
        events: list[tuple[int, str]] = []  # forced placement changes
        decisions: list[tuple[int, int | None, str | None]] = []
        plan_info: dict = {}

        if child.uasc:
            plan, exit_day, exit_kind = self._uasc_plan(child, t0, b18)
            legal.append((t0, C.LS.V2))
        else:
            plan, exit_day, exit_kind = self._plan(
                child, t0, age0, b18, stay, legal, events, decisions, plan_info
            )
        exit_day = min(exit_day, b18)
        if exit_day <= t0 + 1:
            exit_day = t0 + 2
        if is_31_march(exit_day):
            exit_day += 1 if exit_kind == "18" else -1
        if exit_day <= t0 + 1 or (exit_kind != "18" and exit_day >= b18):
            exit_day = min(max(t0 + 2, exit_day), b18 - 1)
            if exit_kind != "18" and exit_day >= b18 - 1:
                exit_kind = "18"
                exit_day = b18 if not is_31_march(b18) else b18 + 1
        legal = [(d, ls) for d, ls in legal if d < exit_day]
        events = [(d, e) for d, e in sorted(events) if t0 < d < exit_day]
        if exit_day < self.relevant_from and exit_day < birthday(child.dob, 14):
            # Over before the first return and before 14 (so no care-leaver history): nothing
            # of it is ever written, so its placements are not simulated (saves most of the time).
            child.periods.append(Period(t0, exit_day, plan, []))
            if exit_kind == "home":
                self._maybe_return(child, exit_day, _pick(rng, params.HOME_EXIT), b18)
            return
        home = None if child.uasc else self.places.home(rng)
        segments = self._placements(child, t0, exit_day, legal, events, plan, home, plan_info)
        rec = self._exit_reason(child, exit_kind, exit_day, segments[-1], plan_info)
        episodes = self._episodes(child, t0, exit_day, legal, segments, rec, home)
        period = Period(t0, exit_day, plan, episodes, decisions=decisions)
        if t0 >= PREV_PERM_FROM:
            period.prev_perm = self._prev_perm()
        if rec in codes.REC_ADOPTED:
            period.ad1 = self._ad1(plan_info, segments)
        if exit_day >= self.relevant_from:  # only periods reaching the returns need these
            self._missing(child, period, segments)
            self._reviews(child, period)
        child.periods.append(period)
        if child.uasc and child.duc is None:
            child.duc = exit_day if exit_kind == "age_assessed" else b18
        self._maybe_return(child, exit_day, rec, b18)

    def _maybe_return(self, child: Child, exit_day: int, rec: str, b18: int) -> None:
        """Some children who go home come back into care (a new period, RNE S)."""
        rng = self.rng
        if (
            rec in codes.REC_HOME
            and rng.random() < params.RE_ENTRY_WITHIN_TWO_YEARS
            and age_on(child.dob, exit_day) < 15
        ):
            again = exit_day + int(30 + rng.random() * 700)
            if again < min(self.end, b18 - 400):
                self._period(child, again)

    def _uasc_plan(self, child: Child, t0: int, b18: int) -> tuple[str, int, str]:
        rng = self.rng
        kind = choose(rng, params.UASC_EXIT)
        if kind == "at18":
            return "to18", b18, "18"
        if kind == "age_assessed":
            return "uasc", t0 + int(rng.integers(20, 150)), "age_assessed"
        if kind == "transferred":
            return "uasc", t0 + int(rng.integers(5, 60)), "transferred"
        return "uasc", t0 + int(rng.integers(30, 400)), "other"

    def _plan(
        self,
        child: Child,
        t0: int,
        age0: float,
        b18: int,
        stay: float,
        legal: list,
        events: list,
        decisions: list,
        info: dict,
    ) -> tuple[str, int, str]:
        """Choose the care plan, legal-status timeline and exit; returns (plan, exit day, kind)."""
        rng = self.rng
        plan = choose(rng, _band(params.PLANS, age0))
        ls = choose(rng, _band(params.ENTRY_LEGAL, age0))
        if ls in (C.LS.J1, C.LS.J2, C.LS.J3) and age0 < 10:
            ls = C.LS.V2
        legal.append((t0, ls))
        t = t0
        # emergency statuses last days, then become an interim care order or s20
        if ls in (C.LS.L1, C.LS.L2, C.LS.L3):
            t = (
                t0
                + {
                    C.LS.L1: int(rng.integers(1, 3)),
                    C.LS.L2: int(rng.integers(3, 21)),
                    C.LS.L3: int(rng.integers(1, 7)),
                }[ls]
            )
            if plan == "home" and rng.random() < 0.35:
                return plan, t, "home"
            ls = C.LS.C1 if (rng.random() < 0.65 or plan == ADOPTION) else C.LS.V2
            legal.append((t, ls))
        if ls in (C.LS.J1, C.LS.J2, C.LS.J3):
            days = {
                C.LS.J1: _lognormal(rng, (45.0, 0.7)),
                C.LS.J2: 1 + rng.random() * 19,
                C.LS.J3: 60 + rng.random() * 240,
            }[ls]
            t_end = t0 + max(2, int(days))
            info["remand"] = True
            roll = rng.random()
            if ls == C.LS.J3:
                return "youth", t_end, "youth_order"
            if roll < 0.6:
                return "remand", t_end, "remand"
            if roll < 0.68 and ls == C.LS.J1:
                return "remand", t_end, "custody"
            ls = C.LS.V2
            legal.append((t_end, ls))
            events.append((t_end, "move"))  # remand ends: out of secure/custody, same day (RNE B)
            t = t_end
            plan = "home" if rng.random() < 0.5 else "to18"
        if plan == ADOPTION and ls == C.LS.V2 and rng.random() < 0.7:
            ls = C.LS.C1  # most adoptions go through care proceedings
            legal.append((t + int(rng.integers(10, 60)), ls))
        if ls == C.LS.V2 and plan not in (ADOPTION,) and age0 < 14 and rng.random() < 0.12:
            t = t + int(rng.integers(30, 200))
            ls = C.LS.C1
            legal.append((t, ls))
            if rng.random() < 0.4:
                events.append((t, "move"))  # moved when the interim care order is made (RNE B)

        final = None
        if ls == C.LS.C1:
            final = legal[-1][0] + int(_lognormal(rng, params.FINAL_HEARING))
            info["final"] = final

        if plan == ADOPTION:
            return self._adoption(child, t0, ls, final, legal, events, decisions, info, b18, stay)
        if plan in ("sgo", "cao"):
            total = t0 + int(
                _lognormal(rng, params.SGO_STAY if plan == "sgo" else params.CAO_STAY, stay)
            )
            if final is not None:
                if total <= final + 30:
                    total = final  # order made at the final hearing
                else:
                    legal.append((final, C.LS.C2))
            return plan, total, plan
        if plan == "home":
            total = t0 + int(_lognormal(rng, params.HOME_STAY, stay))
            if final is not None and total > final:
                legal.append((final, C.LS.C2))
                if total - final > 120 and rng.random() < 0.5:
                    events.append(
                        (max(final + 1, total - int(rng.integers(60, 200))), "with_parents")
                    )
            return plan, total, "home"
        # long-term care: most stay to 18; some leave earlier through SGO, home or a CAO
        if final is not None:
            legal.append((final, C.LS.C2))
        if plan == "to18":
            if age0 < 17 and rng.random() < 0.35:
                events.append(
                    (max(t0 + 60, birthday(child.dob, 17) + int(rng.integers(0, 200))), SUPPORTED)
                )
            return plan, b18, "18"
        total = t0 + int(_lognormal(rng, params.LONGTERM_STAY, stay))
        if total >= b18:
            if rng.random() < 0.35:
                events.append(
                    (max(t0 + 60, birthday(child.dob, 17) + int(rng.integers(0, 200))), SUPPORTED)
                )
            return plan, b18, "18"
        kind = choose(rng, {"sgo": 35, "home": 50, "cao": 15})
        return plan, total, kind

    def _adoption(
        self,
        child: Child,
        t0: int,
        ls: str,
        final: int | None,
        legal: list,
        events: list,
        decisions: list,
        info: dict,
        b18: int,
        stay: float,
    ) -> tuple[str, int, str]:
        rng = self.rng
        consent = ls == C.LS.V2  # relinquished baby: placed with parental consent (A3/A4)
        decision = t0 + int(_lognormal(rng, params.ADOPTION_DECISION))
        if final is not None:
            decision = min(decision, final - int(rng.integers(20, 90)))
            decision = max(decision, t0 + 20)
            order = final
        else:
            order = decision + int(_lognormal(rng, params.PLACEMENT_ORDER_AFTER_DECISION))
        info["decision"] = decision
        fails = rng.random() < params.ADOPTION_PLAN_FAILS
        if fails and not consent and rng.random() < 0.35:
            # the court did not make a placement order
            decisions.append((decision, order, C.REASON_PLACED_CEASED.RD2))
            legal.append((order, C.LS.C2))
            return "longterm", self._after_failed(child, t0, b18, stay, events), "18_or_sgo"
        if not consent:
            legal.append((order, C.LS.E1))
        match = order + int(_lognormal(rng, params.MATCH_AFTER_ORDER))
        placed = match + int(_lognormal(rng, params.PLACED_AFTER_MATCH))
        if fails:
            ceased = order + int(_lognormal(rng, (200.0, 0.5)))
            reason = choose(
                rng,
                {
                    C.REASON_PLACED_CEASED.RD3: 40,
                    C.REASON_PLACED_CEASED.RD1: 35,
                    C.REASON_PLACED_CEASED.RD4: 25,
                },
            )
            decisions.append((decision, ceased, reason))
            if not consent:
                # the placement order is revoked when the decision ceases, so no E1 episode
                # outlives it (rule 553)
                legal.append((ceased, C.LS.C2))
            return (
                "longterm",
                self._after_failed(child, t0, b18, stay, events, after=ceased),
                "18_or_sgo",
            )
        decisions.append((decision, None, None))
        info.update(match=match, placed=placed, consent=consent)
        events.append((placed, ADOPTION))
        adopted = placed + max(70, int(_lognormal(rng, params.ADOPTION_ORDER_AFTER_PLACED)))
        return ADOPTION, adopted, ADOPTION

    def _after_failed(
        self, child: Child, t0: int, b18: int, stay: float, events: list, after: int | None = None
    ) -> int:
        total = (after or t0) + int(_lognormal(self.rng, (900.0, 0.6), stay))
        return min(total, b18)

    # -----------------------------------------------------------------------------------------
    # Placements
    # -----------------------------------------------------------------------------------------
    def _placement_kind(self, place: str, provider: str | None) -> str:
        if place in codes.PLACE_FOSTER_FAMILY_FRIENDS:
            return "kinship"
        if place in codes.PLACE_FOSTER:
            return "in_house_foster" if provider == C.PLACE_PROVIDER.PR1 else "external_foster"
        if place in codes.PLACE_ADOPTION:
            return "adoption"
        if place == C.PLACE.K1:
            return "secure"
        if place in (C.PLACE.K2, C.PLACE.R1, C.PLACE.S1, C.PLACE.R3):
            return "residential"
        if place == C.PLACE.R2:
            return "health"
        if place == C.PLACE.R5:
            return "custody"
        return "supported"

    def _supported_code(self, day: int, age: int) -> str:
        if day >= K3_FIRST_DAY:
            return C.PLACE.K3
        if day <= P2_LAST_START and age >= 17 and self.rng.random() < 0.3:
            return C.PLACE.P2
        return C.PLACE.H5

    def _new_placement(
        self,
        child: Child,
        day: int,
        ls: str,
        home: int | None,
        disruptions: int,
        forced: str | None = None,
    ) -> Segment:
        rng = self.rng
        age = age_on(child.dob, day)
        if forced is not None:
            place = forced
        elif ls in (C.LS.J1, C.LS.J2):
            place = choose(rng, params.REMAND_PLACEMENT_TYPES[age >= 15])
        else:
            table = dict(
                _band(params.UASC_PLACEMENT_TYPES if child.uasc else params.PLACEMENT_TYPES, age)
            )
            if disruptions >= 2 and age >= 11:
                table[C.PLACE.K2] = table.get(C.PLACE.K2, 0) * (1 + 0.4 * disruptions)
            if child.mc_dob is not None and 0 <= day - child.mc_dob < 365:
                table[C.PLACE.R3] = 40.0
            place = choose(rng, table)
        if place == SUPPORTED:
            place = self._supported_code(day, age)
        if place == C.PLACE.Z1 and day >= Z1X_FIRST_DAY:
            place = choose(rng, {C.PLACE.Z11: 1, C.PLACE.Z12: 1, C.PLACE.Z13: 1, C.PLACE.Z14: 1})
        if place in (C.PLACE.H5, C.PLACE.K3, C.PLACE.P2) and age < 16:
            place = C.PLACE.U6
        if place == C.PLACE.R5 and age < 10:
            place = C.PLACE.K1
        if place == C.PLACE.S1 and age < 4:
            place = C.PLACE.U6
        if place == C.PLACE.P3 and age < 14:
            place = C.PLACE.U6
        if place == C.PLACE.Z1 and day > Z1_LAST_DAY - 120:
            place = C.PLACE.U6
        return self._dress(child, day, place, home)

    def _dress(
        self, child: Child, day: int, place: str, home: int | None, carer: int | None = None
    ) -> Segment:
        """Provider, postcode and URN for a placement of type ``place`` starting on ``day``."""
        rng = self.rng
        provider: str | None
        if place in codes.PLACE_NO_PROVIDER:
            provider = None
        elif place == C.PLACE.P1:
            provider = codes.PROVIDER_PARENTS
        elif place in codes.PLACE_FOSTER_FAMILY_FRIENDS:
            provider = choose(rng, params.PROVIDERS["kinship"])
        elif place in codes.PLACE_FOSTER:
            if rng.random() < self.profile.in_house_foster:
                provider = C.PLACE_PROVIDER.PR1
            else:
                provider = C.PLACE_PROVIDER.PR4 if rng.random() < 0.85 else C.PLACE_PROVIDER.PR5
        elif place in codes.PLACE_ADOPTION:
            provider = choose(rng, params.PROVIDERS[ADOPTION])
        elif place in (C.PLACE.H5, C.PLACE.K3, C.PLACE.P2):
            provider = choose(rng, params.PROVIDERS[SUPPORTED])
        else:
            provider = choose(rng, params.PROVIDERS[place])
        if place == C.PLACE.P1:
            post = (
                home
                if (home is not None and rng.random() < 0.8)
                else (self.places.near_home(rng, home) if home is not None else None)
            )
        elif place in codes.PLACE_TEMPORARY:
            kind = "holiday" if place == C.PLACE.T2 else "temporary_local"
            post = self.places.placement(rng, home, kind)
        else:
            kind = self._placement_kind(place, provider)
            own = provider == C.PLACE_PROVIDER.PR1 and not (
                place in codes.PLACE_FOSTER or place in codes.PLACE_ADOPTION
            )
            post = self.places.placement(rng, home, kind, self.profile.far_placement, own)
        urn = self._urn(place, provider, post)
        return Segment(
            day, day, carer if carer is not None else self._new_carer(), place, provider, post, urn
        )

    def _urn(self, place: str, provider: str | None, post: int | None) -> str | None:
        # P2 (retired 2023) never had a URN either (rule 222)
        if (
            place in codes.PLACE_NO_URN
            or place == C.PLACE.P2
            or post is None
            or not self.places.in_england(post)
        ):
            return None
        if place in codes.PLACE_FOSTER or place in codes.PLACE_ADOPTION:
            if self.rng.random() < 0.3:
                return XXX_URN
            if provider == C.PLACE_PROVIDER.PR1:
                return self.adoption_urn if place in codes.PLACE_ADOPTION else self.agency_urn
            return self.ifa_urns[int(self.rng.integers(len(self.ifa_urns)))]
        return urn_for(self.places.postcode(post), "provider")

    def _hazard_days(self, child: Child, seg: Segment, first: bool) -> float:
        rng = self.rng
        if (
            first
            and rng.random() < params.EMERGENCY_FIRST_PLACEMENT
            and seg.place in codes.PLACE_FOSTER
        ):
            return 3 + rng.exponential(params.EMERGENCY_DAYS)
        key = seg.place
        if key in (C.PLACE.H5, C.PLACE.K3, C.PLACE.P2):
            key = SUPPORTED
        elif key in codes.PLACE_ADOPTION:
            key = ADOPTION
        elif key in codes.PLACE_OTHER:
            key = C.PLACE.Z1
        mean = params.PLACEMENT_HAZARD_DAYS[key]
        age = age_on(child.dob, seg.start)
        age_factor = 0.6 if age < 5 else (1.0 if age < 11 else 1.45)
        rate = child.instability * age_factor * self.profile.instability / mean
        return 1 + rng.exponential(1 / rate)

    def _placements(
        self,
        child: Child,
        t0: int,
        exit_day: int,
        legal: list[tuple[int, str]],
        events: list[tuple[int, str]],
        plan: str,
        home: int | None,
        info: dict,
    ) -> list[Segment]:
        rng = self.rng
        legal_days = [d for d, _ in legal]

        def ls_at(day: int) -> str:
            return legal[max(0, bisect_right(legal_days, day) - 1)][1]

        segments: list[Segment] = []
        disruptions = 0
        first_place = None
        if plan == ADOPTION and rng.random() < 0.15 and age_on(child.dob, t0) < 2:
            first_place = C.PLACE.U5 if rng.random() < 0.8 else C.PLACE.U2  # fostering for adoption
        seg = self._new_placement(child, t0, ls_at(t0), home, 0, first_place)
        pending = list(events)
        long_term_plan = plan in ("longterm", "to18")
        while True:
            natural = seg.start + int(self._hazard_days(child, seg, not segments))
            forced_day, forced = pending[0] if pending else (exit_day, "")
            # long-term redesignation (same carers) once the care order is made
            if long_term_plan and seg.place in (C.PLACE.U6, C.PLACE.U3) and "final" in info:
                redesignate = max(seg.start, info["final"]) + int(_lognormal(rng, (150.0, 0.5)))
                if seg.start < info["final"] and rng.random() < 0.15:
                    redesignate = info["final"]  # made long-term at the final hearing (RNE U)
                if redesignate < min(forced_day, natural, exit_day):
                    forced_day, forced = redesignate, "long_term"
            cutoff = exit_day
            if seg.place == C.PLACE.P2:
                cutoff = min(cutoff, P2_LAST_DAY)
            if seg.place == C.PLACE.Z1:
                cutoff = min(cutoff, Z1_LAST_DAY)
            if seg.place == C.PLACE.H5 and seg.start < H5_LAST_START:
                pass  # H5 may continue; the 2025-26 return shows it as K3 (rule 503D exception)
            end = min(natural, forced_day, cutoff)
            if end >= exit_day:
                seg.end = exit_day
                segments.append(seg)
                break
            if end <= seg.start:
                end = seg.start + 1
            seg.end = end
            age = age_on(child.dob, end)
            if forced and end == forced_day:
                if pending and pending[0][0] == forced_day:
                    pending.pop(0)
                nxt, seg.reason = self._forced_change(
                    child, seg, forced, end, ls_at(end), home, info
                )
            elif end == cutoff:
                seg.reason = _pick(rng, params.PLANNED_REASONS)
                nxt = self._new_placement(
                    child, end, ls_at(end), home, disruptions, SUPPORTED if age >= 16 else None
                )
            else:
                disrupted = rng.random() < min(0.85, 0.45 + 0.12 * child.instability)
                if disrupted:
                    disruptions += 1
                    seg.reason = _pick(rng, params.DISRUPTION_REASONS)
                else:
                    seg.reason = _pick(rng, params.PLANNED_REASONS)
                if (
                    ls_at(end) == C.LS.J1
                    and age >= 10
                    and end >= CUSTOD_FROM
                    and rng.random() < 0.3
                ):
                    seg.reason = C.REASON_PLACE_CHANGE.CUSTOD
                nxt = self._new_placement(child, end, ls_at(end), home, disruptions)
            for _ in range(5):  # new carers never share the old placement record exactly (rule 435)
                if nxt.carer == seg.carer or (nxt.place, nxt.post, nxt.urn) != (
                    seg.place,
                    seg.post,
                    seg.urn,
                ):
                    break
                nxt.post = self.places.placement(
                    rng, home, self._placement_kind(nxt.place, nxt.provider)
                )
                nxt.urn = self._urn(nxt.place, nxt.provider, nxt.post)
            segments.append(seg)
            seg = nxt
            while pending and pending[0][0] <= seg.start:
                pending.pop(0)
        if plan == ADOPTION and segments[-1].place not in codes.PLACE_ADOPTION:
            # the adoption placement was cut short by the data window: keep the plan coherent
            info["not_placed"] = True
        return self._temporary(child, segments, legal_days)

    def _forced_change(
        self, child: Child, seg: Segment, kind: str, day: int, ls: str, home: int | None, info: dict
    ) -> tuple[Segment, str]:
        rng = self.rng
        if kind == "long_term":
            place = C.PLACE.U4 if seg.place == C.PLACE.U6 else C.PLACE.U1
            nxt = Segment(day, day, seg.carer, place, seg.provider, seg.post, seg.urn)
            return nxt, C.REASON_PLACE_CHANGE.PLACE
        if kind == ADOPTION:
            consent = info.get("consent", False)
            with_carers = seg.place in (C.PLACE.U5, C.PLACE.U2) or (
                seg.place in codes.PLACE_FOSTER and rng.random() < 0.15  # adopted by foster carers
            )
            if consent:
                place = C.PLACE.A3 if with_carers else C.PLACE.A4
            else:
                place = C.PLACE.A5 if with_carers else C.PLACE.A6
            info["with_carers"] = with_carers
            if with_carers:
                provider = (
                    seg.provider if seg.provider != C.PLACE_PROVIDER.PR4 else C.PLACE_PROVIDER.PR5
                )
                nxt = Segment(day, day, seg.carer, place, provider, seg.post, seg.urn)
                return nxt, C.REASON_PLACE_CHANGE.PLACE
            return self._dress(child, day, place, home), C.REASON_PLACE_CHANGE.CARPL
        if kind == "move":
            return self._new_placement(child, day, ls, home, 0), C.REASON_PLACE_CHANGE.CARPL
        if kind == "with_parents":
            if ls in (C.LS.C1, C.LS.C2):
                return self._dress(child, day, C.PLACE.P1, home), C.REASON_PLACE_CHANGE.CARPL
            return self._new_placement(child, day, ls, home, 0), C.REASON_PLACE_CHANGE.CARPL
        # SUPPORTED: planned move to supported accommodation at 17
        return self._new_placement(child, day, ls, home, 0, SUPPORTED), C.REASON_PLACE_CHANGE.CARPL

    def _temporary(
        self, child: Child, segments: list[Segment], legal_days: list[int]
    ) -> list[Segment]:
        """Insert occasional temporary placements (T0-T4) that return to the same carers."""
        rng = self.rng
        out: list[Segment] = []
        kinds = list(params.TEMPORARY_TYPES)
        for i, seg in enumerate(segments):
            length = seg.end - seg.start
            eligible = (
                length > 40
                and (seg.place in codes.PLACE_FOSTER or seg.place == C.PLACE.K2)
                and rng.random() < params.TEMPORARY_PER_YEAR * length / 365
            )
            if not eligible:
                out.append(seg)
                continue
            kind = choose(rng, {k: params.TEMPORARY_TYPES[k][2] for k in kinds})
            low, high, _ = params.TEMPORARY_TYPES[kind]
            days = int(rng.integers(low, high + 1))
            t_start = seg.start + 15 + int(rng.integers(0, max(1, length - 30 - days)))
            t_end = t_start + days
            clash = any(seg.start < d <= t_end + 1 and t_start - 1 <= d for d in legal_days)
            if t_end >= seg.end - 10 or clash or (i > 0 and segments[i - 1].temporary):
                out.append(seg)
                continue
            before = Segment(
                seg.start, t_start, seg.carer, seg.place, seg.provider, seg.post, seg.urn
            )
            temp = self._dress(child, t_start, kind, None if seg.post is None else seg.post)
            temp.end, temp.temporary = t_end, True
            after = Segment(
                t_end, seg.end, seg.carer, seg.place, seg.provider, seg.post, seg.urn, seg.reason
            )
            out.extend([before, temp, after])
        return out

    # -----------------------------------------------------------------------------------------
    # Episodes, exits and the other tables
    # -----------------------------------------------------------------------------------------
    def _exit_reason(self, child: Child, kind: str, day: int, last: Segment, info: dict) -> str:
        rng = self.rng
        place = last.place
        if kind == "18_or_sgo":
            kind = "18" if day >= birthday(child.dob, 18) else "sgo"
        if kind == ADOPTION and place not in codes.PLACE_ADOPTION:
            kind = "sgo"
        if kind == "sgo" and place == C.PLACE.P1:
            kind = "home"
        if kind in ("home", "sgo", "cao") and rng.random() < 0.035:
            return choose(rng, {C.REC.E3: 55, C.REC.E8: 35, C.REC.E16: 8, C.REC.E2: 6})
        if kind == "home":
            return _pick(rng, params.HOME_EXIT)
        if kind == "sgo":
            kin = place in codes.PLACE_FOSTER_FAMILY_FRIENDS
            with_carers = place in codes.PLACE_FOSTER and rng.random() < (0.85 if kin else 0.3)
            if day < NEW_SGO_CODES_FROM:
                return C.REC.E43 if with_carers else C.REC.E44
            if with_carers:
                return C.REC.E45 if kin else C.REC.E46
            return C.REC.E47 if rng.random() < 0.75 else C.REC.E48
        if kind == "cao":
            return C.REC.E41
        if kind == ADOPTION:
            return C.REC.E11 if rng.random() < 0.75 else C.REC.E12
        if kind == "remand":
            return C.REC.E14
        if kind == "custody":
            return C.REC.E9
        if kind == "youth_order":
            return choose(rng, {C.REC.E4A: 60, C.REC.E13: 25, C.REC.E8: 15})
        if kind == "age_assessed":
            return C.REC.E15
        if kind == "transferred":
            return C.REC.E3
        if kind == "other":
            return C.REC.E8
        # turning 18
        if place in codes.PLACE_FOSTER:
            table = params.EXIT_AT_18["foster"]
        elif place in (C.PLACE.K2, C.PLACE.K1, C.PLACE.R1, C.PLACE.S1, C.PLACE.R2):
            table = dict(params.EXIT_AT_18["residential"])
            if child.cin != C.CIN.N2:
                table.pop(C.REC.E7)
        else:
            table = params.EXIT_AT_18["supported"]
        if child.cin == C.CIN.N2:
            table = {**table, C.REC.E7: 12.0}  # disabled young people moving to adult social care
        rec = choose(rng, table)
        if child.uasc and rec in (C.REC.E13, C.REC.E4A):
            rec = C.REC.E5
        return rec

    def _episodes(
        self,
        child: Child,
        t0: int,
        exit_day: int,
        legal: list[tuple[int, str]],
        segments: list[Segment],
        rec: str,
        home: int | None,
    ) -> list[Episode]:
        legal_days = [d for d, _ in legal]
        seg_starts = [s.start for s in segments]
        points = sorted({t0, *legal_days, *seg_starts})
        points = [p for p in points if t0 <= p < exit_day]
        episodes: list[Episode] = []
        prev_ls, prev_seg = None, None
        for p in points:
            ls = legal[max(0, bisect_right(legal_days, p) - 1)][1]
            seg = segments[max(0, bisect_right(seg_starts, p) - 1)]
            if prev_seg is None:
                rne = codes.RNE_START
            else:
                legal_change = ls != prev_ls
                place_change = seg is not prev_seg
                new_carer = seg.carer != prev_seg.carer
                if not legal_change and not place_change:
                    continue
                if legal_change and place_change:
                    rne = C.RNE.B if new_carer else C.RNE.U
                elif legal_change:
                    rne = C.RNE.L
                else:
                    rne = C.RNE.P if new_carer else C.RNE.T
                last = episodes[-1]
                last.end = p
                last.rec = codes.REC_CONTINUES
                if place_change and not seg.temporary and not prev_seg.temporary:
                    last.reason = prev_seg.reason
            episodes.append(
                Episode(p, exit_day, rne, ls, child.cin, seg.place, seg.provider, rec, None, home, seg.post,
                        seg.urn, seg.temporary, seg.carer)
            )  # fmt: skip
            prev_ls, prev_seg = ls, seg
        # a temporary placement must not end a period of care (rule 381): fold it back
        while len(episodes) > 1 and episodes[-1].temporary:
            episodes.pop()
            episodes[-1].end, episodes[-1].rec, episodes[-1].reason = exit_day, rec, None
        # the episode before a temporary placement carries no reason (rule 226)
        for i in range(len(episodes) - 1):
            if episodes[i + 1].temporary or episodes[i].temporary:
                episodes[i].reason = None
        return episodes

    def _ad1(self, info: dict, segments: list[Segment]) -> tuple:
        rng = self.rng
        sex = choose(rng, {"MF": 75, "MM": 6, "FF": 7, "F1": 10, "M1": 2})
        if sex in ("F1", "M1"):
            number, status = "1", C.LS_ADOPTR.L0
        elif sex == "MF":
            number, status = "2", (C.LS_ADOPTR.L11 if rng.random() < 0.8 else C.LS_ADOPTR.L3)
        else:
            number, status = (
                "2",
                choose(rng, {C.LS_ADOPTR.L12: 50, C.LS_ADOPTR.L2: 30, C.LS_ADOPTR.L4: 20}),
            )
        foster = params.YES if info.get("with_carers") else params.NO
        sex_code = getattr(C.SEX_ADOPTR, sex)
        return info["decision"], info["match"], foster, number, sex_code, status

    def _missing(self, child: Child, period: Period, segments: list[Segment]) -> None:
        rng = self.rng
        if child.missing_propensity <= 0 or period.respite:
            return
        periods: list[tuple[str, int, int]] = []
        for seg in segments:
            if seg.temporary or seg.end - seg.start < 5:
                continue
            age = age_on(child.dob, seg.start)
            if age < 11:
                continue
            base = 0.5 if seg.place in codes.PLACE_FOSTER else 3.0
            years = (seg.end - seg.start) / 365.25
            n = int(
                rng.poisson(base * child.missing_propensity * years * (1.3 if age >= 14 else 0.7))
            )
            for _ in range(min(n, 40)):
                start = seg.start + 1 + int(rng.integers(0, seg.end - seg.start - 3))
                roll = rng.random()
                days = 0 if roll < 0.45 else (1 if roll < 0.75 else int(rng.integers(2, 10)))
                end = min(start + days, period.end - 1, seg.end - 1)
                if end < start:
                    continue
                kind = C.MISSING.M if rng.random() < 0.88 else C.MISSING.A
                periods.append((kind, start, end))
        periods.sort(key=lambda m: m[1])
        kept: list[tuple[str, int, int]] = []
        for m in periods:
            if kept and m[1] <= kept[-1][2] + 1:
                continue
            kept.append(m)
        period.missing = kept

    def _reviews(self, child: Child, period: Period) -> None:
        rng = self.rng
        if period.respite or period.end - period.start < 20:
            return
        day = period.start + int(rng.integers(18, 29))
        step = 90
        while day < period.end:
            age = age_on(child.dob, day)
            if age < 4:
                code = C.REVIEW_CODE.PN0
            elif age < 11:
                code = choose(rng, {C.REVIEW_CODE.PN1: 45, C.REVIEW_CODE.PN3: 12, C.REVIEW_CODE.PN4: 6, C.REVIEW_CODE.PN2: 5,
                                     C.REVIEW_CODE.PN5: 6, C.REVIEW_CODE.PN6: 18, C.REVIEW_CODE.PN7: 8})  # fmt: skip
            else:
                code = choose(rng, {C.REVIEW_CODE.PN1: 50, C.REVIEW_CODE.PN2: 5, C.REVIEW_CODE.PN3: 2, C.REVIEW_CODE.PN4: 5,
                                     C.REVIEW_CODE.PN5: 8, C.REVIEW_CODE.PN6: 18, C.REVIEW_CODE.PN7: 12})  # fmt: skip
            period.reviews.append((day, code))
            day += step + int(rng.integers(-10, 8))
            step = 182


def _pick(rng: np.random.Generator, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
    point = rng.random()
    for key, weight in zip(*table, strict=True):
        point -= weight
        if point < 0:
            return key
    return table[0][-1]


def _is_1_april(day: int) -> bool:
    d = dt.date.fromordinal(day)
    return d.month == 4 and d.day == 1
