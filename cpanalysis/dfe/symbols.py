"""DfE's symbols for values that are not published, read as typed missing values.

EES underlying data never leaves an indicator cell blank: a cell that has no number holds a
symbol saying why (DfE open data standards; ``docs/dfe_statistics.md`` §3 and §4a).
LAIT shows every non-value as ``-``. A symbol is never read as 0: the value becomes NaN and the
symbol is kept beside it (the tidy table's ``suppressed`` column) so reports can say why.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cpanalysis.errors import DfeDataError

#: Every symbol the loaders accept, with the reason DfE gives for it.
SYMBOLS: dict[str, str] = {
    "c": "suppressed to protect confidentiality",
    "x": "not available",
    "z": "not applicable",
    "k": "a non-zero value that rounds to 0 (for a percentage, under 0.5%)",
    "low": "a non-zero value that rounds to 0",
    "u": "low reliability",
    "-": "missing or suppressed in LAIT (the store does not say which)",
}
#: Symbols that stand for a real but hidden small number (as opposed to "no such value").
HIDDEN_VALUE_SYMBOLS = frozenset({"c", "k", "low", "-"})

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def symbol_reason(symbol: str) -> str:
    """Plain-English reason for a DfE symbol (``""`` for an empty symbol).

    Examples
    --------
    >>> symbol_reason("c")
    'suppressed to protect confidentiality'
    """
    if not symbol:
        return ""
    return SYMBOLS.get(symbol, f"not published (symbol {symbol!r})")


def parse_values(values: pd.Series, file: str = "", column: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Split a column of published strings into numbers and symbols.

    Parameters
    ----------
    values : pandas Series of str
        Cells as read from the file (strings; blanks allowed only as ``""``/NaN).
    file, column : str; default ""
        Named in the error message when a cell is neither a number nor a known symbol.

    Returns
    -------
    (numbers, symbols) : tuple of numpy arrays
        ``numbers`` is float with NaN wherever the cell held a symbol; ``symbols`` is ``""`` where
        the cell held a number, otherwise the symbol (lower case). A blank cell is read as ``"x"``
        (not available): EES forbids blanks, so a blank means the value was never supplied.

    Raises
    ------
    DfeDataError
        A cell holds text that is neither a number nor one of :data:`SYMBOLS`.

    Examples
    --------
    >>> n, s = parse_values(pd.Series(["12", "c", "0", "7.0E-2"]))
    >>> n.tolist(), s.tolist()
    ([12.0, nan, 0.0, 0.07], ['', 'c', '', ''])
    """
    text = pd.Series(values, copy=False).astype("string").fillna("").str.strip()
    is_number = text.str.fullmatch(_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    numbers = np.full(len(text), np.nan)
    numbers[is_number] = text[is_number].astype(float).to_numpy()
    lowered = text.str.lower().to_numpy(dtype=object)
    symbols = np.where(is_number, "", np.where(lowered == "", "x", lowered)).astype(object)
    unknown = ~is_number & ~pd.Series(symbols).isin(list(SYMBOLS)).to_numpy()
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        where = f"{file}: " if file else ""
        where += f"column {column!r}, " if column else ""
        raise DfeDataError(
            f"{where}data row {i + 1} holds {text.iloc[i]!r}, which is neither a number nor a DfE symbol "
            f"({', '.join(SYMBOLS)})."
        )
    return numbers, symbols


def first_symbol(*symbols: np.ndarray) -> np.ndarray:
    """Element-wise first non-empty symbol, ``"c"`` taking precedence (confidentiality wins).

    Used when a value is built from several published cells (a sum of two categories, a
    percentage from a numerator and a denominator): the result is missing for the reason of
    whichever part is missing.
    """
    stacked = np.vstack([np.asarray(s, dtype=object) for s in symbols])
    out = np.full(stacked.shape[1], "", dtype=object)
    for row in stacked:
        out = np.where((out == "") & (row != ""), row, out)
    any_c = (stacked == "c").any(axis=0)
    return np.where(any_c, "c", out)
