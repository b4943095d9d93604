"""The demo authority shows the signal its generator builds in, found with the package's own functions.

The synthetic authority (``cpanalysis.synth.outcomes``) adds ``SDQ_MOVE_EFFECT`` (1.6) points to a
child's SDQ deviation for every placement move in the year, so children who move a lot should
get worse between consecutive annual scores. Here the demo is generated and built exactly as a
user's returns would be (``synth.generate`` -> ``pipeline.data.load_tables``), and the
analysis functions (``sdq.sdq_pairs``, ``sdq.paired_change``) have to find it. A failure means
either the generator lost its signal or the analysis stopped seeing it.

Why the threshold is ``SDQ_MOVE_EFFECT`` (one move's worth of points): the generator's change
between two consecutive scores is ``-0.5 * previous deviation + 1.6 * moves + noise``, so a child
with 3+ moves in the year gains at least 4.8 points over one with none. The others in the
comparison move about 0.2 times on average (+0.3 points), and frequent movers carry a larger
previous deviation, which the -0.5 carry-over pulls back, so the expected gap is about 4 points.
With 15-35 children with 3+ moves and a change SD of about 4-5 points (measured on the demo), the
gap's standard error is 0.8-1.1, so a gap below 1.6 points (2-3 standard errors short of 4) is
unlikely by chance with the signal in place; without the signal the gap would be about 0
and the test fails. (Measured on the default demo of this commit: 3.5 points, 34 children with
3+ moves changing by +3.4 (95% interval 1.5 to 5.2), 499 others by -0.2.)
"""

from __future__ import annotations

import pytest

from cpanalysis import sdq
from cpanalysis.reports.loading import load_tables
from cpanalysis.synth.outcomes import SDQ_MOVE_EFFECT


@pytest.fixture(scope="session")
def demo_tables(tmp_path_factory: pytest.TempPathFactory, default_demo) -> dict:
    """The default demo authority (the session's), built once per session."""
    out = tmp_path_factory.mktemp("demo_signals")
    tables, _, _ = load_tables(default_demo / "903", la_code="E10000018", processed_dir=out / "processed")
    return tables


def test_children_with_three_or_more_moves_have_a_worse_sdq_change(demo_tables: dict) -> None:
    pairs = sdq.sdq_pairs(demo_tables["oc2"], placements=demo_tables["placements"])
    pairs = pairs.assign(three_plus=(pairs["moves_between_band"] == "3+").map({True: "3+", False: "0-2"}))
    result = sdq.paired_change(pairs, by="three_plus").set_index("breakdown_value")
    movers, others = result.loc["3+"], result.loc["0-2"]
    assert movers["note"] == "" and others["note"] == ""  # enough children for both estimates
    gap = movers["mean_change"] - others["mean_change"]
    assert gap > SDQ_MOVE_EFFECT, f"gap {gap:.2f} points"
    # the movers' own change is a deterioration beyond chance (its 95% interval above zero)
    assert movers["lower"] > 0
