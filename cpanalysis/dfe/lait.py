"""Loader for the DfE Local Authority Interactive Tool (LAIT) long data store.

LAIT's ``bds_long_0.parquet`` is the longest authority-level series (2015/16-2025, plus 2015 in the
April 2025 store) but holds only headline values: columns ``Short Desc`` (measure key), ``Data
item``, ``Years``, ``LA and Regions``, ``Values`` (strings; ``-`` = missing or suppressed), ``LA
Number`` (old LA code; 970 England, 980-990 regions) and ``Region``
(``docs/dfe_statistics.md`` §1b). Only measures whose definition matches a catalogue
indicator are mapped (:data:`MEASURES`); LAIT's ``NoCareLeavers`` (19-21 cohort excluding those
abroad) is deliberately not mapped to ``care_leavers_cohort`` (which counts all of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis.dfe import tidy
from cpanalysis.dfe.areas import LAIT_AREA_CODES, la_codes
from cpanalysis.dfe.symbols import parse_values
from cpanalysis.errors import DfeDataError

COLUMNS = ("Short Desc", "Years", "Values", "LA Number")


@dataclass(frozen=True)
class LaitMeasure:
    """A LAIT measure mapped to a catalogue id.

    ``numerator``/``denominator`` name the LAIT measures holding the counts behind a percentage or
    rate (same area and year), when LAIT has them.
    """

    short_desc: str
    indicator_id: str
    kind: str  # percent | rate | count | mean
    numerator: str | None = None
    denominator: str | None = None


#: LAIT measures mapped onto catalogue ids (definitions checked against EES in dfe_statistics.md §1b/§2).
MEASURES: tuple[LaitMeasure, ...] = (
    LaitMeasure("LACnum", "cla_on_date", "count"),
    LaitMeasure("LAC", "cla_rate_per_10k", "rate", numerator="LACnum"),
    LaitMeasure("LACnum_Start", "cla_started", "count"),
    LaitMeasure("LAC_Start_Rate", "cla_started_rate_per_10k", "rate", numerator="LACnum_Start"),
    LaitMeasure("LACceased", "cla_ceased", "count"),
    LaitMeasure("LAC_Cease_Rate", "cla_ceased_rate_per_10k", "rate", numerator="LACceased"),
    LaitMeasure("Unacc_Asylmn_Seek_Childn", "uasc_on_date", "count"),
    LaitMeasure("LACStable_2016on", "placements_3plus_12m", "percent", "LACStableNum_2016on", "LACnum"),
    LaitMeasure("LAC_LongStable%", "long_term_stability", "percent", "LAC_LongStableNum"),
    # LAIT's distance measure is "outside the LA boundary AND more than 20 miles" (not any > 20 miles).
    LaitMeasure("LACDistance", "placed_over_20_miles_outside_la", "percent"),
    LaitMeasure("Emotional_LAC", "sdq_mean", "mean"),
    LaitMeasure("LACHealth%", "health_assessment_up_to_date", "percent"),
    LaitMeasure("LACDental%", "dental_check", "percent"),
    LaitMeasure("LACVaccinations%", "immunisations_up_to_date", "percent"),
    LaitMeasure("LACSubstance", "substance_misuse", "percent"),
    LaitMeasure("LAC_Convictions", "convicted_10_17", "percent"),
    # Care-leaver measures in LAIT are for ages 19-21 only.
    LaitMeasure("CareLeaverEET", "leavers_19_21_eet", "percent", "CareLeaverEETNum"),
    LaitMeasure("CareLeaversNEET", "leavers_19_21_neet", "percent"),
    LaitMeasure("LAC_19_HE", "leavers_19_21_higher_education", "percent", "LAC_19_HE_Num"),
    LaitMeasure("CareLeaverAcc", "leavers_19_21_suitable_accommodation", "percent", "NoCareLeaverAcc",
                "NoCareLeavers"),
    LaitMeasure("CareLeavers_LA_NotInTouch", "leavers_19_21_not_in_touch", "percent"),
    # Missing and away from placement, of children looked after during the year; DfE counts an
    # incident still going on 1 April (LAIT's methodology), as missing_started_before_window=True.
    LaitMeasure("Children_missing", "missing_episodes_children", "percent"),
    LaitMeasure("Children_Away", "away_episodes_children", "percent"),
    # StayingPut is the 19-20 measure (England 2018 26% = EES "Aged 19 or 20"), not the at-18 one.
    LaitMeasure("StayingPut", "staying_put_19_20", "percent"),
)


def read_store(path: str | Path) -> pd.DataFrame:
    """Read a LAIT ``bds_long_0.parquet`` into ``short_desc, year, old_code, value, symbol``.

    Only 4-digit ``Years`` (reporting years) are kept for the mapped measures; other measures and
    period labels (academic ``2023/24``, ``(OT)`` etc.) are for indicators outside the catalogue.

    Raises
    ------
    DfeDataError
        If the file lacks LAIT's columns or a value is neither a number nor ``-``.
    """
    path = Path(path)
    try:
        raw = pd.read_parquet(path, columns=list(COLUMNS))
    except (KeyError, ValueError, OSError) as exc:
        raise DfeDataError(
            f"{path}: not a LAIT data store (expected columns {', '.join(COLUMNS)}): {exc}"
        ) from None
    wanted = {m.short_desc for m in MEASURES} | {m.numerator for m in MEASURES if m.numerator} | {
        m.denominator for m in MEASURES if m.denominator}
    raw = raw[raw["Short Desc"].isin(wanted) & raw["Years"].astype(str).str.fullmatch(r"\d{4}")]
    if raw["LA Number"].isna().any():
        raise DfeDataError(f"{path}: rows without an 'LA Number' in the mapped measures.")
    value, symbol = parse_values(raw["Values"], str(path), "Values")
    return pd.DataFrame(
        {
            "short_desc": raw["Short Desc"].to_numpy(),
            "year": raw["Years"].astype(int).to_numpy(),
            "old_code": raw["LA Number"].astype(int).to_numpy(),
            "value": value,
            "symbol": symbol,
        }
    )


def vintage(path: str | Path) -> int:
    """Latest reporting year in a LAIT store (the newer store wins where two overlap)."""
    years = pd.read_parquet(path, columns=["Years"])["Years"].astype(str)
    return int(years[years.str.fullmatch(r"\d{4}")].astype(int).max())


def _geography(old_codes: np.ndarray, folder: Path | None) -> tuple[np.ndarray, list[str]]:
    lookup: dict[int, str] = dict(LAIT_AREA_CODES)
    notes: list[str] = []
    if folder is not None:
        codes = la_codes(folder)
        lookup.update(
            {int(o): (n or o) for o, n in zip(codes["old_la_code"], codes["new_la_code"], strict=True)}
        )
    geo = np.array([lookup.get(int(c), str(int(c))) for c in old_codes], dtype=object)
    unmapped = sorted({str(int(c)) for c in old_codes if int(c) not in lookup})
    if unmapped:
        notes.append(
            "LAIT authorities kept under their old code (no new code in the EES files found): "
            + ", ".join(unmapped)
        )
    return geo, notes


def load_store(path: str | Path, folder: str | Path | None = None, recompute_la: bool = True
               ) -> tuple[pd.DataFrame, list[str]]:
    """Tidy rows (``source="dfe"``) for every mapped LAIT measure in one store.

    Parameters
    ----------
    path : path
        A LAIT ``bds_long_0.parquet``.
    folder : path or None; default None
        Folder of national files used to turn old LA codes into new ones (:func:`la_codes`);
        None keeps old codes for authorities.
    recompute_la : bool; default True
        Where LAIT holds both counts behind an authority's percentage (e.g. ``LACStableNum_2016on``
        and ``LACnum``), recompute it unrounded and add Wilson intervals.

    Returns
    -------
    (rows, notes) : DataFrame and list of str
        Tidy rows and plain-English notes (e.g. codes that could not be translated).
    """
    store = read_store(path)
    store["geography"], notes = _geography(store["old_code"].to_numpy(), None if folder is None else Path(folder))
    store["period_end"] = tidy.period_end_of(store["year"]).to_numpy()
    by_measure = {k: g.set_index(["year", "geography"]) for k, g in store.groupby("short_desc")}
    frames = []
    for m in MEASURES:
        if m.short_desc not in by_measure:
            continue
        main = by_measure[m.short_desc]
        keys = main.reset_index()[["year", "period_end", "geography"]]

        def part(name: str | None, main: pd.DataFrame = main) -> tuple[np.ndarray, np.ndarray]:
            if name is None or name not in by_measure:
                return np.full(len(main), np.nan), np.full(len(main), "", dtype=object)
            other = by_measure[name].reindex(main.index)
            return other["value"].to_numpy(dtype=float), other["symbol"].fillna("x").to_numpy(dtype=object)

        value = main["value"].to_numpy(dtype=float)
        symbol = main["symbol"].to_numpy(dtype=object)
        if m.kind == "count":
            frames.append(tidy.count_rows(keys, m.indicator_id, value, symbol))
        elif m.kind == "mean":
            frames.append(tidy.mean_rows(keys, m.indicator_id, value, symbol))
        elif m.kind == "rate":
            num, num_symbol = part(m.numerator)
            nan = np.full(len(keys), np.nan)
            frames.append(tidy.rate_rows(keys, m.indicator_id, num, num_symbol, nan,
                                         np.full(len(keys), "", dtype=object), value, symbol,
                                         recompute_la=recompute_la))
        else:
            num, num_symbol = part(m.numerator)
            den, den_symbol = part(m.denominator)
            frames.append(tidy.percent_rows(keys, m.indicator_id, num, num_symbol, den, den_symbol,
                                            value, symbol, recompute_la=recompute_la))
    rows = pd.concat(frames, ignore_index=True) if frames else tidy.empty()
    return rows, notes
