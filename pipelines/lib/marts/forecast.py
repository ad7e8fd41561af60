"""End-of-month spend forecast: the method (implemented in `sql/intermediate/
int_spend_forecasted.sql`) and a summary of its back-test (`mart_forecast_backtest`).

Method: forecast = month-to-date spend + median(daily spend over the trailing 7 days, as-of day
included, zero-spend days counted) x days remaining in the month. Exact DECIMAL arithmetic.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.lib import warehouse

TRAILING_DAYS = 7

# Buckets of the month in which the forecast was made.
_SUMMARY = """
with bt as (
    select *,
           case when day_of_month <= 7 then '01-07'
                when day_of_month <= 14 then '08-14'
                when day_of_month <= 21 then '15-21'
                else '22-31' end as days_bucket
    from mart_forecast_backtest
    where feature is null and abs_pct_error is not null
)
select days_bucket,
       count(*) as forecasts,
       count(distinct (tenant_id, month_start)) as tenant_months,
       round(median(abs_pct_error), 2) as median_abs_pct_error,
       round(avg(abs_pct_error), 2) as mean_abs_pct_error,
       round(quantile_cont(abs_pct_error, 0.9), 2) as p90_abs_pct_error,
       round(avg(case when forecast_error > 0 then 1 else 0 end) * 100, 1) as pct_over_forecast
from bt group by all
union all
select 'all', count(*), count(distinct (tenant_id, month_start)),
       round(median(abs_pct_error), 2), round(avg(abs_pct_error), 2),
       round(quantile_cont(abs_pct_error, 0.9), 2),
       round(avg(case when forecast_error > 0 then 1 else 0 end) * 100, 1)
from bt
order by 1
"""


def backtest_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Absolute % error of the all-features tenant forecasts, by how far into the month."""
    return warehouse.frame(con, _SUMMARY)
