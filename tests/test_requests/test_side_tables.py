"""The ingest side tables: created empty, described by their pandera models, counted in the run
summary (a warehouse without them counts none)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.lib.requests import side_tables
from schemas import registry
from schemas.requests import ingest_field_repairs, ingest_skipped_records, ingest_unknown_fields

WINDOW = {"s": date(2025, 6, 1), "e": date(2025, 6, 2)}


def test_summary_counts_each_table():
    con = duckdb.connect()
    assert [line.split()[2] for line in side_tables.summary_lines(con, WINDOW)] == ["0"] * 3
    side_tables.ensure(con)
    con.execute(
        "insert into ingest_field_repairs values ('a', 1, 'r1', '2025-06-01', 'csat', 'x'), "
        "('a', 2, 'r2', '2025-06-02', 'csat', 'x')"  # another day: not this window's
    )
    con.execute("insert into ingest_skipped_records values ('a', 3, null, 'otel-json: span')")
    con.execute("insert into ingest_unknown_fields values ('a', 'k', 2, 1, null, false)")
    lines = side_tables.summary_lines(con, WINDOW)
    assert [line.split()[2] for line in lines] == ["1", "1", "1"]
    assert "ingest_field_repairs" in lines[1]


def test_tables_match_their_models():
    con = duckdb.connect()
    side_tables.ensure(con)
    for module in (ingest_field_repairs, ingest_skipped_records, ingest_unknown_fields):
        frame = pl.from_arrow(con.sql(f"select * from {module.TABLE}").to_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        assert dict(frame.schema) == module.COLUMNS
        assert registry.validate_frame(module.TABLE, frame) is None
        assert all(registry.column_docs(module.TABLE).values())
