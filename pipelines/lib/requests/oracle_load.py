"""Write the test oracle's window (`oracle.read_requests`) into the warehouse, idempotently.

The window's rows in `stg_requests` and `quarantine_requests` are replaced as a whole, so
re-running a day gives the same tables. A request id already loaded for another day is
quarantined here as a duplicate: each request is counted once, wherever its copies land.
Production does the same in SQL (`sql_window.py`); the tests compare the two.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.lib.requests.staging import LoadStats, ensure_tables
from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS


def load_window(
    con: duckdb.DuckDBPyConnection,
    requests: pl.DataFrame,
    quarantine: pl.DataFrame,
    rows_read: int,
    rows_outside_window: int,
    files: list[dict[str, Any]],
    start: date,
    end: date,
) -> LoadStats:
    """Replace [start, end) in stg_requests / quarantine_requests with this ingest result."""
    ensure_tables(con)
    scanned = sorted({f["path"] for f in files})
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from stg_requests where request_date >= $s and request_date < $e",
            {"s": start, "e": end},
        )
        con.execute(
            """delete from quarantine_requests
               where (request_date >= $s and request_date < $e)
                  or (request_date is null and list_contains($files, source_file))""",
            {"s": start, "e": end, "files": scanned},
        )
        con.register("incoming_requests", requests.select(list(CANONICAL_COLUMNS)).to_arrow())
        con.register("incoming_quarantine", quarantine.select(list(QUARANTINE_COLUMNS)).to_arrow())
        # Already loaded for another day: the earlier copy wins, this one is a duplicate.
        con.execute(
            """create or replace temp table cross_window_duplicates as
               select i.source_file, i.source_line, i.request_id, i.request_date,
                      'request_id' as field,
                      'duplicate request_id (already loaded from ' || s.source_file || ':'
                        || s.source_line || ')' as reason
               from incoming_requests i
               join stg_requests s using (request_id)"""
        )
        con.execute("insert into quarantine_requests by name select * from incoming_quarantine")
        con.execute("insert into quarantine_requests by name select * from cross_window_duplicates")
        con.execute(
            """insert into stg_requests by name
               select * from incoming_requests
               where request_id not in (select request_id from cross_window_duplicates)"""
        )
        loaded = _count(con, "stg_requests", start, end)
        quarantined = len(quarantine) + _count_table(con, "cross_window_duplicates")
        stats = LoadStats(rows_read, loaded, quarantined, rows_outside_window, len(files))
        if stats.rows_read != stats.rows_loaded + stats.rows_quarantined + rows_outside_window:
            raise RuntimeError(
                f"row accounting broken for {start}..{end}: read {rows_read} != loaded {loaded} "
                f"+ quarantined {quarantined} + outside window {rows_outside_window}"
            )
        con.execute(
            "insert into ingest_audit values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                start,
                end,
                rows_read,
                loaded,
                quarantined,
                rows_outside_window,
                json.dumps(files, default=str),
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_requests")
        con.unregister("incoming_quarantine")
    return stats


def _count(con: duckdb.DuckDBPyConnection, table: str, start: date, end: date) -> int:
    row = con.execute(
        f"select count(*) from {table} where request_date >= $s and request_date < $e",
        {"s": start, "e": end},
    ).fetchone()
    return int(row[0]) if row else 0


def _count_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0
