"""The package's documented exceptions.

Every problem a user can cause (a file that cannot be read, a folder with no returns, a bad
parameter) raises a subclass of :class:`CpanalysisError` with a plain-English message that names
the file, row, column and rule where they apply. The command line prints the message and exits
with code 2; it never shows a traceback for these.
"""

from __future__ import annotations


class CpanalysisError(Exception):
    """Base class of every error the package raises on purpose."""

    exit_code = 2


class InputFileError(CpanalysisError):
    """A file cannot be read as an SSDA903 table (empty, wrong encoding, unknown header...)."""

    def __init__(self, file: str, problem: str, expected: str = "") -> None:
        self.file = file
        self.problem = problem
        self.expected = expected
        message = f"{file}: {problem}"
        if expected:
            message += f" Expected {expected}"
        super().__init__(message)


class NoReturnsError(CpanalysisError):
    """A folder holds no readable SSDA903 return."""


class ParameterError(CpanalysisError):
    """A function or command was given a value it cannot use."""


class InsufficientDataError(CpanalysisError):
    """Too few children to produce a statistic that would not mislead."""


class DfeDataError(CpanalysisError):
    """A published DfE file (EES CSV, LAIT store, neighbour list) cannot be read or is not as expected."""


class DownloadError(CpanalysisError):
    """National files could not be downloaded; the message says how to get them by hand."""
