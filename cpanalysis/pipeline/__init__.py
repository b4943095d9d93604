"""The report pipeline: build -> indicators -> notebooks (papermill) -> HTML + exports + manifest.

Sub-modules: :mod:`~cpanalysis.pipeline.execute` (papermill, two at a time),
:mod:`~cpanalysis.pipeline.html` (self-contained pages without code),
:mod:`~cpanalysis.pipeline.exports` (``indicators.csv`` in the EES layout, ``indicators.xlsx``,
manifest) and :mod:`~cpanalysis.pipeline.changes` (quarter on quarter).

The names below are imported on first use (PEP 562), not with the package: every notebook
kernel imports ``cpanalysis.pipeline``, and only the pages that compare runs need
:mod:`~cpanalysis.pipeline.changes` and the statsmodels it brings.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the sub-module that defines it.
_LAZY = {
    "compare_runs": "cpanalysis.pipeline.changes",
}

__all__ = ["compare_runs"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cpanalysis.pipeline' has no attribute {name!r}")
