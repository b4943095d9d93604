"""cpanalysis: evidence for a Corporate Parenting Strategy from SSDA903 returns.

The library reads an authority's SSDA903 extracts (children looked after and care leavers),
validates and stitches them into one history per child, computes the Department for
Education's indicators at any period end, and compares them with England, the region and
statistical neighbours. Notebooks in ``notebooks/`` only load, call and show.
"""

__version__ = "0.1.0"
