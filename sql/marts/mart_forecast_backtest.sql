-- mart_forecast_backtest: the end-of-month spend forecast replayed on every past day of complete months, vs the actual month total
-- grain: one row per tenant_id x feature (NULL = all features) x currency x as-of day, complete months only, prod spend
-- materialization: table
with forecasts as (
    select * from int_spend_forecasted
    where month_complete
),

final as (
    select
        day as as_of_date,
        month_start,
        tenant_id,
        feature,
        currency,
        day_of_month,
        days_remaining,
        month_to_date,
        trailing_7d_median,
        forecast_month_total,
        month_total as actual_month_total,
        forecast_month_total - month_total as forecast_error,
        case when month_total > 0
            then abs(forecast_month_total - month_total) / month_total * 100 end
            as abs_pct_error
    from forecasts
)

select * from final
