"""Cut the simulated histories into SSDA903 returns and write them as DfE CSV files.

Each annual return holds what an authority's case-management system would export for the year
ending 31 March: every episode open at any time in the year (with its original DECOM; DEC and REC
blank when still open on 31 March), reviews and missing periods in the year, OC2 for the 12-month
cohort, OC3 for care leavers whose 17th-21st birthday falls in the year, and so on. The in-year
extract runs to the as-at date (OC2 is a year-end measure, so it is written with its header only).

The column layout and codes follow the collection year: ``SEX`` 1/2 up to 2023-24 and M/F from
2024-25; ``SWEpisodes`` from 2023-24; ``H5`` episodes still open in 2025-26 appear as ``K3``
(the rule 503D exception). Codes that changed by date (E43/E44 vs E45-E48, F3/P3 vs
F4/P4/F5/P5, K3, P2, Z1 vs Z11-Z14, CUSTOD) are chosen when the event is simulated, from its date.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cpanalysis import codes, schema
from cpanalysis.synth.lifecourse import Child, age_on, birthday
from cpanalysis.synth.params import C
from cpanalysis.synth.places import Places

#: File name of each table (the DfE/validator convention; ingest recognises tables by header).
FILE_NAMES: dict[str, str] = {name: f"{name}.csv" for name in schema.TABLES}
FIRST_M_F_SEX_YEAR = 2025
FIRST_WITHOUT_H5_YEAR = 2026


@dataclass(frozen=True)
class ReturnSpec:
    """One return to write: its folder label, collection year and the days it covers."""

    label: str
    year: int
    first_day: int
    last_day: int
    in_year: bool


@cache
def dfe_date(day: int) -> str:
    """``dd/mm/yyyy`` of an ordinal."""
    d = dt.date.fromordinal(day)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _sex(child: Child, year: int) -> str:
    if year >= FIRST_M_F_SEX_YEAR:
        return child.sex
    male, female = (c.code for c in codes.SEX if c.last_year < FIRST_M_F_SEX_YEAR)
    return male if child.sex == "M" else female


def _upn(child: Child, spec: ReturnSpec, new_this_week: bool) -> str:
    if child.uasc:
        return C.UPN.UN2
    if child.special:
        return child.special
    if age_on(child.dob, spec.last_day) < 4:
        return C.UPN.UN1
    if (
        new_this_week
        and spec.in_year  # DfE's rule 210 queries UN4 for any episode from 24 March
        and age_on(child.dob, spec.last_day) >= 5
        and zlib.crc32(child.child_id.encode()) % 2
    ):
        return C.UPN.UN4
    return child.upn


def cut_return(
    children: list[Child], places: Places, spec: ReturnSpec
) -> dict[str, list[list[str]]]:
    """Rows of every table of one return (DfE column order; all text)."""
    tables = schema.tables_for_year(spec.year)
    rows: dict[str, list[list[str]]] = {name: [] for name in tables}
    first, last, year = spec.first_day, spec.last_day, spec.year
    recode_h5 = year >= FIRST_WITHOUT_H5_YEAR

    def post(position: int | None) -> str:
        return places.postcode(position) if position is not None else ""

    for child in children:
        cid, dob = child.child_id, dfe_date(child.dob)
        in_return = False
        looked_after = False  # in the return other than on short breaks (V3/V4)
        care_until = first  # last day in care within the return
        new_this_week = False
        for period in child.periods:
            if period.start > last or period.end < first:
                continue
            for ep in period.episodes:
                if ep.start > last or ep.end < first:
                    continue
                in_return = True
                looked_after = looked_after or not period.respite
                closed = ep.end <= last
                place = C.PLACE.K3 if (recode_h5 and ep.place == C.PLACE.H5) else ep.place
                rows["episodes"].append([
                    cid, dfe_date(ep.start), ep.rne, ep.ls, ep.cin, place, ep.provider or "",
                    dfe_date(ep.end) if closed else "", ep.rec if closed else "",
                    (ep.reason or "") if closed else "", post(ep.home), post(ep.post), ep.urn or "",
                ])  # fmt: skip
            if period.episodes and period.start <= last and period.end >= first:
                care_until = max(care_until, min(period.end, last))
            # first looked after this week (UN4, UPN not yet obtained): a child returning to care
            # keeps the UPN last year's return gave (DfE 208)
            if last - 7 < period.start <= last and period is child.periods[0]:
                new_this_week = True
            if (
                first <= period.start <= last
                and period.prev_perm
                and not any(r[0] == cid for r in rows["previous_permanence"][-1:])
            ):
                kind, la, date = period.prev_perm
                rows["previous_permanence"].append([cid, dob, kind, la, date])
            for day, code in period.reviews:
                if first <= day <= last:
                    rows["reviews"].append([cid, dob, dfe_date(day), code])
            for kind, start, end in period.missing:
                if start <= last and end >= first:
                    rows["missing"].append(
                        [cid, dob, kind, dfe_date(start), dfe_date(end) if end <= last else ""]
                    )
            if period.ad1 and first <= period.end <= last:
                date_int, date_match, foster, number, sex, status = period.ad1
                rows["ad1"].append(
                    [
                        cid,
                        dob,
                        dfe_date(date_int),
                        dfe_date(date_match),
                        foster,
                        number,
                        sex,
                        status,
                    ]
                )
        oc3 = child.oc3.get(year)
        if oc3 is not None and spec.in_year and not _birthday_by(child.dob, year, last):
            oc3 = None  # the birthday it follows up is after the extract date
        if not in_return and oc3 is None:
            continue
        if in_return:
            for period in child.periods:
                for placed, ceased, reason in period.decisions:
                    if placed <= last and (ceased is None or ceased >= first):
                        done = ceased is not None and ceased <= last
                        rows["placed_for_adoption"].append(
                            [
                                cid,
                                dob,
                                dfe_date(placed),
                                dfe_date(ceased) if done else "",
                                (reason or "") if done else "",
                            ]
                        )
            if child.uasc:
                # DfE expects the date UASC status will cease (the 18th birthday) while it lasts
                # (rule 205B compares it across years), not a blank
                known = child.duc is not None and (
                    child.duc <= last or child.duc == birthday(child.dob, 18)
                )
                duc = dfe_date(child.duc) if known else ""
                rows["uasc"].append([cid, _sex(child, year), dob, duc])
            if not spec.in_year and year in child.oc2:
                rows["oc2"].append([cid, dob, *child.oc2[year]])
            if "sw_episodes" in rows:
                for worker, start, end, reason in child.sw:
                    if start <= last and end >= first:
                        rows["sw_episodes"].append(
                            [
                                cid,
                                dob,
                                worker,
                                dfe_date(start),
                                dfe_date(end) if end <= last else "",
                                reason,
                            ]
                        )
        if oc3 is not None:
            rows["oc3"].append([cid, dob, *oc3])
        mother = mc_dob = ""
        if looked_after and child.sex == "F":
            # every looked-after girl has MOTHER (rules 393, 607; none on short breaks only,
            # rule 399); a baby born after she left care is not in this return (rule 625)
            is_mother = child.mc_dob is not None and child.mc_dob <= care_until
            mother = codes.MOTHER.codes[1] if is_mother else codes.MOTHER.codes[0]
            mc_dob = dfe_date(child.mc_dob) if is_mother else ""
        rows["header"].append(
            [
                cid,
                _sex(child, year),
                dob,
                child.ethnic,
                _upn(child, spec, new_this_week),
                mother,
                mc_dob,
            ]
        )
    for name, table in rows.items():
        spec_columns = schema.TABLES[name].columns
        date_cols = [i for i, c in enumerate(spec_columns) if c in schema.TABLES[name].dates]
        table.sort(key=lambda r: (r[0], *(_sortable(r[i]) for i in date_cols)))
    return rows


def _birthday_by(dob: int, year: int, day: int) -> bool:
    """Whether the child's birthday in collection year ``year`` falls on or before ``day``."""
    born = dt.date.fromordinal(dob)
    # the birthday in the year ending 31 March ``year``: in ``year`` from January to March
    calendar_year = year if (born.month, born.day) <= (3, 31) else year - 1
    return birthday(dob, calendar_year - born.year) <= day


def _sortable(text: str) -> str:
    return f"{text[6:]}{text[3:5]}{text[:2]}" if len(text) == 10 else "~"


def write_return(rows: dict[str, list[list[str]]], folder: Path) -> list[Path]:
    """Write one CSV per table (header row of DfE column names, ``\\n`` line ends, UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in rows.items():
        path = folder / FILE_NAMES[name]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(schema.TABLES[name].columns)
            writer.writerows(table)
        written.append(path)
    return written
