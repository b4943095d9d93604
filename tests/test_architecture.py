"""The import direction of docs/architecture.md, read from the code: one way, no circles.

Every ``cpanalysis`` import is collected from the source (module level and inside functions,
which run too), then: nothing below ``reports/`` imports ``reports`` or the runner; ``reports``
never imports the runner; the CLI is imported by nobody; and the graph of modules has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cpanalysis"
#: The layers above the library, highest first: a module may import only layers below its own.
TOP = ("cpanalysis.cli", "cpanalysis.commands", "cpanalysis.__main__")
RUNNER = "cpanalysis.pipeline"
REPORTS = "cpanalysis.reports"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every cpanalysis module ``path`` imports (``from a import b`` gives ``a.b`` when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("cpanalysis")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cpanalysis"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return {m for m in found if m in MODULES}


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _within(name: str, layer: str | tuple[str, ...]) -> bool:
    layers = (layer,) if isinstance(layer, str) else layer
    return any(name == top or name.startswith(top + ".") for top in layers)


def test_the_graph_was_read():
    assert "cpanalysis.reports.common" in GRAPH and "cpanalysis.pipeline.run" in GRAPH
    assert "cpanalysis.reports.loading" in GRAPH["cpanalysis.pipeline.run"]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not _within(m, (REPORTS, RUNNER, *TOP))))
def test_nothing_below_reports_imports_reports_or_the_runner(module):
    upward = {m for m in GRAPH[module] if _within(m, (REPORTS, RUNNER, *TOP))}
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _within(m, REPORTS)))
def test_reports_never_import_the_runner_or_the_cli(module):
    upward = {m for m in GRAPH[module] if _within(m, (RUNNER, *TOP))}
    assert not upward, f"{module} imports {sorted(upward)}"


def test_the_runner_never_imports_the_cli():
    upward = {(m, i) for m in MODULES if _within(m, RUNNER) for i in GRAPH[m] if _within(i, TOP)}
    assert not upward


#: Circles inside one library package that predate the reports layer (function-level imports
#: between sibling modules); listed so that no new one appears and these can only shrink.
KNOWN_CIRCLES = (
    {"cpanalysis.ingest", "cpanalysis.return_files", "cpanalysis.xml903"},
    {f"cpanalysis.dfe.{m}" for m in ("areas", "attainment", "download", "ees", "folders", "lait", "load",
                                      "neighbours", "snapshot", "tidy")},
)


def _circles() -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan), package re-exports aside:
    ``cpanalysis.x`` importing ``cpanalysis.x.y`` and back is how a package names its parts."""
    def edges(name: str) -> set[str]:
        return {m for m in GRAPH[name] if not (m.startswith(name + ".") or name.startswith(m + "."))}

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    return found


def test_no_circles():
    """No module reaches itself through its imports, but the known library circles (no larger)."""
    new = [c for c in _circles() if not any(c <= known for known in KNOWN_CIRCLES)]
    assert not new, [sorted(c) for c in new]


def test_no_circle_touches_reports_or_the_runner():
    assert not [sorted(c) for c in _circles() if any(_within(m, (REPORTS, RUNNER, *TOP)) for m in c)]
