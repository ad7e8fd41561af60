"""Schema of snap_built_days."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.fields import f

TABLE = "snap_built_days"


class SnapBuiltDays(pa.DataFrameModel):
    """The days built so far, so that re-building one is recognised as a restatement and a first
    build is not (see fct_restatements).

    Grain: one row per day.
    """

    day: pl.Date = f("Request day (UTC) that has been built", unique=True)
    built_at: pl.Datetime = f("When it was last built (UTC)")
    run_id: str = f("Dagster run id of that build")

    class Config:
        strict = True
        ordered = True


MODEL = SnapBuiltDays
