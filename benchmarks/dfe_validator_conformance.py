"""Rule parity with DfE's validator: how many of DfE's findings ``cpanalysis validate`` reproduces.

Runs DfE's own validator (:mod:`dfe_validator`, ``csc-validator-be-903`` in its own venv) and
``cpanalysis validate`` on the same returns:

* ``demo``: the demo authority's last two annual returns (2023-24 checked against 2024-25's
  rules with 2023-24 as DfE's "previous year"), from ``cpanalysis demo``;
* ``defects``: the same with injected faults (``cpanalysis demo --seed 5 --defects 0.02``);
* ``bad/<case>``: every case of ``tests/fixtures/bad`` that DfE's reader accepts (CSV files,
  a return folder named by collection year).

For each DfE rule it prints DfE's (rule, child) findings in the checked return, cpanalysis's
findings under the same rule id in the same return, how many of DfE's cpanalysis reproduces,
and how many DfE findings are shown, finding by finding, to be a documented DfE defect or a
false positive of its two-year view (:data:`REASONS`, docs/validation_rules.md). The parity
measure is the share of the other DfE findings cpanalysis reproduces; the raw share of all
findings is printed too. The script exits 1 below ``--target`` (default 95%). It also prints how the
rule book's fields compare with DfE's ``affected_fields`` (:mod:`dfe_rule_fields`) and how many
cpanalysis findings name a column that is not a field of their rule (none expected).

cpanalysis is given every annual return of the demo up to 2024-25 (as an analyst validates the
returns they hold); only its findings in the 2024-25 return are compared. It also times both tools on the demo's two returns (CPU seconds of each process,
measured side by side in this run) for the speed target.

Usage::

    python benchmarks/dfe_validator_conformance.py [--target 95] [--work DIR] [--csv FILE]

It needs PyPI on first use (the DfE validator's venv is created then); ``make conformance``
runs it. Set ``CPANALYSIS_DFE_VENV`` to reuse an installed venv.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dfe_rule_fields  # noqa: E402  (benchmarks/ is not a package)
import dfe_validator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "fixtures" / "bad"
#: The demo's last two annual returns: the checked one and DfE's "previous year".
DEMO_RETURNS = ("2024-25", "2023-24")
DEMO_LA = "E10000018"
DEFECTS = ("--seed", "5", "--defects", "0.02")


def ruleset_for(label: str) -> str | None:
    """DfE rule set of a return folder (``"2024-25"`` -> ``"lac2024_25"``), None when DfE has none."""
    year = label.split("_")[0]
    if len(year) != 7 or year[4] != "-":
        return None
    name = f"lac{year[:4]}_{year[5:]}"
    return name if name in {"lac2022_23", "lac2023_24", "lac2024_25", "lac2025_26", "lac2026_27"} else None


def _demo(folder: Path, *extra: str) -> Path:
    """Write the demo authority's returns into ``folder`` (once) and return its ``903/`` folder."""
    if not (folder / "903" / DEMO_RETURNS[0]).is_dir():
        subprocess.run([sys.executable, "-m", "cpanalysis", "demo", "--out", str(folder), *extra], check=True,
                       capture_output=True)
    return folder / "903"


def _returns_up_to(returns: Path, into: Path, last: str) -> Path:
    """A folder holding every annual return up to ``last`` (what ``cpanalysis validate`` reads:
    an analyst validates the returns they hold; DfE's tool takes only this year and last)."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for folder in sorted(returns.iterdir()):
        if folder.is_dir() and "_" not in folder.name and folder.name <= last:
            shutil.copytree(folder, into / folder.name)
    return into


def cpanalysis_findings(folder: Path, checked: str) -> pd.DataFrame:
    """``cpanalysis validate`` issues of the return ``checked`` in ``folder``: rule, child, table, row, column."""
    from cpanalysis.commands.validate import run_validation
    from cpanalysis.errors import CpanalysisError

    try:
        issues = run_validation(folder).issues
    except CpanalysisError as error:
        print(f"  cpanalysis refused {folder}: {str(error).splitlines()[0]}", file=sys.stderr)
        return pd.DataFrame(columns=["rule", "child", "table", "row", "column"])
    in_return = issues["file"].astype(str).str.split("/").str[0].eq(checked)
    mine = issues[in_return]
    return pd.DataFrame({
        "rule": mine["rule_id"].astype(str),
        "child": mine["child"].fillna("").astype(str),
        "table": mine["table"].astype(str),
        "row": mine["row"],
        "column": mine["column"],
    })


def _cases(work: Path) -> list[dict]:
    """Every compared return: name, the cpanalysis folder, the checked label, DfE's job."""
    cases = []
    for name, extra in (("demo", ()), ("defects", DEFECTS)):
        returns = _demo(work / name, *extra)
        folder = _returns_up_to(returns, work / f"{name}-returns", DEMO_RETURNS[0])
        cases.append({
            "case": name,
            "folder": folder,
            "checked": DEMO_RETURNS[0],
            "job": dfe_validator.dfe_job(folder / DEMO_RETURNS[0], folder / DEMO_RETURNS[1], "lac2024_25", DEMO_LA),
        })
    for case in sorted(p for p in BAD.iterdir() if p.is_dir()):
        returns = [p for p in case.iterdir() if p.is_dir() and ruleset_for(p.name)]
        if len(returns) != 1 or not any(f.suffix.lower() == ".csv" for f in returns[0].iterdir()):
            continue  # DfE reads one CSV return at a time
        cases.append({
            "case": f"bad/{case.name}",
            "folder": case,
            "checked": returns[0].name,
            "job": dfe_validator.dfe_job(returns[0], None, ruleset_for(returns[0].name), DEMO_LA),
        })
    return cases


#: Documented reasons a DfE finding is not to be reproduced (docs/validation_rules.md);
#: :func:`explain` checks each finding against its reason.
REASONS = {
    "202": "DfE defect: compares SEX codes across the 2024-25 recoding (1 = M, 2 = F)",
    "146": "DfE defect: its 2024-25 PLACE list spells K3 as 'k3', so every K3 is reported",
    "208": "DfE defect: its 208 reports a blank UPN last year followed by UN1, which its own comment "
           "lists as a valid change",
    "1001": "DfE false positive: it sees two years; the young person's care is in an earlier return",
    "1002": "DfE false positive: it sees two years; the young person's care is in an earlier return",
    "1001 short breaks": "DfE defect: its 1001 stacks this year's and last year's episodes and drops the "
                         "short breaks (V3/V4) by row number, which both files share, so the young person's "
                         "own episodes on the row numbers of the other file's short breaks are dropped too",
    "365": "DfE defect: its rule 365 writes 31 March into every blank DEC of the shared episode table, "
           "so this rule sees the child's open episode as ended",
    "SW12STG2": "DfE defect: SW12STG2 as coded reports the social worker episodes outside care that its "
                "own message asks for (and what it reports depends on rule 365's change)",
    "copy": "an exact copy of an episode row: DfE counts it as a further episode; cpanalysis reports "
            "the copy once (DUP) and does not use it",
    "spelling": "a value with spaces or written as an Excel number (' 1001 ', '1001.0'): DfE reads another "
                "child or an invalid code; cpanalysis trims it (INGEST_TIDY)",
    "blank line": "an entirely blank line: DfE reads a row with every field blank; cpanalysis skips it "
                  "(INGEST_BLANK)",
    "no child": "a row with no CHILD: cpanalysis quarantines it (REQ, an error) and does not also "
                "report it as a child missing from the header",
    "date form": "a date written yyyy-mm-dd or as an Excel serial number: DfE cannot read it; "
                 "cpanalysis reads it and logs the fix (DATE_FORMAT)",
    "624": "DfE defect: its 624 reports a care leaver's blank MC_DOB that its 628 demands (no motherhood "
           "details for a care leaver not looked after in the year)",
    "no episodes": "DfE ran without the return's episodes (no CSV file has exactly its episodes "
                   "columns); cpanalysis reads the file, or refuses the return with a plain message",
}
#: Episode-chain rules a copied episode row makes DfE report.
CHAIN_RULES = {"142", "388", "431", "432", "433", "434", "435", "436", "501", "504"}
#: DfE's episodes columns (a CSV with exactly these is DfE's episodes table).
DFE_EPISODE_COLUMNS = {"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                       "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"}
#: Date cells DfE cannot read but cpanalysis reads (yyyy-mm-dd, an Excel serial number).
OTHER_DATE_FORM = r"^\s*(?:\d{4}-\d{2}-\d{2}|\d{5})\s*$"


def _read(path: str | Path, cache: dict) -> pd.DataFrame:
    key = str(path)
    if key not in cache:
        try:
            cache[key] = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError):
            cache[key] = pd.DataFrame()  # a file DfE's reader refused too
    return cache[key]


def _cell(path: str, row: int, column: str, cache: dict) -> str | None:
    frame = _read(path, cache)
    value = frame.iloc[row - 2][column] if 0 <= row - 2 < len(frame) else ""
    return value.strip().upper() or None


def _return_files(path: str) -> list[Path]:
    return sorted(p for p in Path(path).parent.iterdir() if p.suffix.lower() == ".csv")


def _child_rows(path: str, child: str, cache: dict) -> pd.DataFrame:
    """Rows of the child (CHILD as DfE read it) in every CSV file of the finding's return."""
    frames = []
    for file in _return_files(path):
        frame = _read(file, cache)
        if "CHILD" in frame:
            frames.append(frame[frame["CHILD"] == child].assign(_file=file.name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["CHILD", "_file"])


def _episodes_file(path: str) -> Path | None:
    for file in _return_files(path):
        with file.open(encoding="utf-8-sig", errors="replace") as handle:
            if {c.strip() for c in handle.readline().strip().split(",")} == DFE_EPISODE_COLUMNS:
                return file
    return None


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")


def _reason(row, folders: dict, earlier: dict, cache: dict) -> str | None:
    """The documented reason this one DfE finding is not to be reproduced, or None."""
    child = row.child if isinstance(row.child, str) and row.child.strip() else None
    if row.rule == "202":
        current = _cell(row.file, row.row, "SEX", cache)
        last_file = Path(row.file).parent.parent / DEMO_RETURNS[1] / Path(row.file).name
        if last_file.exists():
            last = _read(last_file, cache)
            was = last.loc[last["CHILD"] == row.child, "SEX"].str.strip().str.upper()
            meaning = {"1": "M", "2": "F"}
            if len(was) and meaning.get(was.iloc[0], was.iloc[0]) == current:
                return REASONS["202"]
        return None
    if row.rule == "146":
        return REASONS["146"] if _cell(row.file, row.row, "PLACE", cache) == "K3" else None
    if row.rule == "208":
        last_file = Path(row.file).parent.parent / DEMO_RETURNS[1] / Path(row.file).name
        if _cell(row.file, row.row, "UPN", cache) != "UN1" or not last_file.exists():
            return None
        last = _read(last_file, cache)
        was = last.loc[last["CHILD"] == row.child, "UPN"].str.strip()
        return REASONS["208"] if len(was) and was.iloc[0] == "" else None
    if row.rule in ("1001", "1002"):
        if row.case not in earlier:
            seen = set()
            for folder in folders[row.case].iterdir():
                if folder.is_dir() and folder.name < DEMO_RETURNS[1] and (folder / "episodes.csv").exists():
                    seen |= set(pd.read_csv(folder / "episodes.csv", dtype=str, usecols=["CHILD"])["CHILD"])
            earlier[row.case] = seen
        if row.child in earlier[row.case]:
            return REASONS[row.rule]
        if row.rule == "1001" and _lost_with_short_breaks(row.file, row.child, cache):
            return REASONS["1001 short breaks"]
        return None
    if row.rule == "624" and _cell(row.file, row.row, "MC_DOB", cache) is None:
        eps_file, oc3_file = _episodes_file(row.file), Path(row.file).parent / "oc3.csv"
        no_episode = eps_file is None or not _read(eps_file, cache)["CHILD"].eq(row.child).any()
        if no_episode and oc3_file.exists() and _read(oc3_file, cache)["CHILD"].eq(row.child).any():
            return REASONS["624"]
        return None
    if row.rule == "EPI" and _episodes_file(row.file) is None:
        return REASONS["no episodes"]
    frame = _read(row.file, cache)
    cells = frame.iloc[row.row - 2] if 0 <= row.row - 2 < len(frame) else pd.Series(dtype=object)
    if child is None:
        return REASONS["blank line"] if cells.str.strip().eq("").all() else REASONS["no child"]
    rows = _child_rows(row.file, child, cache)
    tidy = child.strip().removesuffix(".0")
    spellings = set()
    for file in _return_files(row.file):
        ids = _read(file, cache).get("CHILD", pd.Series(dtype=str))
        spellings |= set(ids[ids.str.strip().str.removesuffix(".0") == tidy])
    if len(spellings) > 1 or cells.str.contains(r"^\s|\s$", regex=True).any():
        return REASONS["spelling"]
    if rows.drop(columns="_file").astype(str).apply(lambda c: c.str.contains(OTHER_DATE_FORM, regex=True)).any().any():
        return REASONS["date form"]
    if row.rule in CHAIN_RULES:
        in_file = rows[rows["_file"] == Path(row.file).name].drop(columns="_file")
        if in_file.duplicated().any():
            return REASONS["copy"]
    eps_file = _episodes_file(row.file)
    child_eps = _read(eps_file, cache) if eps_file is not None else pd.DataFrame(columns=sorted(DFE_EPISODE_COLUMNS))
    child_eps = child_eps[child_eps["CHILD"] == child]
    open_eps = child_eps[child_eps["DEC"].str.strip() == ""]
    if row.rule == "575" and len(open_eps):
        start = _dates(pd.Series([_cell(row.file, row.row, "MIS_START", cache)])).iloc[0]
        if (_dates(open_eps["DECOM"]) <= start).any():
            return REASONS["365"]
    if row.rule == "577" and len(open_eps):
        return REASONS["365"]
    if row.rule == "SW12STG2":
        sw_file = next((f for f in _return_files(row.file) if "SW_DECOM" in _read(f, cache)), None)
        if sw_file is not None:
            sw = _read(sw_file, cache)
            sw_start = _dates(sw.loc[sw["CHILD"] == child, "SW_DECOM"])
            starts = _dates(child_eps.loc[child_eps["RNE"].str.strip() == "S", "DECOM"])
            ends = _dates(child_eps.loc[~child_eps["REC"].str.strip().isin(["X1", ""]), "DEC"])
            if (len(starts) and (sw_start < starts.max()).any()) or (len(ends) and (sw_start > ends.min()).any()):
                return REASONS["SW12STG2"]
    return None


def _relevant_as_dfe(eps: pd.DataFrame, birth: pd.Timestamp, collection_end: pd.Timestamp) -> bool:
    """DfE 1001's test on one young person's episodes (CSV text): at least 91 days looked after
    since the 14th birthday and at least one after the 16th, each episode counted from the later
    of DECOM and the birthday to DEC (an open last episode to the collection end)."""
    if eps.empty:
        return False
    start, end = _dates(eps["DECOM"]), _dates(eps["DEC"])
    end = end.where(end.notna() | (start < start.max()), collection_end)
    days = [((end - start.where(start > b, b)).dt.days.clip(lower=0)).sum()
            for b in (birth + pd.DateOffset(years=14), birth + pd.DateOffset(years=16))]
    return bool(days[0] >= 91 and days[1] >= 1)


def _lost_with_short_breaks(path: str, child: str, cache: dict) -> bool:
    """Whether DfE's 1001 reports ``child`` only because of how it drops short breaks.

    DfE's rule stacks this year's and last year's episodes (``pd.concat``: each keeps its CSV
    row numbers as the index), then drops the V3/V4 episodes with ``drop(index)``, which drops
    every row carrying one of those row numbers: the young person's episodes sitting on the row
    number of a short break in the other year's file go too. True when the young person passes
    DfE's own test on all their non-short-break episodes of the two years and fails it on the
    ones DfE keeps.
    """
    this_year = Path(path).parent
    last_year = this_year.parent / DEMO_RETURNS[1]
    files = [_episodes_file(str(this_year / "x")), _episodes_file(str(last_year / "x")) if last_year.is_dir() else None]
    header = next((f for f in _return_files(str(this_year / "x")) if {"SEX", "DOB"} <= set(_read(f, cache))), None)
    if None in files or header is None:
        return False
    end = pd.Timestamp(int(DEMO_RETURNS[0][:4]) + 1, 3, 31)
    # DfE's steps: stack the two years, keep one row per (CHILD, DECOM) (the one with the
    # earliest DEC), keep the children of this year's header with a DOB, under 20 at the end
    eps = pd.concat([_read(f, cache) for f in files])
    eps = eps.assign(_dec=_dates(eps["DEC"])).sort_values("_dec").drop_duplicates(["CHILD", "DECOM"], keep="first")
    births = _read(header, cache).assign(_dob=lambda h: _dates(h["DOB"])).dropna(subset=["_dob"])
    births = births[births["_dob"] + pd.DateOffset(years=20) > end].drop_duplicates("CHILD").set_index("CHILD")["_dob"]
    eps = eps[eps["CHILD"].isin(births.index)]
    short_break = eps["LS"].str.strip().str.upper().isin(["V3", "V4"])
    dropped = set(eps.index[short_break])  # DfE drops these row numbers, whoever's row they are
    eps = eps[(eps["CHILD"] == child) & ~short_break]
    if child not in births.index:
        return False
    kept = eps[~eps.index.isin(dropped)]
    births = births.loc[[child]]
    return _relevant_as_dfe(eps, births.iloc[0], end) and not _relevant_as_dfe(kept, births.iloc[0], end)


def explain(dfe: pd.DataFrame, cases: list[dict]) -> pd.Series:
    """The documented reason (:data:`REASONS`) each DfE finding is not to be reproduced, or None.

    Each reason is checked on the finding itself: 202 only when last year's code means the same
    sex; 146 only when PLACE is K3; 1001/1002 only when an earlier return than DfE's "previous
    year" holds an episode of the young person, or (1001) when the young person passes DfE's own
    test on their episodes of the two years but not on those left after DfE drops the short
    breaks by row number (:func:`_lost_with_short_breaks`); EPI only when DfE had no episodes file; a blank
    line or a row with no CHILD from the row itself; a spelling when the finding's row has a
    padded value or the return spells the child's CHILD in more than one way; a date form when
    the child's rows hold a yyyy-mm-dd or Excel-serial date; a copy (episode-chain rules only)
    when the child's episodes hold an exact copy of a row; 575/577 only when the child has an
    open episode (rule 365's overwrite); 624 only for a blank MC_DOB of a young person in OC3 with
    no episode in the return (what 628 asks); SW12STG2 only when the child has a social worker
    episode starting before an RNE S episode or after an episode that ended care.
    """
    folders = {c["case"]: Path(c["folder"]) for c in cases}
    cache: dict = {}
    earlier: dict[str, set] = {}
    reasons = [_reason(row, folders, earlier, cache) for row in dfe.itertuples(index=False)]
    return pd.Series(reasons, index=dfe.index, dtype=object)


def compare(dfe: pd.DataFrame, mine: pd.DataFrame) -> pd.DataFrame:
    """Per DfE rule: DfE (case, child) pairs, cpanalysis pairs under that id, pairs in both."""
    key = ["case", "rule", "child"]
    theirs = dfe[[*key, "reason"]].drop_duplicates(key)
    ours = mine[key].drop_duplicates()
    both = theirs.merge(ours, on=key)
    table = pd.DataFrame({
        "dfe": theirs.groupby("rule").size(),
        "cpanalysis": ours[ours["rule"].isin(theirs["rule"])].groupby("rule").size(),
        "agreed": both.groupby("rule").size(),
        "dfe_defect": theirs[theirs["reason"].notna()].groupby("rule").size(),
        "agreed_on_defect": both[both["reason"].notna()].groupby("rule").size(),
    }).fillna(0).astype(int)
    table["agreement_%"] = (100 * table["agreed"] / table["dfe"]).round(1)
    return table.sort_values(["dfe", "agreed"], ascending=[False, False])


def unlisted_columns(mine: pd.DataFrame) -> pd.DataFrame:
    """cpanalysis findings whose column is not among their rule's fields (``Rule.columns``): none
    is expected, the book's fields name the column every finding of the rule names."""
    from cpanalysis import validate

    named = mine[mine["column"].notna() & mine["rule"].isin(list(validate.RULES))]
    outside = [not validate.RULES[r].names(c) for r, c in zip(named["rule"], named["column"], strict=True)]
    return named[outside]


def speed(returns: Path, into: Path, dfe_venv: str | None) -> dict[str, float]:
    """CPU seconds of ``cpanalysis validate`` and of DfE's validator on the demo's two returns
    (the same two folders for both; each tool a fresh process, start-up included)."""
    if into.exists():
        shutil.rmtree(into)
    for label in DEMO_RETURNS:
        shutil.copytree(returns / label, into / label)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "cpanalysis", "validate", str(into), "--out", str(into / "_out")],
                   check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    job = dfe_validator.dfe_job(into / DEMO_RETURNS[0], into / DEMO_RETURNS[1], "lac2024_25", DEMO_LA)
    theirs = dfe_validator.run_dfe_validator_jobs([job], dfe_venv).attrs["cpu_seconds"]
    return {"cpanalysis": ours, "dfe": theirs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=95.0, help="minimum agreement, %% (default 95)")
    parser.add_argument("--work", default=None, help="folder for the demo returns (default: a temporary one)")
    parser.add_argument("--venv", default=None, help="DfE validator venv (default $CPANALYSIS_DFE_VENV or .venv-dfe-validator/)")
    parser.add_argument("--csv", default=None, help="also write every (case, rule, child) with who found it")
    parser.add_argument("--no-speed", action="store_true", help="skip the side-by-side CPU timing")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.work or scratch)
        cases = _cases(work)
        dfe = dfe_validator.run_dfe_validator_jobs([c["job"] for c in cases], args.venv)
        dfe = dfe[dfe["return"].eq("current")].copy()
        dfe["case"] = dfe["job"].map(lambda j: cases[j]["case"])
        dfe["reason"] = explain(dfe, cases)
        mine = []
        for case in cases:
            found = cpanalysis_findings(case["folder"], case["checked"])
            found["case"] = case["case"]
            mine.append(found)
        mine = pd.concat(mine, ignore_index=True)
        table = compare(dfe, mine)
        timing = None if args.no_speed else speed(work / "demo-returns", work / "demo-two", args.venv)
        fields = dfe_rule_fields.compare_fields(dfe_rule_fields.dfe_fields("lac2024_25", args.venv))

    pd.set_option("display.max_rows", 500)
    print(table.to_string())
    for line in dfe.attrs.get("log", "").splitlines():
        if "failed to run" in line or "refused" in line:
            print(f"  DfE: {line}")
    per_case = dfe.groupby("case").size().to_dict()
    print(f"\nDfE findings per case (rows): {per_case}")
    total, agreed = int(table["dfe"].sum()), int(table["agreed"].sum())
    defects = int(table["dfe_defect"].sum())
    agreed_defects = int(table["agreed_on_defect"].sum())
    raw = 100 * agreed / total if total else 100.0
    checked = total - defects
    share = 100 * (agreed - agreed_defects) / checked if checked else 100.0
    print(f"\nAll DfE findings: cpanalysis reproduces {agreed} of {total} (rule, child) = {raw:.1f}%")
    print(f"DfE findings shown to be DfE defects or two-year false positives (docs/validation_rules.md): {defects}")
    for reason, n in dfe.drop_duplicates(["case", "rule", "child"])["reason"].value_counts().items():
        print(f"  {n:5d}  {reason}")
    print(f"Agreement on the other DfE findings: {agreed - agreed_defects} of {checked} = {share:.1f}% "
          f"(target {args.target:.0f}%)")
    print(dfe_rule_fields.summary(fields) + " (benchmarks/dfe_rule_fields.py lists them)")
    print(f"cpanalysis findings naming a column that is not a field of their rule: {len(unlisted_columns(mine))}")
    if timing:
        ratio = timing["cpanalysis"] / timing["dfe"]
        print(f"CPU on the demo's two returns: cpanalysis validate {timing['cpanalysis']:.1f} s, "
              f"DfE validator {timing['dfe']:.1f} s ({100 * ratio:.0f}% of DfE's)")
    if args.csv:
        key = ["case", "rule", "child"]
        both = dfe[key].drop_duplicates().assign(dfe=True).merge(
            mine[key].drop_duplicates().assign(cpanalysis=True), on=key, how="outer")
        both.fillna(False).to_csv(args.csv, index=False)
    return 0 if share >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
