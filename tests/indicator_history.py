"""A small builder of processed tables for the indicator tests.

Tests write a few children's histories by hand; :meth:`History.tables` turns them into the
processed tables of docs/architecture.md, deriving periods of care and placements with
:mod:`cpanalysis.episodes` (the package's own rules, never re-implemented here).
"""

from __future__ import annotations

import pandas as pd

from cpanalysis import codes, episodes

T = pd.Timestamp


class History:
    """Hand-made histories. Dates are ISO strings; ``None`` means blank."""

    def __init__(self) -> None:
        self.children: list[dict] = []
        self.episodes: list[dict] = []
        self.oc2: list[dict] = []
        self.oc3: list[dict] = []
        self.missing: list[dict] = []

    def child(self, cid: str, dob: str, sex: str = "M", ethnic: str = "WBRI", uasc: bool = False,
              duc: str | None = None) -> History:
        self.children.append({"child_id": cid, "sex": sex, "dob": T(dob), "ethnic": ethnic,
                              "ethnic_group": codes.ethnic_group(ethnic), "ever_uasc": uasc,
                              "duc": T(duc) if duc else pd.NaT})
        return self

    def episode(self, cid: str, decom: str, dec: str | None = None, rec: str | None = None, rne: str = "S",
                ls: str = "C2", place: str = "U6", provider: str | None = "PR1", distance: float | None = 5.0,
                location: str | None = "IN", reason: str | None = None, pl_post: str | None = None) -> History:
        if place in codes.PLACE_TEMPORARY:
            provider = None
        self.episodes.append({
            "child_id": cid, "decom": T(decom), "dec": T(dec) if dec else pd.NaT, "rne": rne, "ls": ls,
            "cin": "N1", "place": place, "place_provider": provider, "rec": rec,
            "reason_place_change": reason, "home_post": None, "pl_post": pl_post,
            "urn": None, "pl_distance": float("nan") if distance is None else distance, "pl_la": None,
            "pl_location": location,
        })
        return self

    def stay(self, cid: str, start: str, end: str | None = None, rec: str = "E13", **kw) -> History:
        """A one-episode period of care."""
        return self.episode(cid, start, end, rec if end else None, **kw)

    def oc2_row(self, cid: str, year: int, return_label: str | None = None, **values) -> History:
        row = {"child_id": cid, "collection_year": year,
               "return_label": return_label or f"{year - 1}-{year % 100:02d}"}
        row.update(values)
        self.oc2.append(row)
        return self

    def oc3_row(self, cid: str, year: int, in_touch: str = "YES", activ: str = "F2", accom: str = "B1") -> History:
        self.oc3.append({"child_id": cid, "collection_year": year, "in_touch": in_touch, "activ": activ,
                         "accom": accom})
        return self

    def missing_row(self, cid: str, kind: str, start: str) -> History:
        self.missing.append({"child_id": cid, "missing": kind, "mis_start": T(start), "mis_end": pd.NaT})
        return self

    def tables(self, **placement_options) -> dict[str, pd.DataFrame]:
        eps = episodes.flag_episodes(episodes.assign_periods_of_care(pd.DataFrame(self.episodes)))
        placements = episodes.derive_placements(eps, **placement_options)
        oc2_cols = ["child_id", "collection_year", "return_label", "sdq_score", "health_assessment", "immunisations",
                    "teeth_check", "health_check", "substance_misuse", "convicted"]
        oc2 = pd.DataFrame(self.oc2, columns=oc2_cols)
        oc2["sdq_score"] = oc2["sdq_score"].astype("Int64")
        return {
            "children": pd.DataFrame(self.children),
            "episodes": eps,
            "placements": placements,
            "periods_of_care": episodes.derive_periods_of_care(eps, placements),
            "oc2": oc2,
            "oc3": pd.DataFrame(self.oc3, columns=["child_id", "collection_year", "in_touch", "activ", "accom"]),
            "missing": pd.DataFrame(self.missing, columns=["child_id", "missing", "mis_start", "mis_end"]),
        }


def value(table: pd.DataFrame, indicator_id: str, breakdown: str = "Total", group: str = "Total",
          column: str = "value"):
    """One cell of a tidy table (exactly one row must match)."""
    rows = table[(table["indicator_id"] == indicator_id) & (table["breakdown"] == breakdown)
                 & (table["breakdown_value"] == group)]
    assert len(rows) == 1, f"{indicator_id}/{breakdown}/{group}: {len(rows)} rows"
    return rows[column].iloc[0]
