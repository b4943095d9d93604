"""Catalogue records of the measures the 903 alone does not give, declared with the catalogue.

:mod:`cpanalysis.indicators.catalogue` imports this module and lists every record here in
:data:`~cpanalysis.indicators.catalogue.CATALOGUE`, so ``import cpanalysis.indicators`` alone
knows every id a report, the scorecard, ``HEADLINES`` or ``MEASURE_SETS`` names; no module adds
records as a side effect of being imported. Three groups:

* :data:`ATTAINMENT` - DfE's key stage 2 and 4 attainment of children looked after for 12
  months (family ``attainment``, outcome ``O4``): ``ks2_la.csv`` and ``ks4_la.csv`` of "Outcomes
  for children in need, including children looked after", which :mod:`cpanalysis.dfe.attainment`
  reads through :data:`MEASURES`;
* :data:`PUBLISHED_ONLY` - school moves (EES ``la_cla_school_moves.csv``, family ``published``),
  which :mod:`cpanalysis.dfe.ees` maps;
* :data:`LOCAL_INDICATORS` - the local measures the package knows (``local_*``, family
  ``local``), values from the authority's own files (:mod:`cpanalysis.local_measures`). A
  measure an authority defines in those files (its title, outcome and polarity in the file) is
  not declared here: :func:`cpanalysis.reports.loading.register_local_measures` adds it, once,
  when a notebook's data are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpanalysis.indicators.record import Indicator

# ----------------------------------------------------------------------------- attainment
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
ATTAINMENT_FILES = ("ks2_la.csv", "ks4_la.csv")


def _attainment_record(m: AttainmentMeasure) -> Indicator:
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


#: Catalogue records of the attainment ids.
ATTAINMENT: tuple[Indicator, ...] = tuple(_attainment_record(m) for m in MEASURES)


# ------------------------------------------------------------------- published-only measures
_EES_SCHOOL = "EES la_cla_school_moves.csv"
_SCHOOL_EXCLUSIONS = ("As DfE: children not matched to the school census, and those not of school age, are "
                      "outside the cohort; the 903 holds no school records, so the package cannot compute it")
#: Catalogue records of the measures DfE publishes that the 903 alone cannot give.
PUBLISHED_ONLY: tuple[Indicator, ...] = (
    Indicator(
        "school_moves_12m", "Children looked after with one or more school moves in the year",
        "published", "O4", "%", "low_good",
        "Children looked after on 31 March (school age, matched to the school census)",
        "Those with one or more school moves during the year", "The cohort", _SCHOOL_EXCLUSIONS,
        f"{_EES_SCHOOL}: cla_group='CLA on 31 March', move_measure='Any moves', school_stability='With one or "
        "more moves during the year'",
    ),
    Indicator(
        "school_moves_midyear_12m", "Children looked after with one or more mid-year school moves in the year",
        "published", "O4", "%", "low_good",
        "Children looked after on 31 March (school age, matched to the school census)",
        "Those with one or more moves outside the usual points of transfer during the year", "The cohort",
        _SCHOOL_EXCLUSIONS,
        f"{_EES_SCHOOL}: cla_group='CLA on 31 March', move_measure='Mid-year moves'",
    ),
    Indicator(
        "school_moves_24m", "Children looked after for 2 years with one or more school moves in the 2 years",
        "published", "O4", "%", "low_good",
        "Children looked after on 31 March continuously for at least 2 years (school age, matched)",
        "Those with one or more school moves during the previous 2 years", "The cohort", _SCHOOL_EXCLUSIONS,
        f"{_EES_SCHOOL}: cla_group='CLA 2 years on 31 March', move_measure='Any moves'",
    ),
    Indicator(
        "school_moves_midyear_24m",
        "Children looked after for 2 years with one or more mid-year school moves in the 2 years",
        "published", "O4", "%", "low_good",
        "Children looked after on 31 March continuously for at least 2 years (school age, matched)",
        "Those with one or more mid-year school moves during the previous 2 years", "The cohort",
        _SCHOOL_EXCLUSIONS, f"{_EES_SCHOOL}: cla_group='CLA 2 years on 31 March', move_measure='Mid-year moves'",
    ),
    # social_workers_3plus_12m is computed from the 903 (indicators/social_workers.py), so it is
    # in the catalogue itself, compared like any other measure.
)


# ------------------------------------------------------------------- local measures
LOCAL_NOTE = "Local measure: not collected by DfE; definition as recorded by the authority"


def local_record(id_: str, title: str, outcome: str, unit: str, polarity: str, cohort: str, numerator: str,
                 denominator: str) -> Indicator:
    """A local measure's record (family ``local``, exclusions :data:`LOCAL_NOTE`): the package's
    known ones below, and those :mod:`cpanalysis.local_measures` reads from an authority's files."""
    return Indicator(id_, title, "local", outcome, unit, polarity, cohort, numerator, denominator,
                     exclusions=LOCAL_NOTE)


#: The local measures the package knows (an authority may add others with title/outcome/polarity).
LOCAL_INDICATORS: dict[str, Indicator] = {
    r.id: r
    for r in (
        local_record("local_gp_registration", "Children looked after registered with a GP", "O1", "%", "high_good",
                     "Children looked after on the period end", "Registered with a GP", "The cohort"),
        local_record("local_iha_within_20_days", "Initial health assessments within 20 working days", "O1", "%",
                     "high_good", "Children who started to be looked after and were due an initial health assessment",
                     "Assessment completed within 20 working days of entering care", "Assessments due"),
        local_record("local_pep_completed", "Personal education plans completed in the term", "O4", "%", "high_good",
                     "Children of school age looked after on the period end", "With a PEP completed or reviewed",
                     "The cohort"),
        local_record("local_mh_wait_weeks", "Average wait from referral to first mental-health appointment (weeks)",
                     "O2", "mean", "low_good", "Children looked after referred to CAMHS who were seen",
                     "Sum of weeks waited", "Children seen (value = mean weeks)"),
        local_record("local_ks2_rwm_expected", "Key stage 2: reading, writing and maths at the expected standard",
                     "O4", "%", "high_good", "Children looked after for 12 months at the end of key stage 2",
                     "Reaching the expected standard in reading, writing and maths", "The cohort"),
        local_record("local_ks4_attainment8", "Key stage 4: average Attainment 8 score", "O4", "mean", "high_good",
                     "Children looked after for 12 months at the end of key stage 4", "Sum of Attainment 8 scores",
                     "Pupils (value = mean score)"),
    )
}
