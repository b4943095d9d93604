"""``cpanalysis run``: the quarterly report pack in one call.

validate + build -> indicators -> every report notebook (papermill, two at a time; the exports are
written meanwhile, each HTML page as soon as its notebook ends) -> ``reports/<period_end>/``::

    index.html              every report, what changed since the previous run, downloads
    00_data_quality.html    ... 08_deep_dive.html
    indicators.csv          EES tidy layout (exports.py documents it)
    indicators.xlsx         a contents sheet and one sheet per strategy outcome
    changes.csv             quarter on quarter (when a previous run exists)
    run_manifest.json       parameters, input hashes, package versions, timings, outcome
    _executed/*.ipynb       the executed notebooks, for the analyst's audit trail

A notebook that fails does not stop the others; the run reports which cell failed with which
error and :attr:`RunResult.exit_code` is 1. An ``external`` audience gets disclosure control on
every export and the notebooks are told the audience.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path

import nbformat
import pandas as pd

from cpanalysis import __version__, periods, return_files
from cpanalysis.config import AUTHORITY_DIR, DEFAULT_LA_CODE, DEMO_DIR, SYNTHETIC_NOTICE_FILE
from cpanalysis.errors import CpanalysisError, ParameterError
from cpanalysis.indicators import ees_layout
from cpanalysis.pipeline import exports
from cpanalysis.pipeline import html as pages
from cpanalysis.pipeline.execute import (
    KERNEL_NAME,
    NotebookJob,
    NotebookResult,
    execute_notebooks,
    stderr_progress,
    stop_kernels,
)
from cpanalysis.reports import changes as quarter
from cpanalysis.reports import loading, national_comparison, scope
from cpanalysis.writing import (
    folder_lock,
    move_into_place,
    staging_folder,
    writable_folder,
    write_csv,
)

#: The report notebooks in reading order (``notebooks/<name>.ipynb``).
NOTEBOOKS: tuple[str, ...] = (
    "00_data_quality",
    "01_profile",
    "02_outcome_trends",
    "03_sdq_changes",
    "04_placement_moves",
    "05_care_leavers",
    "06_national_comparison",
    "07_strategy_scorecard",
    "08_deep_dive",
)
#: The project's notebooks folder (beside the package in a clone or an editable install).
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
EXECUTED = "_executed"


@dataclass
class RunResult:
    """What :func:`run` produced.

    Attributes
    ----------
    out_dir : Path
        ``<out>/<period_end>``.
    period_end : Timestamp
    notebooks : list of NotebookResult
    index, indicators_csv, indicators_xlsx, manifest : Path
    changes : DataFrame or None
        Quarter-on-quarter comparison (:func:`cpanalysis.reports.changes.compare_runs`), None
        without a previous run.
    seconds : float
    """

    out_dir: Path
    period_end: pd.Timestamp
    notebooks: list[NotebookResult]
    index: Path
    indicators_csv: Path
    indicators_xlsx: Path
    manifest: Path
    changes: pd.DataFrame | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[NotebookResult]:
        """The notebooks that did not finish."""
        return [r for r in self.notebooks if not r.ok]

    @property
    def exit_code(self) -> int:
        """0 when every notebook ran, 1 otherwise."""
        return 1 if self.failed else 0


def default_data_dir(root: str | Path = ".") -> Path:
    """The returns a run uses when none are named: ``data/raw/903`` when it holds returns, else the demo.

    Only return files count (CSV, Excel or XML, any case: :func:`cpanalysis.return_files.is_data_file`):
    a ``.gitkeep`` or a README left in an empty ``data/raw/903`` must not stop a fresh clone from
    running the demo.
    """
    root = Path(root)
    own = root / AUTHORITY_DIR
    if own.is_dir() and any(return_files.is_data_file(p) for p in own.rglob("*")):
        return own
    return root / DEMO_DIR / "903"


def notebook_parameters(notebook: Path) -> set[str]:
    """Names assigned in a notebook's ``parameters`` cell (read with :mod:`ast`, not papermill's
    line regex, which skips a line whose comment it cannot parse)."""
    nb = nbformat.read(notebook, as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            for node in ast.parse(cell.source).body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def notebook_defaults(notebook: Path) -> dict[str, object]:
    """The literal value each name of a notebook's ``parameters`` cell is given (its default)."""
    nb = nbformat.read(notebook, as_version=4)
    defaults: dict[str, object] = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        defaults[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    return defaults


def _check_parameter_values(extra: dict[str, object], chosen: Sequence[Path]) -> dict[str, object]:
    """Further parameters given the type of the notebooks' defaults, refused before papermill runs.

    A number where the notebook expects one must be a whole number (``min_children`` at least 1);
    text parameters take the text as typed (``-p question 42`` is the question "42"). A wrong
    value would otherwise fail inside every kernel with papermill's exception page.
    """
    defaults: dict[str, object] = {}
    for path in chosen:
        for name, value in notebook_defaults(path).items():
            defaults.setdefault(name, value)
    checked = {}
    for name, value in extra.items():
        default = defaults.get(name)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ParameterError(f"-p {name} {value!r}: expected True or False")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ParameterError(f"-p {name} {value!r}: expected a whole number (like {default})")
            if name == "min_children" and value < 1:
                raise ParameterError(f"-p min_children {value}: must be at least 1")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ParameterError(f"-p {name} {value!r}: expected a number (like {default})")
            value = float(value)
        elif isinstance(default, str) and not isinstance(value, str):
            value = str(value)
        checked[name] = value
    return checked


#: The parameters `cpanalysis run` sets from its own options.
STANDARD_PARAMETERS = ("data_dir", "dfe_dir", "period_end", "la_code", "audience", "previous_indicators",
                       "definitions")


def _extra_parameters(parameters: Mapping[str, object] | None, standard: Sequence[str],
                      chosen: Sequence[Path]) -> dict[str, object]:
    """Check the further notebook parameters: not a standard one, declared by a chosen notebook."""
    extra = dict(parameters or {})
    declared = set().union(*(notebook_parameters(p) for p in chosen)) if chosen else set()
    for name in extra:
        if name in standard:
            raise ParameterError(f"parameter {name!r} is set by its own option of `cpanalysis run`, not by -p")
        if name not in declared:
            raise ParameterError(f"no notebook of this run has a parameter {name!r}; "
                                 f"they declare: {', '.join(sorted(declared)) or 'none'}")
    return extra


def _stub_page(path: Path, title: str, failure: str, banner: str) -> None:
    body = (f"<h1>{escape(title)}</h1><div class=\"notice\"><strong>This report did not run.</strong> "
            f"{escape(failure)}</div>")
    path.write_text(pages.page(title, body, banner), encoding="utf-8")


def run(data: str | Path | None = None, dfe: str | Path | None = None, period_end: str | None = None,
        la_code: str = DEFAULT_LA_CODE, audience: str = "internal", notebooks: Sequence[str] | None = None,
        out: str | Path = "reports", previous: str | Path | None = None, workers: int = 2,
        notebooks_dir: str | Path | None = None, parameters: Mapping[str, object] | None = None,
        definitions: Mapping[str, object] | None = None,
        progress: Callable[[str], None] | None = stderr_progress, fresh_kernels: bool = False) -> RunResult:
    """Produce the quarterly report pack (module docstring).

    Parameters
    ----------
    data : path, optional
        Folder of SSDA903 returns (or a processed folder); default :func:`default_data_dir`.
    dfe : path, optional
        Folder of national DfE files; default the usual places (none: the national sections say
        how to get them).
    period_end : str, optional
        Quarter end (``YYYY-MM-DD``); default the latest quarter the data covers.
    la_code : str; default "E10000018"
        The authority's ONS code (kept as a string).
    audience : {"internal", "external"}; default "internal"
    notebooks : sequence of str, optional
        Notebook names (``01_profile`` or ``01``); default every notebook in ``notebooks_dir`` in
        the order of :data:`NOTEBOOKS`; an empty sequence runs none (exports only).
    out : path; default "reports"
    previous : path, optional
        A previous run's ``indicators.csv``; default the latest earlier run under ``out``.
    workers : int; default 2
        Notebooks run at once.
    notebooks_dir : path, optional
        Folder of the notebook templates; default the project's ``notebooks/``.
    parameters : mapping, optional
        Further notebook parameters (``cohort_filter``, ``question``, ``min_children`` ...), given
        to every chosen notebook that declares them: a deep dive for a scrutiny panel is
        ``run(notebooks=["08"], parameters={"cohort_filter": "uasc_on_date"}, out="reports/uasc")``.
    definitions : mapping, optional
        Definition choices that differ from DfE's reading, name -> choice (the fields of
        :class:`cpanalysis.indicators.Options`, e.g. ``{"uasc_distance": "exclude"}``): the
        indicators, the exports and every notebook use them, and every page names them.
    progress : callable or None
        Receives one plain line per step (default: standard error).
    fresh_kernels : bool; default False
        Start a kernel for every notebook. By default each worker runs its notebooks in one
        kernel, reset between them so that each meets it as a fresh one
        (:class:`cpanalysis.pipeline.execute.WorkerKernel`): the pages are the same, for about
        a third less CPU.

    Returns
    -------
    RunResult

    Raises
    ------
    CpanalysisError
        Bad parameters or unreadable input (before any notebook runs).
    """
    writable_folder(out)
    with folder_lock(out):  # one run at a time per --out: two would mix their files
        try:
            return _run_pack(data=data, dfe=dfe, period_end=period_end, la_code=la_code, audience=audience,
                             notebooks=notebooks, out=out, previous=previous, workers=workers,
                             notebooks_dir=notebooks_dir, parameters=parameters, definitions=definitions,
                             progress=progress, fresh_kernels=fresh_kernels)
        finally:
            # an interrupted or failed run leaves no half-written pack (only ours: the lock is held)
            for partial in Path(out).glob(".*.partial"):
                shutil.rmtree(partial, ignore_errors=True)


def _run_pack(data: str | Path | None, dfe: str | Path | None, period_end: str | None, la_code: str,
              audience: str, notebooks: Sequence[str] | None, out: str | Path, previous: str | Path | None,
              workers: int, notebooks_dir: str | Path | None, parameters: Mapping[str, object] | None,
              definitions: Mapping[str, object] | None, progress: Callable[[str], None] | None,
              fresh_kernels: bool = False) -> RunResult:
    """:func:`run` under the lock on ``out``: everything is written to a staging folder moved into place."""
    started = time.perf_counter()
    say = progress or (lambda _line: None)
    timings: dict[str, float] = {}
    if audience not in loading.AUDIENCES:
        raise ParameterError(f"--audience must be one of {loading.AUDIENCES}; got {audience!r}")
    folder_nb = Path(notebooks_dir) if notebooks_dir is not None else NOTEBOOKS_DIR
    chosen = _choose_notebooks(notebooks, folder_nb)
    extra = _extra_parameters(parameters, STANDARD_PARAMETERS, chosen)  # refused before any work
    extra = _check_parameter_values(extra, chosen)
    from cpanalysis.indicators import Options

    chosen_definitions = Options.from_definitions(definitions).changed()  # a bad choice: refused now
    data_dir = Path(data) if data is not None else default_data_dir()
    la_code = str(la_code)
    if period_end:
        periods._timestamp(period_end, "--period-end")  # not a date at all: before the build
    if previous:
        ees_layout.read_indicators_csv(previous)  # unreadable: refused now, not after the notebooks
        quarter.check_previous_audience(previous, audience)
        quarter.check_previous_definitions(previous, chosen_definitions)

    tick = time.perf_counter()
    if loading.is_demo_dir(data_dir):
        data_dir = loading.ensure_demo(data_dir, say)
    timings["demo"] = time.perf_counter() - tick
    tick = time.perf_counter()
    say(f"[1/4] Validating and building {data_dir}")
    built = loading.load_tables(data_dir, la_code, progress=lambda line: None if line.startswith("  ") else say("      " + line))
    timings["validate_build"] = time.perf_counter() - tick
    tick = time.perf_counter()
    say("[2/4] Computing indicators")
    loaded = loading.load_for_notebook(
        data_dir, period_end or "", la_code, dfe_dir=dfe or "", audience=audience, definitions=chosen_definitions,
        progress=lambda line: say("      " + line) if "could not be read" in line else None,
        loaded_tables=built)  # the tables just built or read: not read again (identical either way)
    timings["indicators"] = time.perf_counter() - tick
    if extra.get("cohort_filter"):  # a cohort matching nobody is refused before any notebook runs
        from cpanalysis.cohort import MIN_CHILDREN
        from cpanalysis.reports.scope import check_cohort
        check_cohort(loaded, str(extra["cohort_filter"]), int(extra.get("min_children", MIN_CHILDREN)))
    if "cohort_judged" in extra:
        from cpanalysis.cohort import JUDGED_AT
        if extra["cohort_judged"] not in JUDGED_AT:
            raise ParameterError(f"-p cohort_judged must be one of {', '.join(JUDGED_AT)}; got {extra['cohort_judged']!r}")
    end = loaded.period_end
    final_dir = Path(out) / f"{end:%Y-%m-%d}"
    # Written into a staging folder and moved into place at the end: a run that stops half way
    # never leaves a pack whose pages, exports and manifest come from different runs.
    out_dir = staging_folder(final_dir)
    if loaded.national is None:
        say("      national DfE files not found: the national sections will say how to get them")
    else:
        say(f"      {loaded.national_source}")

    previous_csv = Path(previous) if previous else quarter.find_previous_run(out, end, audience, chosen_definitions)
    values = {
        "data_dir": str(data_dir.resolve()), "dfe_dir": str(Path(dfe).resolve()) if dfe else "",
        "period_end": f"{end:%Y-%m-%d}", "la_code": la_code, "audience": audience,
        "previous_indicators": str(Path(previous_csv).resolve()) if previous_csv else "",
        "definitions": chosen_definitions,
    }
    values.update(extra)
    jobs = []
    for path in chosen:
        declared = notebook_parameters(path)
        jobs.append(NotebookJob(path, out_dir / EXECUTED / path.name,
                                {k: v for k, v in values.items() if k in declared}, folder_nb.resolve()))

    tick = time.perf_counter()
    say(f"[3/4] Running {len(chosen)} notebooks, {workers} at a time; writing the exports meanwhile")
    # The kernels are separate processes and this one only waits for them, so the exports are
    # written while they run (seconds saved on every run; nothing the notebooks read is written).
    notice = synthetic_notice(data_dir)
    # a demo pack says so on every page, so it is never read as the authority's own figures
    banner = '<a href="index.html">All reports</a>' + (
        f' &nbsp; <strong>{escape(notice)}</strong>' if notice else "")
    entries: dict[str, pages.IndexEntry] = {}

    def write_page(job: NotebookJob, result: NotebookResult) -> None:
        # Called in the worker thread as each notebook ends, so pages are written meanwhile too.
        entries[job.name] = _write_page(job, result, out_dir, banner, audience)

    # The kernels unpickle what this process loaded instead of loading it again (data.write_snapshot);
    # the snapshot holds child-level tables, so it lives beside the processed tables, never in out.
    loading.remove_stale_snapshots(loaded.processed_dir)  # left by a run that was killed outright
    # Worked out once here and carried in the snapshot (NotebookData.cache), not in every kernel:
    # page 06's authority names (the national files' area columns) and the children's attributes
    # on the period end with the whole cohort chosen, which nearly every table and chart reads.
    national_comparison.area_names(loaded)
    scope.resolve(loaded, "")
    snapshot = loading.write_snapshot(
        loaded, loading.snapshot_arguments(values["data_dir"], values["period_end"], la_code, values["dfe_dir"],
                                           audience, loading.QUARTERS, chosen_definitions),
        loaded.processed_dir / f".notebook_data_{os.getpid()}_{time.time_ns()}.pkl")
    before = os.environ.get(loading.SNAPSHOT_ENV)
    os.environ[loading.SNAPSHOT_ENV] = str(snapshot)
    try:
        results, change_table, csv_path, xlsx_path = _notebooks_and_exports(
            jobs, workers, say, write_page, loaded, la_code, audience, end, out_dir, previous_csv, timings, notice,
            fresh_kernels)
    finally:
        snapshot.unlink(missing_ok=True)
        if before is None:
            os.environ.pop(loading.SNAPSHOT_ENV, None)
        else:
            os.environ[loading.SNAPSHOT_ENV] = before
    timings["notebooks"] = time.perf_counter() - tick

    tick = time.perf_counter()
    say("[4/4] Writing the index and manifest")
    readers = quarter.changes_for_readers(quarter.headline_changes(change_table)) if change_table is not None else None
    index = pages.write_index(
        out_dir / "index.html",
        title=f"{loaded.la_name}: corporate parenting evidence, {end:%-d %B %Y}",
        intro=((f"{notice} " if notice else "")
               + f"Reports for {loaded.la_name} ({la_code}) on the SSDA903 returns to {end:%-d %B %Y}. "
               + ("Small numbers are suppressed for readers outside the authority."
                  if audience == "external" else "Internal: not for circulation outside the authority.")),
        entries=[entries[job.name] for job in jobs],
        downloads=[("Indicators (CSV, EES layout)", "indicators.csv"), ("Indicators (Excel)", "indicators.xlsx"),
                   *([("Changes since the previous run (CSV)", "changes.csv")] if change_table is not None else []),
                   ("Run manifest (JSON)", "run_manifest.json")],
        changes=readers,
        changes_note=("" if previous_csv is not None else
                      "No previous quarter's run was found (reports/<date>/indicators.csv), so nothing to compare yet."),
        # no clock time here: a rerun gives the same bytes (run_manifest.json records when)
        footer=f"cpanalysis {__version__}.",
        national_source=loaded.national_source, missing_comparisons=national_comparison.missing_comparisons(loaded),
    )
    timings["html"] = time.perf_counter() - tick
    seconds = time.perf_counter() - started
    manifest = _manifest(values, loaded, data_dir, dfe, previous_csv, results, timings, seconds, out_dir,
                         [job.notebook for job in jobs])
    manifest["synthetic_data"] = notice or False
    exports.write_manifest(manifest, out_dir / "run_manifest.json")
    move_into_place(out_dir, final_dir)
    results = [replace(r, output=final_dir / Path(r.output).relative_to(out_dir)) for r in results]
    failed = [r for r in results if not r.ok]
    say(f"Done in {seconds:.0f} s: {final_dir / 'index.html'}"
        + (f"; {len(failed)} notebook(s) failed: " + "; ".join(r.describe() for r in failed) if failed else ""))
    return RunResult(final_dir, end, results, final_dir / index.name, final_dir / csv_path.name,
                     final_dir / xlsx_path.name, final_dir / "run_manifest.json", change_table, seconds, timings)


def _notebooks_and_exports(jobs: list[NotebookJob], workers: int, say: Callable[[str], None],
                           after: Callable[[NotebookJob, NotebookResult], None], loaded: loading.NotebookData,
                           la_code: str, audience: str, end: pd.Timestamp, out_dir: Path,
                           previous_csv: Path | None, timings: dict[str, float], notice: str = "",
                           fresh_kernels: bool = False) -> tuple[list[NotebookResult], pd.DataFrame | None, Path, Path]:
    """Run the notebooks in the background and write the exports meanwhile.

    The kernels are separate processes and this one only waits for them, so the exports are
    written while they run (nothing the notebooks read is written here).
    """
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as background:
        running = background.submit(execute_notebooks, jobs, workers=workers, progress=say, after=after, stop=stop,
                                    reuse_kernels=not fresh_kernels)
        try:
            return _exports(running, loaded, la_code, audience, end, out_dir, previous_csv, timings, notice)
        except BaseException:
            # Ctrl-C or SIGTERM (or an export failing): start no further notebook and end the
            # running kernels now, rather than finishing every notebook before stopping.
            stop.set()
            stop_kernels()
            raise


def _exports(running: Future, loaded: loading.NotebookData, la_code: str, audience: str, end: pd.Timestamp, out_dir: Path,
             previous_csv: Path | None, timings: dict[str, float], notice: str = ""
             ) -> tuple[list[NotebookResult], pd.DataFrame | None, Path, Path]:
    """The exports, written while the notebooks run; then the notebooks' results."""
    exports_tick = time.perf_counter()
    ees = ees_layout.to_ees(loaded.indicators, la_code, la_name=loaded.la_name, old_la_code=loaded.old_la_code,
                         region_code=loaded.region_code, region_name=loaded.region_name,
                         # published figures leave the authority in this pack too: the same
                         # small-number rule as its own (DfE shows authorities' counts unrounded)
                         comparators=loading.apply_disclosure(ees_layout.comparator_rows(
                             loaded.indicators, loaded.national, la_code, region_code=loaded.region_code,
                             neighbours=loaded.neighbours, period_end=end), audience),
                         areas=_areas(loaded))
    csv_path = exports.write_indicators_csv(ees, out_dir / "indicators.csv")
    notes = [*([notice] if notice else []), f"Authority: {loaded.la_name} ({la_code})",
             f"Period end: {end:%-d %B %Y}", f"Audience: {audience}" + (" (small numbers suppressed)" if audience == "external" else ""),
             *([("Definitions differing from DfE's: "
                 + "; ".join(f"{name} = {value}" for name, value in loaded.definitions.items()))]
               if loaded.definitions else [])]
    xlsx_path = exports.write_indicators_xlsx(ees, out_dir / "indicators.xlsx",
                                              title=f"Corporate parenting indicators: {loaded.la_name}",
                                              notes=notes)
    change_table = None
    if previous_csv is not None:
        change_table = quarter.compare_runs(previous_csv, csv_path, geography=la_code)
        write_csv(change_table, out_dir / "changes.csv")
    timings["exports"] = time.perf_counter() - exports_tick
    return running.result(), change_table, csv_path, xlsx_path


def _areas(loaded: loading.NotebookData) -> pd.DataFrame | None:
    """The national files' authority codes and names (to name the neighbours), None without them."""
    if loaded.national_folder is None:
        return None
    from cpanalysis import dfe

    try:
        return dfe.la_codes(loaded.national_folder)
    except CpanalysisError:
        return None


def synthetic_notice(data_dir: Path) -> str:
    """The first line of the demo's ``SYNTHETIC_DATA.txt`` beside the returns (or one folder up),
    e.g. "Synthetic demonstration data, not Leicestershire's."; ``""`` for an authority's returns."""
    for folder in (Path(data_dir), Path(data_dir).parent):
        path = folder / SYNTHETIC_NOTICE_FILE
        if path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            return lines[0].strip() if lines else "Synthetic demonstration data."
    return ""


def _write_page(job: NotebookJob, result: NotebookResult, out_dir: Path, banner: str,
                audience: str) -> pages.IndexEntry:
    """Write one notebook's HTML page (a stub when nothing was executed); its index entry."""
    page = out_dir / f"{job.name}.html"
    failure = "" if result.ok else _reader_failure(result, audience)
    title = job.name
    if result.output.is_file():
        title = pages.notebook_title(nbformat.read(result.output, as_version=4), job.name)
        pages.notebook_to_html(result.output, page, banner=banner, failure=failure)
    else:
        _stub_page(page, title, failure, banner)
    return pages.IndexEntry(title, page.name, result.ok, failure)


def _choose_notebooks(names: Sequence[str] | None, folder: Path) -> list[Path]:
    available = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not available:
        raise ParameterError(f"no notebooks found in {folder}")
    if names is not None and len(names) == 0:  # exports only
        return []
    if not names:
        order = {n: i for i, n in enumerate(NOTEBOOKS)}
        return sorted(available, key=lambda p: (order.get(p.stem, len(order)), p.stem))
    chosen = []
    for name in names:
        stem = Path(str(name)).stem
        matches = [p for p in available if p.stem == stem or p.stem.split("_")[0] == stem]
        if not matches:
            raise ParameterError(f"notebook {name!r} not found in {folder}; available: "
                                 + ", ".join(p.stem for p in available))
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def _reader_failure(result: NotebookResult, audience: str) -> str:
    # An error message can quote data; readers outside the authority get only the error's type.
    if audience == "external":
        return f"It stopped with {result.error_name or 'an error'}; the analyst has the details in the run manifest"
    return result.describe()


def _manifest(values: dict, loaded: loading.NotebookData, data_dir: Path, dfe: str | Path | None,
              previous: Path | None, results: list[NotebookResult], timings: dict[str, float],
              seconds: float, out_dir: Path, templates: list[Path]) -> dict:
    outputs = {p.relative_to(out_dir).as_posix(): return_files.sha256_file(p)
               for p in sorted(out_dir.rglob("*")) if p.is_file() and p.name != "run_manifest.json"}
    return {
        "cpanalysis": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "parameters": {**values, "kernel": KERNEL_NAME},
        "inputs": {
            "returns_folder": str(data_dir.resolve()),
            "returns": loading.input_files(data_dir),
            "build_manifest_latest_as_at": loaded.manifest.get("latest_as_at"),
            "dfe_folder": str(loaded.national_folder or (Path(dfe).resolve() if dfe else "")),
            "national_files_found": loaded.national is not None,
            "national_source": loaded.national_source,
            "previous_indicators": str(previous) if previous else "",
            "notebook_templates": {r.name: return_files.sha256_file(p) for r, p in zip(results, templates, strict=True)},
        },
        "packages": exports.package_versions(),
        "timings_seconds": {**{k: round(v, 2) for k, v in timings.items()}, "total": round(seconds, 2)},
        "notebooks": [
            {"name": r.name, "ok": r.ok, "seconds": round(r.seconds, 2), "cell": r.cell,
             "execution_count": r.execution_count, "error": r.error_name, "message": r.error_value}
            for r in results
        ],
        "outputs": outputs,
    }
