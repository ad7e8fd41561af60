"""A partitioned table kept from an older costline is never appended to with other columns."""

from datetime import date
from pathlib import Path

import pytest

from pipelines.lib import warehouse
from pipelines.lib.warehouse import WarehouseSchemaError


def _model(tmp_path: Path, select: str) -> warehouse.SqlModel:
    path = tmp_path / "fct_days.sql"
    path.write_text(
        "-- fct_days: one row per day\n-- grain: day\n-- materialization: partitioned(day)\n"
        f"{select}\n"
    )
    return warehouse.load_model(path)


def test_new_columns_on_an_old_table_are_a_clear_refusal(tmp_path):
    old = _model(tmp_path, "select cast($start_date as date) as day, 1 as amount")
    new = _model(tmp_path, "select cast($start_date as date) as day, 1 as amount, true as flag")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        assert warehouse.run_model(con, old, date(2025, 6, 1), date(2025, 6, 2)) == 1
        with pytest.raises(WarehouseSchemaError, match="columns it lacks: flag"):
            warehouse.run_model(con, new, date(2025, 6, 2), date(2025, 6, 3))
        # nothing half-written: the old day is still there, alone
        assert con.execute("select count(*) from fct_days").fetchone()[0] == 1
        assert warehouse.run_model(con, old, date(2025, 6, 2), date(2025, 6, 3)) == 1
