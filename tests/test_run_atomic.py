"""A run writes its pack whole or not at all, one run at a time, and the same input gives the same bytes.

Issue 15: a run killed or run at the same time over another pack mixed their files; Ctrl-C finished
every notebook first; SIGTERM left a child-level pickle behind; a local measure lost its title on
a warm cache; reruns differed in xlsx metadata and HTML ids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.pipeline.execute import NotebookJob, execute_notebooks
from cpanalysis.pipeline.html import stable_ids
from cpanalysis.pipeline.run import run as run_pipeline
from cpanalysis.reports import loading
from cpanalysis.writing import folder_lock, move_into_place, staging_folder

GOOD = Path(__file__).parent / "fixtures" / "good"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("atomic")
    shutil.copytree(GOOD, root / "data" / "raw" / "903", ignore=shutil.ignore_patterns("*.md"))
    local = root / "data" / "raw" / "local"
    local.mkdir()
    (local / "own.csv").write_text("indicator_id,period_end,numerator,denominator,title,outcome,polarity\n"
                                   "local_own_measure,2025-09-30,3,4,Our own measure,O2,high_good\n")
    return root


def test_second_run_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with folder_lock(tmp_path / "reports"):
        with pytest.raises(ParameterError, match="another cpanalysis run is writing there"):
            with folder_lock(tmp_path / "reports"):
                pass
    with folder_lock(tmp_path / "reports"):  # released: free again
        pass
    assert sorted(tmp_path.iterdir()) == []  # nothing is created in or beside the folder


def test_staging_moved_into_place(tmp_path: Path) -> None:
    final = tmp_path / "2025-09-30"
    final.mkdir()
    (final / "old.html").write_text("old run")
    staging = staging_folder(final)
    (staging / "index.html").write_text("new run")
    move_into_place(staging, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-09-30"]
    assert sorted(p.name for p in final.iterdir()) == ["index.html"]


def test_stop_starts_no_further_notebook(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()
    jobs = [NotebookJob(tmp_path / "missing.ipynb", tmp_path / "out.ipynb")]
    (result,) = execute_notebooks(jobs, progress=None, stop=stop)
    assert (result.ok, result.error_name) == (False, "Interrupted")


def test_stale_snapshot_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".notebook_data_{dead.pid}_1.pkl"
    alive = tmp_path / f".notebook_data_{os.getpid()}_2.pkl"
    stale.write_bytes(b"x")
    alive.write_bytes(b"x")
    assert loading.remove_stale_snapshots(tmp_path) == [stale]
    assert alive.exists() and not stale.exists()


def test_stable_ids() -> None:
    body = ('<style>#T_1a2b3_row0 {color: red}</style><table id="T_1a2b3"></table><table id="T_9f9f9">'
            '</table><div id="cell-id=5c1e"></div><div id="cell-id=ab12"></div>')
    assert stable_ids(body) == ('<style>#T_t1_row0 {color: red}</style><table id="T_t1"></table><table id="T_t2">'
                                '</table><div id="cell-id=1"></div><div id="cell-id=2"></div>')


def test_local_measure_keeps_its_title_on_a_warm_cache(project: Path) -> None:
    returns = project / "data" / "raw" / "903"
    loading.load_for_notebook(returns, "", "E10000018")  # cold: reads local/ and registers
    catalogue.CATALOGUE.pop("local_own_measure", None)  # a new process on a warm cache knows nothing
    loaded = loading.load_for_notebook(returns, "", "E10000018")
    assert "local_own_measure" in set(loaded.indicators["indicator_id"])
    record = catalogue.CATALOGUE["local_own_measure"]
    assert (record.title, record.outcome) == ("Our own measure", "O2")


@pytest.mark.slow  # runs the pipeline twice (build, indicators, notebook 00): about 8 s
def test_rerun_gives_the_same_bytes_but_the_manifest(project: Path) -> None:
    out = project / "reports"
    first = run_pipeline(data=project / "data" / "raw" / "903", dfe=project / "no_dfe", notebooks=["00"],
                         out=out, progress=None)
    files = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    second = run_pipeline(data=project / "data" / "raw" / "903", dfe=project / "no_dfe", notebooks=["00"],
                          out=out, progress=None)
    assert first.out_dir == second.out_dir and second.index.is_file()
    again = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert sorted(again) == sorted(files)
    differ = sorted(str(k) for k in files if files[k] != again[k])
    assert differ == [f"{first.out_dir.name}/run_manifest.json"]  # the executed notebooks too
    executed = json.loads((first.out_dir / "_executed" / "00_data_quality.ipynb").read_text())
    assert "start_time" not in executed["metadata"]["papermill"]
    assert not any("execution" in cell["metadata"] or "start_time" in cell["metadata"].get("papermill", {})
                   for cell in executed["cells"])
    assert not list(out.glob(".*"))  # no staging folder left


@pytest.mark.slow  # a pack run ended by SIGTERM in a child process
def test_sigterm_stops_promptly_and_leaves_nothing(project: Path) -> None:
    out = project / "reports_term"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cpanalysis", "run", "--data", str(project / "data" / "raw" / "903"),
         "--dfe", str(project / "no_dfe"), "--out", str(out)],
        stderr=subprocess.PIPE, text=True, env=env, cwd=project)
    for line in process.stderr:
        if line.startswith("[3/4]"):
            break
    time.sleep(3)  # kernels are starting or running
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    code = process.wait(timeout=120)
    assert code == 130
    assert time.monotonic() - started < 60
    processed = project / "data" / "processed"
    assert not list(processed.glob(".notebook_data_*.pkl"))
    assert not out.exists() or not any(out.iterdir())


def test_executed_notebook_loses_its_clock(tmp_path: Path) -> None:
    from cpanalysis.pipeline.execute import normalise_executed

    cell = {"cell_type": "code", "id": "a1b2c3", "execution_count": 1, "outputs": [], "source": "x = 1",
            "metadata": {"tags": ["injected-parameters"],
                         "execution": {"iopub.status.busy": "2026-12-05T11:00:00.1Z"},
                         "papermill": {"duration": 0.5, "end_time": "2026-12-05T11:00:01Z", "exception": False,
                                       "start_time": "2026-12-05T11:00:00Z", "status": "completed"}}}
    nb = {"cells": [cell], "metadata": {"papermill": {"duration": 2.0, "start_time": "t0", "end_time": "t1",
                                                      "parameters": {"la": "E10000018"}}},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "run.ipynb"
    path.write_text(json.dumps(nb))
    normalise_executed(path)
    out = json.loads(path.read_text())
    assert out["metadata"]["papermill"] == {"parameters": {"la": "E10000018"}}
    assert out["cells"][0]["id"] == "injected-parameters"
    assert out["cells"][0]["metadata"] == {"tags": ["injected-parameters"],
                                           "papermill": {"exception": False, "status": "completed"}}
    normalise_executed(tmp_path / "missing.ipynb")  # nothing to do, no error


def test_stop_kernels_ends_a_child_process() -> None:
    from cpanalysis.pipeline.execute import stop_kernels

    # Any platform: a child process standing in for a kernel is ended at once.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        stop_kernels()
        assert child.wait(timeout=10) != 0  # ended by the signal, not after its 60 s
    finally:
        if child.poll() is None:
            child.kill()
