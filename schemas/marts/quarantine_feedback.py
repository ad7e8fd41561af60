"""Schema of quarantine_feedback."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "quarantine_feedback"


class QuarantineFeedback(pa.DataFrameModel):
    """Feedback records that could not be used, with the first offending field and a readable
    reason (never the raw value). Replaced in full with stg_feedback.

    Grain: one row per rejected feedback line.
    """

    source_file: str = f("Feedback file, relative to the input folder")
    source_line: pl.Int64 = f("1-based line in source_file", ge=1)
    request_id: str = opt("request_id if it was readable")
    field: str = f("Offending field, or `record` for the whole line")
    reason: str = f("Why the record was rejected")

    class Config:
        strict = True
        ordered = True


MODEL = QuarantineFeedback
