"""Local authority codes, regions and boundary changes.

DfE keys its files two ways: EES files carry both the 3-digit ``old_la_code`` (e.g. 855) and the
9-character ONS ``new_la_code`` (E10000018); LAIT and the statistical-neighbour files carry only
old codes, with pseudo-codes for England (970) and regions (980-990). The package keys on the new
code and keeps the old one. The lookup is built from the files themselves (every
``old_la_code``/``new_la_code`` pair in the EES CSVs found, plus LAIT's ``la_code_list.xlsx`` for
names), so any English authority works and nothing is specific to one.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cpanalysis.config import ENGLAND_CODE
from cpanalysis.dfe import snapshot
from cpanalysis.dfe.folders import resolve_folder
from cpanalysis.errors import DfeDataError, ParameterError

ENGLAND = ENGLAND_CODE
#: The nine English regions (ONS codes as in EES ``region_code``).
REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
LONDON = "E12000007"
#: EES publishes Inner and Outer London as extra "Regional" rows.
LONDON_SUBREGIONS: dict[str, str] = {"E13000001": "Inner London", "E13000002": "Outer London"}
#: LAIT's pseudo-codes for England and the regions (``LA Number`` column).
LAIT_AREA_CODES: dict[int, str] = {
    970: ENGLAND,
    980: "E12000001",
    981: "E12000002",
    982: "E12000003",
    983: "E12000004",
    984: "E12000005",
    985: "E12000006",
    986: LONDON,
    987: "E13000001",
    988: "E13000002",
    989: "E12000008",
    990: "E12000009",
}


@dataclass(frozen=True)
class BoundaryChange:
    """A reorganisation that ends one or more authorities' series (old LA codes)."""

    date: str
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    note: str


#: Changes that break authorities' time series since 2015 (dfe_statistics.md §3, end).
BOUNDARY_CHANGES: tuple[BoundaryChange, ...] = (
    BoundaryChange(
        "2019-04-01", ("835", "836", "837"), ("838", "839"),
        "Bournemouth, Christchurch and Poole and the new Dorset replaced Bournemouth, Poole and the old "
        "Dorset county; series before 2019-20 are not comparable.",
    ),
    BoundaryChange(
        "2021-04-01", ("928",), ("940", "941"),
        "Northamptonshire split into North and West Northamptonshire.",
    ),
    BoundaryChange(
        "2023-04-01", ("909",), ("942", "943"),
        "Cumbria split into Cumberland and Westmorland and Furness.",
    ),
    BoundaryChange(
        "2023-04-01", ("933",), ("933",),
        "Somerset became a unitary authority and its ONS code changed (E10000027 -> E06000066); the "
        "series continues under the new code.",
    ),
)
FORMER_AUTHORITIES = frozenset(c for b in BOUNDARY_CHANGES for c in b.predecessors if c not in b.successors)

LA_CODE_COLUMNS = ("old_la_code", "new_la_code", "la_name", "region_code", "region_name", "current")


def _ees_pairs(path: Path) -> pd.DataFrame | None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    need = {"geographic_level", "old_la_code", "new_la_code", "la_name", "region_code", "region_name"}
    if not need <= set(header):
        return None
    cols = sorted(need | ({"time_period"} & set(header)))
    frame = pd.read_csv(path, dtype=str, usecols=cols, keep_default_na=False, encoding="utf-8-sig")
    frame = frame[frame["geographic_level"] == "Local authority"].drop(columns="geographic_level")
    return frame.drop_duplicates()


@functools.lru_cache(maxsize=8)
def _la_codes_cached(folder: str) -> pd.DataFrame:
    root = Path(folder)
    if snapshot.is_snapshot(root):
        return snapshot.read_areas(root)[list(LA_CODE_COLUMNS)].astype({"current": bool})
    parts = [p for p in (_ees_pairs(f) for f in sorted(root.rglob("*.csv"))) if p is not None]
    if parts:
        pairs = pd.concat(parts, ignore_index=True)
        if "time_period" not in pairs:
            pairs["time_period"] = "0"
        # Academic years (202425) and reporting years (2025) sort together on their first 4 digits.
        pairs["_year"] = pairs["time_period"].str[:4].astype(int) + (pairs["time_period"].str.len() > 4)
        pairs = pairs[pairs["new_la_code"] != ""].sort_values("_year")
        pairs = pairs.drop_duplicates("old_la_code", keep="last")
    else:
        pairs = pd.DataFrame(columns=["old_la_code", "new_la_code", "la_name", "region_code", "region_name"])
    lait = next(root.rglob("la_code_list.xlsx"), None)
    if lait is not None:
        names = pd.read_excel(lait, dtype=str).rename(columns={"LA Number": "old_la_code", "LA Name": "la_name"})
        names = names[names["old_la_code"].str.fullmatch(r"\d{3}") & ~names["old_la_code"].astype(int).isin(
            LAIT_AREA_CODES)]
        extra = names[~names["old_la_code"].isin(pairs["old_la_code"])]
        extra = extra.assign(new_la_code="", region_code="", region_name=extra["Region"].fillna(""))
        pairs = pd.concat([pairs, extra[["old_la_code", "new_la_code", "la_name", "region_code", "region_name"]]])
    # Inner/Outer London are sub-regions in EES; the region of a London borough is London.
    pairs["region_code"] = pairs["region_code"].replace({c: LONDON for c in LONDON_SUBREGIONS})
    pairs["region_name"] = pairs["region_code"].map(REGIONS).fillna(pairs["region_name"])
    pairs["current"] = ~pairs["old_la_code"].isin(FORMER_AUTHORITIES)
    out = pairs[list(LA_CODE_COLUMNS)].sort_values("old_la_code").reset_index(drop=True)
    if out.empty:
        raise DfeDataError(
            f"{root}: no local authority codes found (no EES CSV with old_la_code/new_la_code columns and no "
            "LAIT la_code_list.xlsx)."
        )
    return out


def la_codes(folder: str | Path | None = None) -> pd.DataFrame:
    """Every English local authority in the national files, old and new codes side by side.

    Parameters
    ----------
    folder : path or None; default None
        Folder of national files (searched recursively); None finds one
        (:func:`cpanalysis.dfe.folders.find_dfe_folder`).

    Returns
    -------
    DataFrame
        ``old_la_code`` (3 digits, str), ``new_la_code`` (ONS code; ``""`` if only LAIT knows the
        authority), ``la_name``, ``region_code`` (E12, London boroughs under London E12000007),
        ``region_name``, ``current`` (False for authorities abolished by a boundary change, see
        :data:`BOUNDARY_CHANGES`). One row per old code, the latest EES year's details winning.

    Raises
    ------
    DfeDataError
        If the folder holds no code information.
    """
    return _la_codes_cached(str(resolve_folder(folder).resolve())).copy()


def find_la(la: str | int, folder: str | Path | None = None) -> pd.Series:
    """The :func:`la_codes` row of an authority given by old code, new code or exact name.

    Raises
    ------
    ParameterError
        If the authority is not in the national files.
    """
    codes = la_codes(folder)
    key = str(la).strip()
    if key.endswith(".0"):
        key = key[:-2]
    hit = codes[(codes["old_la_code"] == key) | (codes["new_la_code"] == key.upper())
                | (codes["la_name"].str.lower() == key.lower())]
    if hit.empty:
        raise ParameterError(
            f"local authority {la!r} is not in the national files (give an old code such as 855, a new "
            "code such as E10000018, or the name as DfE spells it)."
        )
    return hit.iloc[-1]


def new_code(la: str | int, folder: str | Path | None = None) -> str:
    """The ONS (new) code of an authority given any form :func:`find_la` accepts."""
    row = find_la(la, folder)
    return row["new_la_code"] or row["old_la_code"]


def region_of(la: str | int, folder: str | Path | None = None, london_subregion: bool = False) -> str:
    """Region code (E12...) of an authority.

    Parameters
    ----------
    la : str or int
        Old code, new code or name.
    folder : path or None; default None
    london_subregion : bool; default False
        For London boroughs, return Inner/Outer London (E13000001/2) instead of London. Looked up
        from the EES files, where boroughs are filed under the sub-region.

    Examples
    --------
    ``region_of("E10000018")`` -> ``"E12000004"`` (East Midlands).
    """
    row = find_la(la, folder)
    if not row["region_code"]:
        raise ParameterError(f"no region is recorded for local authority {la!r} in the national files")
    if london_subregion and row["region_code"] == LONDON:
        return _london_subregions(str(resolve_folder(folder).resolve())).get(row["old_la_code"], LONDON)
    return row["region_code"]


@functools.lru_cache(maxsize=8)
def _london_subregions(folder: str) -> dict[str, str]:
    if snapshot.is_snapshot(folder):
        codes = snapshot.read_areas(folder)
        codes = codes[codes["london_subregion"] != ""]
        return dict(zip(codes["old_la_code"], codes["london_subregion"], strict=True))
    for path in sorted(Path(folder).rglob("*.csv")):
        pairs = _ees_pairs(path)
        if pairs is not None:
            sub = pairs[pairs["region_code"].isin(LONDON_SUBREGIONS)]
            if not sub.empty:
                return dict(zip(sub["old_la_code"], sub["region_code"], strict=False))
    return {}


def area_name(code: str, folder: str | Path | None = None) -> str:
    """Name of England, a region or an authority given its code (old or new)."""
    if code == ENGLAND:
        return "England"
    if code in REGIONS:
        return REGIONS[code]
    if code in LONDON_SUBREGIONS:
        return LONDON_SUBREGIONS[code]
    return str(find_la(code, folder)["la_name"])


def geographic_level(code: str) -> str:
    """``"National"``, ``"Regional"`` or ``"Local authority"`` from the shape of a code."""
    if code == ENGLAND:
        return "National"
    if code in REGIONS or code in LONDON_SUBREGIONS:
        return "Regional"
    return "Local authority"
