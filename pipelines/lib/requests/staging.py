"""The warehouse tables of the request ingest (`stg_requests`, `quarantine_requests`,
`ingest_audit`) and the stats of one window's load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from schemas.requests.canonical_request import CANONICAL_COLUMNS, QUARANTINE_COLUMNS

_SQL_TYPES = {
    pl.String(): "VARCHAR",
    pl.Datetime("us"): "TIMESTAMP",
    pl.Date(): "DATE",
    pl.Int64(): "BIGINT",
    pl.Float64(): "DOUBLE",
    pl.Boolean(): "BOOLEAN",
}


@dataclass(frozen=True)
class LoadStats:
    """What one window's load did; rows_read = loaded + quarantined + outside_window."""

    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_outside_window: int
    files: int

    def as_metadata(self) -> dict[str, Any]:
        """For Dagster run metadata and the CLI summary."""
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "rows_outside_window": self.rows_outside_window,
            "files": self.files,
        }


def _ddl(name: str, columns: dict[str, pl.DataType]) -> str:
    cols = ", ".join(f"{c} {_SQL_TYPES[t]}" for c, t in columns.items())
    return f"create table if not exists {name} ({cols})"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the staging, quarantine and audit tables on first use."""
    con.execute(_ddl("stg_requests", CANONICAL_COLUMNS))
    con.execute(_ddl("quarantine_requests", QUARANTINE_COLUMNS))
    con.execute(
        """create table if not exists ingest_audit (
            loaded_at TIMESTAMP, start_date DATE, end_date DATE, rows_read BIGINT,
            rows_loaded BIGINT, rows_quarantined BIGINT, rows_outside_window BIGINT,
            files JSON)"""
    )
