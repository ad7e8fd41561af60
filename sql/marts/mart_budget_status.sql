-- mart_budget_status: each budget's month-to-date and daily prod spend, end-of-month forecast, status and guardrail action, day by day
-- grain: one row per dim_budgets row (tenant_id x feature, NULL = all features) x as-of day
-- materialization: table
-- status: hard = actual month-to-date >= monthly_limit or actual day spend >= daily_limit;
-- soft = month-to-date >= soft_threshold x monthly_limit, or forecast >= monthly_limit (once 7 days
-- of history feed the forecast), or day spend >= soft_threshold x daily_limit; unsupported_currency = prod spend in another currency
-- than the budget's (no FX conversion: flagged, never compared); else ok.
with budgets as (
    select * from dim_budgets
),

spend as (
    select * from int_spend_forecasted
),

calendar as (
    select distinct day from spend
),

other_currency as (
    select
        b.tenant_id,
        b.feature,
        s.day,
        string_agg(distinct s.currency, ',' order by s.currency) as other_currencies
    from budgets as b
    inner join spend as s
        on s.tenant_id = b.tenant_id
        and s.feature is not distinct from b.feature
        and s.currency <> b.currency
        and s.month_to_date > 0
    group by all
),

joined as (
    select
        k.day as as_of_date,
        cast(date_trunc('month', k.day) as date) as month_start,
        b.tenant_id,
        b.feature,
        b.currency,
        b.monthly_limit,
        b.daily_limit,
        b.soft_threshold,
        b.action,
        cast(coalesce(s.day_spend, 0) as decimal(38, 18)) as day_spend,
        cast(coalesce(s.month_to_date, 0) as decimal(38, 18)) as month_to_date,
        cast(coalesce(s.trailing_7d_median, 0) as decimal(38, 18)) as trailing_7d_median,
        dayofmonth(last_day(k.day)) - dayofmonth(k.day) as days_remaining,
        cast(coalesce(s.forecast_month_total, 0) as decimal(38, 18)) as forecast_month_total,
        coalesce(s.trailing_days, 0) as trailing_days,
        o.other_currencies
    from budgets as b
    cross join calendar as k
    left join spend as s
        on s.tenant_id = b.tenant_id
        and s.feature is not distinct from b.feature
        and s.currency = b.currency
        and s.day = k.day
    left join other_currency as o
        on o.tenant_id = b.tenant_id
        and o.feature is not distinct from b.feature
        and o.day = k.day
),

classified as (
    select
        *,
        coalesce(month_to_date >= monthly_limit, false) as monthly_hard,
        coalesce(day_spend >= daily_limit, false) as daily_hard,
        coalesce(month_to_date >= soft_threshold * monthly_limit, false) as monthly_soft,
        coalesce(trailing_days >= 7 and forecast_month_total >= monthly_limit, false)
            as forecast_over,
        coalesce(day_spend >= soft_threshold * daily_limit, false) as daily_soft
    from joined
),

final as (
    select
        as_of_date,
        month_start,
        tenant_id,
        feature,
        currency,
        monthly_limit,
        daily_limit,
        soft_threshold,
        action,
        day_spend,
        month_to_date,
        trailing_7d_median,
        days_remaining,
        forecast_month_total,
        month_to_date / nullif(monthly_limit, 0) * 100 as monthly_used_pct,
        forecast_month_total / nullif(monthly_limit, 0) * 100 as forecast_used_pct,
        day_spend / nullif(daily_limit, 0) * 100 as daily_used_pct,
        other_currencies,
        case
            when other_currencies is not null then 'unsupported_currency'
            when monthly_hard or daily_hard then 'hard'
            when monthly_soft or forecast_over or daily_soft then 'soft'
            else 'ok'
        end as status,
        case
            when other_currencies is not null
                then 'prod spend in ' || other_currencies || ', budget in ' || currency
                || ': no FX conversion, not compared'
            when monthly_hard or daily_hard then concat_ws('; ',
                case when monthly_hard then 'month-to-date >= monthly limit' end,
                case when daily_hard then 'day spend >= daily limit' end)
            when monthly_soft or forecast_over or daily_soft then concat_ws('; ',
                case when monthly_soft then 'month-to-date >= soft threshold of monthly limit' end,
                case when forecast_over then 'forecast >= monthly limit' end,
                case when daily_soft then 'day spend >= soft threshold of daily limit' end)
            else 'within budget'
        end as status_reason,
        case
            when action = 'none' then 'none'
            when other_currencies is not null then 'alert'
            when monthly_hard or daily_hard then action
            when monthly_soft or forecast_over or daily_soft then 'alert'
            else 'none'
        end as guardrail_action
    from classified
)

select * from final
