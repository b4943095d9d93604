"""The Corporate Parenting Strategy scorecard: per outcome, the facts a board paper needs per measure.

For each of the strategy's five outcomes (``O1``-``O5``, :data:`cpanalysis.indicators.catalogue.OUTCOMES`)
and each headline measure of it (:data:`OUTCOME_MEASURES`), one row holding:

* the **latest value** with its 95% interval and n: the authority's own figure at the period end
  (the rolling 12 months, or the year at a 31 March); where the authority computes no figure
  for that window (a yearly local measure, attainment published only by DfE) the latest one on
  or before the period end;
* the **trend**: Fingertips' recent-trend test on the last 5 yearly (31 March) values
  (:func:`cpanalysis.compare.trend`, :func:`cpanalysis.trends.fingertips_trend`; 99.8% level with
  the leave-one-out sign check), drawn as an arrow;
* **vs England**: England's latest published value on or before the period end against the
  authority's 95% interval (Fingertips' rule, :func:`cpanalysis.compare.versus_label`);
* the **target** where the strategy sets one (:func:`read_targets`) and whether it is met;
* the **change since the previous run** (:func:`cpanalysis.reports.changes.compare_runs`'s table,
  merged by indicator).

Targets layout (``data/raw/local/targets.csv``)
-----------------------------------------------
==============  ========  ================================================================
column          required  meaning
==============  ========  ================================================================
indicator_id    yes       an id of the catalogue (``placements_3plus_12m``, ``local_gp_registration``)
target          yes       the level the strategy aims for, in the measure's unit (percentages 0-100)
comparison      no        ``at_least`` (met when value >= target) or ``at_most`` (value <= target);
                          default from the measure's polarity (``high_good`` -> ``at_least``,
                          ``low_good`` -> ``at_most``); required when the measure has no polarity
source          no        where the strategy sets it (``Corporate Parenting Strategy 2024-27, p. 12``)
==============  ========  ================================================================

One row per measure. A target is met or not on the **point value** (the board's question); the
interval is shown beside it so a reader can see when "not met" is within chance variation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import compare, trends
from cpanalysis.compare import versus_label
from cpanalysis.errors import InputFileError, ParameterError
from cpanalysis.indicators import catalogue
from cpanalysis.indicators.catalogue import title_of

#: Headline measures of each outcome: the catalogue's :data:`~cpanalysis.indicators.catalogue.HEADLINES`.
OUTCOME_MEASURES = catalogue.HEADLINES

AT_LEAST, AT_MOST = "at_least", "at_most"
COMPARISONS = (AT_LEAST, AT_MOST)
MET, NOT_MET, NOT_ASSESSED = "Met", "Not met", "Not assessed"
TARGET_COLUMNS = ("indicator_id", "target", "comparison", "source")
TARGETS_FILE = "targets.csv"

#: Arrow of each Fingertips trend direction (the direction of the values, not of better/worse).
ARROWS = {trends.INCREASING: "\u2191", trends.DECREASING: "\u2193", trends.NO_CHANGE: "\u2192",
          trends.CANNOT: "\u2013"}

#: Columns of :func:`scorecard`.
SCORECARD_COLUMNS = (
    "outcome", "outcome_title", "indicator_id", "indicator", "unit", "polarity", "source",
    "period_end", "period_type", "numerator", "denominator", "value", "lower_95", "upper_95",
    "suppressed", "trend", "trend_assessment", "trend_arrow", "trend_years", "trend_reason", "england_value",
    "england_period_end", "vs_england", "target", "target_comparison", "target_source", "target_status",
    "previous_period_end", "previous_value", "change", "change_lower_95", "change_upper_95",
    "change_direction", "beyond_noise", "change_verdict",
)
_CHANGE_FIELDS = {"previous_period_end": "previous_period_end", "previous_value": "previous_value",
                  "change": "change", "change_lower_95": "change_lower_95", "change_upper_95": "change_upper_95",
                  "direction": "change_direction", "beyond_noise": "beyond_noise", "verdict": "change_verdict"}


# ----------------------------------------------------------------------------- targets
def _target_error(path: Path, row: int, column: str, problem: str) -> InputFileError:
    return InputFileError(str(path), f"row {row}, column {column}: {problem}",
                          "the targets layout described in cpanalysis.scorecard (data/raw/README.md).")


def read_targets(path: str | Path) -> pd.DataFrame:
    """The strategy's targets (layout in the module docstring), one row per measure.

    Parameters
    ----------
    path : path
        ``targets.csv``.

    Returns
    -------
    DataFrame
        ``indicator_id, target (float), comparison (at_least | at_most), source``.

    Raises
    ------
    InputFileError
        Missing columns, an unknown indicator, a target that is not a number, a comparison that
        is not ``at_least``/``at_most`` (or missing for a measure without polarity), or a measure
        listed twice; the message names the row (header = row 1) and the column.
    """
    path = Path(path)
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(str(path), f"cannot be read as CSV ({exc}).") from None
    text.columns = [str(c).strip().lower() for c in text.columns]
    missing = [c for c in ("indicator_id", "target") if c not in text.columns]
    if missing:
        raise InputFileError(str(path), f"has no column(s) {', '.join(missing)}.",
                             f"columns {', '.join(TARGET_COLUMNS)}.")
    rows = []
    for i, record in enumerate(text.to_dict("records")):
        row = i + 2
        fields = {k: str(v).strip() for k, v in record.items()}
        indicator_id = fields["indicator_id"]
        try:
            polarity = catalogue.get(indicator_id).polarity
        except ParameterError:
            raise _target_error(path, row, "indicator_id", f"{indicator_id!r} is not an indicator of the "
                                "catalogue (local measures need their local_ id).") from None
        try:
            target = float(fields["target"])
        except ValueError:
            raise _target_error(path, row, "target", f"{fields['target']!r} is not a number.") from None
        comparison = fields.get("comparison", "") or {"high_good": AT_LEAST, "low_good": AT_MOST}.get(polarity, "")
        if comparison not in COMPARISONS:
            raise _target_error(path, row, "comparison", f"{comparison!r} is not at_least or at_most"
                                + (" (the measure has no polarity, so say which)" if not comparison else "") + ".")
        if any(r["indicator_id"] == indicator_id for r in rows):
            raise _target_error(path, row, "indicator_id", f"{indicator_id} has a target already.")
        rows.append({"indicator_id": indicator_id, "target": target, "comparison": comparison,
                     "source": fields.get("source", "")})
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))


def find_targets(folder: str | Path) -> Path | None:
    """``targets.csv`` in ``<folder>/local`` or ``<folder>/../local`` (beside the returns), if any."""
    folder = Path(folder)
    for place in (folder / "local", folder.parent / "local"):
        if (place / TARGETS_FILE).is_file():
            return place / TARGETS_FILE
    return None


def target_status(value: float, target: float, comparison: str, suppressed: str = "") -> str:
    """``Met`` / ``Not met`` on the point value, ``Not assessed`` when suppressed or missing, ``""`` without a target.

    Examples
    --------
    >>> target_status(9.6, 10, "at_most"), target_status(10.0, 10, "at_most"), target_status(10.4, 10, "at_most")
    ('Met', 'Met', 'Not met')
    """
    if target is None or pd.isna(target):
        return ""
    if suppressed or value is None or pd.isna(value):
        return NOT_ASSESSED
    if comparison not in COMPARISONS:
        raise ParameterError(f"comparison must be at_least or at_most; got {comparison!r}")
    met = value >= target if comparison == AT_LEAST else value <= target
    return MET if met else NOT_MET


def trend_arrow(direction: str) -> str:
    """The arrow of a Fingertips trend direction (``Increasing`` -> up, ...); ``""`` for none."""
    return ARROWS.get(direction, "")


# ----------------------------------------------------------------------------- the scorecard
def _dates(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(period_end=pd.to_datetime(table["period_end"]), geography=table["geography"].astype(str))


class _WholeCohort:
    """One table's whole-cohort rows (breakdown Total) of some areas, by measure.

    Cut once: the scorecard asks for about fifteen measures, and scanning the whole table (the
    national one holds about 95,000 rows) for each cost most of its time. Rows keep their order.
    """

    def __init__(self, table: pd.DataFrame, areas: tuple[str, ...]) -> None:
        geography = table["geography"].astype(str)
        keep = ((table["breakdown"] == "Total") & (table["breakdown_value"] == "Total")
                & geography.isin(areas)).to_numpy()
        self.rows = _dates(table[keep])
        self.positions = self.rows.groupby(["indicator_id", "geography"], sort=False, observed=True).indices

    def get(self, indicator_id: str, geography: str) -> pd.DataFrame:
        """The measure's whole-cohort rows of one area, in table order (empty when none)."""
        found = self.positions.get((indicator_id, geography))
        return self.rows.iloc[found] if found is not None else self.rows.iloc[:0]


def latest_row(rows: pd.DataFrame, period_end: pd.Timestamp, window: str) -> pd.Series | None:
    """The row of the headline window at the period end, else the latest on or before it.

    ``rows`` are one area's whole-cohort rows of one measure; at the period end the ``window``
    row wins, then a yearly one; before it the latest period end (a yearly row before a rolling
    one of the same date).
    """
    rows = rows[rows["period_end"] <= period_end]
    if rows.empty:
        return None
    at_end = rows[rows["period_end"] == period_end]
    for kind in (window, "year"):
        match = at_end[at_end["period_type"] == kind]
        if len(match):
            return match.iloc[0]
    order = rows.assign(_year=rows["period_type"].ne("year")).sort_values(["period_end", "_year"],
                                                                           ascending=[False, True])
    return order.iloc[0]


def recent_trend(rows: pd.DataFrame, polarity: str) -> trends.TrendResult:
    """Fingertips' recent trend of one area's yearly (31 March) whole-cohort series of one measure.

    The chi-squared test for trend on the counts of the last 5 years for a percentage with counts
    (:func:`cpanalysis.trends.fingertips_trend`), otherwise weighted least squares on the values
    and their 95% intervals (:func:`cpanalysis.trends.fingertips_trend_values`); the same choice
    as :func:`cpanalysis.compare.trend`, without its other statistics.
    """
    # Yearly rows only: rolling windows overlap, and at a 31 March they repeat the year's figure.
    yearly = rows[rows["period_type"] == "year"].sort_values("period_end").drop_duplicates("period_end", keep="last")
    with_counts = yearly[yearly["numerator"].notna() & yearly["denominator"].notna()]
    if len(yearly) and (yearly["unit"] == "%").all() and len(with_counts) >= trends.TREND_POINTS:
        return trends.fingertips_trend(with_counts["numerator"], with_counts["denominator"], polarity)
    return trends.fingertips_trend_values(yearly["value"], yearly["lower_95"], yearly["upper_95"], polarity)


def _england(national: _WholeCohort | None, indicator_id: str, period_end: pd.Timestamp) -> tuple[float, object]:
    if national is None:
        return np.nan, pd.NaT
    rows = national.get(indicator_id, compare.ENGLAND)
    rows = rows[(rows["period_end"] <= period_end) & rows["value"].notna()]
    if rows.empty:
        return np.nan, pd.NaT
    row = rows.loc[rows["period_end"].idxmax()]
    return float(row["value"]), row["period_end"]


def scorecard(
    local: pd.DataFrame,
    la_code: str,
    period_end: object,
    *,
    national: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    measures: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """One row per outcome and headline measure: latest value, trend, vs England, target, change.

    Parameters
    ----------
    local : DataFrame
        The authority's tidy indicator table (``source="local"``; disclosure control already
        applied for an external audience: a suppressed value stays suppressed here).
    la_code : str
    period_end : date-like
        The quarter end reported on (``year`` window at 31 March, else ``rolling_12m``).
    national : DataFrame, optional
        DfE's tidy rows (England, and the authority's published rows used for measures it does
        not compute, such as attainment). None without the national files.
    targets : DataFrame, optional
        :func:`read_targets`.
    changes : DataFrame, optional
        :func:`cpanalysis.reports.changes.compare_runs` of the previous run against this one.
    measures : dict, optional
        Outcome -> indicator ids; default :data:`OUTCOME_MEASURES`.

    Returns
    -------
    DataFrame
        Columns :data:`SCORECARD_COLUMNS`; measures with no value at all (no local measure file,
        no national files) are left out. ``trend`` is the Fingertips direction on the yearly
        series of the same source as the value; ``vs_england`` Better / Similar / Worse / Higher /
        Lower / Not compared, ``""`` with no England figure (or for a count); ``target_status``
        Met / Not met / Not assessed, ``""`` without a target.
    """
    end = pd.Timestamp(period_end)
    window = "year" if (end.month, end.day) == (3, 31) else "rolling_12m"
    measures = OUTCOME_MEASURES if measures is None else measures
    local = _WholeCohort(local, (la_code,))
    national = _WholeCohort(national, (la_code, compare.ENGLAND)) if national is not None else None
    aims = targets.set_index("indicator_id") if targets is not None and len(targets) else None
    moved = changes.set_index("indicator_id") if changes is not None and len(changes) else None
    rows = []
    for outcome, ids in measures.items():
        for indicator_id in ids:
            own = local.get(indicator_id, la_code)
            source_rows = own
            if own.empty and national is not None:
                # Not computed locally (attainment): the authority's published DfE rows.
                source_rows = national.get(indicator_id, la_code)
            row = latest_row(source_rows, end, window)
            if row is None:
                continue
            polarity = str(row["polarity"])
            result = recent_trend(source_rows, polarity)
            bench, bench_end = _england(national, indicator_id, end)
            unit = str(row["unit"])
            suppressed = "" if pd.isna(row["suppressed"]) else str(row["suppressed"])
            versus = ""
            if np.isfinite(bench) and unit != "count":
                n = None if unit == "rate_per_10k" else row["denominator"]
                versus = versus_label(row["value"], row["lower_95"], row["upper_95"], bench, polarity,
                                      n, suppressed)
            out = {
                "outcome": outcome, "outcome_title": catalogue.OUTCOMES[outcome], "indicator_id": indicator_id,
                "indicator": title_of(indicator_id), "unit": unit, "polarity": polarity,
                "source": row["source"], "period_end": row["period_end"], "period_type": row["period_type"],
                **{c: row[c] for c in ("numerator", "denominator", "value", "lower_95", "upper_95")},
                "suppressed": suppressed, "trend": result.direction, "trend_assessment": result.assessment,
                "trend_arrow": trend_arrow(result.direction), "trend_years": result.n_points,
                "trend_reason": result.reason,
                "england_value": bench, "england_period_end": bench_end if np.isfinite(bench) else pd.NaT,
                "vs_england": versus,
                "target": np.nan, "target_comparison": "", "target_source": "", "target_status": "",
            }
            if aims is not None and indicator_id in aims.index:
                aim = aims.loc[indicator_id]
                out.update(target=float(aim["target"]), target_comparison=aim["comparison"],
                           target_source=aim["source"],
                           target_status=target_status(row["value"], aim["target"], aim["comparison"], suppressed))
            if moved is not None and indicator_id in moved.index:
                out.update({new: moved.loc[indicator_id, old] for old, new in _CHANGE_FIELDS.items()})
            rows.append(out)
    table = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
    for column in ("previous_period_end", "england_period_end", "period_end"):
        table[column] = pd.to_datetime(table[column])
    return table


def target_summary(card: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: measures shown, with a target, met, not met, improving and worsening trends."""
    grouped = card.groupby(["outcome", "outcome_title"], sort=True)
    return pd.DataFrame({
        "measures": grouped.size(),
        "with_target": grouped["target_status"].apply(lambda s: int((s != "").sum())),
        "met": grouped["target_status"].apply(lambda s: int((s == MET).sum())),
        "not_met": grouped["target_status"].apply(lambda s: int((s == NOT_MET).sum())),
        "getting_better": grouped["trend_assessment"].apply(lambda s: int(s.str.endswith("getting better").sum())),
        "getting_worse": grouped["trend_assessment"].apply(lambda s: int(s.str.endswith("getting worse").sum())),
    }).reset_index()
