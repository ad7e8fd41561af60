-- mart_runaway_sessions: sessions far above their feature's typical session (requests or tokens above a multiple of the feature p99)
-- grain: one row per flagged session_id x tenant_id x feature x environment
-- materialization: table
-- Typical session: p99 (and median) of requests and of tokens over every session of the feature in
-- the same environment, all history; only features with >= runaway.min_sessions sessions. A
-- session needs >= runaway.min_requests requests (one big call is a big context, not a loop).
with cost_lines as (
    select session_id, request_date, timestamp_utc, tenant_id, feature, environment,
        input_tokens, output_tokens, contracted_cost
    from fct_cost_lines
    where session_id is not null
),

settings as (
    select
        max(value) filter (where key = 'runaway.p99_multiple') as p99_multiple,
        max(value) filter (where key = 'runaway.medium_multiple') as medium_multiple,
        max(value) filter (where key = 'runaway.high_multiple') as high_multiple,
        max(value) filter (where key = 'runaway.min_sessions') as min_sessions,
        max(value) filter (where key = 'runaway.min_requests') as min_requests
    from int_settings_resolved
),

sessions as (
    select
        session_id, tenant_id, feature, environment,
        min(timestamp_utc) as first_request_at,
        max(timestamp_utc) as last_request_at,
        min(request_date) as first_day,
        max(request_date) as last_day,
        count(*) as requests,
        cast(sum(input_tokens + output_tokens) as bigint) as tokens,
        sum(contracted_cost) as contracted_cost
    from cost_lines
    group by all
),

typical as (
    select
        feature, environment,
        count(*) as feature_sessions,
        median(requests) as median_requests,
        quantile_cont(requests, 0.99) as p99_requests,
        median(tokens) as median_tokens,
        quantile_cont(tokens, 0.99) as p99_tokens
    from sessions
    group by all
),

scored as (
    select
        s.*,
        t.feature_sessions,
        t.median_requests,
        t.p99_requests,
        t.median_tokens,
        t.p99_tokens,
        s.requests / nullif(t.p99_requests, 0) as requests_vs_p99,
        s.tokens / nullif(t.p99_tokens, 0) as tokens_vs_p99,
        greatest(
            coalesce(s.requests / nullif(t.p99_requests, 0), 0),
            coalesce(s.tokens / nullif(t.p99_tokens, 0), 0)
        ) as worst_vs_p99,
        c.*
    from sessions as s
    inner join typical as t on t.feature = s.feature and t.environment = s.environment
    cross join settings as c
    where t.feature_sessions >= c.min_sessions
),

final as (
    select
        session_id,
        tenant_id,
        feature,
        environment,
        first_request_at,
        last_request_at,
        first_day,
        last_day,
        requests,
        tokens,
        cast(contracted_cost as decimal(38, 18)) as contracted_cost,
        feature_sessions,
        median_requests,
        p99_requests,
        median_tokens,
        p99_tokens,
        requests_vs_p99,
        tokens_vs_p99,
        case
            when worst_vs_p99 >= high_multiple then 'high'
            when worst_vs_p99 >= medium_multiple then 'medium'
            else 'low'
        end as severity
    from scored
    where worst_vs_p99 > p99_multiple
        and requests >= min_requests
)

select * from final
