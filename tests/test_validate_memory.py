"""Validation lets each shared view go after its last rule, and never has to build one twice.

:data:`cpanalysis.validate.engine.RELEASE_AFTER` names, for each shared view of
:class:`~cpanalysis.validate.ValidationContext`, the last rule that reads it (issue 15: a 300 MB return
kept about 1 GB of widened copies until the end). A wrong entry would not change a finding, only
rebuild the view, so these tests count the builds: on the demo authority's returns every view is
built at most once, and released views are really gone at the end. The findings with and
without releasing are compared row for row.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cpanalysis import clean, ingest, validate
from cpanalysis.validate import engine

#: The cached properties of ValidationContext the rules share.
PROPERTIES = ("header_dob", "sequence", "placement_geography", "oc2_cohort")


@pytest.fixture(scope="module")
def demo_tables(default_demo: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every return of the demo authority, cleaned."""
    return clean.normalise(ingest.read_returns(default_demo / "903"))


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Count every build of a shared view (cached properties, ``with_header``, the first-episode pairs)."""
    builds: Counter = Counter()
    for name in PROPERTIES:
        func = getattr(engine.ValidationContext, name).func

        def counted(self, _func=func, _name=name):
            builds[_name] += 1
            return _func(self)

        prop = cached_property(counted)
        prop.__set_name__(engine.ValidationContext, name)
        monkeypatch.setattr(engine.ValidationContext, name, prop)
    original = engine.ValidationContext._with_header

    def with_header(self, name):
        builds[f"with_header:{name}"] += 1
        return original(self, name)

    monkeypatch.setattr(engine.ValidationContext, "_with_header", with_header)
    from cpanalysis.validate import first_episode

    original_pairs = first_episode.pairs

    def pairs(ctx):
        if "first_episode_pairs" not in ctx.cache:
            builds["cache:first_episode_pairs"] += 1
        return original_pairs(ctx)

    monkeypatch.setattr(first_episode, "pairs", pairs)
    return builds


def test_every_view_built_at_most_once(monkeypatch: pytest.MonkeyPatch, demo_tables) -> None:
    tables, cleaning = demo_tables
    builds = _count_builds(monkeypatch)
    validate.validate(tables, prior_issues=cleaning)
    # every view named in RELEASE_AFTER was used (a stale entry would hide a renamed view)
    released = {view for views in engine.RELEASE_AFTER.values() for view in views}
    assert released <= set(builds), released - set(builds)
    assert {view: n for view, n in builds.items() if n > 1} == {}


def test_release_after_names_rules_that_exist() -> None:
    assert set(engine.RELEASE_AFTER) <= set(engine.RULES)


def test_released_views_are_gone_and_findings_unchanged(monkeypatch: pytest.MonkeyPatch, demo_tables) -> None:
    tables, cleaning = demo_tables
    seen: list[engine.ValidationContext] = []
    original_init = engine.ValidationContext.__init__

    def init(self, tables_):
        original_init(self, tables_)
        seen.append(self)

    monkeypatch.setattr(engine.ValidationContext, "__init__", init)
    released = validate.validate(tables, prior_issues=cleaning)
    ctx = seen[-1]
    assert ctx._joined == {}
    assert not set(PROPERTIES) & set(ctx.__dict__)
    assert "first_episode_pairs" not in ctx.cache

    monkeypatch.setattr(engine, "RELEASE_AFTER", {})
    kept = validate.validate(tables, prior_issues=cleaning)
    assert len(released) > 0
    pd.testing.assert_frame_equal(released, kept)


def test_release_of_an_unknown_view_is_harmless() -> None:
    ctx = engine.ValidationContext({})
    ctx.release("with_header:episodes")
    ctx.release("cache:nothing")
    ctx.release("sequence")
    assert len(ctx.sequence) == 0  # rebuilt on demand


def test_duplicated_by_hand_blanks_equal_as_in_pandas() -> None:
    # engine._duplicated folds one column's codes at a time (issue 15) and must say what
    # DataFrame.duplicated says: over several columns None, NaN and NaT are one blank.
    frame = pd.DataFrame(
        {
            "a": pd.Series(["x", "x", None, np.nan, "x", None], index=[10, 11, 12, 13, 14, 15], dtype=object),
            "b": pd.to_datetime(["2024-01-01", "2024-01-01", None, None, None, None]),
            "c": [1, 1, 2, 2, 1, 2],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    columns = ["a", "b", "c"]
    assert engine._duplicated(frame, columns).tolist() == [False, True, False, True, False, True]
    assert engine._duplicated(frame, columns, keep="last").tolist() == [True, False, True, True, False, False]
    assert engine._duplicated(frame, columns).index.tolist() == [10, 11, 12, 13, 14, 15]
    pd.testing.assert_series_equal(engine._duplicated(frame, columns), frame.duplicated(columns))
    # one column: pandas tells None from NaN there, and so does _duplicated
    assert engine._duplicated(frame, ["a"]).tolist() == [False, True, False, False, True, True]


def test_duplicated_when_the_running_key_is_renumbered() -> None:
    # eight columns of 1,000 distinct values each: the key would pass 2**62 without renumbering
    n = 1000
    frame = pd.DataFrame({f"c{j}": [(i * (j + 3)) % n for i in range(n)] for j in range(8)})
    frame = pd.concat([frame, frame.iloc[[5, 700, 5]]], ignore_index=True)
    frame.loc[n + 1, "c7"] = -1  # the copy of row 700 differs in the last column only
    found = engine._duplicated(frame, list(frame.columns))
    assert found[found].index.tolist() == [n, n + 2]
    pd.testing.assert_series_equal(found, frame.duplicated(list(frame.columns)))
