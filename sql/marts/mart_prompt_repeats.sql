-- mart_prompt_repeats: how often the same prompt comes back within the repeat window, and what the uncached repeats cost
-- grain: one row per environment x request_date x feature
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'.
-- A repeat is a request whose prompt_fingerprint was already seen, in the same environment, tenant
-- and feature, at most repeat_window_hours earlier (int_prompt_repeats_flagged; default 24, set
-- per connection with the DuckDB variable costline_repeat_window_hours).
-- repeat_rate = repeated_requests / fingerprinted_requests (requests with a fingerprint).
-- app_cache_hit_rate = exact or semantic app-cache hits / requests.
-- avoidable_cost = contracted_cost of repeats that no cache served (cache_status = 'miss'): what an
-- app cache keyed on the fingerprint would have saved. Exact DECIMAL(38,18); unpriced repeats are
-- left out and counted in unpriced_uncached_repeats. Rates are DOUBLE.
with

flagged as (
    select
        request_date,
        environment,
        feature,
        prompt_fingerprint,
        cache_status,
        price_status,
        contracted_cost,
        contracted_currency,
        repeat_window_hours,
        is_repeat
    from int_prompt_repeats_flagged
),

daily as (
    select
        environment,
        request_date,
        feature,
        max(repeat_window_hours) as repeat_window_hours,
        count(*) as requests,
        count(*) filter (where prompt_fingerprint is not null) as fingerprinted_requests,
        count(*) filter (where is_repeat) as repeated_requests,
        count(*) filter (where cache_status in ('exact', 'semantic')) as app_cache_hits,
        count(*) filter (
            where is_repeat and cache_status in ('exact', 'semantic')
        ) as cache_served_repeats,
        count(*) filter (where is_repeat and cache_status = 'miss') as uncached_repeats,
        count(*) filter (
            where is_repeat and cache_status = 'miss' and price_status = 'unpriced'
        ) as unpriced_uncached_repeats,
        coalesce(
            sum(contracted_cost) filter (
                where is_repeat and cache_status = 'miss' and price_status <> 'unpriced'
            ),
            0
        ) as avoidable_cost,
        coalesce(sum(contracted_cost) filter (where price_status <> 'unpriced'), 0)
            as contracted_cost,
        min(contracted_currency) as currency
    from flagged
    group by all
),

final as (
    select
        environment,
        request_date,
        feature,
        repeat_window_hours,
        requests,
        fingerprinted_requests,
        repeated_requests,
        case when fingerprinted_requests > 0
            then cast(repeated_requests as double) / fingerprinted_requests
        end as repeat_rate,
        app_cache_hits,
        cast(app_cache_hits as double) / requests as app_cache_hit_rate,
        cache_served_repeats,
        uncached_repeats,
        unpriced_uncached_repeats,
        cast(avoidable_cost as decimal(38, 18)) as avoidable_cost,
        cast(contracted_cost as decimal(38, 18)) as contracted_cost,
        currency
    from daily
)

select * from final
