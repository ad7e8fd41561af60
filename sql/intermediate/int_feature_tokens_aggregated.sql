-- int_feature_tokens_aggregated: priced token volumes per feature and day, by the price keys a reprice needs
-- grain: one row per feature x environment x request_date x service_tier x tier_floor x provider x model x currency (priced requests only)
-- materialization: table
-- tier_floor = the highest long-context threshold (dim_prices.min_input_tokens > 0) the request's
-- input_tokens reaches, 0 otherwise: repricing picks each candidate's tier from it, exactly as
-- per request, without going back to request rows.
with cost_lines as (
    select
        feature, environment, request_date, service_tier, provider, model, input_tokens,
        input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
        output_tokens, list_cost, contracted_cost, contracted_currency, list_currency
    from fct_cost_lines
    where price_status = 'priced'
),

thresholds as (
    select coalesce(list(distinct min_input_tokens), []) as floors
    from dim_prices
    where min_input_tokens > 0
),

tiered as (
    select
        c.*,
        coalesce(
            list_max(list_filter(t.floors, lambda f: f <= c.input_tokens)), 0 -- noqa: RF02
        ) as tier_floor
    from cost_lines as c
    cross join thresholds as t
),

final as (
    select
        feature,
        environment,
        request_date,
        service_tier,
        cast(tier_floor as bigint) as tier_floor,
        provider,
        model,
        contracted_currency as currency,
        count(*) as requests,
        cast(sum(input_uncached_tokens) as bigint) as input_uncached_tokens,
        cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(cache_write_5m_tokens) as bigint) as cache_write_5m_tokens,
        cast(sum(cache_write_1h_tokens) as bigint) as cache_write_1h_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        count(*) filter (where list_cost is null) as list_unpriced_requests
    from tiered
    group by all
)

select * from final
