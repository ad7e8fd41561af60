"""Schema of quarantine_requests.

Columns: `schemas.requests.canonical_request.QUARANTINE_COLUMNS`.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt
from schemas.requests.canonical_request import QUARANTINE_COLUMNS

TABLE = "quarantine_requests"


class QuarantineRequests(pa.DataFrameModel):
    """Request records that were not loaded, with the first offending field and a readable reason
    (never the raw value, never prompt or completion text). Replaced window by window like
    stg_requests: rows read = rows loaded + rows quarantined.

    Grain: one row per rejected record (or per unreadable file, line 0).
    """

    source_file: str = f("Request file, relative to the input folder")
    source_line: pl.Int64 = f("1-based line (row for Parquet); 0 when the whole file", ge=0)
    request_id: str = opt("request_id if it was readable")
    request_date: pl.Date = opt("UTC day of the record if its timestamp was readable")
    field: str = f("Offending field, or `record` / `file`")
    reason: str = f("Why the record was rejected")

    class Config:
        strict = True
        ordered = True


if list(QuarantineRequests.to_schema().columns) != list(QUARANTINE_COLUMNS):
    raise ValueError("QuarantineRequests and QUARANTINE_COLUMNS name different columns")

MODEL = QuarantineRequests
