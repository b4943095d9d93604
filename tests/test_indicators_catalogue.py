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


#: Report functions of the notebooks whose first text argument is an indicator id, and those whose
#: text argument names a catalogue set (``catalogue.measure_set``).
_ID_ARGUMENT = {"trend", "outcome_trend", "breakdown_chart", "breakdown_table", "funnel"}
_SET_ARGUMENT = {"headline_table", "neighbours_table", "reconciliation_table", "comparison_table", "national_position",
                 "scorecard_tiles", "scorecard_table"}


def _ids_named_by_the_notebooks() -> set[str]:
    """Every id a notebook names: as an id argument, or inside a set it names."""
    import ast
    import json
    from pathlib import Path

    named: set[str] = set()
    for notebook in sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if node.func.attr in _ID_ARGUMENT and texts:
                    named.add(texts[0])
                elif node.func.attr in _SET_ARGUMENT and texts:
                    named.update(catalogue.measure_set(texts[0]))
    return named


def test_import_of_indicators_alone_gives_the_whole_catalogue(tmp_path):
    """In a fresh interpreter ``import cpanalysis.indicators`` alone gives a catalogue where every id
    a notebook, a page's findings, the scorecard (the demo's targets), HEADLINES or MEASURE_SETS
    names resolves, with its title; and none of the modules that once added records when imported
    (local_measures, dfe, scorecard, reports) has been loaded: nothing depends on import order."""
    import json
    import subprocess
    import sys

    import pandas as pd

    from cpanalysis import local_measures
    from cpanalysis.reports import findings

    code = ("import json, sys\nimport cpanalysis.indicators\nfrom cpanalysis.indicators import catalogue\n"
            "print(json.dumps({'ids': list(catalogue.CATALOGUE),\n"
            "                  'titles': [catalogue.title_of(i) for i in ('local_pep_completed', 'ks2_rwm_expected')],\n"
            "                  'modules': sorted(m for m in sys.modules if m.startswith('cpanalysis'))}))")
    fresh = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout)
    named = {i for ids in [*catalogue.HEADLINES.values(), *catalogue.MEASURE_SETS.values()] for i in ids}
    named |= {i for ids in findings.PAGE_MEASURES.values() if ids for i in ids}
    named |= set(pd.read_csv(local_measures.write_demo_targets(tmp_path))["indicator_id"])
    from_notebooks = _ids_named_by_the_notebooks()
    assert {"ks4_attainment8", "local_gp_registration", "cla_on_date", "staying_put_18"} <= from_notebooks
    named |= from_notebooks
    assert sorted(named - set(fresh["ids"])) == []
    assert fresh["titles"] == ["Personal education plans completed in the term",
                               "Key stage 2: expected standard in reading, writing and maths combined"]
    loaded = [m for m in fresh["modules"] if m.startswith(("cpanalysis.local_measures", "cpanalysis.dfe",
                                                           "cpanalysis.scorecard", "cpanalysis.reports"))]
    assert loaded == []
    # the ids of the three groups declared outside the 903 families are in it, none added later
    assert {"ks2_rwm_expected", "school_moves_12m", "local_mh_wait_weeks"} <= set(fresh["ids"])


def test_reading_local_files_registers_nothing_and_one_call_does(tmp_path):
    """An authority's own measure reaches the catalogue only by loading.register_local_measures."""
    from cpanalysis.reports import loading

    local = tmp_path / "local"
    local.mkdir()
    (local / "own.csv").write_text("indicator_id,period_end,numerator,denominator,title,outcome,polarity\n"
                                   "local_own_thing,2025-03-31,3,4,Our own thing,O2,high_good\n", encoding="utf-8")
    from cpanalysis import local_measures

    try:
        rows = local_measures.load_local_measures(local)
        assert list(rows["indicator_id"]) == ["local_own_thing"]
        assert "local_own_thing" not in catalogue.CATALOGUE
        loading.register_local_measures(tmp_path / "903")  # local/ beside the returns folder
        record = catalogue.CATALOGUE["local_own_thing"]
        assert (record.title, record.outcome, record.polarity, record.family) == ("Our own thing", "O2",
                                                                                   "high_good", "local")
    finally:
        catalogue.CATALOGUE.pop("local_own_thing", None)


def test_headline_sets_live_in_the_catalogue_and_each_id_belongs_to_its_outcome():
    from cpanalysis import scorecard

    assert scorecard.OUTCOME_MEASURES is catalogue.HEADLINES  # one list, kept in the catalogue
    assert list(catalogue.HEADLINES) == ["O1", "O2", "O3", "O4", "O5"]
    for outcome, ids in catalogue.HEADLINES.items():
        for indicator_id in ids:  # local_* and ks* records are declared with the catalogue
            assert catalogue.get(indicator_id).outcome == outcome, indicator_id


def test_named_measure_sets_name_catalogue_ids():
    for name, ids in catalogue.MEASURE_SETS.items():
        assert catalogue.measure_set(name) == ids and len(set(ids)) == len(ids)
        for indicator_id in ids:
            catalogue.get(indicator_id)  # raises for an unknown id
    assert catalogue.measure_set("O3")[0] == "placements_3plus_12m"
    with pytest.raises(ParameterError, match="unknown set of measures 'nope'; known sets: O1"):
        catalogue.measure_set("nope")


def test_only_the_load_registers_and_nothing_writes_the_catalogue_on_import():
    """The catalogue's one addition after import is reports.loading.register_local_measures: no
    other module calls catalogue.register or writes CATALOGUE (at import or later)."""
    import ast
    from pathlib import Path

    package = Path(catalogue.__file__).parents[1]
    writers = set()
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                node.func.attr == "register" and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("catalogue", "cat"))
            written = isinstance(node, (ast.Assign, ast.AugAssign)) and any(
                isinstance(t, ast.Subscript) and "CATALOGUE" in ast.unparse(t.value)
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))
            if called or written:
                writers.add(path.relative_to(package).as_posix())
    assert writers == {"indicators/catalogue.py", "reports/loading.py"}
