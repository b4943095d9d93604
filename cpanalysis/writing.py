"""Where outputs go and how their cells are written.

Every command that writes (``validate``, ``build``, ``demo``, ``indicators``, ``run``) checks its
output place first, so an unwritable ``--out`` is one plain message and exit code 2 before
minutes of work, never a traceback at the end. Every CSV and workbook the package writes for
readers goes through :func:`write_csv` / :func:`excel_cell`, so text from the data or the
parameters that a spreadsheet would run as a formula is written inert.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import html
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from cpanalysis.errors import ParameterError


def writable_folder(folder: str | Path, option: str = "--out") -> Path:
    """``folder`` after checking that it can be made and written to; nothing is created.

    The check writes and removes a probe file in the folder, or in its nearest existing parent
    when the folder does not exist yet (so a refused run leaves no empty folder behind).

    Parameters
    ----------
    folder : path
        The output folder.
    option : str; default "--out"
        How the message names the option the user gave.

    Returns
    -------
    Path

    Raises
    ------
    ParameterError
        When the folder cannot be created or written to (a file in its place or above it, no
        permission, a read-only disk).
    """
    path = Path(folder)
    existing = path.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
        handle, probe = tempfile.mkstemp(prefix=".cpanalysis-write-check-", dir=existing)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ParameterError(f"{option} {path}: cannot write there ({reason}). Give a folder you can write to.") from None
    return path


def writable_file(file: str | Path, option: str = "--out") -> Path:
    """``file`` when its folder is writable and it is not itself a folder (see :func:`writable_folder`)."""
    path = Path(file)
    if path.is_dir():
        raise ParameterError(f"{option} {path}: is a folder; give the name of the file to write.")
    writable_folder(path.parent, option)
    return path


# ---------------------------------------------------------------------------------------------
# Cells a spreadsheet would run (OWASP "CSV injection")
# ---------------------------------------------------------------------------------------------
#: A text cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe.

    OWASP's CSV-injection guidance: a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return is prefixed with ``'``. Only text is touched, and text that reads as a
    number (``-1.5``, a negative change) stays as it is; anything else is returned unchanged.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-1.5"), neutralise(-2), neutralise("c")
    ('-1.5', -2, 'c')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def restore(value: object) -> object:
    """The text :func:`neutralise` was given (reading back a file this package wrote)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through :func:`neutralise` (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **options) -> Path:
    """Write ``frame`` as UTF-8 CSV with Unix line endings, formula-like text made inert."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n", **options)
    return path


def excel_cell(sheet, value: object):
    """A write-only worksheet cell for ``value``; text that looks like a formula stays text.

    openpyxl stores any string starting with ``=`` as a formula. Such text, and text starting
    with the other characters of :data:`FORMULA_STARTS`, is written as a string cell with
    Excel's "quote prefix" (what typing an apostrophe first does): shown as typed, never run.
    """
    from openpyxl.cell import WriteOnlyCell

    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


# ---------------------------------------------------------------------------------------------
# Text from the data or the parameters inside Markdown (rendered to HTML in the report pages)
# ---------------------------------------------------------------------------------------------
_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]#|"})


def markdown_text(value: object) -> str:
    """``value`` as literal text inside a Markdown sentence: no HTML, no Markdown formatting.

    A return folder named ``<img src=x onerror=...>`` or a question with ``<script>`` is shown as
    typed: ``<``, ``>`` and ``&`` become HTML entities (Markdown passes raw HTML through) and the
    Markdown punctuation that would start emphasis, links, code or tables is backslash-escaped.

    Examples
    --------
    >>> markdown_text("<script>x</script> *a*")
    '&lt;script&gt;x&lt;/script&gt; \\\\*a\\\\*'
    """
    return html.escape(str(value), quote=False).translate(_MARKDOWN_SPECIALS)


# ---------------------------------------------------------------------------------------------
# One run at a time per output folder, and a pack that appears whole or not at all
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def folder_lock(folder: str | Path, option: str = "--out") -> Iterator[None]:
    """Hold an exclusive lock on an output folder for the length of a run.

    The lock file lives in the system's temporary folder, named by a hash of the folder's absolute
    path, so a refused run creates nothing in or beside the folder. A second run on the same
    folder is refused at once, never queued: two runs (say an internal one over an external pack)
    would otherwise mix their files.

    Raises
    ------
    ParameterError
        When another run holds the lock.
    """
    path = Path(folder).resolve()
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:20]
    lock = Path(tempfile.gettempdir()) / "cpanalysis-locks" / f"{digest}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ParameterError(f"{option} {folder}: another cpanalysis run is writing there; wait for it to "
                                 "finish or give another folder") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def staging_folder(final: str | Path) -> Path:
    """An empty folder beside ``final`` to write into (``.<name>.partial``; a stale one is removed)."""
    final = Path(final)
    staging = final.parent / f".{final.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def move_into_place(staging: str | Path, final: str | Path) -> Path:
    """Replace ``final`` by the finished ``staging`` folder (two renames on one file system).

    The previous pack is renamed aside first and removed last, so at no moment does ``final``
    hold a mixture of the two runs' files.
    """
    staging, final = Path(staging), Path(final)
    old = final.parent / f".{final.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final
