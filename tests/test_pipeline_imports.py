"""The runner's imports: nbformat without jsonschema's IRI grammar, notebooks still validated."""

from __future__ import annotations

import subprocess
import sys


def test_the_runner_does_not_build_the_iri_grammar_and_still_validates():
    script = (
        "import sys; import cpanalysis.pipeline.run; import nbformat; "
        "nb = nbformat.v4.new_notebook(); nb.cells.append(nbformat.v4.new_code_cell('1 + 1')); "
        "nbformat.validate(nb); "
        "bad = nbformat.v4.new_notebook(); bad.cells.append({'cell_type': 'code'}); "
        "failed = False\n"
        "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    failed = True\n"
        "print(failed, sys.modules.get('rfc3987_syntax', 'absent'), 'lark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "None", "False"]
