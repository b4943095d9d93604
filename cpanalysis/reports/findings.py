""""What this shows": the plain findings a report page opens with, generated from its results.

A scrutiny panel member reads the first paragraph of a page and perhaps nothing else. So each page
opens with two to four sentences made from the figures below them, in this order:

1. the page's lead measure now, with its 95% interval;
2. what changed beyond chance since the same period a year earlier (the Newcombe interval of the
   difference for percentages, non-overlapping intervals otherwise: the rule of
   :func:`cpanalysis.reports.changes.compare_runs`), better or worse by the measure's polarity;
3. the five-year trend (Fingertips' test) where it is getting better or worse;
4. England: where the authority is better or worse than England's latest published figure.

Nothing here computes a statistic of its own: the scorecard (:func:`cpanalysis.scorecard.scorecard`)
and the run comparison give every number, this module words them.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from cpanalysis import disclosure
from cpanalysis.indicators import catalogue
from cpanalysis.reports.loading import NotebookData
from cpanalysis.reports.wording import format_value, period_label

#: The catalogue set each page's findings cover (:func:`cpanalysis.indicators.catalogue.measure_set`:
#: a ``*_lead`` set, its lead measure first, or an outcome's headlines); ``None``: every headline
#: measure of the strategy scorecard (:data:`cpanalysis.indicators.catalogue.HEADLINES`).
PAGE_SETS: dict[str, str | None] = {
    "profile": "profile_lead",
    "outcome_trends": None,
    "sdq_changes": "sdq_lead",
    "placement_moves": "O3",
    "care_leavers": "care_leavers_lead",
    "national_comparison": None,
    "strategy_scorecard": None,
}
#: The measures each page's findings cover, read from the catalogue (nothing listed here by hand).
PAGE_MEASURES: dict[str, tuple[str, ...] | None] = {
    page: None if name is None else catalogue.measure_set(name) for page, name in PAGE_SETS.items()
}
#: Measures named in one list before "and N more".
LISTED = 4


def _listing(names: list[str], sep: str = ", ") -> str:
    """``a, b and c`` (``sep`` between all but the last two), at most :data:`LISTED` names."""
    shown = names[:LISTED]
    text = sep.join(shown[:-1]) + (f" and {shown[-1]}" if len(shown) > 1 else shown[0])
    return text + (f" (and {len(names) - LISTED} more)" if len(names) > LISTED else "")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def page_card(data: NotebookData, page: str) -> pd.DataFrame:
    """The scorecard rows of a page's measures (value, interval, trend, England), in page order."""
    from cpanalysis import scorecard

    if page not in PAGE_MEASURES:
        raise KeyError(f"unknown page {page!r}; pages: {', '.join(PAGE_MEASURES)}")
    ids = PAGE_MEASURES[page]
    # one pseudo-outcome holds the page's own measures (the scorecard needs a known outcome key)
    measures = catalogue.HEADLINES if ids is None else {next(iter(catalogue.HEADLINES)): ids}
    return scorecard.scorecard(data.indicators, data.la_code, data.period_end, national=data.national,
                               measures=measures)


def year_on_year(data: NotebookData, indicator_ids: list[str]) -> pd.DataFrame:
    """:func:`cpanalysis.reports.changes.compare_runs` of the period end against a year earlier."""
    from cpanalysis.reports.changes import compare_runs

    table = data.indicators
    ends = pd.to_datetime(table["period_end"])
    now, before = data.period_end, data.period_end - pd.DateOffset(years=1)
    keep = table["indicator_id"].isin(indicator_ids) & (table["geography"].astype(str) == str(data.la_code))
    current, previous = table[keep & (ends == now)], table[keep & (ends == before)]
    if current.empty or previous.empty:
        return pd.DataFrame()
    return compare_runs(previous, current)


def _lead_sentence(row: pd.Series, changes: pd.DataFrame) -> str:
    unit = str(row["unit"])
    if str(row["indicator_id"]).endswith("_on_date"):  # a count on one day, not over a window
        when = f"on {pd.Timestamp(row['period_end']):%-d %B %Y}"
    else:
        when = f"in {period_label(row['period_end'], str(row['period_type']))}"
    suppressed = str(row["suppressed"] or "")
    if suppressed:
        return f"{row['indicator']}: not shown {when} (too few children to publish)."
    interval = ""
    if pd.notna(row["lower_95"]) and pd.notna(row["upper_95"]) and unit not in ("count",):
        interval = (f" (95% interval {format_value(row['lower_95'], unit).rstrip('%')} to "
                    f"{format_value(row['upper_95'], unit)})")
    earlier = ""
    if not changes.empty and row["indicator_id"] in set(changes["indicator_id"]):
        change = changes.set_index("indicator_id").loc[row["indicator_id"]]
        if change["beyond_noise"] is None and pd.notna(change["previous_value"]):  # not tested: say both
            earlier = f", against {format_value(change['previous_value'], unit)} a year earlier"
    return f"{row['indicator']}: {format_value(row['value'], unit)} {when}{interval}{earlier}."


def _change_sentence(changes: pd.DataFrame) -> str:
    if changes.empty:
        return ""
    tested = changes[changes["beyond_noise"].map(lambda b: b is not None)]
    total = len(tested)
    if total == 0:  # counts have no interval: nothing to say about chance
        return ""
    beyond = tested[tested["beyond_noise"].map(lambda b: b is True)]
    if beyond.empty:
        if total == 1:
            return f"{tested['indicator'].iloc[0]} did not change beyond chance since the same period a year earlier."
        return f"None of the {total} measures tested here changed beyond chance since the same period a year earlier."
    words = []
    for _, c in beyond.iterrows():
        unit = str(c["unit"])
        verb = "rose" if c["change"] > 0 else "fell"
        judged = {"Improved": ", better", "Worsened": ", worse"}.get(str(c["verdict"]), "")
        words.append(f"{_lower_first(str(c['indicator']))} {verb} from {format_value(c['previous_value'], unit)} "
                     f"to {format_value(c['value'], unit)}{judged}")
    rest = total - len(beyond)  # of the measures tested
    tail = f"; the other {rest} did not change beyond chance" if rest > 0 else ""
    return f"Since the same period a year earlier, {_listing(words, '; ')}{tail}."


def _trend_sentence(card: pd.DataFrame) -> str:
    better = [_lower_first(str(r["indicator"])) for _, r in card.iterrows()
              if str(r["trend_assessment"]).endswith("getting better")]
    worse = [_lower_first(str(r["indicator"])) for _, r in card.iterrows()
             if str(r["trend_assessment"]).endswith("getting worse")]
    parts = []
    if better:
        parts.append(f"getting better for {_listing(better, '; ')}")
    if worse:
        parts.append(f"getting worse for {_listing(worse, '; ')}")
    if not parts:
        return ""
    return "Over five years the trend is " + "; ".join(parts) + "."


def _england_sentence(card: pd.DataFrame) -> str:
    if "vs_england" not in card or not card["vs_england"].astype(bool).any():
        return ""
    better = [_lower_first(str(r["indicator"])) for _, r in card.iterrows() if r["vs_england"] == "Better"]
    worse = [_lower_first(str(r["indicator"])) for _, r in card.iterrows() if r["vs_england"] == "Worse"]
    similar = int((card["vs_england"] == "Similar").sum())
    parts = []
    if better:
        parts.append(f"better on {_listing(better, '; ')}")
    if worse:
        parts.append(f"worse on {_listing(worse, '; ')}")
    if similar:
        parts.append(f"similar on {similar} measure{'s' if similar != 1 else ''}")
    return ("Against England's latest published figures the authority is " + "; ".join(parts) + "."
            if parts else "")


def what_this_shows(data: NotebookData, page: str, cohort_filter: str = "") -> Markdown:
    """Two to four plain sentences opening a report page: the lead measure, what changed beyond
    chance in a year, the five-year trend and England (see the module docstring).

    Parameters
    ----------
    data : NotebookData
    page : str
        A key of :data:`PAGE_MEASURES` (``"profile"``, ``"placement_moves"`` ...), or
        ``"data_quality"`` (:func:`data_quality`).
    cohort_filter : str; default ""
        The page's cohort filter: the headline measures are DfE's, for every child, so a page
        about a cohort says that these sentences are not about the cohort.
    """
    if page == "data_quality":
        return data_quality(data)
    card = page_card(data, page)
    if card.empty:
        return Markdown("**What this shows:** no measure of this page could be computed for this data.")
    ids = card["indicator_id"].tolist()
    changes = year_on_year(data, ids)
    sentences = [_lead_sentence(card.iloc[0], changes), _change_sentence(changes)]
    sentences.append(_trend_sentence(card))
    sentences.append(_england_sentence(card))
    if (cohort_filter or "").strip():
        sentences.append(f"These are DfE's measures for every child; the tables below are for the cohort "
                         f"`{cohort_filter.strip()}`.")
    text = " ".join(s for s in sentences if s)
    note = ("\n\n*\"Beyond chance\": the 95% interval of the change excludes no change. Trends use Fingertips' "
            "test on the last five years; England comparisons ask whether England's figure lies outside the "
            "authority's 95% interval.*")
    return Markdown(f"**What this shows:** {text}{note}")


def _count(n: int, audience: str) -> str:
    """A count as the page may state it: 1 to 5 hidden for an external audience."""
    from cpanalysis import disclosure

    if audience == "external" and 1 <= n <= disclosure.THRESHOLD:
        return f"fewer than {disclosure.THRESHOLD + 1}"
    return f"{n:,}"


def data_quality(data: NotebookData) -> Markdown:
    """'What this shows' for the data-quality page: returns read, every row accounted for, the
    commonest finding and the least complete key field, from the tables the page shows."""
    from cpanalysis.reports import data_quality as page

    returns = page.returns_table(data)
    # the numbers themselves: each sentence below hides what its audience must not see
    rows = page.row_reconciliation(data, audience="internal")
    issues = page.issue_summary(data, audience="internal")
    fields = page.completeness(data)
    sentences = []
    if len(returns):
        sentences.append(f"{len(returns)} return{'s' if len(returns) != 1 else ''} were read "
                         f"({returns['Return'].iloc[0]} to {returns['Return'].iloc[-1]}).")
    if len(rows):
        read, kept, quarantined = (int(rows[c].sum()) for c in ("Rows read", "Kept", "Quarantined"))
        whole = "every row is accounted for" if (rows["Every row accounted for"] == "Yes").all() else (
            "some rows are NOT accounted for (see the table)")
        # rows read = kept + quarantined: with a handful quarantined, the kept count would give it back
        small = data.audience == "external" and 1 <= quarantined <= disclosure.THRESHOLD
        kept_text = "all but a handful" if small else f"{kept:,}"
        sentences.append(f"Of {read:,} rows, {kept_text} were kept and {_count(quarantined, data.audience)} "
                         f"quarantined: {whole}.")
    if len(issues):
        top = issues.sort_values("Rows", ascending=False, kind="mergesort").iloc[0]
        errors = int(issues.loc[issues["Severity"] == "error", "Rows"].sum())
        sentences.append(f"Validation found {_count(errors, data.audience)} rows with errors; the commonest finding "
                         f"is rule {top['Rule']} ({_count(int(top['Rows']), data.audience)} rows"
                         + (f": {_lower_first(str(top['What it checks']))}" if top["What it checks"] else "") + ").")
    else:
        sentences.append("Validation found nothing to report.")
    if len(fields) and fields["Recorded (%)"].notna().any():
        worst = fields.sort_values("Recorded (%)", kind="mergesort").iloc[0]
        sentences.append(f"The least complete key field is {worst['Field']} ({worst['Recorded (%)']:.1f}% recorded), "
                         f"used for {worst['Used for']}.")
    return Markdown("**What this shows:** " + " ".join(sentences))


__all__ = ["PAGE_MEASURES", "PAGE_SETS", "data_quality", "page_card", "what_this_shows", "year_on_year"]
