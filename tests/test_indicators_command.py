"""The ``cpanalysis indicators`` command on a small processed folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cpanalysis import build, cli
from cpanalysis.commands.indicators import period_ends
from cpanalysis.indicators import TIDY_COLUMNS
from tests.indicator_history import History


@pytest.fixture()
def processed(tmp_path):
    h = History()
    h.child("A", "2010-05-01").stay("A", "2023-01-10")
    h.child("B", "2012-06-01").stay("B", "2024-05-01", "2024-12-01", rec="E13")
    folder = build.write_processed(h.tables(), tmp_path / "processed")
    (folder / build.MANIFEST).write_text(json.dumps({"input": str(tmp_path / "raw"),
                                                     "options": {"la_code": "E10000099"}}))
    (tmp_path / "raw" / "local").mkdir(parents=True)
    pd.DataFrame({"la_code": ["E10000099"], "year": [2025], "population_under18": [20_000]}).to_csv(
        tmp_path / "raw" / "population.csv", index=False)
    (tmp_path / "raw" / "local" / "m.csv").write_text(
        "indicator_id,period_end,numerator,denominator\nlocal_gp_registration,2025-03-31,1,1\n"
        "local_gp_registration,2024-03-31,1,2\n")
    return folder


def test_command_writes_the_tidy_table(processed, tmp_path, capsys):
    out = tmp_path / "out" / "indicators.csv"
    code = cli.main(["indicators", str(processed), "--period-end", "2025-03-31", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert tuple(table.columns) == TIDY_COLUMNS
    assert set(table["period_end"]) == {"2025-03-31"}
    rate = table[(table["indicator_id"] == "cla_rate_per_10k")].iloc[0]
    assert (rate["numerator"], rate["denominator"], rate["value"], rate["geography"]) == (1, 20_000, 0.5, "E10000099")
    gp = table[table["indicator_id"] == "local_gp_registration"]
    assert len(gp) == 1 and gp["value"].iloc[0] == 100.0  # only the requested period end
    assert "local measures from" in capsys.readouterr().out


def test_command_rolling_quarters(processed, tmp_path):
    out = tmp_path / "q.csv"
    code = cli.main(["indicators", str(processed), "--period-end", "2025-03-31", "--window", "rolling_12m",
                     "--quarters", "3", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    on = table[(table["indicator_id"] == "cla_on_date") & (table["breakdown"] == "Total")]
    assert dict(zip(on["period_end"], on["value"], strict=False)) == {"2024-09-30": 2, "2024-12-31": 1, "2025-03-31": 1}


def test_period_ends():
    assert [e.date().isoformat() for e in period_ends("2025-03-31", "year", 8)] == ["2024-03-31", "2025-03-31"]
    assert len(period_ends("2025-06-30", "rolling_12m", 4)) == 4


def test_bad_period_end_is_a_plain_error(processed, tmp_path, capsys):
    code = cli.main(["indicators", str(processed), "--period-end", "2025-06-15", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    assert "not a quarter end" in capsys.readouterr().err


def test_command_passes_the_named_parameters(tmp_path):
    # C ceases on 31 March 2025 after two years: in the 12-month cohort only with the option
    h = History()
    h.child("A", "2010-05-01").stay("A", "2023-01-10")
    h.child("C", "2011-05-01").stay("C", "2023-01-10", "2025-03-31", rec="E13")
    folder = build.write_processed(h.tables(), tmp_path / "processed")
    (folder / build.MANIFEST).write_text(json.dumps({"input": str(tmp_path / "raw"), "options": {}}))
    counts = {}
    for flag in ([], ["--oc2-ceased-on-period-end"]):
        out = tmp_path / f"out{len(flag)}.csv"
        assert cli.main(["indicators", str(folder), "--period-end", "2025-03-31", "--out", str(out), *flag]) == 0
        table = pd.read_csv(out)
        row = table[(table["indicator_id"] == "cla_12m_cohort") & (table["breakdown"] == "Total")]
        counts[len(flag)] = int(row["value"].iloc[0])
    assert counts == {0: 1, 1: 2}
