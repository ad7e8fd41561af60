"""Schema of ingest_field_repairs: every optional field of a loaded request that ingest coerced
or set to NULL (pipelines/lib/requests/rules.py)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "ingest_field_repairs"
COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "request_id": pl.String(),
    "request_date": pl.Date(),
    "field": pl.String(),
    "action": pl.String(),
}


class IngestFieldRepair(pa.DataFrameModel):
    """Repairs of fields that neither price nor attribute a request: a fractional number
    rounded, or a value set to NULL with the reason. The raw value is never copied. Replaced
    window by window with stg_requests.

    Grain: one row per loaded request x repaired field.
    """

    source_file: str = f("Request-log file, relative to the input folder")
    source_line: pl.Int64 = f("1-based line (JSONL, CSV) or row (Parquet) in source_file", ge=1)
    request_id: str = opt("request_id of the loaded request")
    request_date: pl.Date = f("UTC date of the request (the stg_requests partition)")
    field: str = f("Native field that was repaired, e.g. latency_ms")
    action: str = f(
        "What was done: `rounded fractional number`, or `set to NULL: <why>` "
        "(not a number, not a boolean, wrong type, unknown value, negative, outside 1..5)"
    )

    class Config:
        strict = True
        ordered = True


MODEL = IngestFieldRepair
