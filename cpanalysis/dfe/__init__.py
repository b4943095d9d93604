"""National DfE statistics: EES and LAIT loaders, symbols, LA codes, regions, statistical neighbours,
attainment, and the download client.

Everything is mapped onto the catalogue's indicator ids as ``source="dfe"`` rows of the tidy
indicator table (``docs/architecture.md``), so comparing an authority with England, its region or
its neighbours is a join (:mod:`cpanalysis.compare`).

Modules: :mod:`~cpanalysis.dfe.symbols` (``c``, ``x``, ``z``, ``k``, ``low``, ``u``, LAIT ``-``),
:mod:`~cpanalysis.dfe.tidy` (rows and intervals), :mod:`~cpanalysis.dfe.ees` (EES CSVs, pre-2025 and
2025 layouts), :mod:`~cpanalysis.dfe.lait` (LAIT long store), :mod:`~cpanalysis.dfe.attainment`
(KS2/KS4 of the 12-month cohort), :mod:`~cpanalysis.dfe.areas` (codes, regions, boundary changes),
:mod:`~cpanalysis.dfe.neighbours`, :mod:`~cpanalysis.dfe.load` (:func:`load_dfe`),
:mod:`~cpanalysis.dfe.folders` (where the files are; what to say when they are not) and
:mod:`~cpanalysis.dfe.download` (``cpanalysis dfe download``).
"""

from __future__ import annotations

from cpanalysis.dfe.areas import (
    BOUNDARY_CHANGES,
    ENGLAND,
    REGIONS,
    area_name,
    find_la,
    geographic_level,
    la_codes,
    new_code,
    region_of,
)
from cpanalysis.dfe.folders import find_dfe_folder, national_files_help
from cpanalysis.dfe.load import load_dfe
from cpanalysis.dfe.neighbours import neighbour_table, statistical_neighbours
from cpanalysis.dfe.symbols import SYMBOLS, parse_values, symbol_reason
from cpanalysis.dfe.tidy import rounding_note

__all__ = [
    "BOUNDARY_CHANGES",
    "ENGLAND",
    "REGIONS",
    "SYMBOLS",
    "area_name",
    "find_dfe_folder",
    "find_la",
    "geographic_level",
    "la_codes",
    "load_dfe",
    "national_files_help",
    "neighbour_table",
    "new_code",
    "parse_values",
    "region_of",
    "rounding_note",
    "statistical_neighbours",
    "symbol_reason",
]
