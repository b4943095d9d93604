"""The built-in snapshot of DfE's published figures (``cpanalysis/dfe/snapshot.py``).

Three things are checked: a snapshot built from crafted files reads back exactly as the files do;
the shipped snapshot matches the published files in ``../shared/dfe`` value for value (five
authorities and England), when they are present; and with no national files on the machine at
all (a fresh clone: ``../shared`` monkeypatched away) the comparisons still work from the snapshot.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis.cli import main
from cpanalysis.dfe import folders, snapshot
from cpanalysis.dfe.areas import la_codes, region_of
from cpanalysis.dfe.load import load_dfe
from cpanalysis.dfe.neighbours import neighbour_table, statistical_neighbours
from cpanalysis.errors import DfeDataError
from cpanalysis.reports import common
from cpanalysis.reports import loading as data

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "good"
HEAD = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,la_name,new_la_code")
NAT = "Reporting year,National,E92000001,England,,,,,"
LEIC = "Reporting year,Local authority,E92000001,England,E12000004,East Midlands,855,Leicestershire,E10000018"
NOTTS = "Reporting year,Local authority,E92000001,England,E12000004,East Midlands,891,Nottinghamshire,E10000024"
#: Leicestershire's ten 2025 statistical neighbours (dfe_statistics.md §5), as new codes.
LEIC_NEIGHBOURS = ["E10000013", "E06000025", "E10000031", "E06000024", "E10000014",
                   "E06000054", "E06000066", "E10000032", "E06000011", "E10000024"]


def _crafted(folder: Path, year: int = 2025) -> Path:
    """Two files: placement stability (England, two authorities) and a 2025 neighbour model."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for area, total, three in ((NAT, 81000, 8100), (LEIC, 694, 66), (NOTTS, 1000, 95)):
        rows += [f"{year},{area},CLA on 31 March,Total children,{total},100",
                 f"{year},{area},CLA on 31 March,With 3 or more placements during the year,{three},10"]
    (folder / "la_cla_placement_stability.csv").write_text(
        "\ufeff" + "\n".join([f"{HEAD},cla_group,placement_stability,children_count,children_percent", *rows]) + "\n",
        encoding="utf-8")
    pairs = ",".join(f"SN_{i},SN_{i}P" for i in range(1, 11))
    sn = [f"old_la_code,la_name,region_ind,region_name,{pairs}",
          "855,Leicestershire,5,East Midlands," + ",".join(f"{891 + i},Close" for i in range(10)),
          "891,Nottinghamshire,5,East Midlands," + ",".join(f"{855 if i == 0 else 900 + i},Very close"
                                                            for i in range(10))]
    (folder / "sn_model_2025_wide.csv").write_text("\n".join(sn) + "\n", encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------ building and reading


def test_snapshot_reads_back_exactly_as_the_files(tmp_path: Path) -> None:
    source = _crafted(tmp_path / "downloaded")
    out = tmp_path / "snap"
    manifest = snapshot.build_snapshot(source, out)
    assert snapshot.is_snapshot(out) and not snapshot.is_snapshot(source)
    pd.testing.assert_frame_equal(load_dfe(out), load_dfe(source))
    pd.testing.assert_frame_equal(load_dfe(out, provenance=True), load_dfe(source, provenance=True))
    pd.testing.assert_frame_equal(la_codes(out), la_codes(source))
    pd.testing.assert_frame_equal(neighbour_table("2025", out), neighbour_table("2025", source))
    assert statistical_neighbours("E10000018", folder=out)[0] == "E10000024"  # 891 = Nottinghamshire
    # hand-computed: Leicestershire 66 / 694 = 9.51% (recomputed from the count), England as published
    stab = load_dfe(out).set_index(["indicator_id", "geography"]).loc["placements_3plus_12m"]
    assert stab.loc["E10000018", "value"] == pytest.approx(100 * 66 / 694)
    assert stab.loc["E92000001", "value"] == 10
    assert (manifest["kind"], manifest["latest_year"], manifest["first_year"]) == (snapshot.KIND, 2025, 2025)
    assert manifest["rows"][snapshot.NATIONAL] == 3 and manifest["neighbour_models"] == ["2025"]
    sources = {s["path"]: s for s in manifest["sources"]}
    assert set(sources) == {"la_cla_placement_stability.csv", "sn_model_2025_wide.csv"}
    for name, entry in sources.items():
        raw = (source / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(raw).hexdigest() and entry["bytes"] == len(raw)
    assert json.loads((out / snapshot.MANIFEST).read_text()) == manifest
    attribution = (out / snapshot.ATTRIBUTION).read_text()
    assert "Open Government Licence v3.0" in attribution and "la_cla_placement_stability.csv" in attribution
    assert not (set(p.name for p in out.iterdir()) & {"la_cla_placement_stability.csv", "sn_model_2025_wide.csv"})


def test_snapshot_refuses_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(DfeDataError, match="not found"):
        snapshot.build_snapshot(tmp_path / "nope", tmp_path / "snap")
    source = _crafted(tmp_path / "downloaded")
    snapshot.build_snapshot(source, tmp_path / "snap")
    with pytest.raises(DfeDataError, match="snapshot already"):
        snapshot.build_snapshot(tmp_path / "snap", tmp_path / "again")
    (source / "sn_model_2025_wide.csv").unlink()
    with pytest.raises(DfeDataError, match="no statistical-neighbour file"):
        snapshot.build_snapshot(source, tmp_path / "other")


def test_snapshot_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _crafted(tmp_path / "downloaded")
    assert main(["dfe", "snapshot", str(source), "--out", str(tmp_path / "snap")]) == 0
    assert "3 values for 1 indicators, years 2025-2025" in capsys.readouterr().out
    assert main(["dfe", "snapshot", str(tmp_path / "nope"), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "folder of national DfE files not found" in err and "Traceback" not in err


def test_source_line_names_the_snapshot_or_the_files(tmp_path: Path) -> None:
    source = _crafted(tmp_path / "downloaded")
    snapshot.build_snapshot(source, tmp_path / "snap")
    made = snapshot.read_manifest(tmp_path / "snap")["created"][:10]
    assert snapshot.source_line(tmp_path / "snap") == (
        "National figures: DfE published statistics (Open Government Licence v3.0), the snapshot in "
        f"{tmp_path / 'snap'} made {made}, years to 2025.")
    assert snapshot.source_line(source, load_dfe(source)).endswith(f"downloaded files in {source}, years to 2025.")
    assert "none on this machine" in snapshot.source_line(None)
    if snapshot.is_snapshot(snapshot.SNAPSHOT_DIR):
        assert "the package's built-in snapshot made" in snapshot.source_line(snapshot.SNAPSHOT_DIR)


# ------------------------------------------------------------------------------ the shipped snapshot


def test_shipped_snapshot_is_package_data_and_not_ignored() -> None:
    assert snapshot.is_snapshot(snapshot.SNAPSHOT_DIR), "cpanalysis/data/dfe_snapshot is missing"
    manifest = snapshot.read_manifest()
    assert manifest["licence"] == "Open Government Licence v3.0" and manifest["latest_year"] >= 2025
    assert set(manifest["neighbour_models"]) == {"2025", "2021"}
    names = {p.name for p in snapshot.SNAPSHOT_DIR.iterdir()}
    assert {snapshot.NATIONAL, snapshot.AREAS, snapshot.NEIGHBOURS, snapshot.MANIFEST, snapshot.ATTRIBUTION} <= names
    size = sum(p.stat().st_size for p in snapshot.SNAPSHOT_DIR.iterdir())
    assert size < 5_000_000  # compact: a few MB at most
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "data/dfe_snapshot/*" in package_data["cpanalysis"]
    if (ROOT / ".git").exists():
        ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q",
                                  str(snapshot.SNAPSHOT_DIR / snapshot.NATIONAL)], check=False)
        assert ignored.returncode == 1, "the snapshot's parquet files must not be git-ignored"


@pytest.mark.dfe
def test_shipped_snapshot_matches_the_published_files(shared_dfe: Path) -> None:
    """Value for value for England and five authorities, every indicator, year and breakdown."""
    manifest = snapshot.read_manifest()
    for entry in manifest["sources"]:
        path = shared_dfe / entry["path"]
        if path.is_file():  # built from these very files
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["path"]
    published = load_dfe(shared_dfe)
    shipped = load_dfe(snapshot.SNAPSHOT_DIR)
    areas = ["E92000001", "E10000018", "E09000033", "E08000025", "E06000066", "E10000024"]
    key = ["indicator_id", "period_end", "geography", "breakdown", "breakdown_value"]
    mine = shipped[shipped["geography"].isin(areas)].sort_values(key).reset_index(drop=True)
    theirs = published[published["geography"].isin(areas)].sort_values(key).reset_index(drop=True)
    assert len(theirs) > 3000 and set(theirs["geography"]) == set(areas)
    pd.testing.assert_frame_equal(mine, theirs)
    pd.testing.assert_frame_equal(la_codes(snapshot.SNAPSHOT_DIR), la_codes(shared_dfe))
    for model in ("2025", "2021"):
        pd.testing.assert_frame_equal(neighbour_table(model, snapshot.SNAPSHOT_DIR), neighbour_table(model, shared_dfe))
    # one published row read by hand (cla_number_and_rate_per_10k_children.csv, 2025, National,
    # "Children looked after on 31 March each year"): 81,770 children, 67 per 10,000
    england = shipped[(shipped["indicator_id"] == "cla_rate_per_10k") & (shipped["geography"] == "E92000001")
                      & (shipped["period_end"] == pd.Timestamp("2025-03-31"))]
    assert (england["numerator"].item(), england["value"].item()) == (81770, 67)


# ------------------------------------------------------------------------------ a fresh clone


@pytest.fixture
def fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with the fixture returns and no national files anywhere near it."""
    monkeypatch.delenv(folders.ENV_VAR, raising=False)
    monkeypatch.setattr(folders, "DEFAULT_OUT", tmp_path / "project" / "data" / "raw" / "dfe")
    monkeypatch.chdir(tmp_path)  # no ../shared/dfe relative to the working directory either
    root = tmp_path / "project"
    shutil.copytree(GOOD, root / "data" / "raw" / "903", ignore=shutil.ignore_patterns("*.md"))
    assert not (tmp_path / "shared").exists() and not (root.parent / "shared").exists()
    return root


def test_fresh_clone_finds_the_snapshot(fresh_clone: Path) -> None:
    assert folders.find_dfe_folder() == snapshot.SNAPSHOT_DIR
    assert statistical_neighbours("E10000018") == LEIC_NEIGHBOURS  # folder None: the snapshot
    assert region_of("E10000018") == "E12000004"
    table, message, folder = data.load_national("", fresh_clone)
    assert folder == snapshot.SNAPSHOT_DIR and message == "" and table is not None
    assert {"E92000001", "E12000004", "E10000018", *LEIC_NEIGHBOURS} <= set(table["geography"])


def test_fresh_clone_reports_compare_with_england_region_and_neighbours(fresh_clone: Path) -> None:
    loaded = data.load_for_notebook(fresh_clone / "data" / "raw" / "903", "", "E10000018", quarters=2)
    assert loaded.national is not None and loaded.national_folder == snapshot.SNAPSHOT_DIR
    assert loaded.neighbours == LEIC_NEIGHBOURS
    assert loaded.comparators == {"E92000001": "England", "E12000004": "East Midlands"}
    assert loaded.national_source.startswith("National figures: DfE published statistics")
    assert "built-in snapshot" in loaded.national_source
    assert loaded.national_source in common.describe_run(loaded)  # every page states its source
    charts = loaded.for_charts
    assert {"E92000001", "E12000004", *LEIC_NEIGHBOURS} <= set(charts["geography"])


def test_newest_of_snapshot_and_downloads(fresh_clone: Path) -> None:
    downloads = fresh_clone / "data" / "raw" / "dfe"
    _crafted(downloads, year=2021)  # older than the snapshot's latest year
    table, message, folder = data.load_national("", fresh_clone)
    assert folder == snapshot.SNAPSHOT_DIR
    assert "newer than the files in" in message and "(years to 2021)" in message
    latest = snapshot.read_manifest()["latest_year"]
    shutil.rmtree(downloads)
    # the same file names and sizes within the same second would hit the cache of the first read
    shutil.rmtree(fresh_clone / "data" / "processed" / "dfe", ignore_errors=True)
    _crafted(downloads, year=latest)  # as new as the snapshot: the analyst's own files win
    table, message, folder = data.load_national("", fresh_clone)
    assert folder == downloads.resolve() and message == ""
    assert set(table["indicator_id"]) == {"placements_3plus_12m"}
    assert np.isclose(table.loc[table["geography"] == "E10000018", "value"].item(), 100 * 66 / 694)
    # an explicit --dfe folder holding nothing: the snapshot, not an empty comparison
    table, message, folder = data.load_national(str(fresh_clone / "empty"), fresh_clone)
    assert folder == snapshot.SNAPSHOT_DIR and table is not None


def test_without_the_snapshot_the_reports_say_how_to_get_files(fresh_clone: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "SNAPSHOT_DIR", fresh_clone / "no_snapshot")
    table, message, folder = data.load_national("", fresh_clone)
    assert table is None and folder is None and "cpanalysis dfe download" in message
    assert folders.find_dfe_folder() is None
