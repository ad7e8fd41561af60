"""Schema of stg_feedback (late quality feedback) and the quarantine_feedback table."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f, opt

TABLE = "stg_feedback"


class StgFeedback(pa.DataFrameModel):
    """Late quality feedback from `<input>/feedback/*.jsonl`, one row per usable record (full
    reload each run). Latest event_time wins per field when applied (int_feedback_latest).

    Grain: one row per feedback line (source_file, source_line).
    """

    request_id: str = f("Request the feedback is about", str_length={"min_value": 1})
    event_time: pl.Datetime = f("When the feedback was given (UTC)")
    accepted: bool = opt("The user accepted the output")
    edit_distance: pl.Float64 = opt("Edit distance between output and what the user kept", ge=0)
    escalated: bool = opt("The case was escalated to a human")
    csat: pl.Float64 = opt("Customer satisfaction score, 1 to 5", ge=1, le=5)
    is_known_request: bool = f(
        "request_id exists in stg_requests; unknown ids are kept but not applied"
    )
    source_file: str = f("Feedback file, relative to the input folder")
    source_line: pl.Int64 = f("1-based line in source_file", ge=1)

    class Config:
        strict = True
        ordered = True


MODEL = StgFeedback
