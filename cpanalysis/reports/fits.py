"""Statistical fits cached beside the processed tables, keyed on everything their result depends on.

A warm ``cpanalysis run`` (the same returns, the same parameters) fitted the same models again in
every kernel: page 03's mixed model of SDQ trajectories alone was about 2 s of CPU. A fit is
kept as a small pickle in ``<processed>/fits/`` (beside the processed tables and the indicator
cache: it is derived from child-level data, so it stays where they are, never in ``reports/``),
named by a SHA-256 of

* the exact input frame (column names, dtypes and every value, :func:`pandas.util.hash_pandas_object`),
* the children chosen (the resolved cohort, sorted ids; ``None`` for everyone),
* the fit's parameters (``repr`` of each, in name order),
* the source code of the modules that compute it (so an edited method misses the cache even
  when the package version is unchanged), the package version and the versions of pandas, numpy,
  scipy and statsmodels.

Any change to one of them gives another name, so a changed input can never be served an old
result. A file that cannot be read is ignored and the fit computed again; a folder that cannot
be written only costs the saving. Each fit keeps its :data:`KEEP` newest results.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import os
import pickle
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd

from cpanalysis import __version__

#: Results kept per fit name (older ones are deleted as new ones are written).
KEEP = 8
#: The folder of the cache, under the processed tables' folder.
FOLDER = "fits"
#: Packages whose versions are part of every key.
PACKAGES = ("pandas", "numpy", "scipy", "statsmodels")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _frame_digest(frame: pd.DataFrame | Sequence[pd.DataFrame | None] | None) -> bytes:
    digest = hashlib.sha256()
    if frame is None or not isinstance(frame, pd.DataFrame):  # several input tables (or none)
        digest.update(repr(None if frame is None else len(frame)).encode())
        for part in frame or ():
            digest.update(_frame_digest(part))
        return digest.digest()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(repr(len(frame)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.digest()


def fit_key(name: str, frame: pd.DataFrame | Sequence[pd.DataFrame | None], children: Collection[str] | None, parameters: Mapping[str, object],
            modules: Collection[ModuleType]) -> str:
    """The cache key of a fit (module docstring): a hex SHA-256.

    Parameters
    ----------
    name : str
        The fit (``"sdq_trajectory"``).
    frame : DataFrame or sequence of DataFrame
        The fit's input table, before the cohort is applied (several tables: each is hashed in
        turn; ``None`` in the sequence stands for a table not used).
    children : collection of str or None
        The children chosen (``None``: everyone).
    parameters : mapping
        Every other argument the result depends on.
    modules : collection of module
        The modules whose code computes the result.
    """
    digest = hashlib.sha256()
    digest.update(name.encode())
    digest.update(_frame_digest(frame))
    ids = None if children is None else sorted(str(c) for c in children)
    digest.update(repr(ids).encode())
    digest.update(repr(sorted((str(k), repr(v)) for k, v in parameters.items())).encode())
    for module in modules:
        digest.update(inspect.getsource(module).encode())
    digest.update(repr([__version__, *(_version(p) for p in PACKAGES)]).encode())
    return digest.hexdigest()


def cached_fit(folder: str | Path | None, name: str, frame: pd.DataFrame | Sequence[pd.DataFrame | None],
               children: Collection[str] | None,
               parameters: Mapping[str, object], modules: Collection[ModuleType],
               compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()``, or its result saved by an earlier call with the same key (:func:`fit_key`).

    Parameters
    ----------
    folder : path or None
        The processed tables' folder (``NotebookData.processed_dir``, holding the build's
        ``manifest.json``); ``None``, or a folder without that manifest, computes without a cache.
    name, frame, children, parameters, modules
        See :func:`fit_key`: everything ``compute``'s result depends on.
    compute : callable
        Makes the result (a DataFrame) from those inputs.

    Returns
    -------
    DataFrame
        Exactly what ``compute()`` returned (the pickle keeps dtypes and values).
    """
    if folder is None or not (Path(folder) / "manifest.json").is_file():
        return compute()  # not a processed tables' folder (a crafted NotebookData): nothing kept
    cache = Path(folder) / FOLDER
    path = cache / f"{name}_{fit_key(name, frame, children, parameters, modules)}.pkl"
    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)  # written by this function, beside the processed tables
        if isinstance(saved, pd.DataFrame):
            return saved
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        pass  # missing or unreadable: computed again
    result = compute()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        with open(partial, "wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # two kernels writing the same fit: each file is whole
        older = sorted(cache.glob(f"{name}_*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]
        for stale in older:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder: the result is still right, only not kept
    return result
