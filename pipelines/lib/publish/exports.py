"""Stage warehouse tables and queries as Parquet units of the staged tree."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.publish.staging import stage_unit


def export_partitioned(
    con: duckdb.DuckDBPyConnection,
    query: str,
    output_dir: Path,
    folder: str,
    partition_column: str,
    start: date,
    end: date,
) -> int:
    """Stage `query` (already limited to [start, end)) as Hive-partitioned Parquet replacing the
    window's day folders of `<output_dir>/<folder>` (a day without rows loses its folder at
    publish). Returns rows written."""
    # One plain COPY per day (no PARTITION_BY: it buffers every partition, which is the memory
    # peak of a big day); COPY reports the rows it wrote, so nothing is counted twice.
    written = 0
    day = start
    # Row order inside a day file carries no meaning (readers sort); letting DuckDB write row
    # groups in parallel instead of in table order makes the export ~1.5x faster on 2 cores.
    con.execute("set preserve_insertion_order = false")
    try:
        while day < end:
            staged = stage_unit(output_dir, f"{folder}/{partition_column}={day.isoformat()}")
            staged.mkdir()
            rows = con.execute(
                f"copy (select * exclude ({partition_column}) from ({query}) "
                f"where {partition_column} = $d) to '{staged / 'part-0.parquet'}' "
                "(format parquet, compression zstd)",
                {"s": start, "e": end, "d": day},
            ).fetchall()[0][0]
            if not rows:  # a day with no rows has no folder, as before
                shutil.rmtree(staged)
            written += rows
            day += timedelta(days=1)
    finally:
        con.execute("reset preserve_insertion_order")
    return int(written)


def export_tables(
    con: duckdb.DuckDBPyConnection, names: list[str], output_dir: Path, folder: str
) -> dict:
    """Stage each table as `<output_dir>/<folder>/<name>.parquet`."""
    written = {}
    for name in names:
        staged = stage_unit(output_dir, f"{folder}/{name}.parquet")
        con.execute(f"copy (select * from {name}) to '{staged}' (format parquet, compression zstd)")
        row = con.execute(f"select count(*) from {name}").fetchone()
        written[name] = int(row[0]) if row else 0
    return written
