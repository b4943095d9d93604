"""Stack several SSDA903 returns into one history per child.

An authority's returns overlap: each annual return holds every episode open at any time in its
year, including the one open on 1 April with its original DECOM, and an in-year extract repeats
the current year so far. Authorities also amend history. :func:`stitch` turns the stacked,
validated tables (processed column names plus the ingest metadata, as
:func:`cpanalysis.validate.quarantine` keeps them) into the processed tables of
``docs/architecture.md``, following ssda903.md §3.1-3.2 and the LIIA episode-fix rules.

Which return wins
-----------------
Returns are ranked by collection year (year ending 31 March), then by the date they run to
(``as_at``), then annual before in-year: the **later return wins**. So an in-year extract beats
the previous year's annual return, and an in-year extract run to the same date as an annual
return beats it; a quarterly extract of a year whose annual return is also present loses to the
annual return, which runs to a later date and is complete.

Episode rules, in the order applied (each change is an issue row and, for a change of DEC/REC,
the rule name in ``episodes.repair``)
----------------------------------------------------------------------------------------------
``STITCH_3`` (LIIA RULE_3)
    Two rows of one return with the same (child, DECOM): the one with a DEC, else the later
    row, is kept; the other is removed (``warning``).
``STITCH_3A`` (LIIA RULE_3A)
    The same (child, DECOM) in several returns: the latest return's row is kept, the earlier
    copies are removed (``info``: this is how every episode open at 31 March reappears).
``502`` (DfE continuity rule 502)
    An episode still open at the end of a return (the child's latest episode in it) is missing
    from the next return although that return holds the child (and follows on: its collection
    year is the same or the next one).
    The authority has since changed or deleted it, so the later return wins and the open
    episode is removed (``warning``).
``503`` (DfE continuity rules 503A-J)
    An episode carried into a later return with a different RNE, LS, CIN, PLACE, provider or
    URN: the later value is kept (``warning``), except a code DfE has since retired (H5 recoded
    as K3 in 2025-26, 503D).
``STITCH_1`` (LIIA RULE_1)
    An open episode followed by a later episode that does not start a period of care (RNE is not
    S): the child was still looked after, so DEC = the next DECOM and REC = X1 (``warning``).
``STITCH_1A`` (LIIA RULE_1A)
    An open episode followed by a later episode with RNE = S: the child left care and came back.
    DEC = the earlier of the day before the next DECOM and the date the episode's return runs to
    (31 March for an annual return); REC = the non-DfE marker ``E99`` (reason not recorded) unless
    an E code was already recorded (``warning``).
``STITCH_2`` (LIIA RULE_2)
    An open episode with no later episode, from a return followed by a later **annual** return:
    the child is absent from the later returns, so they left care. DEC = the date its return
    runs to; REC = ``E99`` unless an E code was recorded (``warning``).
``STITCH_2A`` (this package)
    An open episode with no later episode, from a return followed **only by in-year extracts**:
    the child is missing from an in-year extract, which is no evidence that they left care on the
    date the earlier return runs to (an extract may leave children out, and closing the episode
    on 31 March would make the child cease in a published year after the fact). The episode is
    kept open (DEC and REC unchanged, ``episodes.repair`` = ``STITCH_2A``, ``warning``, action
    ``kept``); the next annual return settles it.
``STITCH_4`` (LIIA RULE_4)
    An episode ending after the next one starts (overlap): DEC = the next DECOM (``warning``).
``STITCH_5`` (LIIA RULE_5)
    An episode ending X1 before the next one starts (a gap in a chain): when the next episode is
    not RNE S, DEC = the next DECOM (the gap is closed); when it is RNE S, the chain was really
    broken, so REC = ``E99`` (``warning``).

An episode open in the latest return stays open (the child is still looked after). A row
whose DECOM is blank cannot be placed in a history and is removed (``STITCH_DECOM``, ``error``);
validation normally quarantines such rows first.

Other tables
------------
* ``header`` becomes ``children``: one row per child seen in the header or episodes of any
  return. SEX, DOB, ETHNIC, UPN, MOTHER and MC_DOB come from the latest return that gives a
  value; ``ever_uasc`` is whether the child is in the UASC table of any return (ever UASC in the
  loaded history; UASC on a date is ``ever_uasc`` and ``duc`` blank or after it), ``duc`` the latest DUC;
  ``first_return``/``last_return`` the first and last return holding the child. Header rows are
  merged, not dropped, so they give no issue rows, except the DfE cross-year checks 202 (SEX),
  203 (DOB) and 204 (ETHNIC): a value different from the child's previous return is a
  ``warning`` (the latest value is used).
* ``oc2`` and ``oc3`` keep one row per child per collection year (latest return wins).
* Every other table keeps one row per schema key (``schema.TABLES[t].key``; e.g. a review per
  child and date) from the latest return.
Removed rows are ``STITCH_3``/``STITCH_3A`` issue rows as for episodes: nothing is dropped
silently.
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, schema
from cpanalysis.ingest import issue_frame

#: Metadata kept on every processed table (the rest of the ingest metadata is dropped).
KEPT_METADATA = ("return_label", "collection_year", "source_file", "source_row")

#: Episode columns of the processed table before derivation (docs/architecture.md); ``build``
#: adds the derived ones (distance, location, flags, period_id).
EPISODE_COLUMNS = (
    "child_id",
    "decom",
    "dec",
    "rne",
    "ls",
    "cin",
    "place",
    "place_provider",
    "rec",
    "reason_place_change",
    "home_post",
    "pl_post",
    "urn",
    *KEPT_METADATA,
    "repair",
)
#: Columns of the children table.
CHILDREN_COLUMNS = (
    "child_id",
    "sex",
    "dob",
    "ethnic",
    "ethnic_group",
    "upn",
    "mother",
    "mc_dob",
    "ever_uasc",
    "duc",
    "first_return",
    "last_return",
)
#: Episode fields that must not change when an episode is carried into the next return (DfE
#: 503), with the code list that says when a code was retired (``None``: not a code).
CARRIED_COLUMNS: dict[str, codes.CodeList | None] = {
    "rne": codes.RNE,
    "ls": codes.LS,
    "cin": codes.CIN,
    "place": codes.PLACE,
    "place_provider": codes.PLACE_PROVIDER,
    "urn": None,
}
#: Tables kept one row per child per collection year rather than per schema key.
PER_YEAR_TABLES = ("oc2", "oc3")
#: Header fields checked against the child's previous return: column -> DfE rule id.
CROSS_YEAR_CHECKS = {"sex": "202", "dob": "203", "ethnic": "204"}

_ONE_DAY = pd.Timedelta(days=1)


def return_order(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The returns found in the tables, oldest first, with their rank.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Tables carrying the ingest metadata (``return_label, collection_year, is_in_year,
        as_at``).

    Returns
    -------
    pandas.DataFrame
        ``return_label, collection_year, is_in_year, as_at, rank`` (0 = oldest), ordered by
        collection year, then ``as_at``, then annual before in-year (the module docstring).
    """
    cols = ["return_label", "collection_year", "is_in_year", "as_at"]
    frames = [t.loc[:, cols] for t in tables.values() if len(t) and set(cols) <= set(t.columns)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols} | {"rank": pd.Series(dtype="int64")})
    found = pd.concat(frames).drop_duplicates("return_label")
    found["as_at"] = pd.to_datetime(found["as_at"])
    found = found.sort_values(["collection_year", "as_at", "is_in_year", "return_label"], kind="mergesort")
    found["rank"] = range(len(found))
    return found.reset_index(drop=True)


def _rank(frame: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    return frame["return_label"].map(dict(zip(returns["return_label"], returns["rank"], strict=False))).astype("int64")


def _fmt(date: pd.Timestamp) -> str:
    return "blank" if pd.isna(date) else f"{date:%d/%m/%Y}"


def _issue(row, table: str, rule_id: str, severity: str, message: str, action: str, column: str | None = None) -> dict:
    return {
        "file": row.source_file,
        "table": table,
        "row": row.source_row,
        "child": row.child_id,
        "column": column,
        "rule_id": rule_id,
        "severity": severity,
        "message": message,
        "action": action,
    }


def _dedupe(
    frame: pd.DataFrame, table: str, key: list[str], describe, prefer: list[str] | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Keep one row per ``key``: the latest return, then ``prefer`` (booleans, True wins), then the later row.

    ``describe(row)`` names the removed row in the issue message ("episode starting 01/04/2024").
    """
    prefer = prefer or []
    order = key + ["stitch_rank", *prefer, "source_row"]
    frame = frame.sort_values(order, kind="mergesort")
    removed_mask = frame.duplicated(key, keep="last")
    kept = frame.loc[~removed_mask]
    removed = frame.loc[removed_mask]
    issues: list[dict] = []
    if len(removed):
        winners = kept.loc[:, key + ["stitch_rank", "source_row", "return_label"]].rename(
            columns={"stitch_rank": "winner_rank", "source_row": "winner_row", "return_label": "winner_label"}
        )
        matched = removed.merge(winners, on=key, how="left", validate="many_to_one")
        for row in matched.itertuples(index=False):
            if row.winner_rank == row.stitch_rank:
                issues.append(
                    _issue(row, table, "STITCH_3", "warning", action="removed",
                           message=f"{describe(row)} appears twice in return {row.return_label}; the copy in "
                           f"row {row.winner_row} is kept.")
                )
            else:
                issues.append(
                    _issue(row, table, "STITCH_3A", "info", action="removed",
                           message=f"{describe(row)} is also in the later return {row.winner_label}, "
                           "whose copy is kept.")
                )
    return kept, issues


def _next_in_child(frame: pd.DataFrame, column: str) -> pd.Series:
    nxt = frame[column].shift(-1)
    return nxt.where(frame["child_id"].eq(frame["child_id"].shift(-1)))


def _drop_replaced_open_episodes(
    eps: pd.DataFrame, returns: pd.DataFrame, presence: set, last_start: dict
) -> tuple[pd.DataFrame, list[dict]]:
    """Rule 502: an open episode the next return (which holds the child) no longer carries.

    Only an episode that is the child's latest in its own return counts: an earlier open
    episode is an error within that return (closed by STITCH_1/1A), and it may legitimately
    have ended before the next return's year.
    """
    with_eps = sorted({r for _, r in presence})
    next_rank = {r: nxt for r, nxt in zip(with_eps, with_eps[1:], strict=False)}
    years = dict(zip(returns["rank"], returns["collection_year"], strict=False))
    labels = dict(zip(returns["rank"], returns["return_label"], strict=False))
    drop = []
    issues: list[dict] = []
    for idx, row in zip(eps.index, eps.itertuples(index=False), strict=False):
        if pd.notna(row.dec) or row.stitch_rank not in next_rank:
            continue
        if row.decom != last_start[(row.child_id, row.stitch_rank)]:
            continue
        nxt = next_rank[row.stitch_rank]
        if years[nxt] > years[row.stitch_rank] + 1 or (row.child_id, nxt) not in presence:
            continue
        drop.append(idx)
        issues.append(
            _issue(row, "episodes", "502", "warning", action="removed", column="DECOM",
                   message=f"the episode starting {_fmt(row.decom)} is open at the end of return {row.return_label} "
                   f"but the next return {labels[nxt]} holds the child without it (rule 502: the same DECOM must "
                   "reappear); the later return is taken as the corrected history and this episode is removed.")
        )
    return eps.drop(index=drop), issues


def _closed_rec(recorded: pd.Series) -> pd.Series:
    """Keep a recorded E code; otherwise the non-DfE marker for a reason not recorded."""
    has_e_code = recorded.notna() & recorded.ne(codes.REC_CONTINUES)
    return recorded.where(has_e_code, codes.REC_LIIA_REPAIRED)


def _later_annual_return(returns: pd.DataFrame) -> dict:
    """Rank -> whether an annual return (not an in-year extract) ranks after it."""
    annual = returns.loc[~returns["is_in_year"].astype(bool), "rank"]
    last_annual = int(annual.max()) if len(annual) else -1
    return {int(r): int(r) < last_annual for r in returns["rank"]}


def _close_open_episodes(eps: pd.DataFrame, returns: pd.DataFrame, latest_rank: int) -> tuple[pd.DataFrame, list[dict]]:
    """STITCH_1, 1A, 2, 2A (open episodes), then STITCH_4 (overlaps) and STITCH_5 (X1 gaps)."""
    eps = eps.sort_values(["child_id", "decom"], kind="mergesort").copy()
    eps["repair"] = pd.Series(None, index=eps.index, dtype=object)
    if eps.empty:
        return eps, []
    as_at = pd.to_datetime(eps["stitch_rank"].map(dict(zip(returns["rank"], returns["as_at"], strict=False))))
    next_decom = _next_in_child(eps, "decom")
    next_rne = _next_in_child(eps, "rne")
    is_open = eps["dec"].isna()
    has_next = next_decom.notna()
    rules: list[tuple[str, pd.Series, pd.Series, pd.Series, str]] = []

    rule1 = is_open & has_next & next_rne.ne(codes.RNE_START)
    rule1a = is_open & has_next & next_rne.eq(codes.RNE_START)
    later_annual = _later_annual_return(returns)
    absent_later = is_open & ~has_next & eps["stitch_rank"].lt(latest_rank)
    rule2 = absent_later & eps["stitch_rank"].map(later_annual).fillna(False).astype(bool)
    rule2a = absent_later & ~rule2
    rules.append(("STITCH_1", rule1, next_decom, pd.Series(codes.REC_CONTINUES, index=eps.index),
                  "was left open although the next episode starts {next} without RNE S, so the child was still "
                  "looked after: DEC set to {next}, REC to X1."))
    dec_1a = pd.concat([next_decom - _ONE_DAY, as_at], axis=1).min(axis=1)
    rules.append(("STITCH_1A", rule1a, dec_1a.where(dec_1a >= eps["decom"], eps["decom"]), _closed_rec(eps["rec"]),
                  "was left open although the child started a new period of care on {next}: DEC set to {dec} "
                  "(the day before, or the end of its return if earlier), REC to {rec}."))
    dec_2 = as_at.where(as_at >= eps["decom"], eps["decom"])
    rules.append(("STITCH_2", rule2, dec_2, _closed_rec(eps["rec"]),
                  "was left open in return {label} but the child is in no later return: DEC set to {dec} "
                  "(the date that return runs to), REC to {rec}."))
    issues: list[dict] = []
    eps.loc[rule2a, "repair"] = "STITCH_2A"
    for row in eps.loc[rule2a].itertuples(index=False):
        issues.append(_issue(row, "episodes", "STITCH_2A", "warning",
                             f"The episode starting {_fmt(row.decom)} is open in return {row.return_label} and the "
                             "child is missing from the later in-year extract(s) only: an in-year extract is no "
                             "evidence that they left care, so the episode is kept open.", "kept", column="DEC"))
    for name, mask, new_dec, new_rec, template in rules:
        if not mask.any():
            continue
        eps.loc[mask, "dec"] = new_dec[mask]
        eps.loc[mask, "rec"] = new_rec[mask]
        eps.loc[mask, "repair"] = name
        for row, nxt in zip(eps.loc[mask].itertuples(index=False), next_decom[mask], strict=False):
            text = template.format(next=_fmt(nxt), dec=_fmt(row.dec), rec=row.rec, label=row.return_label)
            issues.append(_issue(row, "episodes", name, "warning", f"The episode starting {_fmt(row.decom)} {text}",
                                 "fixed", column="DEC"))

    overlap = has_next & eps["dec"].gt(next_decom)
    for row, nxt in zip(eps.loc[overlap].itertuples(index=False), next_decom[overlap], strict=False):
        issues.append(_issue(row, "episodes", "STITCH_4", "warning",
                             f"The episode starting {_fmt(row.decom)} ends {_fmt(row.dec)}, after the next episode "
                             f"starts ({_fmt(nxt)}): DEC set to {_fmt(nxt)}.", "fixed", column="DEC"))
    eps.loc[overlap, "dec"] = next_decom[overlap]
    eps.loc[overlap, "repair"] = "STITCH_4"

    gap = has_next & eps["rec"].eq(codes.REC_CONTINUES) & eps["dec"].lt(next_decom)
    bridge = gap & next_rne.ne(codes.RNE_START)
    broken = gap & next_rne.eq(codes.RNE_START)
    for row, nxt in zip(eps.loc[bridge].itertuples(index=False), next_decom[bridge], strict=False):
        issues.append(_issue(row, "episodes", "STITCH_5", "warning",
                             f"The episode starting {_fmt(row.decom)} ends {_fmt(row.dec)} with X1 but the next "
                             f"episode only starts {_fmt(nxt)}: DEC set to {_fmt(nxt)} to close the gap.", "fixed",
                             column="DEC"))
    for row, nxt in zip(eps.loc[broken].itertuples(index=False), next_decom[broken], strict=False):
        issues.append(_issue(row, "episodes", "STITCH_5", "warning",
                             f"The episode starting {_fmt(row.decom)} ends {_fmt(row.dec)} with X1 but the next "
                             f"episode starts a new period of care ({_fmt(nxt)}, RNE S): REC set to "
                             f"{codes.REC_LIIA_REPAIRED}.", "fixed", column="REC"))
    eps.loc[bridge, "dec"] = next_decom[bridge]
    eps.loc[broken, "rec"] = codes.REC_LIIA_REPAIRED
    eps.loc[gap, "repair"] = "STITCH_5"
    return eps, issues


def _carried_episode_changes(every_copy: pd.DataFrame, kept: pd.DataFrame) -> list[dict]:
    """DfE 503: an episode carried into a later return with different details."""
    key = ["child_id", "decom"]
    later = kept.loc[:, key + list(CARRIED_COLUMNS) + ["stitch_rank", "return_label", "source_file", "source_row",
                                                       "collection_year"]]
    pairs = every_copy.loc[:, key + list(CARRIED_COLUMNS) + ["stitch_rank", "return_label"]].merge(
        later, on=key, suffixes=("", "_later"), validate="many_to_one")
    pairs = pairs[pairs["stitch_rank"] < pairs["stitch_rank_later"]]
    issues: list[dict] = []
    for column, codelist in CARRIED_COLUMNS.items():
        before, after = pairs[column], pairs[f"{column}_later"]
        changed = before.notna().ne(after.notna()) | (before.notna() & after.notna() & before.ne(after))
        if codelist is not None:
            # a code DfE retired by the later year (H5 -> K3 in 2025-26) must be recoded (503D)
            retired = [isinstance(b, str) and b in codelist and b not in codelist.valid_codes(y)
                       for b, y in zip(before, pairs["collection_year"], strict=False)]
            changed &= ~pd.Series(retired, index=pairs.index, dtype=bool)
        for row in pairs.loc[changed].itertuples(index=False):
            old, new = getattr(row, column), getattr(row, f"{column}_later")
            issues.append({
                "file": row.source_file, "table": "episodes", "row": row.source_row, "child": row.child_id,
                "column": column.upper(), "rule_id": "503", "severity": "warning", "action": "kept",
                "message": f"{column.upper()} of the episode starting {_fmt(row.decom)} is "
                f"{new if isinstance(new, str) else 'blank'} in return {row.return_label_later} but was "
                f"{old if isinstance(old, str) else 'blank'} in return {row.return_label} (rule 503); the later "
                "return's value is used.",
            })
    return issues


def stitch_episodes(episodes: pd.DataFrame, returns: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Episodes of all returns as one history per child (rules in the module docstring).

    Parameters
    ----------
    episodes : pandas.DataFrame
        Stacked episodes of every return (processed names plus ingest metadata).
    returns : pandas.DataFrame
        :func:`return_order` of the tables.

    Returns
    -------
    episodes : pandas.DataFrame
        :data:`EPISODE_COLUMNS`, sorted by ``child_id, decom``.
    issues : list of dict
        One issue row per removed row and per repair.
    """
    eps = episodes.copy()
    eps["child_id"] = eps["child_id"].astype(str)
    eps["stitch_rank"] = _rank(eps, returns)
    issues: list[dict] = []
    undated = eps["decom"].isna()
    for row in eps.loc[undated].itertuples(index=False):
        issues.append(_issue(row, "episodes", "STITCH_DECOM", "error", "The episode has no DECOM, so it cannot be "
                             "placed in the child's history; removed.", "removed", column="DECOM"))
    eps = eps.loc[~undated]
    presence = set(zip(eps["child_id"], eps["stitch_rank"], strict=False))
    last_start = eps.groupby(["child_id", "stitch_rank"])["decom"].max().to_dict()
    eps["stitch_closed"] = eps["dec"].notna()
    every_copy = eps
    eps, dup_issues = _dedupe(eps, "episodes", ["child_id", "decom"],
                              lambda r: f"The episode starting {_fmt(r.decom)}", prefer=["stitch_closed"])
    issues += dup_issues
    issues += _carried_episode_changes(every_copy, eps)
    eps, replaced = _drop_replaced_open_episodes(eps, returns, presence, last_start)
    issues += replaced
    latest = max((r for _, r in presence), default=-1)
    eps, repairs = _close_open_episodes(eps, returns, latest)
    issues += repairs
    eps = eps.sort_values(["child_id", "decom"], kind="mergesort").reset_index(drop=True)
    return blank_as_none(eps.loc[:, list(EPISODE_COLUMNS)]), issues


def _cross_year_checks(header: pd.DataFrame) -> list[dict]:
    """DfE 202-204: SEX, DOB, ETHNIC different from the child's previous return."""
    ordered = header.sort_values(["child_id", "stitch_rank", "source_row"], kind="mergesort")
    ordered = ordered.drop_duplicates(["child_id", "stitch_rank"], keep="last")
    same_child = ordered["child_id"].eq(ordered["child_id"].shift())
    issues: list[dict] = []
    for column, rule in CROSS_YEAR_CHECKS.items():
        before = ordered[column].shift()
        label_before = ordered["return_label"].shift()
        changed = same_child & ordered[column].notna() & before.notna() & ordered[column].ne(before)
        for row, old, old_label in zip(ordered.loc[changed].itertuples(index=False), before[changed],
                                       label_before[changed], strict=False):
            if column == "dob":
                what = f"DOB differs from the one in return {old_label}"
            else:
                what = f"{column.upper()} is {getattr(row, column)} but was {old} in return {old_label}"
            issues.append(_issue(row, "header", rule, "warning",
                                 f"{what} (rule {rule}); the latest return's value is used.", "kept",
                                 column=column.upper()))
    return issues


def stitch_children(
    header: pd.DataFrame, uasc: pd.DataFrame, episodes: pd.DataFrame, returns: pd.DataFrame
) -> tuple[pd.DataFrame, list[dict]]:
    """The ``children`` table: one row per child (rules in the module docstring).

    Parameters
    ----------
    header, uasc, episodes : pandas.DataFrame
        Stacked tables of every return (processed names plus ingest metadata); ``episodes``
        before de-duplication, so that every return holding the child counts.
    returns : pandas.DataFrame
        :func:`return_order` of the tables.

    Returns
    -------
    children : pandas.DataFrame
        :data:`CHILDREN_COLUMNS`, sorted by ``child_id``.
    issues : list of dict
        Cross-return warnings (202-204) and removed within-return duplicates.
    """
    head = header.copy()
    head["child_id"] = head["child_id"].astype(str)
    head["stitch_rank"] = _rank(head, returns)
    issues = _cross_year_checks(head)
    dupes = head.sort_values(["child_id", "stitch_rank", "source_row"], kind="mergesort")
    repeated = dupes.duplicated(["child_id", "stitch_rank"], keep="last")
    for row in dupes.loc[repeated].itertuples(index=False):
        issues.append(_issue(row, "header", "STITCH_3", "warning", f"The child appears more than once in the "
                             f"header of return {row.return_label}; the last row is used.", "removed"))
    fields = ["sex", "dob", "ethnic", "upn", "mother", "mc_dob"]
    # groupby.last skips blanks: the latest return that gives a value wins.
    latest = dupes.groupby("child_id", sort=True)[fields].last()

    seen = pd.concat(
        [head.loc[:, ["child_id", "stitch_rank"]],
         episodes.assign(child_id=episodes["child_id"].astype(str), stitch_rank=_rank(episodes, returns))
         .loc[:, ["child_id", "stitch_rank"]]]
    )
    span = seen.groupby("child_id", sort=True)["stitch_rank"].agg(["min", "max"])
    labels = dict(zip(returns["rank"], returns["return_label"], strict=False))
    children = latest.reindex(span.index)
    children["first_return"] = span["min"].map(labels)
    children["last_return"] = span["max"].map(labels)
    children["ethnic_group"] = children["ethnic"].map(lambda c: codes.ethnic_group(c) if isinstance(c, str) else
                                                      codes.ethnic_group(""))
    uasc_rows = uasc.assign(child_id=uasc["child_id"].astype(str), stitch_rank=_rank(uasc, returns))
    uasc_rows = uasc_rows.sort_values(["child_id", "stitch_rank", "source_row"], kind="mergesort")
    uasc_ids = set(uasc_rows["child_id"])
    children["ever_uasc"] = children.index.isin(uasc_ids)
    children["duc"] = uasc_rows.drop_duplicates("child_id", keep="last").set_index("child_id")["duc"].reindex(
        children.index).astype("datetime64[ns]")
    for column in ("dob", "mc_dob"):
        children[column] = children[column].astype("datetime64[ns]")
    children = children.reset_index().rename(columns={"index": "child_id"})
    children["mother"] = children["mother"].astype("Int8")
    for column in ("sex", "ethnic", "upn"):
        children[column] = children[column].astype(object).where(children[column].notna(), None)
    return children.loc[:, list(CHILDREN_COLUMNS)], issues


def stitch_table(name: str, frame: pd.DataFrame, returns: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One non-episode table across returns: one row per key, the latest return winning.

    Parameters
    ----------
    name : str
        Table name in :data:`cpanalysis.schema.TABLES`.
    frame : pandas.DataFrame
        Stacked rows of every return (processed names plus ingest metadata).
    returns : pandas.DataFrame
        :func:`return_order` of the tables.

    Returns
    -------
    table : pandas.DataFrame
        The table's processed columns plus ``return_label, collection_year, source_file,
        source_row``; keyed by (child, collection year) for OC2/OC3 and by the schema key
        otherwise; sorted by key.
    issues : list of dict
        One ``STITCH_3``/``STITCH_3A`` row per removed row.
    """
    spec = schema.TABLES[name]
    columns = [schema.processed_name(c) for c in spec.columns]
    key = ["child_id", "collection_year"] if name in PER_YEAR_TABLES else [schema.processed_name(c) for c in spec.key]
    rows = frame.copy()
    rows["child_id"] = rows["child_id"].astype(str)
    rows["stitch_rank"] = _rank(rows, returns)
    dates = {schema.processed_name(c) for c in spec.dates}

    def describe(row) -> str:
        parts = [f"{c} {_fmt(getattr(row, c)) if c in dates else getattr(row, c)}" for c in key if c != "child_id"]
        detail = f" ({', '.join(parts)})" if parts else ""
        return f"The {name} row{detail}"

    kept, issues = _dedupe(rows, name, key, describe)
    kept = kept.sort_values(key + ["stitch_rank", "source_row"], kind="mergesort").reset_index(drop=True)
    return kept.loc[:, columns + list(KEPT_METADATA)], issues


def stitch(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Stack every return into one history per child.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Every table of :data:`cpanalysis.schema.TABLES` after validation and quarantine: the
        processed column names plus the ingest metadata (``source_file, source_row,
        return_label, collection_year, is_in_year, as_at``). Missing tables are treated as empty.

    Returns
    -------
    tables : dict of str to pandas.DataFrame
        ``children`` (from the header), ``episodes`` (:data:`EPISODE_COLUMNS`, before the
        derived columns ``build`` adds) and every other table of the return, each de-duplicated
        across returns as the module docstring describes.
    issues : pandas.DataFrame
        Issue rows (``schema.ISSUE_COLUMNS``) for every removed row, every repair and every
        cross-return warning.
    """
    frames = {name: tables.get(name, _empty(name)) for name in schema.TABLES}
    returns = return_order(frames)
    issues: list[dict] = []
    out: dict[str, pd.DataFrame] = {}
    episodes, ep_issues = stitch_episodes(frames["episodes"], returns)
    issues += ep_issues
    out["children"], child_issues = stitch_children(frames["header"], frames["uasc"], frames["episodes"], returns)
    issues += child_issues
    out["episodes"] = episodes
    for name in schema.TABLES:
        if name in ("header", "episodes"):
            continue
        out[name], table_issues = stitch_table(name, frames[name], returns)
        issues += table_issues
    return {name: blank_as_none(frame) for name, frame in out.items()}, issue_frame(issues)


def blank_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with ``None`` (not NaN) for blanks, as the processed-table contract says."""
    out = frame.copy()
    for column in out.columns:
        # pandas 3 infers the ``str`` dtype (NaN for blanks); the contract wants object + None.
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _empty(name: str) -> pd.DataFrame:
    """An empty processed table with the metadata columns (a table no return held)."""
    spec = schema.TABLES[name]
    data = {}
    for column in spec.columns:
        dtype = "datetime64[ns]" if column in spec.dates else object
        data[schema.processed_name(column)] = pd.Series(dtype=dtype)
    if "SEX" in spec.columns:
        data["sex_as_returned"] = pd.Series(dtype=object)
    data |= {
        "source_file": pd.Series(dtype=object),
        "source_row": pd.Series(dtype="int64"),
        "return_label": pd.Series(dtype=object),
        "collection_year": pd.Series(dtype="int64"),
        "is_in_year": pd.Series(dtype=bool),
        "as_at": pd.Series(dtype="datetime64[ns]"),
    }
    return pd.DataFrame(data)
