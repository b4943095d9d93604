"""The reports: what each notebook of the quarterly pack shows, worded for readers.

One module per notebook, each taking a :class:`~cpanalysis.reports.loading.NotebookData` and the
notebook's parameters and returning tables worded for a board paper, house-style figures or a
one-sentence Markdown note:

=======================  ==========================================
notebook                 module
=======================  ==========================================
``00_data_quality``      :mod:`~cpanalysis.reports.data_quality`
``01_profile``           :mod:`~cpanalysis.reports.profile`
``02_outcome_trends``    :mod:`~cpanalysis.reports.outcome_trends`
``03_sdq_changes``       :mod:`~cpanalysis.reports.sdq_changes`
``04_placement_moves``   :mod:`~cpanalysis.reports.placement_moves`
``05_care_leavers``      :mod:`~cpanalysis.reports.care_leavers`
``06_national_comparison`` :mod:`~cpanalysis.reports.national_comparison`
``07_strategy_scorecard`` :mod:`~cpanalysis.reports.strategy_scorecard`
``08_deep_dive``         :mod:`~cpanalysis.reports.deep_dive`
=======================  ==========================================

They share :mod:`~cpanalysis.reports.common` (the set-up call, the one :func:`~cpanalysis.reports.common.show`,
captions, hidden counts, the run described), :mod:`~cpanalysis.reports.scope` (the cohort
filter and who is covered), :mod:`~cpanalysis.reports.findings` ("What this shows") and
:mod:`~cpanalysis.reports.loading` (the data a notebook reads, cached).

Rules every module keeps: aggregates only (no child ID or child-level row leaves this package);
no statistic on fewer than ``min_children`` children; with ``audience="external"`` counts of 1 to 5
read ``[c]`` with secondary suppression; nothing in ``cpanalysis`` below this package imports it
(``tests/test_architecture.py``). Import the modules themselves (``from cpanalysis.reports import
common, profile``): this package imports nothing on its own, so the runner and the CLI stay quick.
"""
