"""One pipeline run per audience on the hand-made fixture returns, shared by the output checks.

``tests/test_browser.py`` and ``tests/test_no_child_ids.py`` both need a complete report pack;
running every notebook takes most of a minute, so each audience is run once per test session
and the result reused (a module-level cache: a fixture imported into two test modules would
otherwise run twice).

The fixture's CHILD ids (``1001`` ... ``1007``, ``0042``) are also DfE validation rule numbers
(rule 1001, 1002 ...) that the data-quality report legitimately prints, so a leak check on them
would be meaningless. The copy used here renames every CHILD id to a distinctive value of the
same kind (numeric-looking, one with leading zeros) that cannot occur in a report by chance;
nothing else in the returns changes, so the fixture's hand-checked figures still hold.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpanalysis.pipeline.run import RunResult
from cpanalysis.pipeline.run import run as run_pipeline

GOOD = Path(__file__).parent / "fixtures" / "good"
LA = "E10000018"
#: Fixture CHILD id -> the id written into the copy. Numeric-looking on purpose (authorities' ids
#: usually are) and one with leading zeros, which a numeric round trip would strip.
RENAMED_IDS = {
    "1001": "7306481",
    "1002": "7306492",
    "1003": "7306503",
    "0042": "0058217",
    "1005": "7306525",
    "1006": "7306536",
    "1007": "7306547",
}


@dataclass(frozen=True)
class FixturePack:
    """A finished run: its project folder, the result and the CHILD ids of its input."""

    root: Path
    result: RunResult
    child_ids: frozenset[str]


_PACKS: dict[str, FixturePack] = {}


def write_renamed_returns(target: Path) -> frozenset[str]:
    """Copy the fixture returns to ``target`` with every CHILD id renamed (:data:`RENAMED_IDS`).

    Returns
    -------
    frozenset of str
        The CHILD ids found in the written files (to check every one was renamed).
    """
    shutil.copytree(GOOD, target, ignore=shutil.ignore_patterns("*.md"))
    seen: set[str] = set()
    for path in sorted(target.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        if not rows or "CHILD" not in rows[0]:
            continue
        column = rows[0].index("CHILD")
        for row in rows[1:]:
            row[column] = RENAMED_IDS[row[column]]  # KeyError: a new fixture child needs a new id
            seen.add(row[column])
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return frozenset(seen)


def fixture_pack(tmp_path_factory: pytest.TempPathFactory, audience: str) -> FixturePack:
    """The report pack of every notebook in ``notebooks/`` for ``audience`` (run once per session).

    Both audiences share one project folder, so the returns are built once. National DfE files
    are deliberately absent (a fresh clone's case): every national section must then explain how
    to get them, and the run stays fast.
    """
    if audience in _PACKS:
        return _PACKS[audience]
    if _PACKS:
        root = next(iter(_PACKS.values())).root
        ids = next(iter(_PACKS.values())).child_ids
    else:
        root = tmp_path_factory.mktemp("pack")
        ids = write_renamed_returns(root / "data" / "raw" / "903")
    result = run_pipeline(data=root / "data" / "raw" / "903", dfe=root / "no_dfe", la_code=LA,
                          audience=audience, out=root / f"reports_{audience}", progress=None)
    _PACKS[audience] = FixturePack(root, result, ids)
    return _PACKS[audience]
