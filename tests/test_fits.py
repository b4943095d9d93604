"""Tests for cpanalysis.reports.fits: a cached fit is served only for exactly the same inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from cpanalysis import sdq
from cpanalysis.reports import fits


def mean_score(frame: pd.DataFrame, calls: list) -> pd.DataFrame:
    calls.append(1)
    return pd.DataFrame({"term": ["mean"], "estimate": [frame["score"].mean()], "note": [None]})


@pytest.fixture
def tmp_path(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")  # a processed tables' folder
    return tmp_path


@pytest.fixture
def scores() -> pd.DataFrame:
    return pd.DataFrame({"child_id": ["a", "b", "c"], "score": [10, 14, 21]})


def test_second_call_is_served_from_the_cache(tmp_path, scores):
    calls: list = []
    first = fits.cached_fit(tmp_path, "m", scores, None, {"k": 1}, [sdq], lambda: mean_score(scores, calls))
    again = fits.cached_fit(tmp_path, "m", scores.copy(), None, {"k": 1}, [sdq], lambda: mean_score(scores, calls))
    assert len(calls) == 1
    assert first["estimate"].tolist() == [15.0]  # (10 + 14 + 21) / 3
    pd.testing.assert_frame_equal(first, again)
    assert len(list((tmp_path / fits.FOLDER).glob("m_*.pkl"))) == 1


def test_a_changed_score_misses_the_cache(tmp_path, scores):
    calls: list = []
    fits.cached_fit(tmp_path, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    changed = scores.assign(score=[10, 14, 24])
    out = fits.cached_fit(tmp_path, "m", changed, None, {}, [sdq], lambda: mean_score(changed, calls))
    assert len(calls) == 2
    assert out["estimate"].tolist() == [16.0]  # (10 + 14 + 24) / 3, not the cached 15


@pytest.mark.parametrize("change", ["children", "parameters", "dtype", "name", "column"])
def test_every_part_of_the_key_counts(tmp_path, scores, change):
    base = ("m", scores, None, {"min_children": 10})
    other = {
        "children": ("m", scores, {"a", "b"}, {"min_children": 10}),
        "parameters": ("m", scores, None, {"min_children": 11}),
        "dtype": ("m", scores.astype({"score": float}), None, {"min_children": 10}),
        "name": ("n", scores, None, {"min_children": 10}),
        "column": ("m", scores.rename(columns={"score": "total"}), None, {"min_children": 10}),
    }[change]
    assert fits.fit_key(*base, [sdq]) != fits.fit_key(*other, [sdq])
    assert fits.fit_key(*base, [sdq]) == fits.fit_key("m", scores.copy(), None, {"min_children": 10}, [sdq])


def test_an_unreadable_file_is_computed_again(tmp_path, scores):
    calls: list = []
    fits.cached_fit(tmp_path, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    (path,) = (tmp_path / fits.FOLDER).glob("m_*.pkl")
    path.write_bytes(b"not a pickle")
    out = fits.cached_fit(tmp_path, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    assert len(calls) == 2
    assert out["estimate"].tolist() == [15.0]


def test_no_folder_no_cache(scores):
    calls: list = []
    fits.cached_fit(None, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    fits.cached_fit(None, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    assert len(calls) == 2


def test_nothing_kept_outside_a_processed_folder(tmp_path, scores):
    # crafted NotebookData in tests name "." as their processed folder: nothing is written there
    plain = tmp_path / "plain"
    plain.mkdir()
    calls: list = []
    fits.cached_fit(plain, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    fits.cached_fit(plain, "m", scores, None, {}, [sdq], lambda: mean_score(scores, calls))
    assert len(calls) == 2
    assert not (plain / fits.FOLDER).exists()


def test_only_the_newest_results_are_kept(tmp_path, scores):
    calls: list = []
    for k in range(fits.KEEP + 3):
        fits.cached_fit(tmp_path, "m", scores, None, {"k": k}, [sdq], lambda: mean_score(scores, calls))
    assert len(list((tmp_path / fits.FOLDER).glob("m_*.pkl"))) == fits.KEEP


def test_several_input_tables_each_count(scores):
    # page 03's paired change reads the attribute table too when it is broken down by an attribute
    attrs = pd.DataFrame({"child_id": ["a", "b", "c"], "cohort_group": ["In the cohort", "Everyone else", "Everyone else"]})
    key = fits.fit_key("m", [scores, attrs], None, {}, [sdq])
    assert key != fits.fit_key("m", [scores, None], None, {}, [sdq])
    assert key != fits.fit_key("m", scores, None, {}, [sdq])
    moved = attrs.assign(cohort_group=["Everyone else", "In the cohort", "Everyone else"])
    assert key != fits.fit_key("m", [scores, moved], None, {}, [sdq])
    assert key == fits.fit_key("m", [scores.copy(), attrs.copy()], None, {}, [sdq])
