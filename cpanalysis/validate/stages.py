"""Rules applied outside validation, listed in the one rule book (:data:`RULES`).

Reading (``INGEST_*``, :mod:`cpanalysis.ingest`), cleaning (:mod:`cpanalysis.clean`), stitching
(:mod:`cpanalysis.stitch`: LIIA's episode repairs ``RULE_1``..``RULE_5`` as ``STITCH_*``, and DfE's
continuity rules 502/503) and building (:mod:`cpanalysis.build`) report issue rows too; their
rules are listed here so that ``cpanalysis validate --rules`` prints every rule the package
applies. Adding one is one :func:`book` line.
"""

from __future__ import annotations

from cpanalysis import ingest
from cpanalysis.validate.engine import book

# Reading the files: ingest.INGEST_RULES is the list (a rule added there is in the book)
for _rule_id, (_severity, _text) in ingest.INGEST_RULES.items():
    book(_rule_id, "all", _severity, "ingest", _text[0].upper() + _text[1:] + ".")

# Cleaning (values that cannot be read; DfE ids where DfE has one, see clean.VALUE_RULES)
book("DATE", "all", "warning", "normalise", "A date that cannot be read (no DfE rule id for this column); treated as blank.")
book("NUMBER", "all", "warning", "normalise", "A number that cannot be read (no DfE rule id for this column); treated as blank.")
book("DATE_FORMAT", "all", "info", "normalise", "Dates written in another unambiguous form (yyyy-mm-dd, an Excel serial number) were converted.")

# Stitching the returns into one history per child (LIIA's names in brackets)
book("STITCH_1", "episodes", "warning", "stitch", "(LIIA RULE_1) An open episode followed by one that does not start care: DEC = the next DECOM, REC = X1.")
book("STITCH_1A", "episodes", "warning", "stitch", "(LIIA RULE_1A) An open episode followed by one with RNE S: closed the day before it (or at its return's end), REC E99.")
book("STITCH_2", "episodes", "warning", "stitch", "(LIIA RULE_2) An open episode of a child absent from a later annual return: closed at its return's end, REC E99.")
book("STITCH_2A", "episodes", "warning", "stitch", "An open episode of a child missing only from later in-year extracts is kept open.")
book("STITCH_3", "episodes", "warning", "stitch", "(LIIA RULE_3) The same (child, DECOM) twice in one return: the row with a DEC, else the later row, is kept.")
book("STITCH_3A", "episodes", "info", "stitch", "(LIIA RULE_3A) The same (child, DECOM) in several returns: the latest return's row is kept.")
book("STITCH_4", "episodes", "warning", "stitch", "(LIIA RULE_4) An episode ending after the next one starts: DEC = the next DECOM.")
book("STITCH_5", "episodes", "warning", "stitch", "(LIIA RULE_5) An X1 episode ending before the next starts: the gap is closed, or REC E99 when the next is RNE S.")
book("STITCH_DECOM", "episodes", "error", "stitch", "An episode with no DECOM cannot be placed in a history and is removed.")
book("502", "episodes", "warning", "stitch", "DfE 502: an episode open at the end of a return is missing from the next return that holds the child; the later return wins.")
book("503", "episodes", "warning", "stitch", "DfE 503A-J: an episode carried into a later return with a different RNE, LS, CIN, PLACE, provider or URN; the later value is used.")

# Building the processed tables
book("BUILD_GEOGRAPHY", "episodes", "info", "build", "The responsible authority or placement distances derived from postcodes (which postcodes the directory does not know).")
