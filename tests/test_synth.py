"""The synthetic authority: determinism, structure, code changes by year, calibration, validity.

The headline counts are checked here directly from the generated CSVs with short pandas code
that follows the DfE definitions (``dfe_statistics.md`` §3), independently of the package;
``test_demo_calibration.py`` checks every calibrated indicator through the package's own
indicator functions. The default demo is generated once per session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis import codes, geography, schema
from cpanalysis.errors import ParameterError
from cpanalysis.synth import generate, return_specs
from cpanalysis.synth.lifecourse import birthday, upn_check_letter
from cpanalysis.synth.params import LEICESTERSHIRE

LAST_FULL = "2024-25"
YEAR_END = pd.Timestamp(2025, 3, 31)
YEAR_START = pd.Timestamp(2024, 4, 1)


@pytest.fixture(scope="session")
def demo(default_demo: Path) -> Path:
    """The default demo (Leicestershire, seed 2026, 2016-17 to 2025-26_Q2): the session's shared
    copy (``conftest.default_demo``), read only, so the run generates it once."""
    return default_demo


def read(demo: Path, label: str, table: str) -> pd.DataFrame:
    return pd.read_csv(demo / "903" / label / f"{table}.csv", dtype=str, keep_default_na=False)


def dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")


def stitched_episodes(demo: Path) -> pd.DataFrame:
    """Every annual return's episodes, one row per (CHILD, DECOM), the latest return winning."""
    frames = []
    for order, label in enumerate(
        sorted(p.name for p in (demo / "903").iterdir() if "_" not in p.name)
    ):
        frame = read(demo, label, "episodes")
        frame["order"] = order
        frames.append(frame)
    episodes = (
        pd.concat(frames).sort_values("order").drop_duplicates(["CHILD", "DECOM"], keep="last")
    )
    episodes["decom"], episodes["dec"] = dates(episodes["DECOM"]), dates(episodes["DEC"])
    return episodes.sort_values(["CHILD", "decom"]).reset_index(drop=True)


def with_temporary_flags(episodes: pd.DataFrame) -> pd.DataFrame:
    """Flag temporary placements and the returns from them (same placement: not a new one)."""
    episodes = episodes.sort_values(["CHILD", "decom"]).copy()
    episodes["temporary"] = episodes["PLACE"].isin(codes.PLACE_TEMPORARY)
    episodes["after_temporary"] = episodes.groupby("CHILD")["temporary"].shift(1, fill_value=False)
    episodes["new_placement"] = (
        episodes["RNE"].isin(codes.RNE_NEW_PLACEMENT_NEW_CARER)
        & ~episodes["temporary"]
        & ~episodes["after_temporary"]
    )
    return episodes


@pytest.fixture(scope="session")
def figures(demo: Path) -> dict[str, float]:
    """DfE headline counts and shares at 31 March 2025, counted directly from the 2024-25 return."""
    episodes = read(demo, LAST_FULL, "episodes")
    episodes["decom"], episodes["dec"] = dates(episodes["DECOM"]), dates(episodes["DEC"])
    not_respite = ~episodes["LS"].isin(codes.LS_SHORT_BREAK)
    # CLA on 31 March: an open episode (DEC blank) that is not a short break
    current = episodes[(episodes["DEC"] == "") & not_respite].set_index("CHILD")
    cla = current.index
    out: dict[str, float] = {"cla": len(cla)}
    # started: first S in the year per child; ceased: last non-X1 end in the year per child
    started = (episodes["RNE"] == codes.RNE_START) & (episodes["decom"] >= YEAR_START)
    out["starts"] = episodes.loc[started & not_respite, "CHILD"].nunique()
    ended = episodes["dec"].between(YEAR_START, YEAR_END) & (episodes["REC"] != codes.REC_CONTINUES)
    out["ceased"] = episodes.loc[ended & not_respite, "CHILD"].nunique()
    out["in_house"] = 100 * current["PLACE_PROVIDER"].isin(codes.PROVIDER_IN_HOUSE).mean()
    out["uasc"] = 100 * cla.isin(read(demo, LAST_FULL, "uasc")["CHILD"]).mean()
    # OC2 (12-month cohort): SDQ for ages 5-16 at 31 March
    oc2 = read(demo, LAST_FULL, "oc2")
    out["twelve_month_cohort"] = len(oc2)
    oc2_age = (YEAR_END - dates(oc2["DOB"])).dt.days / 365.25
    scores = pd.to_numeric(oc2.loc[(oc2_age >= 5) & (oc2_age < 17), "SDQ_SCORE"], errors="coerce")
    out["sdq_completion"] = 100 * scores.notna().mean()
    out["sdq_mean"] = scores.mean()
    out["sdq_concern"] = 100 * (scores >= codes.SDQ_CONCERN_THRESHOLD).sum() / scores.notna().sum()
    out["health_assessment"] = 100 * (oc2["HEALTH_ASSESSMENT"] == "1").mean()
    # care leavers whose 19th, 20th or 21st birthday is in the year (died / returned home excluded)
    oc3 = read(demo, LAST_FULL, "oc3")
    born = dates(oc3["DOB"])
    oc3["age"] = np.where(born.dt.month >= 4, 2024, 2025) - born.dt.year
    leavers = oc3[oc3["age"].between(19, 21) & ~oc3["IN_TOUCH"].isin(codes.IN_TOUCH_EXCLUDED)]
    out["care_leavers_19_21"] = len(leavers)
    out["eet"] = 100 * leavers["ACTIV"].isin(codes.ACTIV_EET).mean()
    types = leavers["ACCOM"].map(codes.accom_type)
    suitability = leavers[~types.isin(codes.ACCOM_EXCLUDED_FROM_SUITABILITY)]
    out["suitable"] = 100 * (suitability["ACCOM"].map(codes.accom_suitable) == True).mean()  # noqa: E712
    return out


# ---------------------------------------------------------------------------------------------
# Small pieces, hand-checked
# ---------------------------------------------------------------------------------------------
def test_upn_check_letter() -> None:
    # 8x2 + 5x3 + 5x4 + 1x13 = 64; 64 mod 23 = 18 -> the 19th letter of A-Z without I, O, S = V
    assert upn_check_letter("855000000001") == "V"


def test_birthday_handles_29_february() -> None:
    leap = dt.date(2008, 2, 29).toordinal()
    assert dt.date.fromordinal(birthday(leap, 18)) == dt.date(2026, 3, 1)
    assert dt.date.fromordinal(birthday(leap, 16)) == dt.date(2024, 2, 29)


def test_return_specs_labels() -> None:
    labels = [s.label for s in return_specs(2023, dt.date(2025, 9, 30))]
    assert labels == ["2022-23", "2023-24", "2024-25", "2025-26_Q2"]
    assert [s.label for s in return_specs(2024, dt.date(2025, 3, 31))] == ["2023-24", "2024-25"]
    odd = return_specs(2025, dt.date(2025, 10, 31))[-1]
    assert (odd.label, odd.in_year) == ("2025-26_as-at_2025-10-31", True)


def test_population_extrapolation_is_marked() -> None:
    assert LEICESTERSHIRE.population_for(2025) == (147_439, False)
    assert LEICESTERSHIRE.population_for(2018) == (138_152 - 870, True)


def test_bad_parameters_are_plain_errors(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="E99999999"):
        generate(tmp_path, la_code="E99999999")
    with pytest.raises(ParameterError, match="--first-year"):
        generate(tmp_path, first_year="sometime")
    with pytest.raises(ParameterError, match="--defects"):
        generate(tmp_path, defects=2)


# ---------------------------------------------------------------------------------------------
# The default demo
# ---------------------------------------------------------------------------------------------
def test_every_return_has_every_table_of_its_year(demo: Path) -> None:
    labels = sorted(p.name for p in (demo / "903").iterdir())
    assert labels == [f"{y}-{(y + 1) % 100:02d}" for y in range(2016, 2025)] + ["2025-26_Q2"]
    for label in labels:
        year = int(label[:4]) + 1
        expected = {f"{name}.csv" for name in schema.tables_for_year(year)}
        assert {p.name for p in (demo / "903" / label).iterdir()} == expected, label
        for name in schema.tables_for_year(year):
            header = (
                (demo / "903" / label / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
            )
            assert header.split(",") == list(schema.TABLES[name].columns)
    assert not (demo / "903" / "2022-23" / "sw_episodes.csv").exists()
    population = pd.read_csv(demo / "population.csv", dtype={"time_period": int, "age_band": str})
    total = population[population["age_band"].isna()]  # the under-18 rows (blank age_band)
    assert total.set_index("time_period").loc[2025, "population_estimate"] == 147_439
    # the synthetic split by age band sums to the under-18 figure: 147,439 / 18 = 8,191.06 a year
    by_age = population[population["age_band"].notna() & (population["time_period"] == 2025)]
    assert by_age["population_estimate"].sum() == 147_439
    assert by_age.set_index("age_band").loc["5 to 9 years", "population_estimate"] == round(147_439 * 5 / 18)


def test_dates_are_dfe_format(demo: Path) -> None:
    episodes = read(demo, LAST_FULL, "episodes")
    for column in ("DECOM", "DEC"):
        filled = episodes[column][episodes[column] != ""]
        assert filled.str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()


def test_code_changes_by_year(demo: Path) -> None:
    old_sex, new_sex = {"1", "2"}, {"M", "F"}
    assert set(read(demo, "2023-24", "header")["SEX"]) == old_sex
    assert set(read(demo, "2024-25", "header")["SEX"]) == new_sex
    assert set(read(demo, "2023-24", "uasc")["SEX"]) <= old_sex
    for label in sorted(p.name for p in (demo / "903").iterdir()):
        year = int(label[:4]) + 1
        episodes = read(demo, label, "episodes")
        oc3 = read(demo, label, "oc3")
        for column, codelist in (
            ("PLACE", codes.PLACE),
            ("REC", codes.REC),
            ("REASON_PLACE_CHANGE", codes.REASON_PLACE_CHANGE),
        ):
            used = set(episodes[column]) - {""}
            assert used <= codelist.valid_codes(year), (
                label,
                column,
                used - codelist.valid_codes(year),
            )
        assert set(oc3["ACTIV"]) <= codes.ACTIV.valid_codes(year), label
        # P2 is not allowed for episodes open on or after 28 October 2023
        if year >= 2024:
            p2 = episodes[episodes["PLACE"] == "P2"]
            assert (dates(p2["DEC"]) < pd.Timestamp(2023, 10, 28)).all(), label
    # the new codes are really used once they exist
    assert "K3" in set(read(demo, "2024-25", "episodes")["PLACE"])
    assert set(read(demo, "2019-20", "episodes")["REC"]) & {"E45", "E46", "E47", "E48"}
    assert set(read(demo, "2017-18", "episodes")["REC"]) & {"E43", "E44"}
    assert set(read(demo, "2024-25", "oc3")["ACTIV"]) & {"F4", "P4", "F5", "P5"}
    assert set(read(demo, "2018-19", "oc3")["ACTIV"]) & {"F3", "P3"}


#: Codes the generator never writes, and why (see docs/synthetic_authority.md).
NOT_GENERATED = {
    ("SEX", "U"): "unknown sex is flagged by DfE rule 232",
    ("LS", "D1"): "freeing orders ended in December 2005",
    ("LS", "V4"): "short breaks are recorded episode by episode (V3)",
    **{
        ("PLACE", z): "Z11-Z14 (2025-26, meanings unconfirmed) are rare in a six-month extract"
        for z in ("Z11", "Z12", "Z13", "Z14")
    },
}


def test_every_code_list_is_exercised(demo: Path) -> None:
    used: dict[str, set[str]] = {}
    for folder in (demo / "903").iterdir():
        for name, spec in schema.TABLES.items():
            path = folder / f"{name}.csv"
            if not path.exists():
                continue
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in spec.coded:
                used.setdefault(column, set()).update(table[column])
    missing = []
    for column, values in used.items():
        codelist = codes.CODE_LISTS[column]
        missing += [
            (column, c)
            for c in codelist.codes
            if c not in values and (column, c) not in NOT_GENERATED
        ]
    assert missing == []


def test_episode_chains_follow_the_structural_rules(demo: Path) -> None:
    episodes = stitched_episodes(demo)  # whole histories, so chains crossing years are checked
    nxt = episodes.groupby("CHILD").shift(-1)
    has_next = nxt["DECOM"].notna()
    # a continuing episode (X1) ends the day the next starts; the next is never S
    x1 = episodes["REC"] == codes.REC_CONTINUES
    assert (episodes.loc[x1, "dec"] == nxt.loc[x1, "decom"]).all()
    assert (nxt.loc[x1, "RNE"] != codes.RNE_START).all()
    # RNE agrees with what changed (ssda903.md §2.5)
    chained = x1 & has_next
    placement_cols = ["PLACE", "PLACE_PROVIDER", "PL_POST", "URN"]
    place_changed = (episodes.loc[chained, placement_cols] != nxt.loc[chained, placement_cols]).any(
        axis=1
    )
    legal_changed = episodes.loc[chained, "LS"] != nxt.loc[chained, "LS"]
    rne = nxt.loc[chained, "RNE"]
    assert (~place_changed[rne == "L"]).all() and legal_changed[rne == "L"].all()
    assert (
        place_changed[rne.isin(["P", "T"])].all() and (~legal_changed[rne.isin(["P", "T"])]).all()
    )
    assert (place_changed & legal_changed)[rne.isin(["B", "U"])].all()
    # temporary placements start with P/B and return to the same placement and postcode with P
    temporary = episodes["PLACE"].isin(codes.PLACE_TEMPORARY)
    assert episodes.loc[temporary, "RNE"].isin({"P", "B"}).all()
    closed_temp = temporary & has_next
    assert (nxt.loc[closed_temp, "RNE"] == "P").all()
    before = episodes.groupby("CHILD").shift(1)
    closed_temp &= before["DECOM"].notna()  # the placement before is in the returns too
    assert (nxt.loc[closed_temp, "PLACE"] == before.loc[closed_temp, "PLACE"]).all()
    assert (nxt.loc[closed_temp, "PL_POST"] == before.loc[closed_temp, "PL_POST"]).all()
    assert (
        (episodes.loc[temporary, ["PLACE_PROVIDER", "URN", "REASON_PLACE_CHANGE"]] == "")
        .all()
        .all()
    )
    # a reason is recorded exactly on the episodes that end with a placement change (rule 225)
    moves = (
        chained
        & nxt["RNE"].isin(codes.RNE_PLACEMENT_CHANGE)
        & ~temporary
        & ~nxt["PLACE"].isin(codes.PLACE_TEMPORARY)
    )
    assert (episodes.loc[moves, "REASON_PLACE_CHANGE"] != "").all()
    assert (episodes.loc[~moves, "REASON_PLACE_CHANGE"] == "").all()
    # provider rules (178/213, 550, 527-531)
    no_provider = episodes["PLACE"].isin(codes.PLACE_NO_PROVIDER)
    assert (episodes.loc[no_provider, "PLACE_PROVIDER"] == "").all()
    assert (episodes.loc[~no_provider, "PLACE_PROVIDER"] != "").all()
    for provider, excluded in codes.PROVIDER_EXCLUDED_PLACES.items():
        assert not (
            episodes["PLACE_PROVIDER"].eq(provider) & episodes["PLACE"].isin(excluded)
        ).any(), provider
    assert (episodes.loc[episodes["PLACE"].isin(codes.PLACE_NO_URN), "URN"] == "").all()


def test_postcodes_are_real_and_local(demo: Path) -> None:
    episodes = read(demo, LAST_FULL, "episodes")
    home = episodes.loc[episodes["HOME_POST"] != "", "HOME_POST"].drop_duplicates()
    placed = episodes.loc[episodes["PL_POST"] != "", "PL_POST"].drop_duplicates()
    home_la, placed_la = geography.upper_tier_la(home), geography.upper_tier_la(placed)
    assert home_la.notna().all() and placed_la.notna().all()
    assert (home_la == "E10000018").all()
    counts = placed_la.value_counts()
    assert counts.index[0] == "E10000018"  # mostly inside the county
    assert counts.get("E06000016", 0) >= 5  # Leicester city, in the middle of it
    assert len(counts) >= 8  # and the neighbours around
    # UASC have no home postcode (DfE records no distance for them); respite has no postcodes
    uasc = set(read(demo, LAST_FULL, "uasc")["CHILD"])
    assert (episodes.loc[episodes["CHILD"].isin(uasc), "HOME_POST"] == "").all()
    respite = episodes["LS"].isin(codes.LS_SHORT_BREAK)
    assert (episodes.loc[respite, ["HOME_POST", "PL_POST"]] == "").all().all()


# DfE headline figures at 31 March 2025 (dfe_statistics.md §2c, Leicestershire): the bands of issue 3.
BANDS = {
    "cla": (640, 760),
    "starts": (260, 340),
    "ceased": (260, 360),
    "in_house": (45, 75),
    "twelve_month_cohort": (430, 530),
    "sdq_completion": (80, 95),
    "sdq_mean": (13.5, 16.0),
    "sdq_concern": (32, 45),
    "health_assessment": (85, 96),
    "care_leavers_19_21": (300, 420),
    "eet": (50, 66),
    "suitable": (88, 98),
    "uasc": (5, 12),
}


@pytest.mark.parametrize("name", sorted(BANDS))
def test_calibration_band(figures: dict[str, float], name: str) -> None:
    low, high = BANDS[name]
    assert low <= figures[name] <= high, f"{name} = {figures[name]:.1f}, expected {low}-{high}"


def test_children_looked_after_follow_the_published_trend(demo: Path) -> None:
    def cla(label: str) -> int:
        episodes = read(demo, label, "episodes")
        return episodes.loc[
            (episodes["DEC"] == "") & ~episodes["LS"].isin(codes.LS_SHORT_BREAK), "CHILD"
        ].nunique()

    first, middle, last = cla("2016-17"), cla("2020-21"), cla(LAST_FULL)
    assert 440 <= first <= 580  # published 510
    assert first + 80 <= middle  # published 706: growth to 2021
    assert first + 100 <= last


def test_sdq_worse_for_children_who_move_more(demo: Path) -> None:
    """Children with 3+ placements in a year show a worse SDQ change than the others."""
    changes = []
    labels = [f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2025)]
    for previous, label in zip(labels, labels[1:], strict=False):
        end = pd.Timestamp(int(label[:4]) + 1, 3, 31)
        then = read(demo, previous, "oc2").set_index("CHILD")["SDQ_SCORE"]
        now = read(demo, label, "oc2").set_index("CHILD")["SDQ_SCORE"]
        both = pd.concat(
            [pd.to_numeric(then, errors="coerce"), pd.to_numeric(now, errors="coerce")],
            axis=1,
            join="inner",
        ).dropna()
        episodes = with_temporary_flags(
            read(demo, label, "episodes").assign(decom=lambda f: dates(f["DECOM"]))
        )
        started = episodes[
            episodes["new_placement"] & (episodes["decom"] > end - pd.DateOffset(years=1))
        ]
        placements = (
            started.groupby("CHILD").size().reindex(both.index, fill_value=0) + 1
        )  # +1: open on 1 April
        changes.append(
            pd.DataFrame({"change": both.iloc[:, 1] - both.iloc[:, 0], "unstable": placements >= 3})
        )
    pooled = pd.concat(changes)
    assert pooled["unstable"].sum() >= 30
    gap = (
        pooled.loc[pooled["unstable"], "change"].mean()
        - pooled.loc[~pooled["unstable"], "change"].mean()
    )
    assert gap >= 1.5


def validation_issues(folder: Path) -> pd.DataFrame:
    """Issues (errors and warnings) the package's ingest, cleaning and validation report."""
    from cpanalysis import clean, ingest, validate

    raw = ingest.read_returns(folder / "903")
    tables, cleaning = clean.normalise(raw)
    issues = pd.concat([cleaning, validate.validate(tables, prior_issues=cleaning)])
    issues = issues[~issues["rule_id"].isin(NOT_YET_IN_DEMO)]
    return issues[issues["severity"].isin(["error", "warning"])]


#: DfE rules added for parity with DfE's validator (issue 12) that the demo does not satisfy yet
#: (the demo generator's issue makes the demo pass DfE's validator): MOTHER blank for looked-after
#: young women (393, 607), SDQ reason at 4 and 17 (197B), care-leaver details for 17-18 year olds
#: who left after their birthday (1016), UASC dates across years (205B: one child of the Q2
#: extract). 1002 (care leaver with no episode in the returns read)
#: always fires here: these tests read only 2024-25 onwards, so earlier care is not loaded.
NOT_YET_IN_DEMO = {"393", "607", "197B", "1016", "205B", "1002"}


RECENT = {"first_year": "2024-25"}  # the newest code sets; validating all ten returns is slow


@pytest.fixture(scope="session")
def recent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default authority, 2024-25 and the 2025-26 in-year extract only."""
    out = tmp_path_factory.mktemp("recent")
    generate(out, **RECENT)
    return out


def test_validation_finds_nothing(recent: Path) -> None:
    """The demo passes the package's validation: no errors, and no warnings either."""
    problems = validation_issues(recent)
    assert problems.empty, problems.groupby("rule_id").size().to_dict()


def test_validation_finds_every_injected_defect_and_nothing_else(tmp_path: Path) -> None:
    from cpanalysis import validate

    generate(tmp_path, defects=0.01, **RECENT)
    defects = pd.read_csv(tmp_path / "defects.csv", dtype=str)
    assert list(defects.columns) == ["file", "row", "child", "column", "defect_type", "rule_id"]
    assert set(defects["defect_type"]) == {
        "overlapping_episodes", "missing_postcode", "invalid_code", "dob_typo", "duplicated_row", "missing_oc2_row",
    }  # fmt: skip
    issues = validation_issues(tmp_path)
    flagged = set(zip(issues["file"], issues["row"].astype(str), issues["rule_id"], strict=True))
    checkable = defects["rule_id"].isin(validate.RULES)
    missed = [
        tuple(r)
        for r in defects.loc[checkable, ["file", "row", "rule_id"]].itertuples(index=False)
        if tuple(r) not in flagged
    ]
    assert missed == []
    assert checkable.all()  # every injected defect's rule is a package rule (392a included)
    # nothing else: every issue concerns a child who was given a fault
    unexplained = issues[~issues["child"].isin(set(defects["child"]))]
    assert unexplained.empty, unexplained[["file", "row", "rule_id"]].head().to_dict("records")


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_authority(tmp_path: Path) -> None:
    """Any English authority works (Rutland: small); same seed, identical files; new seed differs."""
    kwargs = {"la_code": "E06000017", "first_year": "2023-24", "as_at": "2025-06-30"}
    first = generate(tmp_path / "a", seed=7, **kwargs)
    generate(tmp_path / "b", seed=7, **kwargs)
    generate(tmp_path / "c", seed=8, **kwargs)
    assert first.returns == ["2023-24", "2024-25", "2025-26_Q1"]
    hashes = _file_hashes(tmp_path / "a")
    assert hashes == _file_hashes(tmp_path / "b")
    assert hashes != _file_hashes(tmp_path / "c")
    episodes = read(tmp_path / "a", "2024-25", "episodes")
    homes = geography.upper_tier_la(episodes.loc[episodes["HOME_POST"] != "", "HOME_POST"])
    assert (homes == "E06000017").all()
    cla = episodes.loc[episodes["DEC"] == "", "CHILD"].nunique()
    assert 15 <= cla <= 80  # England-like rate for about 7,000 under-18s


def test_cli_demo(tmp_path: Path) -> None:
    from cpanalysis.cli import main

    code = main(
        [
            "demo",
            "--out",
            str(tmp_path),
            "--la",
            "E06000017",
            "--first-year",
            "2024-25",
            "--as-at",
            "2025-03-31",
        ]
    )
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "903").iterdir()) == ["2024-25"]
    assert (tmp_path / "population.csv").is_file()
    assert main(["demo", "--out", str(tmp_path), "--la", "nowhere"]) == 2


def test_as_at_only_cuts_one_history(tmp_path: Path) -> None:
    """One simulated history per seed: a later extract date leaves the annual returns byte for
    byte as they were, and cutting that later history at date X gives exactly the extract that
    ``--as-at X`` writes (issue 17: quarterly extracts differ only by what happened in between)."""
    from cpanalysis.synth import simulate
    from cpanalysis.synth.returns import cut_return, write_return

    kwargs = {"la_code": "E06000017", "first_year": "2023-24", "seed": 11}
    june = generate(tmp_path / "june", as_at="2025-06-30", **kwargs)
    generate(tmp_path / "march", as_at="2026-03-31", **kwargs)
    assert june.returns == ["2023-24", "2024-25", "2025-26_Q1"]
    for label in ("2023-24", "2024-25"):
        assert _file_hashes(tmp_path / "june" / "903" / label) == _file_hashes(
            tmp_path / "march" / "903" / label
        )
    # generate to 31 March 2026, then cut at 30 June 2025: the June extract, byte for byte
    children, places, _ = simulate("E06000017", 11, 2024, dt.date(2026, 3, 31))
    (q1,) = [s for s in return_specs(2024, dt.date(2025, 6, 30)) if s.in_year]
    write_return(cut_return(children, places, q1), tmp_path / "cut")
    assert _file_hashes(tmp_path / "cut") == _file_hashes(tmp_path / "june" / "903" / q1.label)
    # and the quarter's extract is not simply the year's return (something happened since)
    assert _file_hashes(tmp_path / "cut") != _file_hashes(tmp_path / "march" / "903" / "2025-26")


def test_demo_says_it_is_synthetic(demo: Path) -> None:
    text = (demo / "SYNTHETIC_DATA.txt").read_text(encoding="utf-8")
    assert text.startswith("Synthetic demonstration data, not Leicestershire's.")
    assert "no row is about a real child" in text
