"""DfE children's services statistical neighbours (ten per authority), 2021 and 2025 models.

Sources, first found wins: the CSVs vendored by the CSC dashboard (``sn_model_2025_wide.csv``,
``New_Statistical_Neighbour_Groupings_April_2021.csv``), else LAIT's copies (``sn_may_2025.xlsx``,
``sn_april_2021.xlsx``); they agree (``docs/dfe_statistics.md`` §5). The files key on
old LA codes; results are given as new (ONS) codes via :func:`cpanalysis.dfe.areas.la_codes`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from cpanalysis.dfe import snapshot
from cpanalysis.dfe.areas import find_la, la_codes
from cpanalysis.dfe.folders import resolve_folder
from cpanalysis.errors import DfeDataError, ParameterError

#: Model name -> file names to look for, preferred first.
MODEL_FILES: dict[str, tuple[str, ...]] = {
    "2025": ("sn_model_2025_wide.csv", "sn_may_2025.xlsx"),
    "2021": ("New_Statistical_Neighbour_Groupings_April_2021.csv", "sn_april_2021.xlsx"),
}
NEIGHBOURS_PER_LA = 10


def _read_wide(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        # LAIT's sheet has a row of column numbers, then the header row.
        raw = pd.read_excel(path, dtype=str, header=None).iloc[2:].reset_index(drop=True)
    else:
        raw = pd.read_csv(path, dtype=str, header=None, skiprows=1, encoding="utf-8-sig", keep_default_na=False)
    raw = raw.fillna("")
    # Every layout: LA code first; then ten (neighbour code, closeness) pairs after the LA's own columns.
    first_sn = next(
        (i for i in range(1, raw.shape[1]) if raw[i].str.fullmatch(r"\d{3}").mean() > 0.9 and i >= 3), None
    )
    if first_sn is None or raw.shape[1] < first_sn + 2 * NEIGHBOURS_PER_LA:
        raise DfeDataError(f"{path}: not a statistical-neighbour table (LA code then 10 neighbour/closeness pairs).")
    rows = []
    for _, r in raw.iterrows():
        la = str(r[0]).strip()
        if not la.isdigit():
            continue
        for rank in range(NEIGHBOURS_PER_LA):
            code = str(r[first_sn + 2 * rank]).strip()
            if code.endswith(".0"):
                code = code[:-2]
            if code:
                rows.append((la, rank + 1, code, str(r[first_sn + 2 * rank + 1]).strip()))
    return pd.DataFrame(rows, columns=["old_la_code", "rank", "neighbour_old_la_code", "closeness"])


@functools.lru_cache(maxsize=8)
def _table(folder: str, model: str) -> tuple[pd.DataFrame, str]:
    root = Path(folder)
    if snapshot.is_snapshot(root):
        return snapshot.read_neighbours(root, model), str(root / snapshot.NEIGHBOURS)
    for name in MODEL_FILES[model]:
        path = next((p for p in sorted(root.rglob("*")) if p.name.lower() == name.lower()), None)
        if path is not None:
            return _read_wide(path), str(path)
    raise DfeDataError(
        f"{root}: no statistical-neighbour file for the {model} model (looked for {', '.join(MODEL_FILES[model])})."
    )


def neighbour_table(model: str = "2025", folder: str | Path | None = None) -> pd.DataFrame:
    """All authorities' statistical neighbours under one model.

    Parameters
    ----------
    model : {"2025", "2021"}; default "2025"
        DfE model (2025 is the one LAIT and the CSC dashboard use now).
    folder : path or None; default None

    Returns
    -------
    DataFrame
        ``la_code, old_la_code, rank (1 = closest), neighbour, neighbour_old_la_code, closeness``
        where ``la_code``/``neighbour`` are new codes (old code kept when no new code is known).

    Raises
    ------
    ParameterError
        Unknown model.
    DfeDataError
        No neighbour file in the folder.
    """
    if model not in MODEL_FILES:
        raise ParameterError(f"statistical-neighbour model must be one of {', '.join(MODEL_FILES)}; got {model!r}")
    root = str(resolve_folder(folder).resolve())
    table, _ = _table(root, model)
    codes = la_codes(root)
    new = dict(zip(codes["old_la_code"], codes["new_la_code"].where(codes["new_la_code"] != "", codes["old_la_code"]),
                   strict=True))
    out = table.assign(
        la_code=table["old_la_code"].map(new).fillna(table["old_la_code"]),
        neighbour=table["neighbour_old_la_code"].map(new).fillna(table["neighbour_old_la_code"]),
    )
    out["closeness"] = out["closeness"].str.strip().str.capitalize()
    return out[["la_code", "old_la_code", "rank", "neighbour", "neighbour_old_la_code", "closeness"]]


def statistical_neighbours(la_code: str | int, model: str = "2025", folder: str | Path | None = None) -> list[str]:
    """The ten statistical neighbours of an authority, closest first, as new (ONS) codes.

    Parameters
    ----------
    la_code : str or int
        Old code (855), new code (E10000018) or name of the authority.
    model : {"2025", "2021"}; default "2025"
    folder : path or None; default None

    Returns
    -------
    list of str

    Raises
    ------
    ParameterError
        If the authority is unknown or has no neighbours under the model (e.g. an authority
        created after the model was built).

    Examples
    --------
    ``statistical_neighbours("E10000018")[:3]`` -> ``['E10000013', 'E06000025', 'E10000031']``
    (Gloucestershire, South Gloucestershire, Warwickshire).
    """
    la = find_la(la_code, folder)
    table = neighbour_table(model, folder)
    mine = table[table["old_la_code"] == la["old_la_code"]].sort_values("rank")
    if mine.empty:
        raise ParameterError(
            f"{la['la_name']} ({la['old_la_code']}) has no statistical neighbours in the {model} model."
        )
    return mine["neighbour"].tolist()
