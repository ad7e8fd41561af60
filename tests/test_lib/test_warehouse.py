from datetime import date

import pytest

from pipelines.lib import warehouse


def _write(tmp_path, name, body):
    layer = tmp_path / "marts"
    layer.mkdir(exist_ok=True)
    path = layer / f"{name}.sql"
    path.write_text(body)
    return path


def test_partitioned_model_replaces_its_window_and_never_duplicates(tmp_path):
    path = _write(
        tmp_path,
        "fct_days",
        "-- fct_days: test model\n-- grain: one row per day\n"
        "-- materialization: partitioned(day)\n"
        "select day, 1 as n from src where day >= $start_date and day < $end_date\n",
    )
    model = warehouse.load_model(path)
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "create table src as select range::date as day "
            "from range(date '2026-09-01', date '2026-09-05', interval 1 day)"
        )
        assert warehouse.run_model(con, model, date(2026, 9, 1), date(2026, 9, 3)) == 2
        assert warehouse.run_model(con, model, date(2026, 9, 1), date(2026, 9, 3)) == 2
        assert warehouse.run_model(con, model, date(2026, 9, 2), date(2026, 9, 5)) == 3
        assert con.execute("select count(*), count(distinct day) from fct_days").fetchone() == (
            4,
            4,
        )


def test_header_is_required_and_models_are_discovered_by_layer(tmp_path):
    bad = _write(tmp_path, "no_header", "select 1\n")
    with pytest.raises(ValueError, match="grain"):
        warehouse.load_model(bad)
    models = warehouse.discover_models()
    assert all(m.layer in warehouse.LAYERS for m in models.values())
    assert "fct_cost_lines" in models
    assert "stg_requests" not in models  # a Python asset, not a SQL model


def test_missing_window_parameter_is_a_clear_error(tmp_path):
    path = _write(
        tmp_path,
        "fct_x",
        "-- fct_x: t\n-- grain: g\n-- materialization: table\nselect $region as r\n",
    )
    with warehouse.connect(tmp_path / "w.duckdb") as con, pytest.raises(KeyError, match="region"):
        warehouse.run_model(con, warehouse.load_model(path), None, None, {"x": 1})
