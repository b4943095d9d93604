"""Running notebooks with papermill: explicit kernel and working folder, two at a time.

Papermill starts a kernel in the *caller's* folder unless told otherwise while nbval starts it in
the notebook's folder (as ``pytest --nbval`` does), so every kernel is started in
the notebooks folder: relative paths in a parameters cell then mean the same under both tools.
The kernel is named explicitly (``python3``) because papermill refuses a notebook whose metadata
lost its ``kernelspec``.

A notebook that fails is not fatal: papermill still writes the executed copy with the traceback
in place, and :class:`NotebookResult` records the cell and the error so the run can report it
while the other notebooks finish.

Each worker runs its notebooks one after the other in **one kernel** (:class:`WorkerKernel`),
reset between notebooks by :mod:`cpanalysis.pipeline.kernel_state` so that each meets a kernel as
a fresh one would be. A kernel's start and the imports every notebook makes (pandas, matplotlib,
scipy, the package) cost about 2 s of CPU, more than most notebooks' own work; nine notebooks on
two workers pay it twice instead of nine times. A kernel that died is replaced before the next
notebook. ``reuse_kernels=False`` gives every notebook its own kernel (as ``pytest --nbval`` does).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import nbformat
import papermill
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync

#: The kernel every notebook runs in (the project's venv registers it under this name).
KERNEL_NAME = "python3"
#: Kernel start-up option: only the kernel's errors reach the terminal.
KERNEL_LOG_LEVEL = "--log-level=ERROR"
#: Seconds to wait for a kernel to start, or to reset between notebooks (papermill's default).
KERNEL_TIMEOUT = 60


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute.

    Parameters
    ----------
    notebook : Path
        The template notebook (with a ``parameters`` cell).
    output : Path
        Where the executed copy is written.
    parameters : dict
        Values injected after the ``parameters`` cell (strings stay strings: LA codes such as
        ``"855"`` must not become numbers).
    cwd : Path
        Working folder of the kernel; default the notebook's own folder.
    """

    notebook: Path
    output: Path
    parameters: dict = field(default_factory=dict)
    cwd: Path | None = None

    @property
    def name(self) -> str:
        """The notebook's stem (``02_outcome_trends``)."""
        return Path(self.notebook).stem


@dataclass
class NotebookResult:
    """What happened to one notebook.

    Attributes
    ----------
    name : str
        Notebook stem.
    output : Path
        Executed notebook (written even when a cell failed).
    ok : bool
        Every cell ran.
    seconds : float
        Wall time.
    cell : int or None
        Position of the failing cell in the template notebook (0-based, counting markdown cells
        and papermill's injected-parameters cell).
    execution_count : int or None
        The failing cell's execution count (``In [n]``).
    error_name, error_value : str
        Exception class and message of the failure (``""`` when ok).
    cell_source : str
        First line of the failing cell, to find it in the notebook.
    """

    name: str
    output: Path
    ok: bool
    seconds: float
    cell: int | None = None
    execution_count: int | None = None
    error_name: str = ""
    error_value: str = ""
    cell_source: str = ""

    def describe(self) -> str:
        """One plain-English line about the outcome (used by the progress display and the index)."""
        if self.ok:
            return f"{self.name}: done in {self.seconds:.1f} s"
        where = f"cell {self.cell}" if self.cell is not None else "start-up"
        if self.execution_count is not None:
            where += f" (In [{self.execution_count}])"
        first = f" `{self.cell_source}`" if self.cell_source else ""
        return f"{self.name}: FAILED at {where}{first}: {self.error_name}: {self.error_value}"


def _failing_source(output: Path, execution_count: int | None) -> str:
    # Papermill puts an error-marker cell at the top of the executed copy, so the failing cell
    # is found by its error output rather than by position.
    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:  # the executed copy may be missing when the kernel never started
        return ""
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.get("outputs", [])):
            if execution_count is None or cell.execution_count == execution_count:
                lines = [ln for ln in cell.source.splitlines() if ln.strip()]
                return lines[0].strip()[:120] if lines else ""
    return ""


#: The memory address in an object's default repr (``<pandas...Styler at 0x7f2d448143d0>``).
_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
#: Papermill's clock readings in an executed notebook (notebook and cell ``metadata.papermill``).
_TIMINGS = ("start_time", "end_time", "duration")


def normalise_executed(path: str | Path) -> None:
    """Take the clock and chance out of an executed notebook, so that a rerun writes the same bytes.

    Papermill records when each cell started and ended (``metadata.papermill``), the kernel's
    message times (cell ``metadata.execution``) and gives its injected-parameters cell a random
    id; pandas' Styler names each table with a random id. The times are removed (the run's
    manifest has them), that cell's id is ``injected-parameters`` and the tables are numbered in
    order (:func:`cpanalysis.pipeline.html.stable_styler_ids`), and an object's memory address is
    dropped from its plain-text repr. The notebook is read and written as JSON, in nbformat's own layout (one-space
    indent, sorted keys), without nbformat's slow validation.

    Parameters
    ----------
    path : str or pathlib.Path
        The executed copy; nothing is done when it is missing or not a notebook.
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(nb, dict):
        return
    from cpanalysis.pipeline.html import stable_styler_ids

    for key in _TIMINGS:
        nb.get("metadata", {}).get("papermill", {}).pop(key, None)
    styler: dict[str, str] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            table = output.get("data", {}).get("text/html")
            if isinstance(table, list):
                output["data"]["text/html"] = [stable_styler_ids(line, styler) for line in table]
            elif isinstance(table, str):
                output["data"]["text/html"] = stable_styler_ids(table, styler)
            plain = output.get("data", {}).get("text/plain")
            if isinstance(plain, list):
                output["data"]["text/plain"] = [_ADDRESS.sub(">", line) for line in plain]
            elif isinstance(plain, str):
                output["data"]["text/plain"] = _ADDRESS.sub(">", plain)
        metadata = cell.get("metadata", {})
        metadata.pop("execution", None)
        for key in _TIMINGS:
            metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in metadata.get("tags", []) and "id" in cell:
            cell["id"] = "injected-parameters"
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


class _ClientsRecorded(AsyncKernelManager):
    """A kernel manager that keeps the clients opened on it, to close them after each notebook."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.opened: list = []

    def client(self, **kwargs):  # noqa: D102 (jupyter_client's)
        opened = super().client(**kwargs)
        self.opened.append(opened)
        return opened


class WorkerKernel:
    """The one kernel a worker runs its notebooks in, one after the other.

    Started at the worker's first notebook, reset before each later one
    (:func:`cpanalysis.pipeline.kernel_state.reset`), started again if it died, and shut down by
    :meth:`shutdown` when the worker has no notebook left.
    """

    def __init__(self) -> None:
        self.manager = None  # jupyter_client.AsyncKernelManager once started

    def ready_for(self, folder: Path):
        """The kernel manager, its kernel fresh for a notebook whose working folder is ``folder``.

        Returns
        -------
        jupyter_client.AsyncKernelManager
            With a running kernel; papermill (nbclient) runs the notebook in it and leaves it
            running, because it did not start it.
        """
        if self.manager is not None:
            try:
                if not run_sync(self.manager.is_alive)():
                    raise RuntimeError("the kernel died")  # in the last notebook, whose error says so
                self._run(f"from cpanalysis.pipeline import kernel_state\nkernel_state.reset({str(folder)!r})")
                return self.manager
            except Exception:  # dead or stuck: this notebook gets a new kernel instead
                self.shutdown()
        manager = _ClientsRecorded(kernel_name=KERNEL_NAME)
        # the arguments nbclient gives a kernel it starts (no history file on disk)
        run_sync(manager.start_kernel)(extra_arguments=[KERNEL_LOG_LEVEL, "--HistoryManager.hist_file=:memory:"],
                                       cwd=str(folder))
        self.manager = manager
        self._run("from cpanalysis.pipeline import kernel_state\nkernel_state.remember()")
        return self.manager

    def _run(self, code: str) -> None:
        # A client of our own, silent and out of the history. It waits for the reply a second at a
        # time and gives up as soon as the kernel is gone: a run stopped by Ctrl-C or SIGTERM ends
        # the kernels (stop_kernels), and must not then wait a whole timeout here. (The next
        # notebook's client reads only the replies to its own requests.)
        client = self.manager.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=KERNEL_TIMEOUT)  # itself gives up when the kernel dies
            request = client.execute(code, silent=True, store_history=False)
            deadline = time.monotonic() + KERNEL_TIMEOUT
            while True:
                try:
                    reply = client.get_shell_msg(timeout=1)
                except Empty:
                    if not run_sync(self.manager.is_alive)():
                        raise RuntimeError("the kernel ended while it was being reset") from None
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the kernel did not answer in {KERNEL_TIMEOUT} s") from None
                    continue
                if reply["parent_header"].get("msg_id") == request:
                    break
        finally:
            client.stop_channels()
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"the kernel could not be reset: {content.get('ename')}: {content.get('evalue')}")

    def close_clients(self) -> None:
        """Close the connections papermill opened to the kernel for the last notebook.

        nbclient leaves them open when it did not start the kernel (a heartbeat thread and five
        sockets each), so they are closed here after every notebook.
        """
        if self.manager is not None:
            while self.manager.opened:
                self.manager.opened.pop().stop_channels()

    def shutdown(self) -> None:
        """End the kernel (nothing to do when none is running)."""
        if self.manager is None:
            return
        self.close_clients()
        manager, self.manager = self.manager, None
        try:
            run_sync(manager.shutdown_kernel)(now=False)
        except Exception:  # already gone: nothing is left to end
            run_sync(manager.cleanup_resources)()


def execute_notebook(job: NotebookJob, kernel: WorkerKernel | None = None) -> NotebookResult:
    """Execute one notebook with papermill and record the outcome (never raises for a cell error).

    Parameters
    ----------
    job : NotebookJob
    kernel : WorkerKernel, optional
        Run the notebook in this worker's kernel (reset first); by default in a kernel of its own,
        started and shut down around it.

    Returns
    -------
    NotebookResult
        ``ok=False`` with the failing cell and error when a cell raised, or when the kernel could
        not start (``cell=None``).
    """
    start = time.perf_counter()
    Path(job.output).parent.mkdir(parents=True, exist_ok=True)
    cwd = Path(job.cwd) if job.cwd is not None else Path(job.notebook).parent
    try:
        reused = {"km": kernel.ready_for(cwd.resolve())} if kernel is not None else {}
        papermill.execute_notebook(
            str(job.notebook),
            str(job.output),
            parameters=dict(job.parameters),
            kernel_name=KERNEL_NAME,
            # Not papermill's ``cwd``: that chdir()s the whole process, which two threads running
            # notebooks at once would leave pointing at the wrong folder. nbclient starts the
            # kernel in ``resources.metadata.path`` instead, touching nothing else.
            resources={"metadata": {"path": str(cwd.resolve())}},
            progress_bar=False,
            log_output=False,
            # Papermill otherwise writes the whole executed copy (every PNG so far) before and
            # after each cell: about 50 writes per notebook for a copy nobody reads until the end.
            # It still writes it once at the end, and on a cell's error before raising.
            request_save_on_cell_execute=False,
            # The kernel's own log goes to our stderr; at its default level every kernel prints a
            # warning about its local TCP sockets, which buries the run's progress lines.
            extra_arguments=[KERNEL_LOG_LEVEL],
            **reused,
        )
    except papermill.PapermillExecutionError as exc:
        if kernel is not None:
            kernel.close_clients()
        normalise_executed(job.output)
        return NotebookResult(
            job.name, Path(job.output), False, time.perf_counter() - start, exc.cell_index,
            exc.exec_count, exc.ename, str(exc.evalue), _failing_source(Path(job.output), exc.exec_count),
        )
    except Exception as exc:  # kernel died, missing notebook, bad JSON: report, let the rest run
        if kernel is not None:
            kernel.close_clients()
        return NotebookResult(job.name, Path(job.output), False, time.perf_counter() - start, None, None,
                              type(exc).__name__, str(exc))
    if kernel is not None:
        kernel.close_clients()
    normalise_executed(job.output)
    return NotebookResult(job.name, Path(job.output), True, time.perf_counter() - start)


def stop_kernels() -> None:
    """End this process's child processes (the notebooks' kernels).

    The runner calls it when it is interrupted: a kernel that ends makes papermill stop its
    notebook at once, instead of the run waiting for every running notebook to finish. The
    children are found with ``psutil`` (a dependency of the package) and ended with its
    ``terminate`` (SIGTERM on Linux and macOS, ``TerminateProcess`` on Windows). Should it be
    missing, they are found in ``/proc`` (Linux only); elsewhere nothing is done then and the
    running notebooks finish first.
    """
    try:
        import psutil
    except ImportError:
        _stop_children_from_proc()
        return
    for child in psutil.Process().children():
        try:
            child.terminate()
        except psutil.Error:  # ended already, or not ours to end
            continue


def _stop_children_from_proc() -> None:
    """:func:`stop_kernels` without ``psutil``: children found in ``/proc`` (Linux)."""
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == me:
                os.kill(int(stat.parent.name), signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            continue


def stderr_progress(line: str) -> None:
    """The default progress display: one plain line per event on standard error."""
    print(line, file=sys.stderr, flush=True)


def execute_notebooks(jobs: Sequence[NotebookJob], workers: int = 2,
                      progress: Callable[[str], None] | None = stderr_progress,
                      after: Callable[[NotebookJob, NotebookResult], object] | None = None,
                      stop: threading.Event | None = None, reuse_kernels: bool = True) -> list[NotebookResult]:
    """Execute notebooks, ``workers`` at a time, reporting each start and finish.

    Each worker takes the next notebook in ``jobs`` order as it becomes free and runs it in its
    kernel (a separate process, so threads are enough to overlap them); two workers suit a
    2-core laptop (the kernels do the work).

    Parameters
    ----------
    jobs : sequence of NotebookJob
    workers : int; default 2
    progress : callable or None; default :func:`stderr_progress`
        Receives one line of text per event.
    after : callable, optional
        Called with each job and its result as soon as that notebook ends, in the worker
        thread (the runner writes the HTML page there while other kernels still run).
    stop : threading.Event, optional
        Once set (Ctrl-C, SIGTERM), no further notebook starts: each is reported as not run.
    reuse_kernels : bool; default True
        Each worker runs its notebooks in one kernel, reset between them (:class:`WorkerKernel`);
        False gives every notebook a kernel of its own.

    Returns
    -------
    list of NotebookResult
        In the order of ``jobs``, whatever the order they finished in.
    """
    total = len(jobs)
    done = 0
    lock = threading.Lock()
    waiting = deque(enumerate(jobs))  # popleft is atomic: each job goes to one worker
    results: list[NotebookResult | None] = [None] * total

    def one(job: NotebookJob, kernel: WorkerKernel | None) -> NotebookResult:
        nonlocal done
        if stop is not None and stop.is_set():
            return NotebookResult(job.name, Path(job.output), False, 0.0, None, None, "Interrupted",
                                  "the run was stopped before this notebook started")
        if progress:
            progress(f"  running  {job.name}")
        result = execute_notebook(job, kernel)
        if after is not None:
            after(job, result)
        with lock:
            done += 1
            if progress:
                progress(f"  [{done}/{total}] {result.describe()}")
        return result

    def worker() -> None:
        kernel = WorkerKernel() if reuse_kernels else None
        try:
            while True:
                try:
                    index, job = waiting.popleft()
                except IndexError:
                    return
                results[index] = one(job, kernel)
        finally:
            if kernel is not None:
                kernel.shutdown()

    count = max(1, min(int(workers), total))
    with ThreadPoolExecutor(max_workers=count) as pool:
        for future in [pool.submit(worker) for _ in range(count)]:
            future.result()
    return [result for result in results if result is not None]
