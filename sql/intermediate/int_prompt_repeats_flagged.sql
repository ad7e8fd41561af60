-- int_prompt_repeats_flagged: each request flagged as a repeat when the same prompt was seen shortly before
-- grain: one row per fct_cost_lines request
-- materialization: view
--
-- A request is a repeat when an earlier request with the same prompt_fingerprint, in the same
-- environment, tenant and feature, was made at most repeat_window_hours before it (ties on
-- timestamp_utc are ordered by request_id; the later one is the repeat). Tenant is part of the key
-- on purpose: an answer may only be reused within a tenant, so cross-tenant duplicates are not
-- avoidable spend. Requests without a fingerprint are never repeats.
-- repeat_window_hours defaults to 24 and is configurable per connection with the DuckDB variable
-- costline_repeat_window_hours (SET VARIABLE costline_repeat_window_hours = 12), so the runner
-- needs no extra parameter. A view, not a table: its only reader, mart_prompt_repeats, aggregates
-- it at once, and writing one row per request of all history cost more than the mart itself.
with

settings as (
    select
        coalesce(
            try_cast(getvariable('costline_repeat_window_hours') as integer), 24
        ) as repeat_window_hours
),

cost_lines as (
    select
        request_id,
        request_date,
        timestamp_utc,
        environment,
        tenant_id,
        feature,
        prompt_fingerprint,
        cache_status,
        price_status,
        contracted_cost,
        contracted_currency
    from fct_cost_lines
),

sequenced as (
    select
        *,
        case
            when prompt_fingerprint is not null
                then lag(timestamp_utc) over (
                    partition by environment, tenant_id, feature, prompt_fingerprint
                    order by timestamp_utc, request_id
                )
        end as previous_seen_at
    from cost_lines
),

final as (
    select
        sequenced.request_id,
        sequenced.request_date,
        sequenced.timestamp_utc,
        sequenced.environment,
        sequenced.tenant_id,
        sequenced.feature,
        sequenced.prompt_fingerprint,
        sequenced.cache_status,
        sequenced.price_status,
        sequenced.contracted_cost,
        sequenced.contracted_currency,
        sequenced.previous_seen_at,
        settings.repeat_window_hours,
        coalesce(
            sequenced.timestamp_utc - sequenced.previous_seen_at
            <= to_hours(settings.repeat_window_hours),
            false
        ) as is_repeat
    from sequenced
    cross join settings
)

select * from final
