"""The report pipeline: build -> indicators -> notebooks (papermill) -> HTML + exports + manifest.

Sub-modules: :mod:`~cpanalysis.pipeline.execute` (papermill, two at a time),
:mod:`~cpanalysis.pipeline.html` (self-contained pages without code),
:mod:`~cpanalysis.pipeline.exports` (``indicators.csv`` in the EES layout, ``indicators.xlsx``,
manifest) and :mod:`~cpanalysis.pipeline.changes` (quarter on quarter).
"""

from __future__ import annotations

from cpanalysis.pipeline.changes import compare_runs
from cpanalysis.pipeline.data import NotebookData, load_for_notebook

__all__ = ["NotebookData", "compare_runs", "load_for_notebook"]
