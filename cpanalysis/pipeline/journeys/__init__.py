"""Children's journeys worded for readers: SDQ changes, placement moves, care leavers, deep dives.

What notebooks ``03_sdq_changes``, ``04_placement_moves``, ``05_care_leavers`` and
``08_deep_dive`` display, one module per report:

- :mod:`~cpanalysis.pipeline.journeys.sdq` (notebook 03), :mod:`~cpanalysis.pipeline.journeys.moves`
  (04), :mod:`~cpanalysis.pipeline.journeys.leavers` (05) and
  :mod:`~cpanalysis.pipeline.journeys.deep_dive` (08);
- :mod:`~cpanalysis.pipeline.journeys.common` (wording, suppression, :func:`show`) and
  :mod:`~cpanalysis.pipeline.journeys.scope` (the cohort filter and who is covered), which they share.

Notebooks call everything through this package (``journeys.moves_table(data, ...)``). Each
function takes a :class:`~cpanalysis.pipeline.data.NotebookData` and the notebook's parameters,
calls the analyses (:mod:`cpanalysis.sdq`, :mod:`cpanalysis.moves`, :mod:`cpanalysis.leavers`,
:mod:`cpanalysis.cohort`) and returns a table worded for a board paper (labels, rounded values,
intervals as text) or a house-style figure (:mod:`cpanalysis.plots`).

Rules every function keeps:

- **aggregates only**: no child ID and no child-level row ever leaves this package;
- **small numbers**: a statistic on fewer than ``min_children`` children is not produced (the
  analyses' rule, :func:`cpanalysis.cohort.too_few`); when nothing at all can be produced the
  function returns a one-sentence :class:`~IPython.display.Markdown` instead of a table, so a
  notebook run on a narrow cohort finishes and says why;
- **disclosure**: with ``data.audience == "external"`` every count of 1 to 5 shown is replaced by
  ``[c]`` with the percentages and intervals computed from it, and where counts add up to a
  shown total a second cell is hidden too (:func:`cpanalysis.disclosure.suppression_mask`);
- **cohort filters**: ``cohort_filter`` is the notebooks' parameter (``""`` is everyone); child
  attributes describe each child on the period end (:func:`cpanalysis.cohort.child_attributes`).
"""

from cpanalysis.pipeline.journeys.common import (
    GROUP_LABELS,
    HIDDEN,
    SURVIVAL_YEARS,
    TERM_LABELS,
    YEARS_SHOWN,
    group_label,
    hidden_cells,
    show,
)
from cpanalysis.pipeline.journeys.deep_dive import (
    beyond_chance,
    cohort_name,
    compare_cohort,
    deep_dive_answer,
    deep_dive_table,
    deep_dive_title,
    lead_measure,
)
from cpanalysis.pipeline.journeys.leavers import (
    accommodation_table,
    destinations_chart,
    destinations_table,
    england_table,
    flows_chart,
    flows_table,
    leaver_years,
    paths_table,
)
from cpanalysis.pipeline.journeys.moves import (
    cox_table,
    disruption_table,
    distance_table,
    logrank_sentence,
    moves_chart,
    moves_table,
    placement_durations,
    reasons_table,
    survival_chart,
    survival_table,
)
from cpanalysis.pipeline.journeys.scope import (
    FILTER_ATTRIBUTES,
    attributes,
    check_cohort,
    cohort_description,
    filter_help,
    scope,
)
from cpanalysis.pipeline.journeys.sdq import (
    band_tests_table,
    band_transition_table,
    completion_table,
    missing_scores_table,
    paired_change_table,
    regression_to_mean,
    reliable_change_table,
    sdq_change_chart,
    sdq_overview,
    sdq_pairs,
    trajectory_table,
)

__all__ = [
    "FILTER_ATTRIBUTES", "GROUP_LABELS", "HIDDEN", "SURVIVAL_YEARS", "TERM_LABELS", "YEARS_SHOWN",
    "accommodation_table", "attributes", "band_tests_table", "band_transition_table", "cohort_description",
    "beyond_chance", "check_cohort", "cohort_name", "compare_cohort", "completion_table", "cox_table", "deep_dive_answer", "deep_dive_table", "deep_dive_title", "lead_measure",
    "destinations_chart", "destinations_table", "disruption_table", "distance_table", "england_table",
    "filter_help", "flows_chart", "flows_table", "group_label", "hidden_cells", "leaver_years",
    "logrank_sentence", "missing_scores_table", "moves_chart", "moves_table", "paired_change_table",
    "paths_table", "placement_durations", "reasons_table", "regression_to_mean", "reliable_change_table",
    "scope", "sdq_change_chart", "sdq_overview", "sdq_pairs", "show", "survival_chart", "survival_table",
    "trajectory_table",
]
