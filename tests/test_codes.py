"""Code lists: year validity of the DfE changes and the groupings analysts rely on."""

from __future__ import annotations

import pytest

from cpanalysis import codes


@pytest.mark.parametrize(
    ("codelist", "code", "valid_years", "invalid_years"),
    [
        (codes.REC, "E43", [2017, 2018], [2019, 2025]),
        (codes.REC, "E45", [2019, 2026], [2018]),
        (codes.ACTIV, "F3", [2021], [2022]),
        (codes.ACTIV, "F4", [2022, 2025], [2021]),
        (codes.SEX, "1", [2024], [2025]),
        (codes.SEX, "M", [2025, 2026], [2024]),
        (codes.PLACE, "K3", [2025, 2026], [2024]),
        (codes.PLACE, "H5", [2024, 2025], [2026]),
        (codes.PLACE, "P2", [2025], [2026]),
        (codes.PLACE, "Z1", [2025], [2026]),
        (codes.PLACE, "Z12", [2026], [2025]),
        (codes.REASON_PLACE_CHANGE, "CUSTOD", [2019], [2018]),
    ],
)
def test_year_validity(codelist, code, valid_years, invalid_years) -> None:
    for year in valid_years:
        assert code in codelist.valid_codes(year), (code, year)
    for year in invalid_years:
        assert code not in codelist.valid_codes(year), (code, year)


def test_accom_homeless_and_custody_never_suitable() -> None:
    assert "S2" in codes.ACCOM and "S1" not in codes.ACCOM
    assert "X2" in codes.ACCOM and "X1" not in codes.ACCOM
    assert len(codes.ACCOM.codes) == 16 * 2 - 2 + 1
    assert codes.accom_suitable("U1") is True
    assert codes.accom_suitable("U2") is False
    assert codes.accom_suitable("0") is None
    assert codes.accom_type("Z1") == "Z"


def test_eet_neet_partition_activity_codes() -> None:
    assert codes.ACTIV_EET.isdisjoint(codes.ACTIV_NEET)
    assert codes.ACTIV_EET | codes.ACTIV_NEET | codes.ACTIV_NOT_KNOWN == set(codes.ACTIV.codes)


def test_every_placement_type_has_a_publication_group() -> None:
    assert set(codes.PLACE.codes) == set(codes.PLACE_GROUPS)
    assert set(codes.PLACE_GROUPS.values()) == set(codes.PLACE_GROUP_ORDER)


def test_every_leaving_reason_has_a_group() -> None:
    assert set(codes.REC.codes) - {"X1"} == set(codes.REC_GROUPS)


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "Normal"), (13, "Normal"), (14, "Borderline"), (16, "Borderline"), (17, "Cause for concern"),
     (40, "Cause for concern"), (41, None), (None, None), (float("nan"), None)],
)
def test_sdq_band_edges(score, band) -> None:
    assert codes.sdq_band(score) == band


@pytest.mark.parametrize(
    ("code", "group"),
    [("WBRI", "White"), ("MWBA", "Mixed"), ("APKN", "Asian"), ("BAFR", "Black"), ("CHNE", "Other"),
     ("REFU", "Not known"), ("XXXX", "Not known")],
)
def test_ethnic_group(code, group) -> None:
    assert codes.ethnic_group(code) == group
