"""Schema of mart_forecast_backtest."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.money import Money
from schemas.fields import f, opt

TABLE = "mart_forecast_backtest"


class MartForecastBacktest(pa.DataFrameModel):
    """The end-of-month spend forecast replayed on every day of every complete month of
    history, against the month's actual prod contracted spend.

    Grain: as_of_date x tenant_id x feature (NULL = all features; budgeted features only) x
    currency.
    """

    as_of_date: pl.Date = f("Day the forecast was made")
    month_start: pl.Date = f("Month forecast")
    tenant_id: str = f("Tenant")
    feature: str = opt("Feature, NULL = all features")
    currency: str = f("Currency of the spend")
    day_of_month: pl.Int64 = f("Day of month of as_of_date", ge=1, le=31)
    days_remaining: pl.Int64 = f("Days of the month after as_of_date", ge=0)
    month_to_date: Money = f("Spend from the 1st to as_of_date")
    trailing_7d_median: Money = f("Median daily spend of the 7 days ending on as_of_date")
    forecast_month_total: Money = f("month_to_date + trailing_7d_median x days_remaining")
    actual_month_total: Money = f("Actual spend of the whole month")
    forecast_error: Money = f("forecast - actual (positive = over-forecast)")
    abs_pct_error: pl.Float64 = opt("|forecast - actual| / actual x 100; NULL if actual is 0")

    class Config:
        strict = True
        ordered = True


MODEL = MartForecastBacktest
