-- mart_anomalies: daily token and cost spikes per tenant, feature and environment against a trailing robust baseline
-- grain: one row per tenant_id x feature x environment x currency x day with a token or cost spike (days without one are not listed)
-- materialization: table
-- Baseline: median and MAD of the previous 14 days (zero-traffic days count as 0, from the
-- series' first day). Spike: value >= anomaly.min_ratio x median and robust z
-- = (value - median) / (1.4826 x MAD) >= anomaly.min_robust_z (MAD = 0 counts as infinite z),
-- with median > 0 and at least anomaly.min_baseline_days days of history. The cost median and MAD
-- are exact DECIMAL (mean of the two middle values), the token ones DOUBLE (counts, not money).
with cost_lines as (
    -- cost series never add two currencies: the contracted currency is part of the grain
    -- (NULL for lines without any price, whose cost is unknown and counted as no cost)
    select request_date, tenant_id, feature, environment, contracted_currency as currency,
        input_tokens, output_tokens, contracted_cost
    from fct_cost_lines
),

settings as (
    select
        max(value) filter (where key = 'anomaly.min_robust_z') as min_z,
        max(value) filter (where key = 'anomaly.min_ratio') as min_ratio,
        max(value) filter (where key = 'anomaly.medium_ratio') as medium_ratio,
        max(value) filter (where key = 'anomaly.high_ratio') as high_ratio,
        max(value) filter (where key = 'anomaly.min_baseline_days') as min_days
    from int_settings_resolved
),

daily as (
    select
        tenant_id, feature, environment, currency, request_date as day,
        count(*) as requests,
        sum(input_tokens + output_tokens) as tokens,
        coalesce(sum(contracted_cost), 0) as cost
    from cost_lines
    group by all
),

series as (
    select tenant_id, feature, environment, currency, min(day) as first_day
    from daily
    group by all
),

calendar as (
    select cast(unnest(generate_series(min(day), max(day), interval 1 day)) as date) as day
    from daily
),

filled as (
    select
        s.tenant_id, s.feature, s.environment, s.currency, k.day,
        coalesce(d.requests, 0) as requests,
        cast(coalesce(d.tokens, 0) as bigint) as tokens,
        cast(coalesce(d.cost, 0) as decimal(38, 18)) as cost
    from series as s
    inner join calendar as k on k.day >= s.first_day
    left join daily as d
        on d.tenant_id = s.tenant_id
        and d.feature = s.feature
        and d.environment = s.environment
        and d.currency is not distinct from s.currency
        and d.day = k.day
),

baselined as (
    select
        *,
        count(*) over w as baseline_days,
        median(tokens) over w as tokens_baseline_median,
        mad(tokens) over w as tokens_baseline_mad,
        -- money stays DECIMAL: the median is the mean of the two middle values (lower middle
        -- = quantile_disc, upper middle = -quantile_disc of the negated values), never DOUBLE
        (quantile_disc(cost, 0.5) over w + -quantile_disc(-cost, 0.5) over w) * 0.5
            as cost_baseline_median
    from filled
    window w as (
        partition by tenant_id, feature, environment, currency
        order by day rows between 14 preceding and 1 preceding
    )
),

-- exact MAD of the cost: median of |cost - baseline median| over the same 14 days, in DECIMAL
cost_mad as (
    select
        b.tenant_id, b.feature, b.environment, b.currency, b.day,
        (
            quantile_disc(abs(h.cost - b.cost_baseline_median), 0.5)
            + -quantile_disc(-abs(h.cost - b.cost_baseline_median), 0.5)
        ) * 0.5 as cost_baseline_mad
    from baselined as b
    inner join filled as h
        on h.tenant_id = b.tenant_id
        and h.feature = b.feature
        and h.environment = b.environment
        and h.currency is not distinct from b.currency
        and h.day >= b.day - 14
        and h.day < b.day
    group by b.tenant_id, b.feature, b.environment, b.currency, b.day
),

baselined_exact as (
    select b.*, m.cost_baseline_mad
    from baselined as b
    left join cost_mad as m
        on m.tenant_id = b.tenant_id
        and m.feature = b.feature
        and m.environment = b.environment
        and m.currency is not distinct from b.currency
        and m.day = b.day
),

scored as (
    select
        b.*,
        case when b.tokens_baseline_mad > 0
            then (b.tokens - b.tokens_baseline_median) / (1.4826 * b.tokens_baseline_mad) end
            as tokens_robust_z,
        b.tokens / nullif(b.tokens_baseline_median, 0) as tokens_ratio,
        case when b.cost_baseline_mad > 0
            then (b.cost - b.cost_baseline_median) / (1.4826 * b.cost_baseline_mad) end
            as cost_robust_z,
        b.cost / nullif(b.cost_baseline_median, 0) as cost_ratio,
        s.*
    from baselined_exact as b
    cross join settings as s
),

flagged as (
    select
        *,
        coalesce(
            baseline_days >= min_days
            and tokens_ratio >= min_ratio
            and (tokens_baseline_mad = 0 or tokens_robust_z >= min_z),
            false
        ) as token_spike,
        coalesce(
            baseline_days >= min_days
            and cost_ratio >= min_ratio
            and (cost_baseline_mad = 0 or cost_robust_z >= min_z),
            false
        ) as cost_spike
    from scored
),

final as (
    select
        day,
        tenant_id,
        feature,
        environment,
        currency,
        requests,
        tokens,
        tokens_baseline_median,
        tokens_baseline_mad,
        tokens_robust_z,
        tokens_ratio,
        token_spike,
        cost,
        cast(cost_baseline_median as decimal(38, 18)) as cost_baseline_median,
        cast(cost_baseline_mad as decimal(38, 18)) as cost_baseline_mad,
        cost_robust_z,
        cost_ratio,
        cost_spike,
        baseline_days,
        case
            when token_spike and cost_spike then 'tokens+cost'
            when token_spike then 'tokens'
            else 'cost'
        end as anomaly_kind,
        case
            when greatest(
                case when token_spike then tokens_ratio end,
                case when cost_spike then cost_ratio end
            ) >= high_ratio then 'high'
            when greatest(
                case when token_spike then tokens_ratio end,
                case when cost_spike then cost_ratio end
            ) >= medium_ratio then 'medium'
            else 'low'
        end as severity
    from flagged
    where token_spike or cost_spike
)

select * from final
