"""Each worker runs its notebooks in one kernel, reset between them: each must meet a fresh kernel.

The notebooks here change every item :mod:`cpanalysis.pipeline.kernel_state` puts back (their
variables, the working folder, warnings filters and warnings already shown, matplotlib's figures
and settings, pandas' options) and the next notebook checks it sees none of it. The process id
each prints shows whether the kernel was the same one.
"""

from __future__ import annotations

import threading

import nbformat
import pytest

from cpanalysis.pipeline.execute import NotebookJob, execute_notebooks

CHANGE_EVERYTHING = """\
import os, warnings
import matplotlib, matplotlib.pyplot as plt
import pandas as pd
secret = 'from the first notebook'
matplotlib.rcParams['lines.linewidth'] = 7
pd.set_option('display.max_rows', 3)
warnings.filters.insert(0, ('ignore', None, Warning, None, 0))  # as careless code might
os.chdir('/')
plt.figure()
"""

SEES_A_FRESH_KERNEL = """\
import os
import matplotlib, matplotlib.pyplot as plt
import pandas as pd
assert 'secret' not in globals()
assert matplotlib.rcParams['lines.linewidth'] == 1.5, matplotlib.rcParams['lines.linewidth']
assert pd.get_option('display.max_rows') == 60
assert os.path.realpath(os.getcwd()) == os.path.realpath({folder!r}), os.getcwd()
assert plt.get_fignums() == []
"""

#: A warning from one place in a module: Python shows it once per place unless told to forget.
NOISY = "import warnings\n\ndef warn():\n    warnings.warn('shown in every notebook', UserWarning)\n"
WARN = "import sys\nsys.path.insert(0, {folder!r})\nimport noisy\nnoisy.warn()"
PID = "import os\nprint(os.getpid())"


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("n = 1")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters] + [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _executed(job):
    return [c for c in nbformat.read(job.output, as_version=4).cells if c.cell_type == "code"]


def _pid(job):
    return next(o["text"].strip() for c in _executed(job) for o in c.outputs if o.get("name") == "stdout")


def test_the_next_notebook_meets_the_kernel_as_a_fresh_one(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (tmp_path / "noisy.py").write_text(NOISY)
    warn = WARN.format(folder=str(tmp_path))
    first = _notebook(tmp_path / "first.ipynb", [PID, warn, CHANGE_EVERYTHING])
    second = _notebook(tmp_path / "second.ipynb", [PID, SEES_A_FRESH_KERNEL.format(folder=str(other)), warn])
    jobs = [NotebookJob(first, tmp_path / "out" / "first.ipynb", {}, tmp_path),
            NotebookJob(second, tmp_path / "out" / "second.ipynb", {}, other)]

    results = execute_notebooks(jobs, workers=1, progress=None)

    assert [r.ok for r in results] == [True, True], [r.describe() for r in results]
    assert _pid(jobs[0]) == _pid(jobs[1])  # one kernel ran both
    cells = _executed(jobs[1])
    assert [c.execution_count for c in cells] == [1, 2, 3, 4]  # counted from In [1] again
    shown = [o["text"] for o in cells[3].outputs if o.get("name") == "stderr"]
    assert len(shown) == 1 and "UserWarning: shown in every notebook" in shown[0]


def test_a_kernel_that_died_is_replaced_for_the_next_notebook(tmp_path):
    # a notebook that dies writes no executed copy: its kernel's id goes to a file
    dies = _notebook(tmp_path / "dies.ipynb", ["import os\nopen('dies.pid', 'w').write(str(os.getpid()))\nos._exit(1)"])
    after = _notebook(tmp_path / "after.ipynb", [PID, "x = 2"])
    jobs = [NotebookJob(dies, tmp_path / "out" / "dies.ipynb", {}, tmp_path),
            NotebookJob(after, tmp_path / "out" / "after.ipynb", {}, tmp_path)]

    died, ran = execute_notebooks(jobs, workers=1, progress=None)

    assert not died.ok and died.name == "dies"
    assert ran.ok, ran.describe()
    assert (tmp_path / "dies.pid").read_text() != _pid(jobs[1])


@pytest.mark.parametrize("reuse", [True, False])
def test_kernels_per_worker_or_per_notebook_and_nothing_left_open(tmp_path, reuse):
    notebook = _notebook(tmp_path / "pid.ipynb", [PID])
    jobs = [NotebookJob(notebook, tmp_path / "out" / f"{i}.ipynb", {}, tmp_path) for i in range(5)]
    threads_before = threading.active_count()

    results = execute_notebooks(jobs, workers=2, progress=None, reuse_kernels=reuse)

    assert all(r.ok for r in results)
    kernels = {_pid(job) for job in jobs}
    assert len(kernels) == (2 if reuse else 5)
    # every connection to a kernel is closed (each left open keeps a heartbeat thread) and no
    # kernel is left running
    assert threading.active_count() == threads_before
    psutil = pytest.importorskip("psutil")
    assert psutil.Process().children() == []


def test_a_warning_shown_in_one_notebook_is_shown_again_in_the_next(tmp_path):
    # without pandas or matplotlib imported (resetting their settings would hide a missing step)
    (tmp_path / "noisy.py").write_text(NOISY)
    warn = WARN.format(folder=str(tmp_path))
    jobs = [NotebookJob(_notebook(tmp_path / f"{name}.ipynb", [warn]), tmp_path / "out" / f"{name}.ipynb", {},
                        tmp_path) for name in ("first", "second")]

    results = execute_notebooks(jobs, workers=1, progress=None)

    assert all(r.ok for r in results)
    for job in jobs:
        shown = [o["text"] for c in _executed(job) for o in c.outputs if o.get("name") == "stderr"]
        assert len(shown) == 1 and "UserWarning: shown in every notebook" in shown[0], job.name


def test_a_kernel_ended_while_being_reset_is_given_up_at_once(tmp_path):
    """Ctrl-C or SIGTERM ends the kernels (stop_kernels) whatever they are doing: a kernel ended
    during its reset must be given up within seconds, not after the whole start-up timeout."""
    import os
    import time

    from cpanalysis.pipeline.execute import WorkerKernel

    kernel = WorkerKernel()
    try:
        kernel.ready_for(tmp_path)
        pid = kernel.manager.provisioner.process.pid
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="ended while it was being reset|died"):
            # the reset itself ends the kernel, as stop_kernels would from outside
            kernel._run(f"import os, signal\nos.kill({pid}, signal.SIGKILL)")
        assert time.monotonic() - started < 15
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        kernel.shutdown()

