"""Schema of snap_daily_cost_totals."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import f, opt

TABLE = "snap_daily_cost_totals"


class SnapDailyCostTotals(pa.DataFrameModel):
    """The totals of the last published build per day, provider and contracted currency; the next
    build of the same day compares its totals with these and records differences in
    fct_restatements.

    Grain: one row per day x provider x currency.
    """

    day: pl.Date = f("Request day (UTC)")
    provider: str = f("Provider")
    currency: str = opt("Contracted currency; NULL for lines with no price")
    requests: pl.Int64 = f("Requests of the day", ge=0)
    tokens: pl.Int64 = f("Input + output tokens of the day", ge=0)
    contracted_cost: Money = opt("Exact contracted cost, DECIMAL(38,18)")
    built_at: pl.Datetime = f("When the build that left this snapshot ran (UTC)")
    run_id: str = f("Dagster run id of that build")

    class Config:
        strict = True
        ordered = True


MODEL = SnapDailyCostTotals
