"""Where the national (DfE) files are, and what to tell the analyst when they are not there.

The package ships a compact snapshot of DfE's published figures
(:mod:`cpanalysis.dfe.snapshot`), so a fresh clone compares with England, regions and neighbours.
Folders are looked for in this order: the folder named by the ``CPANALYSIS_DFE_DIR`` environment
variable, ``data/raw/dfe`` (where ``cpanalysis dfe download`` writes), ``../shared/dfe`` (beside the
project, as on the development machines), and last the shipped snapshot. The reports then use
whichever of the first folder found and the snapshot holds the later year
(:func:`cpanalysis.reports.loading.load_national`). Only when the snapshot has been removed too do
the national sections print :func:`national_files_help` instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from cpanalysis.config import DFE_DIR, SHARED_DFE_DIR
from cpanalysis.dfe import snapshot
from cpanalysis.errors import DfeDataError

#: Environment variable naming the folder of national files.
ENV_VAR = "CPANALYSIS_DFE_DIR"
#: Default place ``cpanalysis dfe download`` writes to.
DEFAULT_OUT = DFE_DIR

#: File names that mark a folder as holding national files (any one is enough).
MARKER_FILES = (
    "cla_number_and_rate_per_10k_children.csv",
    "la_cla_placement_stability.csv",
    "la_conviction_health_outcome_cla.csv",
    "la_care_leavers_activity.csv",
    "bds_long_0.parquet",
)


def default_candidates() -> list[Path]:
    """Folders searched when none is given (see the module docstring for the order)."""
    out = []
    if os.environ.get(ENV_VAR):
        out.append(Path(os.environ[ENV_VAR]))
    out += [DEFAULT_OUT, SHARED_DFE_DIR, snapshot.SNAPSHOT_DIR]
    return out


def has_national_files(folder: Path) -> bool:
    """Whether ``folder`` is a snapshot or (searched recursively) holds at least one recognised DfE file."""
    if not folder.is_dir():
        return False
    if snapshot.is_snapshot(folder):
        return True
    return any(next(folder.rglob(name), None) is not None for name in MARKER_FILES)


def find_dfe_folder(candidates: Iterable[str | Path] | None = None) -> Path | None:
    """The first candidate folder that holds national files, or None.

    Parameters
    ----------
    candidates : iterable of paths or None; default None
        Folders to try in order; None uses :func:`default_candidates`.

    Returns
    -------
    Path or None
        None when no candidate holds a recognised file (show :func:`national_files_help`).
    """
    for candidate in default_candidates() if candidates is None else candidates:
        path = Path(candidate)
        if has_national_files(path):
            return path
    return None


def national_files_help(out: str | Path = DEFAULT_OUT) -> str:
    """Plain-English instructions for getting the national files (for reports and errors)."""
    return (
        "The national DfE statistics (England, regions, statistical neighbours) are not on this "
        f"machine. To add them, run `cpanalysis dfe download --out {out}` on a computer with "
        "internet access, or download the files by hand: from Explore Education Statistics "
        "(https://explore-education-statistics.service.gov.uk/find-statistics/"
        "children-looked-after-in-england-including-adoptions, 'Download all data') save the CSVs "
        "cla_number_and_rate_per_10k_children.csv, la_cla_placement_stability.csv, "
        "la_conviction_health_outcome_cla.csv, la_care_leavers_activity.csv, "
        "la_care_leavers_accommodation_suitability.csv and la_cla_during_year_new_placements.csv, "
        f"and put them in {out}. `cpanalysis dfe list` shows every file with its web address. "
        f"Or set {ENV_VAR} to a folder that already holds them."
    )


def resolve_folder(folder: str | Path | None) -> Path:
    """``folder`` as a Path, or the first default candidate holding national files.

    Raises
    ------
    DfeDataError
        If ``folder`` is None and no default candidate holds national files, or ``folder`` does
        not exist; the message says how to get the files.
    """
    if folder is None:
        found = find_dfe_folder()
        if found is None:
            raise DfeDataError(national_files_help())
        return found
    path = Path(folder)
    if not path.is_dir():
        raise DfeDataError(f"{path}: folder of national DfE files not found. " + national_files_help())
    return path
