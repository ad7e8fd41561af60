"""Schema of ingest_audit."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f

TABLE = "ingest_audit"


class IngestAudit(pa.DataFrameModel):
    """One row per load of request logs: what was read and where every row went, so rows read =
    rows loaded + rows quarantined + rows outside the window, run after run.

    Grain: one row per ingest (append-only).
    """

    loaded_at: pl.Datetime = f("When the load ran (UTC)")
    start_date: pl.Date = f("First day of the loaded window (inclusive)")
    end_date: pl.Date = f("End of the loaded window (exclusive)")
    rows_read: pl.Int64 = f("Request records read from the files", ge=0)
    rows_loaded: pl.Int64 = f("Records loaded into stg_requests", ge=0)
    rows_quarantined: pl.Int64 = f("Records written to quarantine_requests", ge=0)
    rows_outside_window: pl.Int64 = f("Records of days outside the window (left alone)", ge=0)
    files: str = f(
        "JSON list of the files read: path, format, sha256 and their own row counts and error"
    )

    class Config:
        strict = False  # `files` is DuckDB JSON, read back as text
        ordered = True


MODEL = IngestAudit
