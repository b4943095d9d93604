"""The package's settings, named once: England's code, the default authority, the small-number
rules and the project's folders.

Every module reads these names instead of repeating the literal; the notebooks' ``parameters``
cells keep their literals (papermill replaces them), and the CLI's defaults come from here.
This module imports nothing from the package, so anything may import it.
"""

from __future__ import annotations

from pathlib import Path

#: ONS code of England (the country row of every DfE file).
ENGLAND_CODE = "E92000001"
#: The authority a run reports on when none is given: Leicestershire, the demo authority's code.
DEFAULT_LA_CODE = "E10000018"

#: Counts of 1 to this many children are hidden from an external audience (DfE's "[c]").
SUPPRESSION_THRESHOLD = 5
#: No statistic or comparison is computed on fewer children than this (``docs/methods.md`` §4.2).
MIN_CHILDREN = 10

#: The project's folders, relative to the project root.
RAW_DIR = Path("data") / "raw"
#: The authority's own returns.
AUTHORITY_DIR = RAW_DIR / "903"
#: Where ``cpanalysis demo`` and ``make report`` write the synthetic authority.
DEMO_DIR = RAW_DIR / "demo"
#: The file beside the demo's returns saying they are synthetic (its first line goes on every page);
#: named here so the runner can look for it without importing the simulation.
SYNTHETIC_NOTICE_FILE = "SYNTHETIC_DATA.txt"
#: Where ``cpanalysis dfe download`` writes DfE's published files.
DFE_DIR = RAW_DIR / "dfe"
#: DfE's files beside the project (development machines), looked for after ``DFE_DIR``.
SHARED_DFE_DIR = Path("..") / "shared" / "dfe"
#: Where ``cpanalysis build`` writes the processed tables.
PROCESSED_DIR = Path("data") / "processed"
#: Where ``cpanalysis run`` writes the report packs.
REPORTS_DIR = Path("reports")


def user_cache_dir() -> Path | None:
    """This user's cache folder for derived copies of public reference data, or ``None``.

    Only public data goes here (today the compact ONS postcode index of :mod:`cpanalysis.geography`),
    never anything read from a return. ``CPANALYSIS_CACHE_DIR`` chooses the folder; set to an
    empty string it turns the cache off. Otherwise the platform's usual place:
    ``%LOCALAPPDATA%\\cpanalysis\\Cache`` on Windows, ``~/Library/Caches/cpanalysis`` on macOS,
    ``$XDG_CACHE_HOME/cpanalysis`` (default ``~/.cache/cpanalysis``) elsewhere.
    """
    import os
    import sys

    chosen = os.environ.get("CPANALYSIS_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    try:
        if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
            return Path(os.environ["LOCALAPPDATA"]) / "cpanalysis" / "Cache"
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches" / "cpanalysis"
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except RuntimeError:  # no home directory (some service accounts)
        return None
    return Path(base) / "cpanalysis"
