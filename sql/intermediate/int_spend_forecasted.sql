-- int_spend_forecasted: prod contracted spend per tenant scope and day, month-to-date and end-of-month forecast
-- grain: one row per tenant_id x feature (NULL = all features) x currency x day, days zero-filled from the first prod cost day to the last day run
-- materialization: table
-- Forecast = month_to_date + median(daily spend of the trailing 7 days, as-of day included,
-- zero days counted; exact DECIMAL, the mean of the two middle days) x days remaining after the
-- as-of day. Scopes: every tenant (all features)
-- and every (tenant, feature) named in dim_budgets.
with cost_lines as (
    select request_date, tenant_id, feature, contracted_currency as currency, contracted_cost
    from fct_cost_lines
    where environment = 'prod'
        and price_status = 'priced'
),

budget_features as (
    select distinct tenant_id, feature
    from dim_budgets
    where feature is not null
),

bounds as (
    select
        min(request_date) as first_day,
        greatest(max(request_date), cast($end_date as date) - 1) as last_day
    from cost_lines
),

calendar as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as day
    from bounds
    where first_day is not null
),

daily_all as (
    select tenant_id, cast(null as varchar) as feature, currency, request_date as day,
        sum(contracted_cost) as spend
    from cost_lines
    group by all
),

daily_feature as (
    select c.tenant_id, c.feature, c.currency, c.request_date as day,
        sum(c.contracted_cost) as spend
    from cost_lines as c
    inner join budget_features as b on b.tenant_id = c.tenant_id and b.feature = c.feature
    group by all
),

daily as (
    select * from daily_all
    union all
    select * from daily_feature
),

scopes as (
    select distinct tenant_id, feature, currency from daily
),

filled as (
    select
        s.tenant_id,
        s.feature,
        s.currency,
        k.day,
        cast(coalesce(d.spend, 0) as decimal(38, 18)) as day_spend
    from scopes as s
    cross join calendar as k
    left join daily as d
        on d.tenant_id = s.tenant_id
        and d.feature is not distinct from s.feature
        and d.currency = s.currency
        and d.day = k.day
),

windowed as (
    select
        *,
        cast(date_trunc('month', day) as date) as month_start,
        dayofmonth(day) as day_of_month,
        dayofmonth(last_day(day)) - dayofmonth(day) as days_remaining,
        sum(day_spend) over (
            partition by tenant_id, feature, currency, date_trunc('month', day)
            order by day rows between unbounded preceding and current row
        ) as month_to_date,
        -- exact DECIMAL median: the mean of the two middle values (lower middle = quantile_disc,
        -- upper middle = -quantile_disc of the negated values); DuckDB's median interpolates
        -- through DOUBLE (4.06455941125 would come back as 4.064559411250000128)
        (
            quantile_disc(day_spend, 0.5) over last_7_days
            + -quantile_disc(-day_spend, 0.5) over last_7_days
        ) * 0.5 as trailing_7d_median,
        count(*) over (
            partition by tenant_id, feature, currency
            order by day rows between 6 preceding and current row
        ) as trailing_days,
        sum(day_spend) over (
            partition by tenant_id, feature, currency, date_trunc('month', day)
        ) as month_total_so_far
    from filled
    window last_7_days as (
        partition by tenant_id, feature, currency
        order by day rows between 6 preceding and current row
    )
),

final as (
    select
        w.day,
        w.month_start,
        w.tenant_id,
        w.feature,
        w.currency,
        w.day_spend,
        w.month_to_date,
        cast(w.trailing_7d_median as decimal(38, 18)) as trailing_7d_median,
        w.trailing_days,
        w.day_of_month,
        w.days_remaining,
        cast(w.month_to_date + w.trailing_7d_median * w.days_remaining as decimal(38, 18))
            as forecast_month_total,
        b.first_day <= w.month_start and b.last_day >= last_day(w.day) as month_complete,
        w.month_total_so_far as month_total
    from windowed as w
    cross join bounds as b
)

select * from final
