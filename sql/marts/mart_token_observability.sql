-- mart_token_observability: token sizes, latency, errors and blocks per feature and model, per day
-- grain: one row per environment x request_date x feature x provider x model
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'. provider is part of the grain so a
-- model name served by two providers is never mixed.
-- Token and latency statistics cover provider calls only (cache_status not exact/semantic): an
-- app-cache hit has zero tokens and a near-zero latency and would drag medians down; its count is
-- app_cache_hits. Token counts use input_tokens (OpenTelemetry total, cache reads and writes
-- included) and output_tokens. Percentiles are quantile_cont (linear interpolation), DOUBLE.
-- output_input_ratio = sum(output_tokens) / sum(input_tokens) over provider calls (ratio of totals).
-- error_rate = status 'error' / requests; block_rate = status 'blocked' / requests (all requests).
with

cost_lines as (
    select
        request_date,
        environment,
        feature,
        provider,
        model,
        cache_status,
        input_tokens,
        output_tokens,
        latency_ms,
        status,
        cache_status not in ('exact', 'semantic') as is_provider_call
    from fct_cost_lines
),

daily as (
    select
        environment,
        request_date,
        feature,
        provider,
        model,
        count(*) as requests,
        count(*) filter (where is_provider_call) as provider_calls,
        count(*) filter (where not is_provider_call) as app_cache_hits,
        coalesce(sum(input_tokens) filter (where is_provider_call), 0) as input_tokens,
        coalesce(sum(output_tokens) filter (where is_provider_call), 0) as output_tokens,
        quantile_cont(input_tokens, 0.5) filter (where is_provider_call) as median_input_tokens,
        quantile_cont(output_tokens, 0.5) filter (where is_provider_call) as median_output_tokens,
        quantile_cont(output_tokens, 0.95) filter (where is_provider_call) as p95_output_tokens,
        quantile_cont(latency_ms, 0.5) filter (where is_provider_call) as p50_latency_ms,
        quantile_cont(latency_ms, 0.95) filter (where is_provider_call) as p95_latency_ms,
        count(*) filter (where status = 'error') as errors,
        count(*) filter (where status = 'blocked') as blocked
    from cost_lines
    group by all
),

final as (
    select
        environment,
        request_date,
        feature,
        provider,
        model,
        requests,
        provider_calls,
        app_cache_hits,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(median_input_tokens as double) as median_input_tokens,
        cast(median_output_tokens as double) as median_output_tokens,
        cast(p95_output_tokens as double) as p95_output_tokens,
        case when input_tokens > 0
            then cast(output_tokens as double) / input_tokens
        end as output_input_ratio,
        cast(p50_latency_ms as double) as p50_latency_ms,
        cast(p95_latency_ms as double) as p95_latency_ms,
        errors,
        blocked,
        cast(errors as double) / requests as error_rate,
        cast(blocked as double) / requests as block_rate
    from daily
)

select * from final
