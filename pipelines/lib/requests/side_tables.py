"""The ingest tables beside stg_requests / quarantine_requests, written by the DuckDB loader:
`ingest_field_repairs` (per window), `ingest_skipped_records` and `ingest_unknown_fields` (per
file read).

The Polars test oracle (`oracle.read_requests`) returns the same rows as `IngestResult.repairs` /
`.skipped`; `tests/test_requests/hostile/test_sql_parity.py` compares them.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.lib.requests.result import ERR_FIELD, MAX_ID, SKIP_REASON
from pipelines.lib.requests.rules import OPTIONAL_RULES, REPAIR
from schemas.requests import ingest_field_repairs, ingest_skipped_records, ingest_unknown_fields

_SQL_TYPES = {
    pl.String(): "varchar",
    pl.Int64(): "bigint",
    pl.Date(): "date",
    pl.Boolean(): "boolean",
}


def _ddl(table: str, columns: dict[str, pl.DataType]) -> str:
    cols = ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in columns.items())
    return f"create table if not exists {table} ({cols})"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the repair and skipped tables on first use."""
    con.execute(_ddl(ingest_field_repairs.TABLE, ingest_field_repairs.COLUMNS))
    con.execute(_ddl(ingest_skipped_records.TABLE, ingest_skipped_records.COLUMNS))
    con.execute(_ddl(ingest_unknown_fields.TABLE, ingest_unknown_fields.COLUMNS))


def replace_unknown(con: duckdb.DuckDBPyConnection, files: list[str], found: pl.DataFrame) -> None:
    """Replace the unknown-field rows of the files read."""
    table = ingest_unknown_fields.TABLE
    con.execute(f"delete from {table} where list_contains($files, source_file)", {"files": files})
    con.register("_unknown_found", found.to_arrow())
    try:
        con.execute(f"insert into {table} by name select * from _unknown_found")
    finally:
        con.unregister("_unknown_found")


def move_skipped(con: duckdb.DuckDBPyConnection, scratch: str, files: list[str]) -> dict[str, int]:
    """Replace the skipped records of the files read with those of `scratch`, take them out of
    `scratch`, and return their count per file."""
    table = ingest_skipped_records.TABLE
    con.execute(f"delete from {table} where list_contains($files, source_file)", {"files": files})
    con.execute(
        f"""insert into {table} select source_file, source_line, left(request_id, {MAX_ID}),
                   {SKIP_REASON} from {scratch} where {SKIP_REASON} is not null
            order by source_file, source_line"""
    )
    counts = con.execute(
        f"select source_file, count(*) from {scratch} where {SKIP_REASON} is not null group by 1"
    ).fetchall()
    con.execute(f"delete from {scratch} where {SKIP_REASON} is not null")
    return dict(counts)  # type: ignore[arg-type]


def insert_repairs(
    con: duckdb.DuckDBPyConnection, scratch: str, start: date, end: date
) -> dict[str, int]:
    """Replace [start, end) of ingest_field_repairs with the repairs of the requests loaded
    from `scratch` (no error, in the window); returns the count per file."""
    table = ingest_field_repairs.TABLE
    window = {"s": start, "e": end}
    con.execute(f"delete from {table} where request_date >= $s and request_date < $e", window)
    repairs = ", ".join(f'"{REPAIR}{f}"' for f in OPTIONAL_RULES)
    con.execute(
        f"""insert into {table}
            select source_file, source_line, request_id, request_date,
                   substr(name, {len(REPAIR) + 1}) as field, action
            from (unpivot (select source_file, source_line, request_id, request_date, {repairs}
                           from {scratch}
                           where {ERR_FIELD} is null
                             and request_date >= $s and request_date < $e)
                  on {repairs} into name name value action)
            order by source_file, source_line, field""",
        window,
    )
    counts = con.execute(
        f"""select source_file, count(*) from {table}
            where request_date >= $s and request_date < $e group by 1""",
        window,
    ).fetchall()
    return dict(counts)  # type: ignore[arg-type]


def summary_lines(con: duckdb.DuckDBPyConnection, window: dict[str, date]) -> list[str]:
    """The run summary's ingest lines: records skipped as not billable, fields repaired and
    unknown fields (tables absent in a warehouse of an older version count as none)."""
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}

    def count(table: str, where: str) -> int:
        if table not in tables:
            return 0
        return int(con.execute(f"select count(*) from {table} where {where}", window).fetchone()[0])  # type: ignore[index]

    repaired = count(ingest_field_repairs.TABLE, "request_date >= $s and request_date < $e")
    # Replaced per file read: the rows of the last run's files.
    skipped = count(ingest_skipped_records.TABLE, "$s <= $e")
    unknown = count(ingest_unknown_fields.TABLE, "$s <= $e")
    return [
        f"  records skipped      {skipped:>12,}   (not billable calls; ingest_skipped_records)",
        f"  fields repaired      {repaired:>12,}   (rounded or set to NULL; ingest_field_repairs)",
        f"  unknown fields       {unknown:>12,}   (per file; ingest_unknown_fields)",
    ]
