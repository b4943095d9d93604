"""Rules applied outside validation, listed in the one rule book (:data:`RULES`).

Reading (``INGEST_*``, :mod:`cpanalysis.ingest`), cleaning (:mod:`cpanalysis.clean`), stitching
(:mod:`cpanalysis.stitch`: LIIA's episode repairs ``RULE_1``..``RULE_5`` as ``STITCH_*``, and DfE's
continuity rules 502/503) and building (:mod:`cpanalysis.build`) report issue rows too; their
rules are listed here so that ``cpanalysis validate --rules`` prints every rule the package
applies. Adding one is one :func:`book` line.
"""

from __future__ import annotations

from cpanalysis import clean, ingest, schema
from cpanalysis.validate.engine import EVERY_COLUMN, book

#: The fields of the ingest rules: whole files and rows (``*``), or the metadata column they set.
#: A rule added to ``ingest.INGEST_RULES`` without an entry here stops the import (KeyError).
INGEST_FIELDS: dict[str, tuple[str, ...]] = {
    "INGEST_YEAR": ("collection_year",),
    "INGEST_COLUMNS": (EVERY_COLUMN,),
    "INGEST_CELLS": (EVERY_COLUMN,),
    "INGEST_TIDY": (EVERY_COLUMN,),
    "INGEST_BLANK": ("source_row",),
    "INGEST_SHEET": ("source_file",),
    "INGEST_SPLIT": ("source_file",),
    "INGEST_EMPTY": ("source_file",),
    "INGEST_UNREAD": ("source_file",),
    "INGEST_LINES": ("source_row",),
    "INGEST_CORE": ("source_file",),
    "INGEST_XML": ("source_file",),
}

# Reading the files: ingest.INGEST_RULES is the list (a rule added there is in the book)
for _rule_id, (_severity, _text) in ingest.INGEST_RULES.items():
    book(_rule_id, "all", _severity, "ingest", _text[0].upper() + _text[1:] + ".", fields=INGEST_FIELDS[_rule_id])

#: Date columns without a DfE rule id of their own (the fields of DATE); every date (DATE_FORMAT).
_WITH_ID = set(clean.VALUE_RULES)
DATE_FIELDS = tuple(dict.fromkeys(c for name, spec in schema.TABLES.items() for c in spec.dates if (name, c) not in _WITH_ID))
# Every number column has its DfE id today (180, 181): NUMBER is the fallback for all of them.
NUMBER_FIELDS = tuple(dict.fromkeys([*(c for spec in schema.TABLES.values() for c in spec.integers), *sorted(clean.FLAG_COLUMNS)]))
ALL_DATES = tuple(dict.fromkeys(c for spec in schema.TABLES.values() for c in spec.dates))

# Cleaning (values that cannot be read; DfE ids where DfE has one, see clean.VALUE_RULES)
book("DATE", "all", "warning", "normalise", "A date that cannot be read (no DfE rule id for this column); treated as blank.",
     fields=DATE_FIELDS)
book("NUMBER", "all", "warning", "normalise", "A number that cannot be read (no DfE rule id for this column); treated as blank.",
     fields=NUMBER_FIELDS)
book("DATE_FORMAT", "all", "info", "normalise", "Dates written in another unambiguous form (yyyy-mm-dd, an Excel serial number) were converted.",
     fields=ALL_DATES)

# Stitching the returns into one history per child (LIIA's names in brackets)
book("STITCH_1", "episodes", "warning", "stitch", "(LIIA RULE_1) An open episode followed by one that does not start care: DEC = the next DECOM, REC = X1.",
     fields=("DEC", "REC", "DECOM", "RNE"))
book("STITCH_1A", "episodes", "warning", "stitch", "(LIIA RULE_1A) An open episode followed by one with RNE S: closed the day before it (or at its return's end), REC E99.",
     fields=("DEC", "REC", "DECOM", "RNE"))
book("STITCH_2", "episodes", "warning", "stitch", "(LIIA RULE_2) An open episode of a child absent from a later annual return: closed at its return's end, REC E99.",
     fields=("DEC", "REC"))
book("STITCH_2A", "episodes", "warning", "stitch", "An open episode of a child missing only from later in-year extracts is kept open.",
     fields=("DEC", "REC"))
book("STITCH_3", "episodes", "warning", "stitch", "(LIIA RULE_3) The same (child, DECOM) twice in one return: the row with a DEC, else the later row, is kept.",
     fields=("DECOM", "DEC"))
book("STITCH_3A", "episodes", "info", "stitch", "(LIIA RULE_3A) The same (child, DECOM) in several returns: the latest return's row is kept.",
     fields=("DECOM",))
book("STITCH_4", "episodes", "warning", "stitch", "(LIIA RULE_4) An episode ending after the next one starts: DEC = the next DECOM.",
     fields=("DEC", "DECOM"))
book("STITCH_5", "episodes", "warning", "stitch", "(LIIA RULE_5) An X1 episode ending before the next starts: the gap is closed, or REC E99 when the next is RNE S.",
     fields=("DEC", "REC", "DECOM", "RNE"))
book("STITCH_DECOM", "episodes", "error", "stitch", "An episode with no DECOM cannot be placed in a history and is removed.",
     fields=("DECOM",))
book("502", "episodes", "warning", "stitch", "DfE 502: an episode open at the end of a return is missing from the next return that holds the child; the later return wins.",
     fields=("DECOM", "DEC"))
book("503", "episodes", "warning", "stitch", "DfE 503A-J: an episode carried into a later return with a different RNE, LS, CIN, PLACE, provider or URN; the later value is used.",
     fields=("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "URN"))

# Building the processed tables
book("BUILD_GEOGRAPHY", "episodes", "info", "build", "The responsible authority or placement distances derived from postcodes (which postcodes the directory does not know).",
     fields=("HOME_POST", "PL_POST", "PL_DISTANCE", "PL_LA", "PL_LOCATION"))
