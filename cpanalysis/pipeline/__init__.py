"""The runner: build -> indicators -> notebooks (papermill) -> HTML + exports + manifest.

Sub-modules: :mod:`~cpanalysis.pipeline.run` (the whole pack, ``cpanalysis run``),
:mod:`~cpanalysis.pipeline.execute` (papermill, two at a time),
:mod:`~cpanalysis.pipeline.html` (self-contained pages without code) and
:mod:`~cpanalysis.pipeline.exports` (``indicators.csv``/``.xlsx`` in the EES layout, the manifest).
What the pages show is :mod:`cpanalysis.reports`; the runner imports it, never the reverse.
"""
