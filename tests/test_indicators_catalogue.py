"""Tests for cpanalysis.indicators.catalogue."""

from __future__ import annotations

import pytest

from cpanalysis.errors import ParameterError
from cpanalysis.indicators import catalogue


def test_required_ids_present():
    required = [
        "cla_on_date", "cla_rate_per_10k", "cla_started", "cla_ceased", "uasc_on_date", "care_leavers_cohort",
        "placements_3plus_12m", "placements_3plus_24m", "long_term_stability", "placed_over_20_miles",
        "placed_over_20_miles_outside_la", "distance_not_known", "placed_inside_la", "placed_in_house",
        "new_placements_over_20_miles", "placement_moves_reason", "permanence_sgo_cao",
        "adoption_days_entry_to_placement", "health_assessment_up_to_date", "immunisations_up_to_date",
        "dental_check", "development_assessment_0_4", "substance_misuse", "convicted_10_17", "sdq_completed",
        "sdq_mean", "sdq_normal", "sdq_borderline", "sdq_concern", "staying_put_18",
        "missing_episodes_children", "away_episodes_children",
    ]
    for age in ("17_18", "19_21", "17", "18", "19", "20", "21"):
        for m in ("in_touch", "eet", "neet", "higher_education", "activity_not_known", "suitable_accommodation"):
            required.append(f"leavers_{age}_{m}")
    missing = [r for r in required if r not in catalogue.CATALOGUE]
    assert missing == []


def test_frame_has_one_row_per_id_and_valid_fields():
    frame = catalogue.catalogue_frame()
    assert frame["id"].is_unique
    assert len(frame) == len(catalogue.CATALOGUE)
    for col in ("id", "title", "dfe_equivalent", "cohort", "numerator", "denominator", "exclusions",
                "unit", "polarity", "outcome"):
        assert col in frame.columns
    assert set(frame["unit"]) <= set(catalogue.UNITS)
    assert set(frame["polarity"]) <= set(catalogue.POLARITIES)
    assert frame.loc[frame["id"] == "placements_3plus_12m", "polarity"].item() == "low_good"
    assert frame.loc[frame["id"] == "leavers_19_21_eet", "dfe_equivalent"].item().endswith("LAIT CareLeaverEET")


def test_get_unknown_id_names_it():
    with pytest.raises(ParameterError, match="no_such_thing"):
        catalogue.get("no_such_thing")


def test_invalid_record_rejected():
    with pytest.raises(ParameterError, match="unit"):
        catalogue.Indicator("x", "x", "local", "O1", "percent", "none", "c", "n", "d")


def test_register_refuses_a_clash():
    rec = catalogue.CATALOGUE["cla_on_date"]
    changed = catalogue.Indicator(rec.id, "other", "local", "O1", "%", "none", "c", "n", "d")
    with pytest.raises(ParameterError, match="already"):
        catalogue.register(changed)


def test_every_catalogue_id_is_produced_and_nothing_else():
    import pandas as pd

    from cpanalysis import indicators
    from tests import (
        test_indicators_care_leavers,
        test_indicators_health,
        test_indicators_missing,
        test_indicators_profile,
        test_indicators_social_workers,
        test_indicators_stability,
    )
    from tests.indicator_history import History

    history = History()
    for module in (test_indicators_profile, test_indicators_stability, test_indicators_health,
                   test_indicators_care_leavers, test_indicators_missing, test_indicators_social_workers):
        part = module.history()
        for name in ("children", "episodes", "oc2", "oc3", "missing"):
            getattr(history, name).extend(getattr(part, name))
    population = pd.DataFrame({"la_code": ["E1"], "year": [2025], "population_under18": [1000]})
    tables = history.tables()
    tables["sw_episodes"] = test_indicators_social_workers.sw_episodes()
    out = indicators.compute(tables, "2025-03-31", population=population)
    produced = set(out["indicator_id"])
    # other modules may register ids computed elsewhere (local measures, DfE-only attainment)
    expected = {r.id for r in catalogue.CATALOGUE.values() if r.family in indicators.FAMILIES}
    assert produced == expected
    assert out["unit"].notna().all() and out["polarity"].notna().all()
    for record in catalogue.CATALOGUE.values():
        if record.family not in indicators.FAMILIES:
            continue
        named = set(out.loc[out["indicator_id"] == record.id, "breakdown"]) - {"Total"}
        assert named <= set(record.breakdowns), record.id


def test_local_and_attainment_ids_are_found_whatever_was_imported_first():
    """A report kernel that never imported local_measures still titles a local measure properly."""
    import subprocess
    import sys

    code = ("from cpanalysis.indicators.catalogue import title_of as indicator_label\n"
            "print(indicator_label('local_pep_completed'))\n"
            "print(indicator_label('ks2_rwm_expected'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["Personal education plans completed in the term",
                   "Key stage 2: expected standard in reading, writing and maths combined"]


def test_headline_sets_live_in_the_catalogue_and_each_id_belongs_to_its_outcome():
    from cpanalysis import scorecard

    assert scorecard.OUTCOME_MEASURES is catalogue.HEADLINES  # one list, kept in the catalogue
    assert list(catalogue.HEADLINES) == ["O1", "O2", "O3", "O4", "O5"]
    for outcome, ids in catalogue.HEADLINES.items():
        for indicator_id in ids:  # local_* and ks* records are found too (registered on a miss)
            assert catalogue.get(indicator_id).outcome == outcome, indicator_id


def test_named_measure_sets_name_catalogue_ids():
    for name, ids in catalogue.MEASURE_SETS.items():
        assert catalogue.measure_set(name) == ids and len(set(ids)) == len(ids)
        for indicator_id in ids:
            catalogue.get(indicator_id)  # raises for an unknown id
    assert catalogue.measure_set("O3")[0] == "placements_3plus_12m"
    with pytest.raises(ParameterError, match="unknown set of measures 'nope'; known sets: O1"):
        catalogue.measure_set("nope")
