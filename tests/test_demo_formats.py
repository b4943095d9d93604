"""``cpanalysis demo --format csv|xlsx|xml``: the same return in three forms builds the same tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cpanalysis import build, cli

#: A short demo keeps the three builds quick: two annual returns and an in-year extract.
DEMO_ARGS = ["--seed", "7", "--first-year", "2022-23", "--as-at", "2024-09-30"]
#: Where each row was read from differs by form (file name; line, sheet row or XML line).
WHERE = {"source_file", "source_row", "file", "row"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, build.BuildResult]:
    out = {}
    for fmt in ("csv", "xlsx", "xml"):
        folder = tmp_path_factory.mktemp(f"demo_{fmt}")
        assert cli.main(["demo", "--out", str(folder), "--format", fmt, *DEMO_ARGS]) == 0
        # the folder `demo` writes is accepted as it is (returns under 903/)
        out[fmt] = build.build(folder, out_dir=None)
    return out


def test_each_form_writes_its_files(builds: dict[str, build.BuildResult]) -> None:
    suffixes = {fmt: sorted({Path(f["path"]).suffix for f in result.manifest["files"]}) for fmt, result in builds.items()}
    assert suffixes == {"csv": [".csv"], "xlsx": [".xlsx"], "xml": [".xml"]}
    labels = [r["label"] for r in builds["csv"].manifest["returns"]]
    assert labels == ["2022-23", "2023-24", "2024-25_Q2"]
    assert [r["label"] for r in builds["xml"].manifest["returns"]] == labels


@pytest.mark.parametrize("fmt", ["xlsx", "xml"])
def test_same_processed_tables_as_csv(builds: dict[str, build.BuildResult], fmt: str) -> None:
    csv, other = builds["csv"], builds[fmt]
    assert other.counts.equals(csv.counts)
    for name, frame in csv.tables.items():
        keep = [c for c in frame.columns if c not in WHERE]
        theirs = other.tables[name][keep].reset_index(drop=True)
        ours = frame[keep].reset_index(drop=True)
        if name == "issues":  # notes may come in another order (files are read in name order)
            ours, theirs = (t.sort_values(keep).reset_index(drop=True) for t in (ours, theirs))
        pd.testing.assert_frame_equal(theirs, ours, obj=name)
    assert len(csv.tables["episodes"]) > 1000


def test_defects_only_with_csv(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["demo", "--out", str(tmp_path), "--format", "xml", "--defects", "0.02"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --defects works with --format csv only (defects.csv names the CSV files and rows); got --format xml")
    assert not any(tmp_path.iterdir())
