"""End-to-end build on the small hand-checked return set in tests/fixtures/good."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import build as b
from cpanalysis import cli

GOOD = Path(__file__).parent / "fixtures" / "good"

#: Rows read per table (tests/fixtures/good/README.md).
READ = {"header": 15, "episodes": 23, "uasc": 1, "reviews": 4, "oc2": 4, "oc3": 1, "ad1": 1,
        "placed_for_adoption": 1, "previous_permanence": 5, "missing": 2, "sw_episodes": 1}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> b.BuildResult:
    return b.build(GOOD, tmp_path_factory.mktemp("processed"))


def test_rows_read_kept_quarantined_reconcile(built):
    counts = built.counts.set_index("table")
    assert counts["read"].to_dict() == READ
    assert (counts["read"] == counts["kept"] + counts["quarantined"]).all()
    assert counts["quarantined"].sum() == 0  # the good set passes every rule


def test_processed_counts_match_the_hand_worked_histories(built):
    # README: 7 children; 16 distinct episodes once repeats across returns are removed
    # (23 read - 7 repeats); placements 0042:1, 1001:2, 1002:2, 1003:1, 1005:1+2, 1006:2, 1007:1 = 12;
    # periods of care 1+1+1+1+2+2+1 = 9.
    assert built.summary()["children"] == 7
    assert len(built.tables["episodes"]) == 16
    assert len(built.tables["placements"]) == 12
    assert len(built.tables["periods_of_care"]) == 9
    issues = built.issues
    assert int((issues["action"] == "removed").sum()) == 23 - 16
    placements = built.tables["placements"].groupby("child_id").size().to_dict()
    assert placements == {"0042": 1, "1001": 2, "1002": 2, "1003": 1, "1005": 3, "1006": 2, "1007": 1}
    adopted = built.tables["placements"].query("child_id == '1003'").iloc[0]
    assert (adopted["place"], adopted["place_last"], adopted["end_rec"]) == ("U3", "A5", "E11")
    # 1001: home LS1 4AP, placed LS6 1AA -> 1.7 miles (DfE formula), inside the inferred authority
    first = built.tables["episodes"].query("child_id == '1001'").iloc[0]
    assert first["pl_distance"] == pytest.approx(1.7)
    assert first["pl_location"] == "IN"
    # UASC child and short breaks carry no distance, as DfE leaves it blank
    assert built.tables["episodes"].query("child_id in ['0042', '1006']")["pl_distance"].isna().all()


def test_files_written_and_manifest_lists_inputs_with_sha256(built):
    folder = built.out_dir
    for name in b.OUTPUT_TABLES:
        assert (folder / f"{name}.parquet").is_file(), name
    manifest = json.loads((folder / b.MANIFEST).read_text())
    files = {f["path"]: f for f in manifest["files"]}
    on_disk = sorted(p.relative_to(GOOD).as_posix() for p in GOOD.rglob("*.csv"))
    assert sorted(files) == on_disk
    for path, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((GOOD / path).read_bytes()).hexdigest()
    assert manifest["files"][0]["path"] == "2023-24/episodes.csv"
    assert files["2023-24/episodes.csv"]["rows_read"] == 8
    assert manifest["rows"]["episodes"] == {"read": 23, "kept": 23, "quarantined": 0}
    assert manifest["outputs"]["placements"] == 12
    assert [r["label"] for r in manifest["returns"]] == ["2023-24", "2024-25", "2025-26_Q2"]
    assert manifest["latest_as_at"] == "2025-09-30"
    assert manifest["version"]


def test_load_processed_gives_back_the_same_tables(built):
    loaded = b.load_processed(built.out_dir)
    assert set(loaded) == set(b.OUTPUT_TABLES)
    for name, frame in loaded.items():
        pd.testing.assert_frame_equal(frame, built.tables[name], obj=name)
    episodes = loaded["episodes"]
    assert episodes["decom"].dtype == "datetime64[ns]"
    assert episodes["child_id"].map(type).eq(str).all()
    assert episodes["rec"].isna().sum() == episodes["rec"].map(lambda v: v is None).sum()
    assert loaded["oc2"]["sdq_score"].dtype == "Int64"


def test_load_or_build_accepts_raw_or_processed(built):
    from_processed = b.load_or_build(built.out_dir)
    from_raw = b.load_or_build(GOOD)
    for name in ("episodes", "placements", "children"):
        pd.testing.assert_frame_equal(from_raw[name], from_processed[name], obj=name)


def test_load_processed_on_a_raw_folder_is_a_plain_error(tmp_path):
    with pytest.raises(b.InputFileError, match="cpanalysis build"):
        b.load_processed(tmp_path)


def test_quarantined_row_is_counted_and_written(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw, ignore=shutil.ignore_patterns("*.md"))
    with (raw / "2024-25" / "episodes.csv").open("a", encoding="utf-8") as handle:
        handle.write("1001,not a date,P,C2,N1,U6,PR1,,,,LS1 4AP,LS8 2BB,SC222222\n")
    result = b.build(raw, tmp_path / "out")
    counts = result.counts.set_index("table")
    assert tuple(counts.loc["episodes", ["read", "kept", "quarantined"]]) == (24, 23, 1)
    assert (counts["read"] == counts["kept"] + counts["quarantined"]).all()
    assert len(result.tables["episodes"]) == 16
    quarantine = pd.read_csv(tmp_path / "out" / "quarantine" / "episodes.csv", dtype=str)
    assert quarantine["source_row"].tolist() == ["11"]
    assert quarantine["reason"].str.contains("141").all()
    assert json.loads((tmp_path / "out" / b.MANIFEST).read_text())["rows"]["episodes"]["quarantined"] == 1


def test_geography_unavailable_degrades_to_blank_distance(monkeypatch):
    from cpanalysis import geography

    def broken(*args, **kwargs):
        raise OSError("postcode files missing")

    monkeypatch.setattr(geography, "distance_miles", broken)
    eps = pd.DataFrame({"child_id": ["1"], "ls": ["C2"], "home_post": ["LS1 4AP"], "pl_post": ["LS6 1AA"]})
    children = pd.DataFrame({"child_id": ["1"], "ever_uasc": [False]})
    out, issues = b.add_location(eps, children)
    assert out["pl_distance"].isna().all() and out["pl_location"].isna().all()
    assert [i["rule_id"] for i in issues] == ["BUILD_GEOGRAPHY"]
    assert "postcode files missing" in issues[0]["message"]


def test_add_location_with_given_authority():
    eps = pd.DataFrame(
        {"child_id": ["1", "1", "2"], "ls": ["C2", "V3", "C2"], "home_post": ["LS1 4AP"] * 3,
         "pl_post": ["LS6 1AA", "LS6 1AA", "HX1 1AA"]}
    )
    children = pd.DataFrame({"child_id": ["1", "2"], "ever_uasc": [False, False]})
    out, issues = b.add_location(eps, children, la_code="E08000035")
    assert out["pl_distance"].iloc[0] == pytest.approx(1.7)
    assert pd.isna(out["pl_distance"].iloc[1])  # short break: blank, as DfE
    assert out["pl_location"].tolist() == ["IN", "IN", "OUT"]
    assert issues == []


def test_cli_build_prints_summary_and_exit_codes(built, tmp_path, capsys):
    assert cli.main(["build", str(GOOD), "--out", str(tmp_path / "p"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Placements: 12" in out and "Periods of care: 9" in out
    assert "episodes                   23        23            0" in out
    # the same input gives the same bytes
    for name in b.OUTPUT_TABLES:
        assert (tmp_path / "p" / f"{name}.parquet").read_bytes() == (built.out_dir / f"{name}.parquet").read_bytes()
    assert cli.main(["build", str(tmp_path / "missing"), "--out", str(tmp_path / "q")]) == 2
    assert "error:" in capsys.readouterr().err
