"""A notebook kernel's set-up imports stay light: no scipy or statsmodels before they are used.

Not a timed test (timings live in benchmarks/bench_pipeline.py): it runs the import lines of each
report notebook's set-up cell in a fresh interpreter and checks which modules were imported, so a
top-level ``from scipy import stats`` or ``import statsmodels...`` creeping back into
``cpanalysis.stats``, ``compare``, ``trends``, ``plots``, ``sdq``, ``moves`` or the journeys fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Imported only inside the functions that test, fit or model something.
HEAVY = ("scipy", "statsmodels", "patsy")


def _setup_imports(notebook: Path) -> str:
    """The import lines of the first code cell that imports from cpanalysis."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and "from cpanalysis" in source:
            lines = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
            return "\n".join(lines)
    raise AssertionError(f"{notebook.name} has no cell importing from cpanalysis")


def _modules_after(code: str) -> set[str]:
    """Top-level module names imported by a fresh interpreter running ``code``."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_every_notebook_is_checked():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_set_up_cell_imports_no_scipy_or_statsmodels(notebook):
    code = _setup_imports(notebook)
    assert "cpanalysis" in code
    loaded = _modules_after(code)
    assert "cpanalysis" in loaded and "pandas" in loaded  # the cell did import the package
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_statistics_are_still_reachable():
    """The lazy imports resolve: one call through each module that moved its imports."""
    code = (
        "from cpanalysis import compare, stats, trends\n"
        "assert round(stats.z_value(0.95), 6) == 1.959964\n"
        "lo, hi = stats.wilson_interval(65, 100)\n"
        "assert (round(float(lo), 7), round(float(hi), 7)) == (0.5525444, 0.7363575)\n"
        "assert round(compare.score_test(31, 120, 0.38)[0], 2) == -2.75\n"
        "assert trends.year_on_year(10, 100, 20, 100)[0] == 10.0\n"
    )
    loaded = _modules_after(code)
    assert {"scipy", "statsmodels"} <= loaded
