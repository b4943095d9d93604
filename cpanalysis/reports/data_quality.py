"""Notebook 00, data quality: what was read, kept, repaired and quarantined, and how complete.

Rows reconcile (read = kept + quarantined), validation and stitching findings are counted by rule
(never the children concerned) and key fields' completeness is shown for the latest collection
year. For an external audience counts of 1 to 5 read ``[c]``, with a second cell where a total
would give a hidden one back.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cpanalysis import disclosure
from cpanalysis.reports.common import HIDDEN
from cpanalysis.reports.loading import NotebookData

#: Fields whose completeness the data-quality report shows: (table, column, what it is for).
COMPLETENESS_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("children", "upn", "Unique pupil number (education outcomes)"),
    ("children", "ethnic", "Ethnicity (breakdowns)"),
    ("episodes", "home_post", "Home postcode (placement distance)"),
    ("episodes", "pl_post", "Placement postcode (placement distance)"),
    ("episodes", "pl_distance", "Placement distance (derived from the two postcodes)"),
    ("episodes", "place_provider", "Placement provider (in-house or not)"),
    ("episodes", "urn", "Ofsted URN of the placement"),
    ("oc2", "sdq_score", "SDQ score (needed for ages 5-16 of the 12-month cohort)"),
    ("oc3", "activ", "Care leaver activity"),
    ("oc3", "accom", "Care leaver accommodation"),
)

def returns_table(data: NotebookData) -> pd.DataFrame:
    """The returns read: label, collection year, annual or in-year, the date each runs to."""
    rows = data.manifest.get("returns", [])
    return pd.DataFrame({
        "Return": [r["label"] for r in rows],
        "Collection year": [r["collection_year"] for r in rows],
        "Type": ["In-year extract" if r["is_in_year"] else "Annual return" for r in rows],
        "Runs to": [pd.Timestamp(r["as_at"]).strftime("%-d %b %Y") for r in rows],
    })

def _hide_small(frame: pd.DataFrame, columns: Sequence[str], audience: str,
                total: str | None = None) -> pd.DataFrame:
    """Counts of 1 to 5 as ``[c]`` for an external audience, row by row.

    With ``total``, the ``columns`` of a row add up to it (read = kept + quarantined): a second
    cell of the row is hidden when one is, so that no subtraction gives the hidden one back.
    """
    if audience != "external" or frame.empty:
        return frame
    out = frame.copy().astype({c: object for c in [*columns, *([total] if total else [])]})
    for i in range(len(frame)):
        names = [*columns, *([total] if total else [])]
        cells = frame.iloc[i][names].to_numpy(dtype=float)[None, :]
        lines = [[(0, j) for j in range(len(names))]] if total else [[(0, j)] for j in range(len(names))]
        mask = disclosure.suppression_mask(cells, lines, {(0, len(names) - 1)} if total else set())[0]
        for name, hide in zip(names, mask, strict=True):
            if hide:
                out.iloc[i, out.columns.get_loc(name)] = HIDDEN
    return out

def row_reconciliation(data: NotebookData, audience: str | None = None) -> pd.DataFrame:
    """Rows read, kept and quarantined per table, and whether every row is accounted for.

    The invariant of the build: rows read = rows kept + rows quarantined (nothing silently dropped).
    For an external audience counts of 1 to 5 show as ``[c]`` (with a second cell of the row);
    ``audience`` overrides ``data.audience`` (``"internal"``: the numbers, for a sentence that
    applies its own rule).
    """
    rows = data.manifest.get("rows", {})
    out = pd.DataFrame(
        [(t, v["read"], v["kept"], v["quarantined"]) for t, v in sorted(rows.items())],
        columns=["Table", "Rows read", "Kept", "Quarantined"],
    )
    out["Every row accounted for"] = (out["Rows read"] == out["Kept"] + out["Quarantined"]).map(
        {True: "Yes", False: "No"})
    return _hide_small(out, ["Kept", "Quarantined"], audience or data.audience, total="Rows read")

def issue_summary(data: NotebookData, audience: str | None = None) -> pd.DataFrame:
    """Validation and stitching findings counted by rule (never the children concerned).

    Columns: severity, rule id, what the rule checks, the fields it judges (the rule book's
    :attr:`~cpanalysis.validate.Rule.fields`), table, what was done, number of rows.
    """
    from cpanalysis import validate

    issues = data.tables["issues"]
    if issues.empty:
        return pd.DataFrame(columns=["Severity", "Rule", "What it checks", "Fields", "Table", "Action", "Rows"])
    counts = (issues.groupby(["severity", "rule_id", "table", "action"], dropna=False).size()
              .rename("Rows").reset_index())
    order = {"error": 0, "warning": 1, "info": 2}
    counts = counts.sort_values(["severity", "Rows"], key=lambda s: s.map(order) if s.name == "severity" else -s)
    described = {k: r.description for k, r in validate.RULES.items()}
    counts["What it checks"] = counts["rule_id"].map(lambda r: described.get(r, _stitch_rule(r)))
    fields = {k: r.fields_text for k, r in validate.RULES.items()}
    counts["Fields"] = counts["rule_id"].map(lambda r: fields.get(r, ""))
    counts = counts.rename(columns={"severity": "Severity", "rule_id": "Rule", "table": "Table", "action": "Action"})
    counts = counts[["Severity", "Rule", "What it checks", "Fields", "Table", "Action", "Rows"]].reset_index(drop=True)
    return _hide_small(counts, ["Rows"], audience or data.audience)

def _stitch_rule(rule_id: str) -> str:
    if str(rule_id).startswith("STITCH"):
        return "Stitching returns into one history (a later return's copy of the row is kept, or a gap or overlap repaired)"
    return ""

def completeness(data: NotebookData, fields: Sequence[tuple[str, str, str]] = COMPLETENESS_FIELDS) -> pd.DataFrame:
    """Share of rows with each key field recorded, in the latest collection year of each table."""
    rows = []
    for table, column, purpose in fields:
        frame = data.tables.get(table)
        if frame is None or column not in frame:
            continue
        if "collection_year" in frame and frame["collection_year"].notna().any():
            frame = frame[frame["collection_year"] == frame["collection_year"].max()]
        filled = frame[column].notna() & (frame[column].astype(str).str.strip() != "")
        rows.append((f"{table}.{column}", purpose, len(frame), 100 * filled.mean() if len(frame) else float("nan")))
    out = pd.DataFrame(rows, columns=["Field", "Used for", "Rows", "Recorded (%)"])
    out["Recorded (%)"] = out["Recorded (%)"].round(1)
    if data.audience == "external":  # a handful of rows, recorded or not, is shown as [c]
        recorded = (out["Rows"] * out["Recorded (%)"] / 100).round()
        small = [disclosure.is_small(n) or disclosure.is_small(r) or disclosure.is_small(n - r)
                 for n, r in zip(out["Rows"], recorded, strict=True)]
        out = out.astype({"Rows": object, "Recorded (%)": object})
        out.loc[[bool(x) for x in small], ["Rows", "Recorded (%)"]] = HIDDEN
    return out
