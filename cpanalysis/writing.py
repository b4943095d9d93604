"""Where outputs go: folders checked before any work is done.

Every command that writes (``validate``, ``build``, ``demo``, ``indicators``, ``run``) checks its
output place first, so an unwritable ``--out`` is one plain message and exit code 2 before
minutes of work, never a traceback at the end.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

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
