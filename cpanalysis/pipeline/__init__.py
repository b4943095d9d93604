"""The runner: build -> indicators -> notebooks (papermill) -> HTML + exports + manifest.

Sub-modules: :mod:`~cpanalysis.pipeline.run` (the whole pack, ``cpanalysis run``),
:mod:`~cpanalysis.pipeline.execute` (papermill, two at a time),
:mod:`~cpanalysis.pipeline.html` (self-contained pages without code) and
:mod:`~cpanalysis.pipeline.exports` (``indicators.csv``/``.xlsx`` in the EES layout, the manifest).
What the pages show is :mod:`cpanalysis.reports`; the runner imports it, never the reverse.
"""

import sys

# nbformat imports jsonschema, whose format checkers build the RFC 3987 grammar of IRIs with lark
# when the optional rfc3987_syntax is installed: 0.8 s of CPU in every process that imports
# nbformat (the runner, and each papermill call), for the "iri" format, which no notebook schema
# checks. Marked as absent (unless something imported it already), jsonschema leaves that one
# checker out; notebooks are validated exactly as before (tests/test_pipeline_imports.py).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
