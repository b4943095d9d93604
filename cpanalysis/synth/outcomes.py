"""Outcomes added after each child's care history is known.

* **OC2** for every child looked after continuously for 12 months at 31 March (ssda903.md §3.4):
  health checks with the authority's yearly rates, and an **SDQ trajectory** per child. A child's
  score is their own underlying level plus a deviation that carries over from year to year
  (halving) and rises by about 1.6 points for every placement move in the year: children who move
  more get worse on average, the signal the SDQ analysis is meant to find. Completion follows
  the authority's yearly rate; missing scores carry a reason (SDQ2-SDQ5).
* **OC3** for care leavers at their 17th-21st birthdays (ssda903.md §3.5): in touch, activity and
  accommodation, with a persistent per-person propensity to be in education, employment or
  training, and staying put (ACCOM ``Z1``) for those who stayed with foster carers at 18.
* **Social-worker episodes** over the whole time in care (written from 2023-24).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from cpanalysis import codes
from cpanalysis.synth import params
from cpanalysis.synth.lifecourse import Child, age_on, birthday, choose, reporting_year
from cpanalysis.synth.params import C

#: The single "not known / not applicable" code of ACTIV and of ACCOM.
(NOT_KNOWN_ACTIV,) = codes.ACTIV_NOT_KNOWN
(NOT_KNOWN_ACCOM,) = codes.ACCOM_NOT_KNOWN

SDQ_MOVE_EFFECT = 1.6  # points added per placement move in the year
SDQ_CARRY_OVER = 0.5  # share of last year's deviation kept
SDQ_STABLE_DRIFT = -0.5  # settled children improve a little each year
SDQ_NOISE = 3.5
FIRST_APPRENTICESHIP_YEAR = 2022  # ACTIV F4/P4/F5/P5 replace F3/P3 (2021-22)
#: Of those who stayed with their foster carers at 18 (REC E17), the share still living with them
#: (ACCOM Z1) at each birthday: about half of all foster leavers at 18 (England 55-60%) and a
#: third at 19-20 (LAIT StayingPut: Leicestershire 26-44%, England 23-33%).
STAYING_PUT_BY_AGE = {18: 0.9, 19: 0.6, 20: 0.42}


def year_bounds(year: int) -> tuple[int, int]:
    """First and last day (ordinals) of the reporting year ending 31 March ``year``."""
    return dt.date(year - 1, 4, 1).toordinal(), dt.date(year, 3, 31).toordinal()


def in_twelve_month_cohort(child: Child, year: int) -> bool:
    """Looked after continuously through the year (started before 1 April, open after 31 March)."""
    first, last = year_bounds(year)
    return any(not p.respite and p.start < first and p.end > last for p in child.periods)


def moves_in_year(child: Child, year: int) -> int:
    """Placement moves (new carers, temporary placements ignored) starting in the year."""
    first, last = year_bounds(year)
    moves = 0
    for period in child.periods:
        if period.respite:
            continue
        previous = None
        for episode in period.episodes:
            new_carer = (
                previous is not None
                and episode.rne in codes.RNE_NEW_PLACEMENT_NEW_CARER
                and not episode.temporary
                and not previous.temporary
            )
            if new_carer and first <= episode.start <= last:
                moves += 1
            previous = episode
    return moves


def add_outcomes(
    children: list[Child],
    profile: params.Profile,
    rng: np.random.Generator,
    first_annual_year: int,
    last_annual_year: int,
    end: int,
    visible_from: int,
) -> None:
    """Fill ``oc2``, ``oc3`` and ``sw`` for every child (in list order, so seeds reproduce).

    OC2 is drawn for the annual returns ``first_annual_year`` to ``last_annual_year``.

    ``visible_from`` is the first day of the first return written: a care leaver whose time in
    care after 14 is only partly inside the returns (1-90 days visible) gets no OC3 rows, since
    a validator reading those returns could not confirm they are a care leaver (rule 1001).
    """
    workers = [f"SW{int(k):05d}" for k in rng.choice(90_000, size=120, replace=False) + 10_000]
    for child in children:
        if all(p.respite for p in child.periods):
            continue
        _oc2(child, profile, rng, first_annual_year, last_annual_year)
        _oc3(child, profile, rng, end, visible_from)
        _social_workers(child, rng, workers)


def _oc2(
    child: Child, profile: params.Profile, rng: np.random.Generator, first_year: int, last_year: int
) -> None:
    first_year = max(first_year, reporting_year(child.periods[0].start) + 1)
    deviation = float(rng.normal(0, 2.0))
    for year in range(first_year, last_year + 1):
        if not in_twelve_month_cohort(child, year):
            continue
        start, end = year_bounds(year)
        moves = moves_in_year(child, year)
        deviation = (
            SDQ_CARRY_OVER * deviation
            + SDQ_MOVE_EFFECT * moves
            + SDQ_STABLE_DRIFT
            + float(rng.normal(0, SDQ_NOISE))
        )
        age_start, age_end = age_on(child.dob, start), age_on(child.dob, end)
        score, reason = "", ""
        if age_start >= 4 and age_end < 17:
            if rng.random() < profile.rate("sdq_completion", year):
                teen = 1.0 if 10 <= age_end <= 14 else 0.0
                score = str(
                    int(
                        np.clip(
                            round(child.sdq_level + deviation + teen), codes.SDQ_MIN, codes.SDQ_MAX
                        )
                    )
                )
            elif child.cin == C.CIN.N2 and rng.random() < 0.6:
                reason = C.SDQ_REASON.SDQ3
            else:
                options = {C.SDQ_REASON.SDQ2: 40, C.SDQ_REASON.SDQ4: 40}
                if age_end >= 11:
                    options[C.SDQ_REASON.SDQ5] = 30
                reason = choose(rng, options)
        elif (age_start, age_end) in ((3, 4), (16, 17)):
            # a 4th or 17th birthday in the year: outside the SDQ ages at the latest assessment,
            # which DfE still wants explained (rule 197B) with SDQ1
            reason = C.SDQ_REASON.SDQ1

        def flag(p: float) -> str:
            return params.YES if rng.random() < p else params.NO

        convicted = (
            flag(0.015 + 0.02 * (age_end >= 14) + 0.015 * min(child.instability, 3))
            if age_end >= 10
            else ""
        )
        health_check = flag(profile.rate("development_check", year)) if age_end < 5 else ""
        misuse = flag(0.08 * min(child.instability, 2) if age_end >= 13 else 0.0)
        received = offered = ""
        if misuse == params.YES:
            received = flag(0.6)
            if received == params.NO:
                offered = flag(0.5)
        child.oc2[year] = (
            score,
            reason,
            convicted,
            health_check,
            flag(profile.rate("immunisations", year)),
            flag(profile.rate("dental", year)),
            flag(profile.rate("health_assessment", year)),
            misuse,
            received,
            offered,
        )


def _is_care_leaver(child: Child, visible_from: int) -> bool:
    """Relevant/former relevant: 13 weeks in care since 14, some of it after 16 (no respite)."""
    at14, at16 = birthday(child.dob, 14), birthday(child.dob, 16)
    care = [p for p in child.periods if not p.respite]
    days_after_14 = sum(max(0, p.end - max(p.start, at14)) for p in care)
    # what a reader of the returns sees: whole episodes, from the first one still open on the
    # first day of the first return (an episode written in a return keeps its original DECOM)
    visible = sum(
        max(0, p.end - max(min(e.start for e in p.episodes if e.end >= visible_from), at14))
        for p in care
        if p.end >= visible_from and p.episodes
    )
    after_16 = any(p.end > at16 for p in care)
    return days_after_14 >= 91 and after_16 and not (0 < visible < 91)


def _oc3(
    child: Child, profile: params.Profile, rng: np.random.Generator, end: int, visible_from: int
) -> None:
    last = child.periods[-1]
    if last.respite or not last.episodes or not _is_care_leaver(child, visible_from):
        return
    final_rec = last.episodes[-1].rec
    if final_rec in codes.REC_ADOPTED | codes.REC_TRANSFERRED | codes.REC_DIED | {C.REC.E15}:
        return
    stayed_put = final_rec == C.REC.E17 and last.episodes[-1].place in codes.PLACE_FOSTER
    went_home = final_rec in codes.REC_HOME
    died = False
    for age in range(17, 22):
        day = birthday(child.dob, age)
        if day > end or day < last.end:
            # none at 17-18 for those still looked after on the birthday or leaving after it;
            # someone leaving ON their 18th birthday is followed up at 18 (DfE's staying-put
            # figure needs it), though DfE's tool flags them (1016 reads the birthday as
            # "after"; docs/synthetic_authority.md, "Care leavers who leave on their birthday")
            continue
        year = reporting_year(day)
        if died:
            child.oc3[year] = (C.IN_TOUCH.DIED, NOT_KNOWN_ACTIV, NOT_KNOWN_ACCOM)
            continue
        roll = rng.random()
        if roll < 0.001:
            died = True
            touch = C.IN_TOUCH.DIED
        elif went_home and roll < 0.02:
            touch = C.IN_TOUCH.RHOM
        elif roll < 0.033:
            touch = C.IN_TOUCH.NO
        elif roll < 0.045:
            touch = C.IN_TOUCH.REFU
        elif roll < 0.06 and age >= 19:
            touch = C.IN_TOUCH.NREQ
        else:
            touch = codes.IN_TOUCH_YES
        if touch != codes.IN_TOUCH_YES:
            child.oc3[year] = (touch, NOT_KNOWN_ACTIV, NOT_KNOWN_ACCOM)
            continue
        child.oc3[year] = (
            touch,
            _activity(child, profile, rng, age, year),
            _accommodation(child, rng, age, stayed_put),
        )


def _activity(
    child: Child, profile: params.Profile, rng: np.random.Generator, age: int, year: int
) -> str:
    base = {17: 0.74, 18: 0.70}.get(age, profile.leaver_eet + 0.03)
    logit = np.log(base / (1 - base)) + 0.9 * child.eet_propensity + (0.4 if child.uasc else 0.0)
    if rng.random() < 1 / (1 + np.exp(-logit)):
        old = year < FIRST_APPRENTICESHIP_YEAR
        if age <= 18:
            table = {C.ACTIV.F2: 60, C.ACTIV.P2: 10, "apprentice": 12, "work": 18}
        else:
            table = {
                C.ACTIV.F1: 8,
                C.ACTIV.P1: 2,
                C.ACTIV.F2: 25,
                C.ACTIV.P2: 5,
                "apprentice": 10,
                "work": 50,
            }
        code = choose(rng, table)
        full_time = rng.random() < 0.7
        if code == "apprentice":
            return (
                (C.ACTIV.F3 if full_time else C.ACTIV.P3)
                if old
                else (C.ACTIV.F4 if full_time else C.ACTIV.P4)
            )
        if code == "work":
            return (
                (C.ACTIV.F3 if full_time else C.ACTIV.P3)
                if old
                else (C.ACTIV.F5 if full_time else C.ACTIV.P5)
            )
        return code
    pregnant = 0.3 if child.sex == "F" else 0.05
    return choose(rng, {C.ACTIV.G4: 25, C.ACTIV.G5: 60, C.ACTIV.G6: 100 * pregnant})


def _accommodation(child: Child, rng: np.random.Generator, age: int, stayed_put: bool) -> str:
    if stayed_put and age >= 18 and rng.random() < STAYING_PUT_BY_AGE.get(age, 0.1):
        return C.ACCOM.Z1
    if rng.random() < 0.012 and age >= 19:
        # gone abroad, deported, residence not known: DfE leaves these out of the suitability
        # share (equal weights, so each code of the list turns up in a demo's ten years)
        return choose(rng, dict.fromkeys(
            (C.ACCOM.G1, C.ACCOM.G2, C.ACCOM.R1, C.ACCOM.R2, C.ACCOM.H1, C.ACCOM.H2), 1.0
        ))  # fmt: skip
    if rng.random() < 0.025:  # unsuitable: Leicestershire 94-96% suitable since 2021
        table = dict.fromkeys(
            (C.ACCOM.S2, C.ACCOM.V2, C.ACCOM.W2, C.ACCOM.X2, C.ACCOM.B2, C.ACCOM.U2, C.ACCOM.K2,
             C.ACCOM.Y2, C.ACCOM.D2, C.ACCOM.C2, C.ACCOM.E2), 10.0,
        )  # fmt: skip
        if age >= 18:
            table.update({C.ACCOM.T2: 10.0, C.ACCOM.Z2: 10.0})  # foyers and staying put: adults only
        return choose(rng, table)
    if age == 17:
        table = {
            C.ACCOM.B1: 40,
            C.ACCOM.D1: 28,
            C.ACCOM.E1: 10,
            C.ACCOM.U1: 8,
            C.ACCOM.C1: 6,
            C.ACCOM.K1: 4,
            C.ACCOM.Y1: 4,
        }
    elif age == 18:
        table = {C.ACCOM.D1: 30, C.ACCOM.B1: 22, C.ACCOM.U1: 20, C.ACCOM.E1: 10, C.ACCOM.C1: 4, C.ACCOM.K1: 4,
                 C.ACCOM.T1: 4, C.ACCOM.Y1: 3, C.ACCOM.Z1: 3}  # fmt: skip
    else:
        table = {C.ACCOM.U1: 48, C.ACCOM.B1: 15, C.ACCOM.D1: 13, C.ACCOM.E1: 5, C.ACCOM.K1: 5, C.ACCOM.T1: 4,
                 C.ACCOM.C1: 3, C.ACCOM.Y1: 3, C.ACCOM.Z1: 4, C.ACCOM.V1: 0.5, C.ACCOM.W1: 0.3}  # fmt: skip
    return choose(rng, table)


def _social_workers(child: Child, rng: np.random.Generator, workers: list[str]) -> None:
    """Contiguous social-worker episodes covering each period of care (FCONTA first)."""
    reasons = {
        C.SW_REASON.LEFTRL: 30, C.SW_REASON.TSPROC: 25, C.SW_REASON.MANAGE: 15, C.SW_REASON.CHCHAN: 8,
        C.SW_REASON.PCCHAN: 7, C.SW_REASON.ORGRST: 5, C.SW_REASON.ABSENC: 5, C.SW_REASON.OTHERS: 5,
        C.SW_REASON.SWDIED: 0.4,
    }  # fmt: skip
    for period in child.periods:
        if period.respite or not period.episodes:
            continue
        # DfE's check SW12STG2 reads every social worker episode of a period as starting on or
        # after the day it began, so the first worker is recorded from the first day in care
        day = period.start
        reason = C.SW_REASON.FCONTA
        # The last worker stays with the child after care ends (help at home, case closure)
        # until after the next 31 March: DfE expects the last episode open at 31 March
        # (SW17STG2, 2025-26), and every episode of the period to start before it ends
        # (SW12STG2). A new period of care starts with a new first contact the next day
        # (SW10bSTG2: a FCONTA episode may not start before the previous one has ended).
        finish = max(period.end, dt.date(reporting_year(period.end), 3, 31).toordinal())
        finish += int(rng.integers(10, 120))
        if _late_march(finish):  # an episode ending then is queried (SW11bSTG2)
            finish += 8
        later = [p.start for p in child.periods if p.start > period.start and not p.respite]
        if later:
            finish = min(finish, later[0] - 1)
        while True:
            length = int(60 + rng.lognormal(np.log(220), 0.6))
            stop = day + length + (7 if _late_march(day + length) else 0)
            worker = workers[int(rng.integers(len(workers)))]
            if stop >= period.end:  # the worker at the end of care stays on to ``finish``
                child.sw.append((worker, day, finish, reason))
                break
            child.sw.append((worker, day, stop, reason))
            day = stop
            reason = choose(rng, reasons)


def _late_march(day: int) -> bool:
    """25-31 March: the days before the year end in which DfE queries a social worker leaving."""
    d = dt.date.fromordinal(day)
    return d.month == 3 and d.day >= 25
