"""Inside a notebook kernel that runs several notebooks: put it back as it started, between them.

:func:`cpanalysis.pipeline.execute.execute_notebooks` runs each worker's notebooks one after the
other in one kernel (a kernel's start-up and the imports of pandas, matplotlib, scipy and the
package cost more CPU than most notebooks' own work). Before the kernel's first notebook the
runner calls :func:`remember`, and before each later one :func:`reset`, so that a notebook meets
the kernel as a fresh one would be:

* its variables, ``In``/``Out`` history and execution count (the first cell is ``In [1]``) are
  cleared by IPython's own ``reset``, as ``%reset -f`` does;
* the working folder is the notebook's;
* warnings filters are those the kernel started with, and warnings already shown are shown again
  (Python shows a warning once per place by default, so a second notebook would otherwise miss it);
* matplotlib's settings (``rcParams``) are matplotlib's defaults again;
* pandas' options are pandas' defaults again.

What stays is what a fresh kernel would load again the same way: imported modules and their
caches. A notebook that changes anything else process-wide (environment variables, ``sys.path``)
would change it for the notebooks after it in the same kernel; the report notebooks change none
of it, and ``tests/test_pipeline.py`` runs notebooks that change each item above and checks that
the next one sees a fresh kernel.

This module is imported in the kernel: it imports only the standard library at load.
"""

from __future__ import annotations

import os
import sys
import warnings

#: The warnings filters as the kernel started (ipykernel sets its own), set by :func:`remember`.
_START_FILTERS: list | None = None


def remember() -> None:
    """Record the kernel's starting state; called once, before the kernel's first notebook."""
    global _START_FILTERS
    _START_FILTERS = list(warnings.filters)


def reset(folder: str) -> None:
    """Make the kernel look fresh for the next notebook, started in ``folder``.

    Parameters
    ----------
    folder : str
        The next notebook's working folder (where a fresh kernel for it would have started).
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        # new_session: the history and the execution count start again (In [1])
        shell.reset(new_session=True)
    os.chdir(folder)
    if _START_FILTERS is not None:
        warnings.filters[:] = _START_FILTERS
    # Forget which warnings were shown already: every module's registry is checked against the
    # filters' version, which this bumps (the same call warnings.simplefilter makes).
    warnings._filters_mutated()  # noqa: SLF001 - the only way without adding a filter
    # (no figure is left open: the notebook backend closes each cell's figures once shown)
    if "matplotlib" in sys.modules:
        # the settings as read from matplotlib's own defaults at import (the backend is kept)
        sys.modules["matplotlib"].rc_file_defaults()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # resetting deprecated options warns
            sys.modules["pandas"].reset_option("all")
