"""Shared fixtures: paths to the published DfE files and small helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: The real DfE files live beside the project (never copied into it).
SHARED_DFE = ROOT.parent / "shared" / "dfe"


@pytest.fixture(scope="session")
def shared_dfe() -> Path:
    """Path to ``../shared/dfe``; skips the test with a reason when it is absent."""
    if not SHARED_DFE.is_dir():
        pytest.skip(
            f"published DfE files not found at {SHARED_DFE} (a fresh clone has none; "
            "CI and developers have ../shared/dfe beside the project)"
        )
    return SHARED_DFE


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default demo authority's folder (``903/``, ``population.csv`` ...), generated once per
    test session and shared read-only: tests that change returns copy them first."""
    from cpanalysis import synth

    root = tmp_path_factory.mktemp("default_demo") / "demo"
    synth.generate(root)
    return root
