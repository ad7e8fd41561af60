"""pipelines.lib.publish.lake:
days from separate runs combine into one Hive lake whose totals read back
exactly as DuckDB prints the same sums (zero and tiny costs included)."""

from pathlib import Path

import duckdb
import pytest

from pipelines.lib.publish import lake

DAYS = {"2026-10-12": "0", "2026-10-13": "0.0000005"}


def _write_day(out: Path, day: str, cost: str) -> None:
    folder = out / "cost_lines" / f"request_date={day}"
    folder.mkdir(parents=True)
    duckdb.execute(
        f"copy (select 'r-{day}' as request_id, {cost}::decimal(38, 18) as contracted_cost) "
        f"to '{folder / 'part-0.parquet'}' (format parquet)"
    )


def test_days_combine_and_totals_keep_exact_text(tmp_path):
    outs = []
    for day, cost in DAYS.items():
        out = tmp_path / day
        _write_day(out, day, cost)
        outs.append(out)
    assert lake.combine(outs, tmp_path / "lake") == 2
    found = lake.totals(tmp_path / "lake")["cost_lines"]
    expected = [
        [day, "1", duckdb.execute(f"select {c}::decimal(38, 18)::varchar").fetchall()[0][0]]
        for day, c in DAYS.items()
    ]
    assert found == expected
    assert found[0][2] == "0.000000000000000000"


def test_the_same_partition_from_two_runs_is_an_error(tmp_path):
    for run in ("a", "b"):
        _write_day(tmp_path / run, "2026-10-12", "1")
    with pytest.raises(ValueError, match="two runs"):
        lake.combine([tmp_path / "a", tmp_path / "b"], tmp_path / "lake")
