"""Attainment of children looked after (strategy outcome O4) from the DfE "Outcomes for children in
need, including children looked after by local authorities" LA files.

Files: ``ks2_la.csv`` and ``ks4_la.csv`` (EES tidy format, academic-year ``time_period`` such as
``202425``, ``social_care_group`` in {CINO at 31 March, CLA 12 months at 31 March, CPPO at 31 March}).
Only the ``CLA 12 months at 31 March`` rows are mapped: children looked after continuously for at
least 12 months on 31 March of the academic year, the same cohort as the health outcomes. The
academic year 2024/25 is given ``period_end`` 31 March 2025, the date that defines the cohort.

The 903 holds no attainment; the ids' records (family ``attainment``, outcome ``O4``) are
declared with the catalogue, in :mod:`cpanalysis.indicators.beyond_903`, which also names the
columns read (:data:`MEASURES`). An absence file (``absence_la.csv``)
is not yet mapped: its columns are not in the reference copies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.dfe import tidy
from cpanalysis.dfe.ees import geography_codes
from cpanalysis.dfe.symbols import parse_values
from cpanalysis.errors import DfeDataError
from cpanalysis.indicators.beyond_903 import ATTAINMENT as INDICATORS
from cpanalysis.indicators.beyond_903 import ATTAINMENT_FILES as FILES
from cpanalysis.indicators.beyond_903 import CLA_GROUP, MEASURES, AttainmentMeasure

__all__ = ["CLA_GROUP", "FILES", "INDICATORS", "MEASURES", "AttainmentMeasure", "load_file"]


def load_file(path: str | Path, recompute_la: bool = True) -> pd.DataFrame:
    """Tidy rows (``source="dfe"``) for the CLA 12-month cohort in ``ks2_la.csv`` or ``ks4_la.csv``.

    Parameters
    ----------
    path : path
        The file; its name says which key stage (``ks2_la.csv`` / ``ks4_la.csv``).
    recompute_la : bool; default True
        Recompute authorities' percentages from their unrounded counts.

    Returns
    -------
    DataFrame
        ``TIDY_COLUMNS`` rows; means carry DfE's 95% confidence limits where published.

    Raises
    ------
    DfeDataError
        Unknown file name, missing columns, or an unknown symbol.
    """
    path = Path(path)
    measures = [m for m in MEASURES if m.file == path.name.lower()]
    if not measures:
        raise DfeDataError(f"{path}: not an attainment file this package reads ({', '.join(FILES)}).")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    needed = {"time_period", "geographic_level", "social_care_group"} | {
        c for m in measures for c in (m.numerator, m.denominator, m.published, m.lower, m.upper) if c}
    missing = sorted(needed - set(raw.columns))
    if missing:
        raise DfeDataError(f"{path}: missing columns {', '.join(missing)}.")
    if not raw["time_period"].str.fullmatch(r"\d{6}").all():
        raise DfeDataError(f"{path}: time_period must be an academic year such as 202425.")
    raw = raw[raw["social_care_group"] == CLA_GROUP].reset_index(drop=True)
    keys = pd.DataFrame({"year": raw["time_period"].str[:4].astype(int) + 1})
    keys["period_end"] = tidy.period_end_of(keys["year"]).to_numpy()
    keys["geography"] = geography_codes(raw, path)

    def col(name: str | None) -> tuple[np.ndarray, np.ndarray]:
        if not name:
            return np.full(len(raw), np.nan), np.full(len(raw), "", dtype=object)
        return parse_values(raw[name], str(path), name)

    frames = []
    for m in measures:
        den, den_symbol = col(m.denominator)
        pub, pub_symbol = col(m.published)
        if m.kind == "percent":
            num, num_symbol = col(m.numerator)
            frames.append(tidy.percent_rows(keys, m.indicator_id, num, num_symbol, den, den_symbol, pub,
                                            pub_symbol, recompute_la=recompute_la))
        else:
            lower, _ = col(m.lower)
            upper, _ = col(m.upper)
            frames.append(tidy.mean_rows(keys, m.indicator_id, pub, pub_symbol, den, lower, upper))
    return pd.concat(frames, ignore_index=True)


def vintage(path: str | Path) -> int:
    """Latest year (ending 31 March) in an attainment file."""
    years = pd.read_csv(path, dtype=str, usecols=["time_period"], encoding="utf-8-sig")["time_period"]
    return int(years.str[:4].astype(int).max()) + 1
