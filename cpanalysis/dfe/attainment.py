"""Attainment of children looked after (strategy outcome O4) from the DfE "Outcomes for children in
need, including children looked after by local authorities" LA files.

Files: ``ks2_la.csv`` and ``ks4_la.csv`` (EES tidy format, academic-year ``time_period`` such as
``202425``, ``social_care_group`` in {CINO at 31 March, CLA 12 months at 31 March, CPPO at 31 March}).
Only the ``CLA 12 months at 31 March`` rows are mapped: children looked after continuously for at
least 12 months on 31 March of the academic year, the same cohort as the health outcomes. The
academic year 2024/25 is given ``period_end`` 31 March 2025, the date that defines the cohort.

The 903 holds no attainment, so these ids are registered in the catalogue here
(:data:`INDICATORS`), family ``attainment``, outcome ``O4``. An absence file (``absence_la.csv``)
is not yet mapped: its columns are not in the reference copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.dfe import tidy
from cpanalysis.dfe.ees import geography_codes
from cpanalysis.dfe.symbols import parse_values
from cpanalysis.errors import DfeDataError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import Indicator

CLA_GROUP = "CLA 12 months at 31 March"
_COHORT = (
    "Children looked after continuously for at least 12 months on 31 March of the academic year "
    "(DfE social_care_group 'CLA 12 months at 31 March'), in the key stage {ks} cohort"
)
_SOURCE = "EES Outcomes for children in need, including children looked after: {file}, {cols}"


@dataclass(frozen=True)
class AttainmentMeasure:
    """One attainment column group: ``kind`` percent (count over pupils) or mean (with n, CI)."""

    indicator_id: str
    file: str
    kind: str
    numerator: str
    denominator: str
    published: str
    lower: str | None = None
    upper: str | None = None


_KS2_SUBJECTS = {"read": "reading", "writta": "writing", "mat": "maths", "rwm": "rwm", "gps": "gps",
                 "scita": "science"}
_KS2_TITLES = {
    "read": "reading", "writta": "writing (teacher assessment)", "mat": "maths",
    "rwm": "reading, writing and maths combined", "gps": "grammar, punctuation and spelling",
    "scita": "science (teacher assessment)",
}

MEASURES: tuple[AttainmentMeasure, ...] = tuple(
    AttainmentMeasure(f"ks2_{name}_expected", "ks2_la.csv", "percent", f"t_{col}_met_expected_standard",
                      f"t_{col}_eligible_pupils", f"pt_{col}_met_expected_standard")
    for col, name in _KS2_SUBJECTS.items()
) + tuple(
    AttainmentMeasure(f"ks2_{name}_progress", "ks2_la.csv", "mean", "", f"t_{col}_progress_eligible_pupils",
                      f"avg_{col}_progress_score", f"avg_{col}_progress_score_lower_CI",
                      f"avg_{col}_progress_score_upper_CI")
    for col, name in (("read", "reading"), ("writta", "writing"), ("mat", "maths"))
) + (
    AttainmentMeasure("ks4_attainment8", "ks4_la.csv", "mean", "", "t_pupils", "avg_att8"),
    AttainmentMeasure("ks4_english_maths_grade5", "ks4_la.csv", "percent", "t_l2basics_95", "t_pupils",
                      "pt_l2basics_95"),
    AttainmentMeasure("ks4_english_maths_grade4", "ks4_la.csv", "percent", "t_l2basics_94", "t_pupils",
                      "pt_l2basics_94"),
    AttainmentMeasure("ks4_ebacc_entry", "ks4_la.csv", "percent", "t_ebacc_e_ptq_ee", "t_pupils",
                      "pt_ebacc_e_ptq_ee"),
    AttainmentMeasure("ks4_ebacc_aps", "ks4_la.csv", "mean", "", "t_pupils", "avg_ebaccaps"),
    AttainmentMeasure("ks4_progress8", "ks4_la.csv", "mean", "", "t_inp8calc", "avg_p8score",
                      "p8score_CI_low", "p8score_CI_upp"),
)
FILES = ("ks2_la.csv", "ks4_la.csv")


def _record(m: AttainmentMeasure) -> Indicator:
    ks = "2" if m.file.startswith("ks2") else "4"
    if m.indicator_id.startswith("ks2_") and m.indicator_id.endswith("_expected"):
        col = m.numerator[2:].split("_met")[0]
        title = f"Key stage 2: expected standard in {_KS2_TITLES[col]}"
        num, den = "Pupils meeting the expected standard", "Eligible pupils in the cohort"
    elif m.indicator_id.startswith("ks2_"):
        title = f"Key stage 2: average {m.indicator_id.split('_')[1]} progress score"
        num, den = "Sum of pupils' progress scores", "Pupils with a progress score (mean, DfE 95% CI)"
    else:
        title, num, den = {
            "ks4_attainment8": ("Key stage 4: average Attainment 8 score", "Sum of Attainment 8 scores",
                                "Pupils at the end of key stage 4 (mean)"),
            "ks4_english_maths_grade5": ("Key stage 4: grade 5 or above in English and maths",
                                         "Pupils with grade 5+ in English and maths", "Pupils at the end of key stage 4"),
            "ks4_english_maths_grade4": ("Key stage 4: grade 4 or above in English and maths",
                                         "Pupils with grade 4+ in English and maths", "Pupils at the end of key stage 4"),
            "ks4_ebacc_entry": ("Key stage 4: entered for the English Baccalaureate", "Pupils entering the EBacc",
                                "Pupils at the end of key stage 4"),
            "ks4_ebacc_aps": ("Key stage 4: average EBacc point score", "Sum of EBacc point scores",
                              "Pupils at the end of key stage 4 (mean)"),
            "ks4_progress8": ("Key stage 4: average Progress 8 score", "Sum of Progress 8 scores",
                              "Pupils with a Progress 8 score (mean, DfE 95% CI)"),
        }[m.indicator_id]
    cols = ", ".join(c for c in (m.numerator, m.denominator, m.published) if c)
    return Indicator(
        m.indicator_id, title, "attainment", "O4", "%" if m.kind == "percent" else "mean", "high_good",
        _COHORT.format(ks=ks), num, den, dfe_equivalent=_SOURCE.format(file=m.file, cols=cols),
    )


#: Catalogue records of the attainment ids (registered on import of this module).
INDICATORS: tuple[Indicator, ...] = tuple(_record(m) for m in MEASURES)
for _indicator in INDICATORS:
    if _indicator.id not in catalogue.CATALOGUE:
        catalogue.register(_indicator)


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
