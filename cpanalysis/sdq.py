"""SDQ score changes: pairs, reliable change, paired tests, band transitions, trajectories.

The Strengths and Difficulties Questionnaire total difficulties score (0-40, lower is better)
is held in OC2 (``oc2.sdq_score``) for children looked after continuously for 12 months at
31 March, **one score per child per collection year and no assessment date**. Methods follow
``docs/methods.md`` §1:

- :func:`sdq_pairs`: pairs of scores per child. The methods note asks for two assessments
  6-18 months apart; with one undated score per year, the only pairs that are certainly in that
  range are scores from **consecutive annual returns** (nominally 12 months apart), the default.
  ``pairing="first_latest"`` compares each child's first and latest score instead.
- :func:`reliable_change`: Jacobson & Truax reliable change index with SD and reliability as
  parameters (SD 5.8, r 0.72: a change of 9 points or more is reliable; sensitivity r 0.62: 10
  or more), categories with Wilson intervals.
- :func:`paired_change`: paired t (mean change with its interval) and Wilcoxon signed-rank with
  Pratt's handling of zero changes.
- :func:`band_transitions` and :func:`band_tests`: the 3x3 band table, Stuart-Maxwell marginal
  homogeneity and the exact McNemar test of "cause for concern" vs not.
- :func:`trajectory_data` and :func:`trajectory_model`: a linear mixed model of every score.
- :func:`completion` and :func:`with_and_without_scores`: who has a score, and how those without
  differ.
- :func:`regression_to_mean_note`: the regression-to-the-mean caveat, in words with the numbers.

Every function takes a cohort filter and a breakdown (:mod:`cpanalysis.cohort`) and never shows
a statistic on fewer than ``min_children`` children (the row stays, NaN, with a ``note``).
Individual children's changes are never part of an output table (methods.md §1.2, note 4).
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from cpanalysis import codes, periods, stats
from cpanalysis.cohort import (
    MIN_CHILDREN,
    child_attributes,
    groups,
    move_number,
    moves_band,
    restrict,
    too_few,
    without_short_breaks,
)
from cpanalysis.errors import ParameterError

# scipy.stats and statsmodels' submodules are imported inside the functions that use them, so a
# notebook kernel that never tests an SDQ change does not pay for their start-up.

#: Default SD of the total difficulties score: UK parent-report norm, pooled over sexes (methods.md §1.2).
SDQ_SD = 5.8
#: Default reliability (parent total score retest, Goodman 2001, to be verified) and the sensitivity value.
SDQ_RELIABILITY = 0.72
SDQ_RELIABILITY_SENSITIVITY = 0.62

IMPROVED = "Reliably improved"
NO_CHANGE = "No reliable change"
DETERIORATED = "Reliably deteriorated"
RECOVERED = "Reliably improved out of the concern band"
CATEGORIES = (IMPROVED, NO_CHANGE, DETERIORATED, RECOVERED)

BAND_ORDER = tuple(name for name, _, _ in codes.SDQ_BANDS)
CONCERN = BAND_ORDER[-1]

Pairing = Literal["consecutive", "all_consecutive", "first_latest"]


# ---------------------------------------------------------------------------------------------
# Scores and pairs
# ---------------------------------------------------------------------------------------------


def sdq_scores(oc2: pd.DataFrame) -> pd.DataFrame:
    """Valid SDQ scores, one row per child and collection year.

    A valid score is an integer from 0 to 40 (``codes.SDQ_MIN``-``SDQ_MAX``); blanks and values out
    of range (which validation reports) are not scores.

    Returns
    -------
    DataFrame
        ``child_id, collection_year, score`` sorted by child and year.

    Raises
    ------
    ParameterError
        If a column is missing or a child has two OC2 rows in one collection year (the processed
        ``oc2`` table keeps one, latest return wins).
    """
    missing = [c for c in ("child_id", "collection_year", "sdq_score") if c not in oc2.columns]
    if missing:
        raise ParameterError(
            f"the oc2 table has no column(s) {', '.join(missing)} (see docs/architecture.md)"
        )
    duplicated = oc2.duplicated(["child_id", "collection_year"])
    if duplicated.any():
        raise ParameterError(
            f"the oc2 table has {int(duplicated.sum())} repeated child/collection-year rows; "
            "build the processed tables first (one OC2 row per child per year)"
        )
    score = pd.to_numeric(oc2["sdq_score"], errors="coerce")
    valid = score.between(codes.SDQ_MIN, codes.SDQ_MAX) & (score == score.round())
    out = pd.DataFrame(
        {
            "child_id": oc2.loc[valid, "child_id"].astype(str),
            "collection_year": oc2.loc[valid, "collection_year"].astype(int),
            "score": score[valid].astype(int),
        }
    )
    return out.sort_values(["child_id", "collection_year"], kind="stable").reset_index(drop=True)


def _band(scores: pd.Series) -> list[str | None]:
    return [codes.sdq_band(s) for s in scores]


def sdq_pairs(
    oc2: pd.DataFrame,
    *,
    pairing: Pairing = "consecutive",
    end_year: int | None = None,
    placements: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Pairs of SDQ scores of the same child (baseline ``score_1``, follow-up ``score_2``).

    OC2 holds one undated score per child per collection year, so the methods note's rule of two
    assessments **6 to 18 months apart** maps to scores in **consecutive annual returns**
    (``year_2 = year_1 + 1``, nominally 12 months apart).

    Parameters
    ----------
    oc2 : DataFrame
        The processed ``oc2`` table.
    pairing : {"consecutive", "all_consecutive", "first_latest"}; default "consecutive"
        ``"consecutive"``: one pair per child, its latest two scores from consecutive years;
        ``"all_consecutive"``: every consecutive-year pair (a child can give several pairs: the
        analyses then count children, not pairs, for the small-number rule, but the pairs are
        not independent); ``"first_latest"``: each child's first and latest score, whatever the
        gap (``years_apart``).
    end_year : int or None
        Keep only pairs whose follow-up score is in this collection year (e.g. 2025 for the
        change from 2023-24 to 2024-25).
    placements : DataFrame or None
        The processed ``placements`` table. When given, ``moves_between`` (moves starting after
        31 March of ``year_1`` up to 31 March of ``year_2``) and ``placement_changed`` (any new
        placement in that time, so the carer who rated the child probably changed) are filled.

    Returns
    -------
    DataFrame
        Child level (never for reports): ``child_id, year_1, year_2, years_apart, score_1,
        score_2, change (score_2 - score_1; negative is improvement), band_1, band_2,
        moves_between, moves_between_band, placement_changed``.
    """
    if pairing not in ("consecutive", "all_consecutive", "first_latest"):
        raise ParameterError(
            f"pairing must be 'consecutive', 'all_consecutive' or 'first_latest'; got {pairing!r}"
        )
    scores = sdq_scores(oc2)
    if pairing == "first_latest":
        grouped = scores.groupby("child_id", sort=True)
        first, last = grouped.head(1).set_index("child_id"), grouped.tail(1).set_index("child_id")
        both = first.join(last, suffixes=("_1", "_2"))
        both = both[both["collection_year_1"] < both["collection_year_2"]].reset_index()
        if end_year is not None:
            both = both[both["collection_year_2"] == end_year]
    else:
        nxt = scores.groupby("child_id").shift(-1)
        both = scores.join(nxt, suffixes=("_1", "_2")).dropna(subset=["collection_year_2"])
        both = both[both["collection_year_2"] == both["collection_year_1"] + 1]
        if end_year is not None:
            both = both[both["collection_year_2"] == end_year]
        if pairing == "consecutive":
            both = both.groupby("child_id").tail(1)
    out = pd.DataFrame(
        {
            "child_id": both["child_id"].astype(str).to_numpy(),
            "year_1": both["collection_year_1"].astype(int).to_numpy(),
            "year_2": both["collection_year_2"].astype(int).to_numpy(),
            "score_1": both["score_1"].astype(int).to_numpy(),
            "score_2": both["score_2"].astype(int).to_numpy(),
        }
    )
    out["years_apart"] = out["year_2"] - out["year_1"]
    out["change"] = out["score_2"] - out["score_1"]
    out["band_1"] = _band(out["score_1"])
    out["band_2"] = _band(out["score_2"])
    out["moves_between"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["placement_changed"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if placements is not None and len(out):
        placed = without_short_breaks(placements).copy()
        placed["child_id"] = placed["child_id"].astype(str)
        placed["move_number"] = move_number(placed)
        merged = (
            out[["child_id", "year_1", "year_2"]]
            .reset_index()
            .merge(placed[["child_id", "start", "move_number"]], on="child_id", how="left")
        )
        inside = (merged["start"] > merged["year_1"].map(periods.year_end)) & (
            merged["start"] <= merged["year_2"].map(periods.year_end)
        )
        counts = merged[inside].groupby("index")
        out["moves_between"] = (
            counts["move_number"]
            .apply(lambda m: int((m > 0).sum()))
            .reindex(out.index)
            .fillna(0)
            .astype("Int64")
        )
        out["placement_changed"] = (
            counts.size().reindex(out.index).fillna(0).gt(0).astype("boolean")
        )
    out["moves_between_band"] = [moves_band(m) for m in out["moves_between"]]
    columns = [
        "child_id", "year_1", "year_2", "years_apart", "score_1", "score_2", "change", "band_1",
        "band_2", "moves_between", "moves_between_band", "placement_changed",
    ]  # fmt: skip
    return out[columns]


# ---------------------------------------------------------------------------------------------
# Reliable change
# ---------------------------------------------------------------------------------------------


def _check_reliability(sd: float, reliability: float) -> None:
    if not sd > 0:
        raise ParameterError(f"the SD must be positive; got {sd}")
    if not 0 <= reliability < 1:
        raise ParameterError(f"reliability must be at least 0 and below 1; got {reliability}")


def reliable_change_threshold(
    sd: float = SDQ_SD, reliability: float = SDQ_RELIABILITY, confidence: float = 0.95
) -> float:
    """Smallest change in points that is reliable: ``z * sqrt(2) * SD * sqrt(1 - r)``.

    Jacobson & Truax (1991): SEM = SD sqrt(1 - r), S_diff = sqrt(2) SEM; a change is reliable
    when |change| / S_diff exceeds z (1.96 at 95%). Scores are whole numbers, so the smallest
    reliable change is the next whole number above the threshold.

    Examples
    --------
    >>> float(round(reliable_change_threshold(), 2))  # SD 5.8, r 0.72: 9 points or more
    8.51
    >>> float(round(reliable_change_threshold(reliability=0.62), 2))  # sensitivity: 10 or more
    9.91
    """
    _check_reliability(sd, reliability)
    return stats.z_value(confidence) * np.sqrt(2) * sd * np.sqrt(1 - reliability)


def reliable_change_index(
    score_1: pd.Series | np.ndarray,
    score_2: pd.Series | np.ndarray,
    sd: float = SDQ_SD,
    reliability: float = SDQ_RELIABILITY,
) -> np.ndarray:
    """Reliable change index ``(score_2 - score_1) / (sqrt(2) * SD * sqrt(1 - r))`` (Jacobson & Truax 1991).

    Positive values are deteriorations (higher SDQ totals mean more difficulties).
    """
    _check_reliability(sd, reliability)
    s_diff = np.sqrt(2) * sd * np.sqrt(1 - reliability)
    return (np.asarray(score_2, dtype=float) - np.asarray(score_1, dtype=float)) / s_diff


def change_category(
    score_1: pd.Series | np.ndarray,
    score_2: pd.Series | np.ndarray,
    sd: float = SDQ_SD,
    reliability: float = SDQ_RELIABILITY,
    confidence: float = 0.95,
) -> list[str]:
    """Reliable-change category of each pair: improved, no reliable change or deteriorated.

    A change is reliable when ``|RCI| > z`` (1.96 at 95%). The "improved out of the concern
    band" category of :func:`reliable_change` is a subset of "Reliably improved".
    """
    rci = reliable_change_index(score_1, score_2, sd, reliability)
    z = stats.z_value(confidence)
    return [IMPROVED if r < -z else DETERIORATED if r > z else NO_CHANGE for r in rci]


def reliable_change(
    pairs: pd.DataFrame,
    *,
    sd: float = SDQ_SD,
    reliability: float = SDQ_RELIABILITY,
    method: Literal["jacobson_truax", "maassen"] = "jacobson_truax",
    confidence: float = 0.95,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Share of children reliably improved, unchanged, reliably deteriorated, and "recovered".

    Categories (methods.md §1.2): reliably improved (the score fell by more than the reliable
    change threshold), no reliable change, reliably deteriorated (rose by more), and reliably
    improved **out of the concern band** (reliably improved, from 17 or more to 16 or less; the
    adapted Jacobson-Truax clinically significant change, CORC's "recovery"). The first three
    are shares of all pairs; the fourth is a share of the pairs that **started** in the concern
    band. Each share has a Wilson interval. SD, reliability and the threshold are printed on
    every row.

    Parameters
    ----------
    pairs : DataFrame
        :func:`sdq_pairs`.
    sd, reliability : float; default 5.8 and 0.72
        Inputs of the threshold (sensitivity run: ``reliability=0.62``).
    method : {"jacobson_truax", "maassen"}; default "jacobson_truax"
        ``"maassen"`` (Maassen 2004) uses the observed SDs of the baseline and follow-up scores
        of ``pairs``: S_diff = sqrt((1 - r)(SD_1^2 + SD_2^2)); ``sd`` is then not used.
    confidence : float; default 0.95
    cohort, children, by, attributes, min_children
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``breakdown, breakdown_value, category, n, denominator, pct, lower, upper, n_children,
        sd, reliability, method, threshold_points, smallest_reliable_change, note``.
    """
    if method not in ("jacobson_truax", "maassen"):
        raise ParameterError(f"method must be 'jacobson_truax' or 'maassen'; got {method!r}")
    if method == "maassen":
        _check_reliability(1.0, reliability)
        sd_1, sd_2 = pairs["score_1"].std(), pairs["score_2"].std()
        s_diff = float(np.sqrt((1 - reliability) * (sd_1**2 + sd_2**2)))
        effective_sd = s_diff / np.sqrt(2 * (1 - reliability))
    else:
        effective_sd = sd
    threshold = reliable_change_threshold(effective_sd, reliability, confidence)
    smallest = int(np.floor(threshold)) + 1
    data = restrict(pairs, cohort=cohort, children=children, by=by, attributes=attributes)
    data = data.assign(
        category=change_category(
            data["score_1"], data["score_2"], effective_sd, reliability, confidence
        )
    )
    rows = []
    for breakdown, value, part in groups(data, by):
        started_concern = part["score_1"] >= codes.SDQ_CONCERN_THRESHOLD
        recovered = (
            (part["category"] == IMPROVED)
            & started_concern
            & (part["score_2"] < codes.SDQ_CONCERN_THRESHOLD)
        )
        counts = [
            (IMPROVED, int((part["category"] == IMPROVED).sum()), part),
            (NO_CHANGE, int((part["category"] == NO_CHANGE).sum()), part),
            (DETERIORATED, int((part["category"] == DETERIORATED).sum()), part),
            (RECOVERED, int(recovered.sum()), part[started_concern]),
        ]
        for category, n, base in counts:
            n_children = base["child_id"].nunique()
            note = too_few(n_children, min_children)
            row = {
                "breakdown": breakdown, "breakdown_value": value, "category": category, "n": n,
                "denominator": len(base), "n_children": n_children, "sd": effective_sd,
                "reliability": reliability, "method": method, "threshold_points": threshold,
                "smallest_reliable_change": smallest, "note": note,
            }  # fmt: skip
            if not note:
                lo, hi = stats.wilson_interval(n, len(base), confidence)
                row.update(pct=100 * n / len(base), lower=100 * float(lo), upper=100 * float(hi))
            rows.append(row)
    columns = [
        "breakdown", "breakdown_value", "category", "n", "denominator", "pct", "lower", "upper",
        "n_children", "sd", "reliability", "method", "threshold_points", "smallest_reliable_change", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


# ---------------------------------------------------------------------------------------------
# Group change: paired tests and band transitions
# ---------------------------------------------------------------------------------------------


def paired_change(
    pairs: pd.DataFrame,
    *,
    confidence: float = 0.95,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Mean and median change with the paired t-test and the Wilcoxon signed-rank test.

    Paired t: ``scipy.stats.ttest_rel(score_2, score_1)`` with the interval of the mean change.
    Wilcoxon: ``scipy.stats.wilcoxon(change, zero_method="pratt")`` (zero changes, common with
    whole-number scores, stay in the ranking: the conservative choice; methods.md §1.5). The
    paired sample holds only children who stayed in care for both returns: a selected group.

    Returns
    -------
    DataFrame
        ``breakdown, breakdown_value, n_pairs, n_children, mean_1, mean_2, mean_change, lower,
        upper, t, p_t, median_change, wilcoxon, p_wilcoxon, note``.
    """
    from scipy import stats as sps

    data = restrict(pairs, cohort=cohort, children=children, by=by, attributes=attributes)
    rows = []
    for breakdown, value, part in groups(data, by):
        n_children = part["child_id"].nunique()
        row = {"breakdown": breakdown, "breakdown_value": value, "n_pairs": len(part), "n_children": n_children,
               "note": too_few(n_children, min_children)}  # fmt: skip
        if not row["note"]:
            before, after = part["score_1"].astype(float), part["score_2"].astype(float)
            change = after - before
            row.update(
                mean_1=before.mean(),
                mean_2=after.mean(),
                mean_change=change.mean(),
                median_change=change.median(),
            )
            if (change == change.iloc[0]).all():
                row["note"] = "every child changed by the same amount: tests not defined"
            else:
                test = sps.ttest_rel(after, before)
                ci = test.confidence_interval(confidence)
                with np.errstate(divide="ignore", invalid="ignore"):
                    wil = sps.wilcoxon(change, zero_method="pratt")
                row.update(lower=float(ci.low), upper=float(ci.high), t=float(test.statistic), p_t=float(test.pvalue),
                           wilcoxon=float(wil.statistic), p_wilcoxon=float(wil.pvalue))  # fmt: skip
        rows.append(row)
    columns = [
        "breakdown", "breakdown_value", "n_pairs", "n_children", "mean_1", "mean_2", "mean_change",
        "lower", "upper", "t", "p_t", "median_change", "wilcoxon", "p_wilcoxon", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def _square(part: pd.DataFrame) -> np.ndarray:
    table = pd.crosstab(
        pd.Categorical(part["band_1"], categories=BAND_ORDER),
        pd.Categorical(part["band_2"], categories=BAND_ORDER),
        dropna=False,
    )
    return table.reindex(index=BAND_ORDER, columns=BAND_ORDER, fill_value=0).to_numpy()


def band_transitions(
    pairs: pd.DataFrame,
    *,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """The 3x3 table of SDQ band at the first score against band at the second (long form).

    Bands: normal 0-13, borderline 14-16, cause for concern 17-40 (``codes.SDQ_BANDS``).

    Returns
    -------
    DataFrame
        Nine rows per group: ``breakdown, breakdown_value, band_1, band_2, n, pct_of_band_1``
        (row percentage), ``n_children, note``; counts are NaN when not produced.
    """
    data = restrict(pairs, cohort=cohort, children=children, by=by, attributes=attributes)
    rows = []
    for breakdown, value, part in groups(data, by):
        n_children = part["child_id"].nunique()
        note = too_few(n_children, min_children)
        table = _square(part)
        for i, b1 in enumerate(BAND_ORDER):
            for j, b2 in enumerate(BAND_ORDER):
                row = {"breakdown": breakdown, "breakdown_value": value, "band_1": b1, "band_2": b2,
                       "n_children": n_children, "note": note}  # fmt: skip
                if not note:
                    total = table[i].sum()
                    row.update(
                        n=int(table[i, j]),
                        pct_of_band_1=100 * table[i, j] / total if total else np.nan,
                    )
                rows.append(row)
    columns = [
        "breakdown",
        "breakdown_value",
        "band_1",
        "band_2",
        "n",
        "pct_of_band_1",
        "n_children",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def band_tests(
    pairs: pd.DataFrame,
    *,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """Did the band distribution change? Stuart-Maxwell (3 bands) and exact McNemar (concern or not).

    statsmodels ``SquareTable(table).homogeneity()`` (Stuart-Maxwell marginal homogeneity) and
    ``mcnemar([[concern->concern, concern->not], [not->concern, not->not]], exact=True)``.

    Returns
    -------
    DataFrame
        Two rows per group: ``breakdown, breakdown_value, test, statistic, df, p_value, n_pairs,
        n_left_concern, n_entered_concern, n_children, note``.
    """
    from statsmodels.stats.contingency_tables import SquareTable, mcnemar

    data = restrict(pairs, cohort=cohort, children=children, by=by, attributes=attributes)
    rows = []
    for breakdown, value, part in groups(data, by):
        n_children = part["child_id"].nunique()
        note = too_few(n_children, min_children)
        table = _square(part)
        left = int(table[2, :2].sum())
        entered = int(table[:2, 2].sum())
        base = {"breakdown": breakdown, "breakdown_value": value, "n_pairs": len(part), "n_children": n_children,
                "n_left_concern": left, "n_entered_concern": entered, "note": note}  # fmt: skip
        sm_row = {**base, "test": "Stuart-Maxwell (3 bands)"}
        mc_row = {**base, "test": "McNemar exact (cause for concern or not)"}
        if not note:
            with np.errstate(divide="ignore", invalid="ignore"):
                homogeneity = SquareTable(table, shift_zeros=False).homogeneity()
            sm_row.update(
                statistic=float(homogeneity.statistic),
                df=int(homogeneity.df),
                p_value=float(homogeneity.pvalue),
            )
            stay = int(table[2, 2])
            never = int(table[:2, :2].sum())
            result = mcnemar([[stay, left], [entered, never]], exact=True)
            mc_row.update(
                statistic=float(result.statistic), df=np.nan, p_value=float(result.pvalue)
            )
        rows += [sm_row, mc_row]
    columns = [
        "breakdown", "breakdown_value", "test", "statistic", "df", "p_value", "n_pairs",
        "n_left_concern", "n_entered_concern", "n_children", "note",
    ]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def regression_to_mean_note(pairs: pd.DataFrame, *, min_children: int = MIN_CHILDREN) -> str:
    """The regression-to-the-mean caveat in plain English, with this cohort's numbers.

    If true scores did not change, a child starting at ``x`` would still be expected to change by
    ``(rho - 1)(x - mu)`` (methods.md §1.4), where ``rho`` is the correlation between the first and
    second scores and ``mu`` the mean first score. The note compares that expected change for
    children who started in the concern band (17+) with the change seen, and adds the selection
    caveat of paired samples (only children still in care for both returns are paired).

    Returns
    -------
    str
        A paragraph for a report (no child is identifiable from it).
    """
    n_children = pairs["child_id"].nunique() if len(pairs) else 0
    if too_few(n_children, min_children):
        return (
            f"Regression to the mean: not assessed, because fewer than {min_children} children have two "
            "scores to compare."
        )
    first, second = pairs["score_1"].astype(float), pairs["score_2"].astype(float)
    mu = first.mean()
    rho = (
        float(np.corrcoef(first, second)[0, 1]) if first.std() > 0 and second.std() > 0 else np.nan
    )
    concern = pairs[pairs["score_1"] >= codes.SDQ_CONCERN_THRESHOLD]
    text = (
        f"Regression to the mean: across the {n_children} children with two scores, the average first score was "
        f"{mu:.1f} and the correlation between first and second scores was {rho:.2f}. "
    )
    if len(concern) and np.isfinite(rho):
        start = concern["score_1"].mean()
        expected = (rho - 1) * (start - mu)
        seen = concern["change"].mean()
        below = int((concern["score_2"] < codes.SDQ_CONCERN_THRESHOLD).sum())
        text += (
            f"The {len(concern)} children whose first score was a cause for concern (17 or more; average {start:.1f}) "
            f"changed by {seen:+.1f} points on average and {below} of them scored below 17 the next time. With this "
            f"correlation, chance alone would move them by about {expected:+.1f} points even if nothing had really "
            "changed, so only the difference between the two is evidence of real change. "
        )
    text += (
        "High scorers tend to score lower and low scorers higher on a second measurement, so changes should not be "
        "reported only for children who started in the concern band; reliable deterioration is shown beside "
        "improvement. Only children still looked after for both returns are paired, so they are a selected group."
    )
    return text


# ---------------------------------------------------------------------------------------------
# Trajectories: linear mixed model
# ---------------------------------------------------------------------------------------------


def trajectory_data(oc2: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every valid score with the child's characteristics at that 31 March, for the mixed model.

    Returns
    -------
    DataFrame
        Child level (not for reports): ``child_id, collection_year, score, years`` (years since the
        child's first score), ``age`` (at 31 March), ``age_at_first``, ``years_in_care`` (at 31
        March), ``years_in_care_at_first``, ``moves_12m`` (moves in the year to 31 March),
        ``n_moves`` (moves in the current period of care so far), ``placement_group``, ``sex``,
        ``uasc_on_date`` (UASC on that 31 March: a characteristic at the date, as DfE reads it).
    """
    scores = sdq_scores(oc2)
    frames = []
    for year, part in scores.groupby("collection_year"):
        attrs = child_attributes(tables, periods.year_end(int(year)))
        keep = [
            "child_id",
            "age",
            "years_in_care",
            "moves_12m",
            "n_moves",
            "placement_group",
            "sex",
            "uasc_on_date",
        ]
        frames.append(part.merge(attrs[keep], on="child_id", how="left"))
    if not frames:
        return pd.DataFrame(columns=["child_id", "collection_year", "score", "years", "age", "age_at_first",
                                     "years_in_care", "years_in_care_at_first", "moves_12m", "n_moves",
                                     "placement_group", "sex", "uasc_on_date"])  # fmt: skip
    data = pd.concat(frames, ignore_index=True).sort_values(
        ["child_id", "collection_year"], kind="stable"
    )
    first = data.groupby("child_id")
    data["years"] = data["collection_year"] - first["collection_year"].transform("min")
    data["age_at_first"] = first["age"].transform("first").astype(float)
    data["years_in_care_at_first"] = first["years_in_care"].transform("first")
    data["age"] = data["age"].astype(float)
    data["n_moves"] = data["n_moves"].astype(float)
    return data.reset_index(drop=True)


#: Default fixed effects besides time (methods.md §1.6; "years in care" enters as time in care at
#: the first score plus ``years`` since it, which for continuous care equals years in care at each score).
TRAJECTORY_COVARIATES = ("age_at_first", "years_in_care_at_first", "moves_12m")


def trajectory_model(
    data: pd.DataFrame,
    *,
    covariates: Sequence[str] = TRAJECTORY_COVARIATES,
    time: str = "years",
    cohort: str | None = None,
    children: Collection[str] | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Linear mixed model of SDQ score on time, age and placement stability (statsmodels MixedLM).

    ``score ~ time + covariates`` with a random intercept and a random slope on ``time`` by child
    (``re_formula="~time"``), fitted by REML with the lbfgs optimiser (methods.md §1.6). It uses
    every score, including children with only one, and is valid when scores are missing at
    random; it does **not** correct for children leaving the data because they deteriorated.
    If fewer than ``min_children`` children have two or more scores, or the random-slope model
    fails, does not converge, lies on the boundary (zero slope variance) or is singular (common
    when most children have one or two scores), a random-intercept model is fitted instead and
    ``model`` says so.

    Parameters
    ----------
    data : DataFrame
        :func:`trajectory_data` (or any table with ``child_id``, ``score``, ``time`` and the covariates).
    covariates : sequence of str; default ("age_at_first", "years_in_care_at_first", "moves_12m")
    time : str; default "years"
        Time variable of the slope (years since the first score).
    cohort, children, attributes, min_children, confidence
        See :mod:`cpanalysis.cohort`.

    Returns
    -------
    DataFrame
        ``term, estimate, lower, upper, p_value`` for each fixed effect (points per unit; the
        ``time`` row is the average change per year), then ``"SD of child intercepts"`` and
        ``"SD of child slopes"`` rows (estimate only); with ``model, n_children, n_scores, note``.
    """
    needed = ["child_id", "score", time, *covariates]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ParameterError(
            f"the trajectory data has no column(s) {', '.join(missing)}; use sdq.trajectory_data"
        )
    data = restrict(data, cohort=cohort, children=children, attributes=attributes).dropna(subset=needed)
    columns = [
        "term",
        "estimate",
        "lower",
        "upper",
        "p_value",
        "model",
        "n_children",
        "n_scores",
        "note",
    ]
    base = {"n_children": data["child_id"].nunique(), "n_scores": len(data)}
    note = too_few(base["n_children"], min_children)
    if note:
        return pd.DataFrame([{**base, "term": "(model)", "note": note}]).reindex(columns=columns)
    model_data = data[needed].copy()
    for column in [time, *covariates]:
        model_data[column] = model_data[column].astype(float)
    model_data["score"] = model_data["score"].astype(float)
    formula = "score ~ " + " + ".join([time, *covariates])
    with_slope = int((model_data.groupby("child_id")[time].nunique() > 1).sum())
    result, model_name = _fit_mixed(formula, model_data, time, slopes=with_slope >= min_children)
    if with_slope < min_children:
        model_name = (
            f"random intercept only (fewer than {min_children} children have two or more scores)"
        )
    if result is None:
        return pd.DataFrame(
            [
                {
                    **base,
                    "term": "(model)",
                    "model": model_name,
                    "note": "not produced: the model could not be fitted (check for covariates that never vary)",
                }
            ]
        ).reindex(columns=columns)
    fixed = result.fe_params.index
    ci = result.conf_int(alpha=1 - confidence).loc[fixed]
    out = pd.DataFrame(
        {
            "term": list(fixed),
            "estimate": result.fe_params.to_numpy(),
            "lower": ci[0].to_numpy(),
            "upper": ci[1].to_numpy(),
            "p_value": result.pvalues.loc[fixed].to_numpy(),
        }  # fmt: skip
    )
    cov = np.asarray(result.cov_re)
    extra = [{"term": "SD of child intercepts", "estimate": float(np.sqrt(cov[0, 0]))}]
    if cov.shape[0] > 1:
        extra.append({"term": "SD of child slopes", "estimate": float(np.sqrt(cov[1, 1]))})
    out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True).assign(
        model=model_name, note="", **base
    )
    return out.reindex(columns=columns)


def _fit_mixed(formula: str, data: pd.DataFrame, time: str, slopes: bool = True):
    """Random intercept and slope; random intercept when that fails (returns result, description).

    The slope model "fails" when it raises, does not converge, warns that the estimate is on the
    boundary of the parameter space (a slope variance of zero) or has a singular covariance.
    """
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    attempts = [("random intercept and slope", f"~{time}")] if slopes else []
    attempts.append(("random intercept only (the slope model failed)", None))
    for name, re_formula in attempts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = MixedLM.from_formula(formula, data, groups=data["child_id"], re_formula=re_formula)
                result = model.fit(reml=True, method="lbfgs")
            except (np.linalg.LinAlgError, ValueError):
                continue
        troubled = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        singular = (
            re_formula is not None and np.linalg.eigvalsh(np.asarray(result.cov_re)).min() <= 1e-8
        )
        if re_formula is not None and (troubled or singular or not result.converged):
            continue
        return result, name
    return None, "random intercept only"


# ---------------------------------------------------------------------------------------------
# Completion and who is missing
# ---------------------------------------------------------------------------------------------


def _eligible(oc2: pd.DataFrame, years: Sequence[int], ages: tuple[int, int]) -> pd.DataFrame:
    if "dob" not in oc2.columns:
        raise ParameterError("the oc2 table has no dob column (see docs/architecture.md)")
    rows = oc2[oc2["collection_year"].isin(list(years))].copy()
    rows["child_id"] = rows["child_id"].astype(str)
    rows["age"] = periods.age_at(rows["dob"], rows["collection_year"].map(periods.year_end))
    rows = rows[rows["age"].between(*ages)]
    valid = sdq_scores(rows)
    key = rows["child_id"] + "|" + rows["collection_year"].astype(str)
    rows["has_score"] = key.isin(
        valid["child_id"] + "|" + valid["collection_year"].astype(str)
    ).to_numpy()
    return rows


def completion(
    oc2: pd.DataFrame,
    years: Sequence[int],
    *,
    ages: tuple[int, int] = (5, 16),
    confidence: float = 0.95,
    cohort: str | None = None,
    children: Collection[str] | None = None,
    by: str | None = None,
    attributes: pd.DataFrame | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """SDQ completion rate: children with a valid score among those eligible, each year.

    DfE (EES, LG Inform 2135): children looked after continuously for 12 months at 31 March (the
    OC2 cohort, which already excludes short breaks) aged 5 to 16 at 31 March; numerator those
    with a valid score (0-40). Ages are a parameter (the collection covers 4-16).

    Returns
    -------
    DataFrame
        ``collection_year, breakdown, breakdown_value, n_eligible, n_with_score, pct, lower,
        upper, note``.
    """
    rows_ = _eligible(oc2, years, ages)
    data = restrict(rows_, cohort=cohort, children=children, by=by, attributes=attributes)
    rows = []
    for year in years:
        frame = data[data["collection_year"] == year]
        for breakdown, value, part in groups(frame, by):
            n = part["child_id"].nunique()
            row = {"collection_year": year, "breakdown": breakdown, "breakdown_value": value, "n_eligible": n,
                   "n_with_score": int(part["has_score"].sum()), "note": too_few(n, min_children)}  # fmt: skip
            if not row["note"]:
                lo, hi = stats.wilson_interval(row["n_with_score"], n, confidence)
                row.update(
                    pct=100 * row["n_with_score"] / n, lower=100 * float(lo), upper=100 * float(hi)
                )
            rows.append(row)
    columns = [
        "collection_year",
        "breakdown",
        "breakdown_value",
        "n_eligible",
        "n_with_score",
        "pct",
        "lower",
        "upper",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


#: Characteristics compared between children with and without a score (methods.md §1.1), all on
#: the year's 31 March: UASC is ``uasc_on_date`` (DfE's reading), not whether the child was ever UASC.
COMPARED_NUMERIC = ("age", "years_in_care", "n_moves")
COMPARED_CATEGORIES = ("placement_group", "sex", "uasc_on_date")


def with_and_without_scores(
    oc2: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    year: int,
    *,
    ages: tuple[int, int] = (5, 16),
    cohort: str | None = None,
    children: Collection[str] | None = None,
    min_children: int = MIN_CHILDREN,
) -> pd.DataFrame:
    """How eligible children without a score differ from those with one (age, time in care, placement).

    Cocker et al. (2018) found national SDQ samples unrepresentative, so every SDQ output shows
    who is missing. Characteristics at 31 March of ``year`` come from
    :func:`cpanalysis.cohort.child_attributes`. Numeric ones are compared with Welch's t-test
    (``scipy.stats.ttest_ind(equal_var=False)``), categorical ones with a chi-squared test of
    the whole distribution (``scipy.stats.chi2_contingency``).

    Returns
    -------
    DataFrame
        ``characteristic, value ("mean" or a category), with_score, without_score (means, or %
        of each group), n_with, n_without, p_value (one per characteristic), note``.
    """
    from scipy import stats as sps

    attrs = child_attributes(tables, periods.year_end(year))
    eligible = _eligible(oc2, [year], ages)
    eligible = restrict(eligible, cohort=cohort, children=children, attributes=attrs)
    data = eligible[["child_id", "has_score"]].merge(
        attrs.drop(columns=["age"]), on="child_id", how="left"
    )
    data["age"] = eligible["age"].astype(float).to_numpy()
    has = data["has_score"]
    n_with, n_without = int(has.sum()), int((~has).sum())
    note = too_few(min(n_with, n_without), min_children)
    rows = []
    for column in COMPARED_NUMERIC:
        values = pd.to_numeric(data[column], errors="coerce").astype(float)
        row = {
            "characteristic": column,
            "value": "mean",
            "n_with": n_with,
            "n_without": n_without,
            "note": note,
        }
        if not note:
            a, b = values[has].dropna(), values[~has].dropna()
            row.update(with_score=a.mean(), without_score=b.mean())
            if len(a) > 1 and len(b) > 1 and (a.std() > 0 or b.std() > 0):
                row["p_value"] = float(sps.ttest_ind(a, b, equal_var=False).pvalue)
        rows.append(row)
    for column in COMPARED_CATEGORIES:
        labels = data[column].map(lambda v: "Not known" if pd.isna(v) else str(v))
        table = pd.crosstab(labels, has).reindex(columns=[True, False], fill_value=0)
        p_value = np.nan
        if not note and table.shape[0] > 1:
            p_value = float(sps.chi2_contingency(table.to_numpy()).pvalue)
        for category, counts in table.iterrows():
            row = {
                "characteristic": column,
                "value": category,
                "n_with": n_with,
                "n_without": n_without,
                "note": note,
            }
            if not note:
                row.update(
                    with_score=100 * counts[True] / n_with,
                    without_score=100 * counts[False] / n_without,
                    p_value=p_value,
                )
            rows.append(row)
    columns = [
        "characteristic",
        "value",
        "with_score",
        "without_score",
        "n_with",
        "n_without",
        "p_value",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)
