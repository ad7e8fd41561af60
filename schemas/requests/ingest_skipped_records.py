"""Schema of ingest_skipped_records: records read that are not billable model calls."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "ingest_skipped_records"
COLUMNS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_line": pl.Int64(),
    "request_id": pl.String(),
    "reason": pl.String(),
}


class IngestSkippedRecord(pa.DataFrameModel):
    """Records of other log formats that are not billable model calls: OpenTelemetry spans
    without GenAI usage (HTTP, database), agent and workflow spans that sum their children's
    usage, Langfuse SPAN / EVENT observations. Counted apart from the quarantine (rows read =
    loaded + quarantined + skipped + outside the window) and not in the quarantine threshold.
    Replaced for every file a run reads.

    Grain: one row per skipped record.
    """

    source_file: str = f("Request-log file, relative to the input folder")
    source_line: pl.Int64 = f("1-based record index in source_file (span index for OTLP)", ge=1)
    request_id: str = opt("Span or observation id when readable")
    reason: str = f("Why the record is not a billable call")

    class Config:
        strict = True
        ordered = True


MODEL = IngestSkippedRecord
