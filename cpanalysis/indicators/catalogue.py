"""The indicator catalogue: one machine-readable record per indicator id.

Every indicator the package computes from the SSDA903 history (``source="local"``) is listed
here once, with its DfE equivalent where one exists (the EES underlying-data file and filter
values, or the LAIT ``Short Desc``), so that the DfE loaders can map published rows onto the
same ids and comparison is a join on ``indicator_id, period_end, breakdown, breakdown_value``.

Ids are stable snake_case. The record fields mirror what an analyst needs to read a figure:
cohort, numerator, denominator, exclusions, unit (``%``, ``rate_per_10k``, ``mean``, ``count``,
``days``), polarity (``high_good``, ``low_good``, ``none``) and the Corporate Parenting Strategy
outcome it evidences (``O1`` physical health, ``O2`` emotional and mental health, ``O3`` stable
homes, ``O4`` education, ``O5`` leaving care, or ``profile`` for context measures).

Measures the 903 does not hold are declared in :mod:`cpanalysis.indicators.beyond_903` and listed
here too: DfE's attainment (``ks2_*``, ``ks4_*``) and school moves, and the local measures the
package knows (GP registration, PEP completion ...; values from :mod:`cpanalysis.local_measures`).
A measure an authority defines in its own files is added by one explicit call, :func:`register`.

Definitions follow ``docs/dfe_statistics.md`` §3 and ``ssda903.md`` §3. Unless a
record says otherwise, every measure **excludes children looked after under an agreed series of
short-term breaks (legal status V3/V4)**, as every DfE children-looked-after table does.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import pandas as pd

from cpanalysis.errors import ParameterError
from cpanalysis.indicators import beyond_903
from cpanalysis.indicators.record import OUTCOMES as OUTCOMES
from cpanalysis.indicators.record import POLARITIES as POLARITIES
from cpanalysis.indicators.record import SHORT_BREAKS as SHORT_BREAKS
from cpanalysis.indicators.record import UNITS as UNITS
from cpanalysis.indicators.record import Indicator as Indicator

#: Headline measures of each outcome, in the order a scorecard shows them: the strategy scorecard
#: and the findings sentences read this one set. Every id's record
#: has the outcome it is listed under (tests check). Local measures (``local_*``) appear only when
#: the authority supplies them; attainment (``ks2_*``, ``ks4_*``) only when the national files are
#: present (DfE publishes it; the 903 does not hold it).
HEADLINES: dict[str, tuple[str, ...]] = {
    "O1": ("health_assessment_up_to_date", "immunisations_up_to_date", "dental_check",
           "development_assessment_0_4", "local_gp_registration", "local_iha_within_20_days"),
    "O2": ("sdq_completed", "sdq_mean", "sdq_concern", "local_mh_wait_weeks"),
    "O3": ("placements_3plus_12m", "long_term_stability", "placed_over_20_miles_outside_la",
           "missing_episodes_children"),
    "O4": ("local_pep_completed", "local_ks2_rwm_expected", "ks2_rwm_expected", "local_ks4_attainment8",
           "ks4_attainment8"),
    "O5": ("leavers_17_18_in_touch", "leavers_19_21_in_touch", "leavers_19_21_eet",
           "leavers_19_21_suitable_accommodation", "staying_put_18"),
}

#: The other sets of measures a report page shows, named once here rather than listed in the
#: notebooks: ``profile`` (notebook 01's headline table), ``neighbours`` (06: each statistical
#: neighbour's published figures), ``chat_lait`` (06: the ChAT and LAIT measures computed from the
#: returns), ``reconciliation`` (06: our figures against DfE's published row), ``outcome_trends``
#: (02: each measure beside England, the region and the neighbours), ``national_position`` (06: where
#: the authority stands among all authorities), ``national_trends`` (06: the comparison table), and
#: the measures a page's "What this shows" sentences open with, its lead measure first
#: (``profile_lead``, ``sdq_lead``, ``care_leavers_lead``; :data:`cpanalysis.reports.findings.PAGE_SETS`).
MEASURE_SETS: dict[str, tuple[str, ...]] = {
    "profile": ("cla_on_date", "cla_rate_per_10k", "cla_started", "cla_ceased", "uasc_on_date",
                "care_leavers_cohort"),
    "neighbours": ("health_assessment_up_to_date", "sdq_mean", "placements_3plus_12m", "long_term_stability",
                   "placed_over_20_miles_outside_la", "ks2_rwm_expected", "ks4_attainment8", "leavers_19_21_eet",
                   "leavers_19_21_suitable_accommodation"),
    "chat_lait": ("adoption_a1_days", "adoption_a2_days", "adoption_a10_days", "cla_started_reentry",
                  "social_workers_3plus_12m"),
    "reconciliation": ("cla_on_date", "cla_started", "cla_ceased", "cla_12m_cohort", "health_assessment_up_to_date",
                       "immunisations_up_to_date", "dental_check", "sdq_completed", "sdq_mean",
                       "placements_3plus_12m", "long_term_stability", "placed_over_20_miles_outside_la",
                       "leavers_19_21_eet", "leavers_19_21_suitable_accommodation", "staying_put_19_20"),
    "outcome_trends": ("health_assessment_up_to_date", "immunisations_up_to_date", "dental_check", "sdq_completed",
                       "sdq_mean", "placements_3plus_12m", "long_term_stability", "placed_over_20_miles_outside_la",
                       "ks2_rwm_expected", "ks4_attainment8", "leavers_17_18_eet", "leavers_19_21_eet",
                       "leavers_19_21_suitable_accommodation"),
    "national_position": ("health_assessment_up_to_date", "immunisations_up_to_date", "dental_check",
                          "sdq_completed", "sdq_mean", "sdq_concern", "placements_3plus_12m", "long_term_stability",
                          "placed_over_20_miles_outside_la", "ks2_rwm_expected", "ks4_attainment8",
                          "leavers_17_18_eet", "leavers_19_21_eet", "leavers_19_21_suitable_accommodation",
                          "staying_put_19_20"),
    "national_trends": ("health_assessment_up_to_date", "sdq_completed", "placements_3plus_12m",
                        "long_term_stability", "placed_over_20_miles_outside_la", "leavers_19_21_eet",
                        "leavers_19_21_suitable_accommodation", "social_workers_3plus_12m"),
    "profile_lead": ("cla_on_date", "cla_rate_per_10k", "cla_started", "cla_ceased"),
    "sdq_lead": ("sdq_concern", "sdq_mean", "sdq_completed"),
    "care_leavers_lead": ("leavers_19_21_eet", "leavers_19_21_suitable_accommodation", "leavers_19_21_in_touch",
                          "leavers_17_18_eet", "leavers_17_18_suitable_accommodation"),
}


def measure_set(name: str) -> tuple[str, ...]:
    """The indicator ids of a named set: an outcome's headlines (``"O1"``) or a :data:`MEASURE_SETS` name.

    Raises
    ------
    ParameterError
        If ``name`` names no set (the message lists them).
    """
    if name in HEADLINES:
        return HEADLINES[name]
    if name in MEASURE_SETS:
        return MEASURE_SETS[name]
    raise ParameterError(f"unknown set of measures {name!r}; known sets: {', '.join([*HEADLINES, *MEASURE_SETS])}")

#: Breakdown names used in the tidy table's ``breakdown`` column (``"Total"`` for the whole cohort).
TOTAL = "Total"
AGE_BAND = "age_band"
SEX = "sex"
ETHNIC_GROUP = "ethnic_group"
LEGAL_STATUS = "legal_status"
PLACEMENT_TYPE = "placement_type"
#: UASC on the date the breakdown is taken (``cohort.uasc_on_date``: in the UASC table, DUC blank
#: or after the date), as DfE's characteristics tables count UASC; never "ever UASC".
UASC = "uasc"
CEASED_REASON = "ceased_reason"
PLACEMENT_CHANGE_REASON = "placement_change_reason"
CHARACTERISTICS = (AGE_BAND, SEX, ETHNIC_GROUP, LEGAL_STATUS, PLACEMENT_TYPE, UASC)

#: Care leavers: excluded on evidence of short-break care alone (every loaded period of care V3/V4);
#: a care leaver with no episode in the loaded returns stays in, as DfE counts the OC3 rows returned.
LEAVER_SHORT_BREAKS = ("Young people whose every period of care in the loaded returns was short-break care "
                       "(LS V3/V4); none is excluded for having no episode loaded")


_EES_RATE = "EES cla_number_and_rate_per_10k_children.csv"
_EES_STAB = "EES la_cla_placement_stability.csv"
_EES_HEALTH = "EES la_conviction_health_outcome_cla.csv"
_EES_NEWPL = "EES la_cla_during_year_new_placements.csv"
_EES_DIST = "EES CLA on 31 March by placement distance (derived_cla_31_march_placement_type_and_distance)"
_EES_ACT = "EES la_care_leavers_activity.csv"
_EES_ACC = "EES la_care_leavers_accommodation_suitability.csv"
#: Ends the ``dfe_equivalent`` of a measure DfE publishes somewhere the package does not read (the
#: built-in snapshot and the downloads have no rows of it), so it is not compared.
NOT_READ = "not in the files the package reads, so not compared"
_SCORECARD = "Adoption scorecard {measure} (three-year average; DfE's adoption scorecards); " + NOT_READ
_CLA_ON_DATE = "Children looked after on the period end (an episode open at the end of that day)"
_CLA_12M = (
    "Children looked after continuously for at least 12 months at the period end: looked after "
    "on the window's first day and its last, with no start, no ceasing and no V3/V4 episode in the window"
)

_RECORDS: list[Indicator] = [
    # ----------------------------------------------------------------------------- profile
    Indicator(
        "cla_on_date", "Children looked after on the period end", "profile", "profile", "count", "none",
        _CLA_ON_DATE, "Children looked after on the period end", "None (a count)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children looked after on 31 March each year', "
        "children_count; LAIT LACnum",
        breakdowns=CHARACTERISTICS,
    ),
    Indicator(
        "cla_rate_per_10k", "Children looked after per 10,000 children under 18", "profile", "profile",
        "rate_per_10k", "none", _CLA_ON_DATE, "Children looked after on the period end",
        "ONS mid-year estimate of the under-18 population (population.csv); by age band, the children of "
        "that age (population.csv rows with an age_band: the authority's own figures, as DfE publishes no "
        "population by age in the files the package reads)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children looked after on 31 March each year', "
        "rate_per_10000; LAIT LAC (the under-18 rate only; no rate by age is published)",
        breakdowns=(AGE_BAND,),
    ),
    Indicator(
        "cla_started", "Children who started to be looked after", "profile", "profile", "count", "none",
        "Children with a period of care starting in the window (first start per child only)",
        "Children starting to be looked after", "None (a count)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children starting to be looked after each year', "
        "children_count; LAIT LACnum_Start",
        breakdowns=(AGE_BAND, SEX, ETHNIC_GROUP, LEGAL_STATUS, UASC),
    ),
    Indicator(
        "cla_started_rate_per_10k", "Children starting to be looked after per 10,000 under 18", "profile",
        "profile", "rate_per_10k", "none",
        "Children with a period of care starting in the window (first start per child only)",
        "Children starting to be looked after", "ONS under-18 population (population.csv)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children starting to be looked after each year', "
        "rate_per_10000; LAIT LAC_Start_Rate",
    ),
    Indicator(
        "cla_ceased", "Children who ceased to be looked after", "profile", "profile", "count", "none",
        "Children with a period of care ending in the window (last ceasing per child only)",
        "Children ceasing to be looked after", "None (a count)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children ceasing to be looked after each year', "
        "children_count; LAIT LACceased",
        breakdowns=(CEASED_REASON, AGE_BAND, SEX, ETHNIC_GROUP, LEGAL_STATUS, PLACEMENT_TYPE, UASC),
    ),
    Indicator(
        "cla_ceased_rate_per_10k", "Children ceasing to be looked after per 10,000 under 18", "profile",
        "profile", "rate_per_10k", "none",
        "Children with a period of care ending in the window (last ceasing per child only)",
        "Children ceasing to be looked after", "ONS under-18 population (population.csv)",
        dfe_equivalent=f"{_EES_RATE}: population_type='Children ceasing to be looked after each year', "
        "rate_per_10000; LAIT LAC_Cease_Rate",
    ),
    Indicator(
        "cla_started_reentry", "Children starting to be looked after who had been looked after before",
        "profile", "O3", "%", "low_good",
        "Children with a period of care starting in the window (each child once, as cla_started)",
        "Those with an earlier period of care that ended (REC other than X1) on or before their last start in "
        "the window, in the loaded returns",
        "Children starting to be looked after in the window",
        exclusions=SHORT_BREAKS + ", as the start and as the earlier period; a period of care ending before the "
        "earliest loaded return is not seen",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "uasc_on_date", "Unaccompanied asylum-seeking children looked after on the period end", "profile",
        "profile", "count", "none", _CLA_ON_DATE + " who are UASC (in the UASC table, DUC blank or after the date)",
        "UASC looked after on the period end", "None (a count)",
        dfe_equivalent="EES CLA on 31 March by characteristics: UASC; LAIT Unacc_Asylmn_Seek_Childn",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "cla_12m_cohort", "Children looked after continuously for 12 months", "health", "profile", "count",
        "none", _CLA_12M, "Children in the 12-month cohort", "None (a count)",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Health assessments (all ages)', breakdown='Total'",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "care_leavers_cohort", "Care leavers aged 17 to 21 with a birthday in the window", "care_leavers", "profile",
        "count", "none",
        "Former relevant care leavers with their 17th-21st birthday in the window (an OC3 row)",
        "Care leavers aged 17-21 (excluding died and returned home 6+ months)", "None (a count)",
        exclusions=LEAVER_SHORT_BREAKS + "; died since leaving care (IN_TOUCH DIED); returned home 6+ months (RHOM)",
        dfe_equivalent=f"{_EES_ACT}: breakdown='Total' (by care_leaver_age); LAIT NoCareLeavers (19-21)",
        breakdowns=("care_leaver_age", SEX),
    ),
    # ----------------------------------------------------------------------------- O3 stability
    Indicator(
        "placements_3plus_12m", "Children looked after with 3 or more placements in the last 12 months",
        "stability", "O3", "%", "low_good", _CLA_ON_DATE,
        "Children with 3 or more placements (counting any open at the window start) in the 12 months",
        "Children looked after on the period end",
        dfe_equivalent=f"{_EES_STAB}: cla_group='CLA on 31 March', placement_stability='With 3 or more "
        "placements during the year'; LAIT LACStable_2016on",
        breakdowns=(AGE_BAND, SEX, UASC),
    ),
    Indicator(
        "placements_3plus_24m", "Children looked after for 2 years with 3 or more placements in the last 2 years",
        "stability", "O3", "%", "low_good",
        "Children looked after on the period end who had been looked after for at least 2 years (continuous)",
        "Those with 3 or more placements in the 24 months to the period end", "The cohort",
        dfe_equivalent=f"{_EES_STAB}: cla_group='CLA 2 years on 31 March', placement_stability='With 3 or more "
        "placements during the previous 2 years'",
    ),
    Indicator(
        "long_term_stability", "Children in care 2.5+ years living in the same placement for 2+ years",
        "stability", "O3", "%", "high_good",
        "Children looked after on the period end, aged under 16, looked after continuously for at least 2.5 years",
        "Those in the same placement for at least 2 years, or placed for adoption where the adoptive placement "
        "and the placement before it together last at least 2 years",
        "The cohort",
        dfe_equivalent=f"{_EES_STAB}: cla_group='Children looked after continuously for at least 2.5 years on "
        "31 March aged under 16 years', placement_stability='Living with the same carer for at least 2 years'; "
        "LAIT LAC_LongStable%",
    ),
    Indicator(
        "placed_over_20_miles", "Children placed more than 20 miles from home", "stability", "O3", "%",
        "low_good", _CLA_ON_DATE, "Those whose current placement is more than 20 miles from home (PL_DISTANCE > 20)",
        "Children looked after on the period end (distance not known stays in the denominator)",
        dfe_equivalent=f"{_EES_DIST}: breakdown='Placed more than 20 miles from home'",
        breakdowns=(AGE_BAND, PLACEMENT_TYPE),
    ),
    Indicator(
        "placed_over_20_miles_outside_la", "Children placed outside the authority and more than 20 miles from home",
        "stability", "O3", "%", "low_good", _CLA_ON_DATE,
        "Those placed outside the LA boundary (PL_LOCATION OUT) and more than 20 miles from home",
        "Children looked after on the period end", dfe_equivalent="LAIT LACDistance",
    ),
    Indicator(
        "distance_not_known", "Children looked after whose placement distance is not known", "stability", "O3",
        "%", "low_good", _CLA_ON_DATE, "Those whose current placement has no PL_DISTANCE",
        "Children looked after on the period end",
        dfe_equivalent=f"{_EES_DIST}: breakdown='Distance not known or not recorded'",
    ),
    Indicator(
        "placed_inside_la", "Children placed inside the authority's boundary", "stability", "O3", "%",
        "high_good", _CLA_ON_DATE, "Those whose current placement is inside the LA boundary (PL_LOCATION IN)",
        "Children looked after on the period end",
        dfe_equivalent="EES CLA on 31 March by characteristics: placement location 'Inside the local authority "
        "boundary' (la_cla_on_31_march_by_characteristics.csv); " + NOT_READ,
    ),
    Indicator(
        "placed_in_house", "Children placed in the authority's own provision", "stability", "O3", "%",
        "high_good", _CLA_ON_DATE, "Those whose current placement provider is the LA's own provision (PR1)",
        "Children looked after on the period end",
        dfe_equivalent="EES CLA on 31 March by characteristics: placement provider 'Own provision (by the LA)' "
        "(la_cla_on_31_march_by_characteristics.csv); " + NOT_READ,
        breakdowns=(PLACEMENT_TYPE,),
    ),
    Indicator(
        "new_placements_over_20_miles", "New placements more than 20 miles from home", "stability", "O3", "%",
        "low_good", "Placements starting in the window (one row per placement, not per child)",
        "Those more than 20 miles from home (inside or outside the LA boundary)", "All new placements",
        dfe_equivalent=f"{_EES_NEWPL}: characteristic='Location of new placements during the year', "
        "breakdown='Placed inside/outside LA boundary more than 20 miles from home' over 'Total new placements'",
    ),
    Indicator(
        "placement_moves_reason", "Placement changes by reason", "stability", "O3", "%", "none",
        "Placements that ended in the window with the child moving to another placement in the same period of care",
        "Placement changes with each REASON_PLACE_CHANGE (breakdown placement_change_reason)",
        "All placement changes in the window",
        dfe_equivalent=f"{_EES_NEWPL}: characteristic='Reason for placement change during the year' over "
        "'Total placements changing'",
        breakdowns=(PLACEMENT_CHANGE_REASON,),
    ),
    Indicator(
        "permanence_sgo_cao", "Children leaving care to a special guardianship or child arrangements order",
        "stability", "O3", "%", "high_good", "Children ceasing to be looked after in the window (last ceasing)",
        "Those whose reason for ceasing is an SGO (E43-E48) or a residence/child arrangements order (E41)",
        "All children ceasing in the window",
        dfe_equivalent="EES children who ceased during the year: reason 'Special guardianship orders' + "
        "'Residence order or child arrangement order granted' (la_children_who_ceased_during_the_year.csv); "
        + NOT_READ,
    ),
    Indicator(
        "adoption_days_entry_to_placement", "Average days from entering care to moving in with the adoptive family",
        "stability", "O3", "days", "low_good", "Children adopted (REC E11/E12) in the window",
        "Days from the start of the period of care that ended in adoption to the start of the adoptive "
        "placement (PLACE A3-A6); for a child adopted by their foster carers, the start of that foster placement",
        "Children adopted in the window (mean, t interval)",
        dfe_equivalent="Adoption scorecard A10 for the window's children (DfE publishes the three-year "
        "average: adoption_a10_days); " + NOT_READ,
    ),
    # ----------------------------------------------------------------------------- adoption scorecard
    Indicator(
        "adoption_a1_days", "Adoption scorecard A1: average days from entering care to moving in with the "
        "adoptive family (3 years)", "adoption", "O3", "days", "low_good",
        "Children adopted (last ceasing REC E11/E12) in the three years ending on the period end",
        "Days from the start of the period of care that ended in adoption to the first day of the placement "
        "with the adopters (first episode of the last carer spell with PLACE A3-A6)",
        "Children adopted in the three years (mean, t interval)",
        exclusions=SHORT_BREAKS + "; a child with no adoptive placement recorded; not produced when the loaded "
        "returns do not reach back three years",
        dfe_equivalent=_SCORECARD.format(measure="A1"),
    ),
    Indicator(
        "adoption_a2_days", "Adoption scorecard A2: average days from court authority to place to the match "
        "decision (3 years)", "adoption", "O3", "days", "low_good",
        "Children adopted (REC E11/E12) in the three years ending on the period end with a placement order "
        "(legal status E1) in that period of care and an AD1 match date",
        "Days from the placement order (first E1 episode) to the match decision (AD1 DATE_MATCH, the latest "
        "on or before the adoption); a match before the order counts 0 days (parameter a2_match_before_authority)",
        "Those children (mean, t interval)",
        exclusions=SHORT_BREAKS + "; adopted with parental consent and no placement order (the 903 does not date "
        "consent); no match date; not produced when the loaded returns do not reach back three years",
        dfe_equivalent=_SCORECARD.format(measure="A2"),
    ),
    Indicator(
        "adoption_a10_days", "Adoption scorecard A10: average days from entering care to moving in with the "
        "adoptive family, adjusted for foster carer adoptions (3 years)", "adoption", "O3", "days", "low_good",
        "Children adopted (last ceasing REC E11/E12) in the three years ending on the period end",
        "Days from the start of the period of care that ended in adoption to the start of the last carer spell "
        "(a child adopted by their foster carers counts from the day they moved in with them)",
        "Children adopted in the three years (mean, t interval)",
        exclusions=SHORT_BREAKS + "; not produced when the loaded returns do not reach back three years",
        dfe_equivalent=_SCORECARD.format(measure="A10"),
    ),
    # ----------------------------------------------------------------------------- social workers
    Indicator(
        "social_workers_3plus_12m", "Children looked after with 3 or more social workers in the year",
        "social_workers", "O3", "%", "low_good", _CLA_ON_DATE,
        "Those with 3 or more different social workers (SW_ID) whose social worker episodes overlap the 12 "
        "months", "Children looked after on the period end",
        exclusions=SHORT_BREAKS + "; SW_ID placeholders starting XX; not produced for a window starting before "
        "1 April 2023 (the 903 collected no social worker episodes)",
        dfe_equivalent="EES la_cla_swcount.csv: cla_group='CLA on 31 March', sw_stability='3 or more social "
        "workers during the year' (2024 on)",
    ),
    # ----------------------------------------------------------------------------- O1 health
    Indicator(
        "health_assessment_up_to_date", "Annual health assessment up to date", "health", "O1", "%", "high_good",
        _CLA_12M, "HEALTH_ASSESSMENT = 1", "The 12-month cohort, all ages",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Health assessments (all ages)', breakdown='Had their "
        "annual health assessment'; LAIT LACHealth%",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "immunisations_up_to_date", "Immunisations up to date", "health", "O1", "%", "high_good", _CLA_12M,
        "IMMUNISATIONS = 1", "The 12-month cohort, all ages",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Health assessments (all ages)', breakdown='Had their "
        "immunisations up to date'; LAIT LACVaccinations%",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "dental_check", "Teeth checked by a dentist", "health", "O1", "%", "high_good", _CLA_12M,
        "TEETH_CHECK = 1", "The 12-month cohort, all ages",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Health assessments (all ages)', breakdown='Had their "
        "teeth checked by a dentist'; LAIT LACDental%",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "development_assessment_0_4", "Development assessments up to date (ages 0-4)", "health", "O1", "%",
        "high_good", _CLA_12M + ", aged under 5 on the period end", "HEALTH_CHECK = 1",
        "The 12-month cohort aged 0-4",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Development assessments (0 to 4)', "
        "breakdown='Development assessments up to date'",
    ),
    Indicator(
        "substance_misuse", "Identified as having a substance misuse problem", "health", "O1", "%", "low_good",
        _CLA_12M, "SUBSTANCE_MISUSE = 1", "The 12-month cohort, all ages",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Substance misuse (all ages)', breakdown='Identified as "
        "having a substance misuse problem'; LAIT LACSubstance",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "convicted_10_17", "Convicted or subject to a youth caution (ages 10-17)", "health", "O1", "%",
        "low_good", _CLA_12M + ", aged 10-17 on the period end", "CONVICTED = 1",
        "The 12-month cohort aged 10-17",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Convictions (10 to 17 years)', breakdown='Convicted or "
        "subject to youth cautions, or youth conditional cautions during the year'; LAIT LAC_Convictions",
        breakdowns=(SEX,),
    ),
    # ----------------------------------------------------------------------------- O2 SDQ
    Indicator(
        "sdq_completed", "SDQ score received (ages 5-16)", "mental_health", "O2", "%", "high_good",
        _CLA_12M + ", aged 5-16 on the period end", "Those with an SDQ score (0-40)",
        "The 12-month cohort aged 5-16",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Ages 5 to 16 years with SDQ score', "
        "breakdown='SDQ score was received'",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "sdq_mean", "Average SDQ total difficulties score (ages 5-16)", "mental_health", "O2", "mean",
        "low_good", _CLA_12M + ", aged 5-16 on the period end, with an SDQ score", "Sum of SDQ scores",
        "Children with a score (mean, t interval)",
        dfe_equivalent=f"{_EES_HEALTH}: characteristic='Ages 5 to 16 years with SDQ score', breakdown='SDQ "
        "average score'; LAIT Emotional_LAC",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "sdq_normal", "SDQ score normal (0-13)", "mental_health", "O2", "%", "high_good",
        _CLA_12M + ", aged 5-16 on the period end", "Those scoring 0-13",
        "Children with a score (parameter sdq_band_denominator)",
        dfe_equivalent=f"{_EES_HEALTH}: breakdown='SDQ score is normal'",
    ),
    Indicator(
        "sdq_borderline", "SDQ score borderline (14-16)", "mental_health", "O2", "%", "none",
        _CLA_12M + ", aged 5-16 on the period end", "Those scoring 14-16",
        "Children with a score (parameter sdq_band_denominator)",
        dfe_equivalent=f"{_EES_HEALTH}: breakdown='SDQ score is borderline'",
    ),
    Indicator(
        "sdq_concern", "SDQ score a cause for concern (17-40)", "mental_health", "O2", "%", "low_good",
        _CLA_12M + ", aged 5-16 on the period end", "Those scoring 17-40",
        "Children with a score (parameter sdq_band_denominator)",
        dfe_equivalent=f"{_EES_HEALTH}: breakdown='SDQ score is a cause for concern'",
        breakdowns=(SEX,),
    ),
    # ----------------------------------------------------------------------------- missing
    Indicator(
        "missing_episodes_children", "Children looked after who went missing", "missing", "O3", "%", "low_good",
        "Children looked after at any time in the window", "Those with a missing episode (MISSING M) starting in the window",
        "Children looked after during the window",
        dfe_equivalent="LAIT Children_missing (EES children who were missing or away from placement without "
        "authorisation)",
        breakdowns=(AGE_BAND, SEX),
    ),
    Indicator(
        "away_episodes_children", "Children looked after who were away from placement without authorisation",
        "missing", "O3", "%", "low_good", "Children looked after at any time in the window",
        "Those with an away-from-placement episode (MISSING A) starting in the window",
        "Children looked after during the window",
        dfe_equivalent="LAIT Children_Away (EES children who were missing or away from placement without "
        "authorisation)",
        breakdowns=(AGE_BAND, SEX),
    ),
    # ----------------------------------------------------------------------------- O5 staying put
    Indicator(
        "staying_put_18", "Care leavers who left foster care at 18 and are staying put", "care_leavers", "O5",
        "%", "high_good",
        "Care leavers with their 18th birthday in the window whose period of care ended on that birthday "
        "from a foster placement (U1-U6)",
        "Those still living with their former foster carers (ACCOM type Z)", "The cohort",
        exclusions=SHORT_BREAKS + "; died, returned home 6+ months",
        dfe_equivalent="EES care leavers staying put at 18 (experimental; not in LAIT); " + NOT_READ,
    ),
    Indicator(
        "staying_put_19_20", "Care leavers aged 19-20 still living with former foster carers", "care_leavers",
        "O5", "%", "high_good",
        "Care leavers with their 19th or 20th birthday in the window who ceased care on their 18th birthday "
        "from a foster placement",
        "Those still living with their former foster carers (ACCOM type Z)", "The cohort",
        exclusions=SHORT_BREAKS + "; died, returned home 6+ months",
        dfe_equivalent="LAIT StayingPut",
    ),
]

#: Care-leaver age groups: the two DfE groups and the single ages 17-21.
CARE_LEAVER_AGES: dict[str, tuple[int, ...]] = {
    "17_18": (17, 18),
    "19_21": (19, 20, 21),
    **{str(a): (a,) for a in range(17, 22)},
}
_EES_AGE = {"17_18": "17 to 18 years", "19_21": "19 to 21 years"}
_LEAVER_MEASURES: dict[str, tuple[str, str, str, str, str, str]] = {
    # measure: (title, polarity, numerator, denominator, EES breakdown, LAIT 19-21 Short Desc)
    "in_touch": ("In touch with the authority", "high_good", "IN_TOUCH = YES",
                 "All care leavers of that age", "", ""),
    "not_in_touch": ("Not in touch with the authority", "low_good", "IN_TOUCH = NO",
                     "All care leavers of that age", "", "CareLeavers_LA_NotInTouch"),
    "eet": ("In education, employment or training", "high_good", "ACTIV in F1-F5/P1-P5",
            "All care leavers of that age", "Total in education, employment or training", "CareLeaverEET"),
    "neet": ("Not in education, employment or training", "low_good", "ACTIV G4-G6",
             "All care leavers of that age", "Total not in education, employment or training", "CareLeaversNEET"),
    "higher_education": ("In higher education", "high_good", "ACTIV F1/P1",
                         "All care leavers of that age", "Higher education i.e. studies beyond A level", "LAC_19_HE"),
    "activity_not_known": ("Activity information not known", "low_good",
                           "ACTIV neither EET (F1-F5, P1-P5) nor NEET (G4-G6): 0 or blank, usually IN_TOUCH "
                           "NO, REFU or NREQ (a refusal whose activity a third party reported counts as that "
                           "activity)", "All care leavers of that age",
                           "Total information not known", ""),
    "suitable_accommodation": ("In suitable accommodation", "high_good", "ACCOM suffix 1",
                               "Care leavers of that age except those abroad, deported or residence not known "
                               "(ACCOM types G, H, R)", "Accommodation considered suitable", "CareLeaverAcc"),
}


def _leaver_records() -> list[Indicator]:
    out = []
    for age, years in CARE_LEAVER_AGES.items():
        ages = "-".join(str(a) for a in (years[0], years[-1])) if len(years) > 1 else str(years[0])
        for measure, (title, polarity, num, den, ees, lait) in _LEAVER_MEASURES.items():
            dfe = ""
            if age in _EES_AGE and ees:
                file = _EES_ACC if measure == "suitable_accommodation" else _EES_ACT
                dfe = f"{file}: care_leaver_age='{_EES_AGE[age]}', breakdown='{ees}'"
            if age == "19_21" and lait:
                dfe = f"{dfe}; LAIT {lait}" if dfe else f"LAIT {lait}"
            out.append(
                Indicator(
                    f"leavers_{age}_{measure}", f"Care leavers aged {ages}: {title.lower()}", "care_leavers", "O5",
                    "%", polarity,
                    f"Care leavers (OC3) with their birthday at age {ages} in the window",
                    num, den,
                    exclusions=LEAVER_SHORT_BREAKS + "; died since leaving care (DIED); returned home 6+ months (RHOM)",
                    dfe_equivalent=dfe,
                    breakdowns=(SEX,) if age in _EES_AGE else (),
                )
            )
    return out


_RECORDS.extend(_leaver_records())

_PUBLISHED = "published definition"
_ON_DATE_EPISODE = (f"{_PUBLISHED}: the episode open on 31 March (a temporary placement as returned, "
                    "parameter temporary_on_period_end)")
_HEALTH = (f"{_PUBLISHED}: the 12-month cohort; children ceasing on 31 March are out (not looked after that day; "
           "parameter oc2_ceased_on_period_end)")
_LEAVERS = (f"{_PUBLISHED}: the OC3 rows returned for the 17th-21st birthday in the year, less died, returned home "
            "6+ months and short breaks alone; activity not known = ACTIV neither EET nor NEET; the 'on or around "
            "the birthday' window is unconfirmed (parameter oc3_birthday_lag_months, default 0)")
_PLACEMENT_COUNT = ("reading: DfE does not say whether same-carer changes other than a foster placement becoming "
                    "an adoption placement, temporary placements (T0-T4) or a placement ending on 1 April count; "
                    "defaults leave them out (parameters same_carer_moves, temporary, placement_ending_on_first_day)")
#: Whether each published measure is computed with the definition that produced DfE's LA figure.
DFE_DEFINITIONS: dict[str, str] = {
    "cla_on_date": f"{_PUBLISHED}: an episode open at the end of 31 March, short breaks excluded",
    "cla_rate_per_10k": f"{_PUBLISHED}; the rate uses population.csv, which may be a different ONS vintage; "
                        "the rates by age band are the package's own (DfE publishes none)",
    "cla_started": f"{_PUBLISHED}: first start per child in the year",
    "cla_started_rate_per_10k": f"{_PUBLISHED}; population as cla_rate_per_10k",
    "cla_ceased": f"{_PUBLISHED}: last ceasing per child in the year",
    "cla_ceased_rate_per_10k": f"{_PUBLISHED}; population as cla_rate_per_10k",
    "uasc_on_date": "reading: UASC on 31 March = in the UASC table with DUC blank or after 31 March",
    "cla_12m_cohort": _HEALTH,
    "care_leavers_cohort": _LEAVERS,
    "placements_3plus_12m": _PLACEMENT_COUNT,
    "placements_3plus_24m": "reading: 'CLA 2 years on 31 March' read as continuously looked after for 2 years "
                            "(unconfirmed); placements counted as placements_3plus_12m",
    "long_term_stability": f"{_PUBLISHED} (former NI 63): carer spells, so a same-carer change does not restart "
                           "the 2 years; the adoption rule",
    "placed_over_20_miles": _ON_DATE_EPISODE + "; UASC counted as distance not known (parameter uasc_distance)",
    "placed_over_20_miles_outside_la": _ON_DATE_EPISODE + "; UASC per uasc_distance",
    "distance_not_known": _ON_DATE_EPISODE + "; UASC per uasc_distance",
    "placed_inside_la": _ON_DATE_EPISODE,
    "placed_in_house": _ON_DATE_EPISODE,
    "new_placements_over_20_miles": f"{_PUBLISHED}: every placement record started in the year (starts + changes, "
                                    "same-carer changes included); a temporary move and the return are merged "
                                    "(unconfirmed, parameter temporary)",
    "placement_moves_reason": f"{_PUBLISHED}: every placement change in the year, same-carer changes included "
                              "('Change in the status of placement only'); the reasons sum to the total; temporary "
                              "moves merged (unconfirmed, parameter temporary)",
    "permanence_sgo_cao": f"{_PUBLISHED}: ceasing reasons E41 and E43-E48 over every child ceasing in the year",
    "adoption_days_entry_to_placement": "differs: DfE's A10 is a 3-year average of adopted children; here the "
                                        "window's adopted children (adoption_a10_days is the 3-year one)",
    "adoption_a1_days": "reading: moving in with the adoptive family = the first A3-A6 episode of the last carer "
                        "spell; the three years ending on the period end",
    "adoption_a2_days": "reading: court authority = the first placement order (LS E1) episode, so consent-only "
                        "adoptions are out; match = AD1 DATE_MATCH; a match before the order counts 0 days "
                        "(parameter a2_match_before_authority)",
    "adoption_a10_days": f"{_PUBLISHED}: a child adopted by their foster carers counts from the day they moved "
                         "in with them (carer spells); the three years ending on the period end",
    "health_assessment_up_to_date": _HEALTH,
    "immunisations_up_to_date": _HEALTH,
    "dental_check": _HEALTH,
    "development_assessment_0_4": _HEALTH,
    "substance_misuse": _HEALTH,
    "convicted_10_17": _HEALTH,
    "sdq_completed": _HEALTH + "; ages 5-16 on 31 March",
    "sdq_mean": _HEALTH + "; ages 5-16 with a score",
    "sdq_normal": _HEALTH + "; children with a score (parameter sdq_band_denominator)",
    "sdq_borderline": _HEALTH + "; children with a score (parameter sdq_band_denominator)",
    "sdq_concern": _HEALTH + "; children with a score (parameter sdq_band_denominator)",
    "social_workers_3plus_12m": "reading: different SW_IDs with an episode overlapping the year (one ending on "
                                "1 April is not counted), XX placeholders left out; DfE does not publish its "
                                "counting rule",
    "missing_episodes_children": f"{_PUBLISHED}: incidents in the year, including one begun before and still "
                                 "going on 1 April, as LAIT's methodology says (parameter "
                                 "missing_started_before_window, default True)",
    "away_episodes_children": f"{_PUBLISHED}: as missing_episodes_children",
    "staying_put_18": "reading: left foster care (U1-U6) on the 18th birthday, from the period of care ending that day",
    "staying_put_19_20": "reading: as staying_put_18, for the 19th and 20th birthdays",
}
for _i, _record in enumerate(_RECORDS):
    if _record.dfe_equivalent and not _record.dfe_definition:
        _text = _LEAVERS if _record.id.startswith("leavers_") else DFE_DEFINITIONS.get(_record.id, "")
        _RECORDS[_i] = replace(_record, dfe_definition=_text)

#: Every indicator the package knows, keyed by id: those computed from the 903 history, then the
#: measures declared in :mod:`~cpanalysis.indicators.beyond_903` (DfE's published-only school moves,
#: DfE's attainment, the package's known local measures), in the order the pages and ``changes.csv``
#: list them. Complete on import: nothing is added by importing another module; the only addition
#: is an authority's own local measure, by :func:`register` (see there).
CATALOGUE: dict[str, Indicator] = {
    r.id: r for r in (*_RECORDS, *beyond_903.PUBLISHED_ONLY, *beyond_903.ATTAINMENT,
                      *beyond_903.LOCAL_INDICATORS.values())
}
if len(CATALOGUE) != len(_RECORDS) + len(beyond_903.PUBLISHED_ONLY) + len(beyond_903.ATTAINMENT) + len(
        beyond_903.LOCAL_INDICATORS):  # pragma: no cover - a duplicated id is a programming error
    raise RuntimeError("duplicated indicator id in the catalogue")


def get(indicator_id: str) -> Indicator:
    """The catalogue record of ``indicator_id``.

    Raises
    ------
    ParameterError
        If the id is not in the catalogue.
    """
    try:
        return CATALOGUE[indicator_id]
    except KeyError:
        raise ParameterError(
            f"unknown indicator id {indicator_id!r}; see cpanalysis.indicators.catalogue for the list"
        ) from None


def title_of(indicator_id: str) -> str:
    """Plain-English title of an indicator: the catalogue's title, else the id in words
    (``"local_own_measure"`` -> ``"Local own measure"``), for an authority's own measure not registered."""
    try:
        return get(indicator_id).title
    except ParameterError:
        return indicator_id.replace("_", " ").capitalize()


def ids(family: str | None = None) -> list[str]:
    """Indicator ids in catalogue order, optionally only those of ``family``."""
    return [r.id for r in CATALOGUE.values() if family is None or r.family == family]


def register(indicator: Indicator, replace: bool = False) -> None:
    """Add a record: a measure an authority defines in its own local-measures files.

    Every other id is declared with the catalogue. The one caller in the package is
    :func:`cpanalysis.reports.loading.register_local_measures`, called once whenever a notebook's
    data are loaded (cold, warm cache or the runner's snapshot), with the records
    :func:`cpanalysis.local_measures.local_records` reads; reading the files registers nothing.

    Raises
    ------
    ParameterError
        If the id already exists and ``replace`` is false.
    """
    if indicator.id in CATALOGUE and not replace and CATALOGUE[indicator.id] != indicator:
        raise ParameterError(f"indicator id {indicator.id!r} is already in the catalogue")
    CATALOGUE[indicator.id] = indicator


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a DataFrame, one row per id (``breakdowns`` joined with ``", "``)."""
    rows = []
    for record in CATALOGUE.values():
        row = asdict(record)
        row["breakdowns"] = ", ".join(record.breakdowns)
        row["outcome_title"] = OUTCOMES[record.outcome]
        rows.append(row)
    return pd.DataFrame(rows)
