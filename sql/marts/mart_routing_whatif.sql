-- mart_routing_whatif: each feature's real monthly token volumes repriced under every candidate model in dim_prices (list and contracted), vs actual cost
-- grain: one row per feature x environment x month x candidate provider/model (priced requests only)
-- materialization: table
-- Reprice: same token counts per kind (tokenizers differ: an approximation), each day's volume at
-- the candidate's price valid that day, for the request's service tier (exact tier, else '*',
-- else the candidate's standard price: counted in candidate_tier_fallback_requests, it overstates
-- a batch/flex what-if) and long-context tier. A kind the candidate does not price separately is billed at its input price
-- (cache_write_1h -> cache_write -> input, cache_read -> input). Contracted = the candidate's
-- contract price for the kind if one applies, else list. A what-if cost is NULL for a month in
-- which the candidate had no input or output price (of that price type) on some day with volume;
-- the actual list cost is NULL when some request had no list price.
with usage as (
    select * from int_feature_tokens_aggregated
),

keys as (
    select distinct request_date as day, service_tier, tier_floor from usage
),

candidates as (
    select distinct provider, model from dim_prices
),

matched as (
    select
        k.day, k.service_tier, k.tier_floor, p.provider, p.model, p.token_kind, p.price_type,
        p.unit_price, p.currency,
        p.service_tier not in (k.service_tier, '*') as tier_fallback,
        row_number() over (
            partition by k.day, k.service_tier, k.tier_floor, p.provider, p.model,
                p.token_kind, p.price_type
            order by
                case p.service_tier when k.service_tier then 0 when '*' then 1 else 2 end asc,
                p.min_input_tokens desc, p.valid_from desc, p.price_id asc
        ) as rn
    from keys as k
    inner join dim_prices as p
        on p.valid_from <= k.day
        and (p.valid_to is null or p.valid_to > k.day)
        and p.service_tier in (k.service_tier, '*', 'standard')
        and p.min_input_tokens <= k.tier_floor
),

pivoted as (
    select
        day, service_tier, tier_floor, provider, model,
        max(unit_price) filter (where price_type = 'list' and token_kind = 'input') as l_in,
        max(unit_price) filter (where price_type = 'list' and token_kind = 'cache_read') as l_cr,
        max(unit_price) filter (where price_type = 'list' and token_kind = 'cache_write') as l_cw,
        max(unit_price) filter (where price_type = 'list' and token_kind = 'cache_write_1h')
            as l_cw1h,
        max(unit_price) filter (where price_type = 'list' and token_kind = 'output') as l_out,
        max(unit_price) filter (where price_type = 'contracted' and token_kind = 'input') as c_in,
        max(unit_price) filter (where price_type = 'contracted' and token_kind = 'cache_read')
            as c_cr,
        max(unit_price) filter (where price_type = 'contracted' and token_kind = 'cache_write')
            as c_cw,
        max(unit_price) filter (where price_type = 'contracted' and token_kind = 'cache_write_1h')
            as c_cw1h,
        max(unit_price) filter (where price_type = 'contracted' and token_kind = 'output')
            as c_out,
        max(currency) filter (where price_type = 'list') as list_currency,
        max(currency) filter (where price_type = 'contracted') as contracted_currency,
        bool_or(tier_fallback) filter (
            where token_kind in ('input', 'output')
        ) as tier_fallback
    from matched
    where rn = 1
    group by all
),

prices as (
    select
        day, service_tier, tier_floor, provider, model,
        l_in as list_input,
        coalesce(l_cr, l_in) as list_cache_read,
        coalesce(l_cw, l_in) as list_cache_write,
        coalesce(l_cw1h, l_cw, l_in) as list_cache_write_1h,
        l_out as list_output,
        coalesce(c_in, l_in) as ctr_input,
        coalesce(c_cr, l_cr, c_in, l_in) as ctr_cache_read,
        coalesce(c_cw, l_cw, c_in, l_in) as ctr_cache_write,
        coalesce(c_cw1h, l_cw1h, c_cw, l_cw, c_in, l_in) as ctr_cache_write_1h,
        coalesce(c_out, l_out) as ctr_output,
        list_currency,
        coalesce(contracted_currency, list_currency) as contracted_currency,
        coalesce(tier_fallback, false) as tier_fallback
    from pivoted
),

-- volumes per day and price key, summed over the models the feature actually used
volumes as (
    select
        feature, environment, request_date, service_tier, tier_floor,
        sum(requests) as requests,
        sum(input_uncached_tokens) as input_uncached_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens
    from usage
    group by all
),

repriced as (
    select
        v.feature,
        v.environment,
        cast(date_trunc('month', v.request_date) as date) as month_start,
        c.provider,
        c.model,
        v.requests,
        v.input_uncached_tokens, v.cache_read_tokens, v.cache_write_5m_tokens,
        v.cache_write_1h_tokens, v.output_tokens,
        coalesce(p.list_input is not null and p.list_output is not null, false) as list_priced,
        coalesce(p.ctr_input is not null and p.ctr_output is not null, false) as contracted_priced,
        coalesce(p.tier_fallback, false) as tier_fallback,
        p.list_currency,
        p.contracted_currency,
        (cast(v.input_uncached_tokens as bigint) * p.list_input
            + cast(v.cache_read_tokens as bigint) * p.list_cache_read
            + cast(v.cache_write_5m_tokens as bigint) * p.list_cache_write
            + cast(v.cache_write_1h_tokens as bigint) * p.list_cache_write_1h
            + cast(v.output_tokens as bigint) * p.list_output) * 0.000001 as whatif_list_cost,
        (cast(v.input_uncached_tokens as bigint) * p.ctr_input
            + cast(v.cache_read_tokens as bigint) * p.ctr_cache_read
            + cast(v.cache_write_5m_tokens as bigint) * p.ctr_cache_write
            + cast(v.cache_write_1h_tokens as bigint) * p.ctr_cache_write_1h
            + cast(v.output_tokens as bigint) * p.ctr_output) * 0.000001
            as whatif_contracted_cost
    from volumes as v
    cross join candidates as c
    left join prices as p
        on p.day = v.request_date
        and p.service_tier = v.service_tier
        and p.tier_floor = v.tier_floor
        and p.provider = c.provider
        and p.model = c.model
),

whatif as (
    select
        feature, environment, month_start, provider, model,
        sum(requests) as requests,
        sum(requests) filter (where not contracted_priced) as unpriced_requests,
        sum(requests) filter (where tier_fallback) as tier_fallback_requests,
        case when bool_and(list_priced) and count(distinct list_currency) = 1
            then sum(whatif_list_cost) end as whatif_list_cost,
        case when bool_and(contracted_priced) and count(distinct contracted_currency) = 1
            then sum(whatif_contracted_cost) end as whatif_contracted_cost,
        min(list_currency) as list_currency,
        min(contracted_currency) as contracted_currency
    from repriced
    group by all
),

actual as (
    select
        feature, environment,
        cast(date_trunc('month', request_date) as date) as month_start,
        sum(requests) as requests,
        sum(input_uncached_tokens) as input_uncached_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        case when sum(list_unpriced_requests) = 0 then sum(list_cost) end as actual_list_cost,
        sum(contracted_cost) as actual_contracted_cost,
        case when count(distinct currency) = 1 then min(currency) else 'MIXED' end as currency
    from usage
    group by all
),

on_candidate as (
    select
        feature, environment,
        cast(date_trunc('month', request_date) as date) as month_start,
        provider, model,
        sum(requests) as requests
    from usage
    group by all
),

compared as (
    select
        a.month_start,
        a.feature,
        a.environment,
        w.provider as candidate_provider,
        w.model as candidate_model,
        cast(a.requests as bigint) as requests,
        cast(a.input_uncached_tokens as bigint) as input_uncached_tokens,
        cast(a.cache_read_tokens as bigint) as cache_read_tokens,
        cast(a.cache_write_5m_tokens as bigint) as cache_write_5m_tokens,
        cast(a.cache_write_1h_tokens as bigint) as cache_write_1h_tokens,
        cast(a.output_tokens as bigint) as output_tokens,
        coalesce(o.requests, 0) / a.requests as current_share_of_requests,
        a.currency,
        cast(a.actual_list_cost as decimal(38, 18)) as actual_list_cost,
        cast(a.actual_contracted_cost as decimal(38, 18)) as actual_contracted_cost,
        cast(coalesce(w.unpriced_requests, 0) as bigint) as candidate_unpriced_requests,
        cast(coalesce(w.tier_fallback_requests, 0) as bigint) as candidate_tier_fallback_requests,
        case when w.list_currency = a.currency
            then cast(w.whatif_list_cost as decimal(38, 18)) end as whatif_list_cost,
        case when w.contracted_currency = a.currency
            then cast(w.whatif_contracted_cost as decimal(38, 18)) end as whatif_contracted_cost,
        case when w.list_currency = a.currency
            then cast(a.actual_list_cost - w.whatif_list_cost as decimal(38, 18)) end
            as list_saving,
        case when w.contracted_currency = a.currency
            then cast(a.actual_contracted_cost - w.whatif_contracted_cost as decimal(38, 18)) end
            as contracted_saving,
        case when w.contracted_currency = a.currency
            then (a.actual_contracted_cost - w.whatif_contracted_cost)
                / nullif(a.actual_contracted_cost, 0) * 100 end as contracted_saving_pct
    from actual as a
    inner join whatif as w
        on w.feature = a.feature
        and w.environment = a.environment
        and w.month_start = a.month_start
    left join on_candidate as o
        on o.feature = a.feature
        and o.environment = a.environment
        and o.month_start = a.month_start
        and o.provider = w.provider
        and o.model = w.model
),

final as (
    select
        *,
        case when whatif_contracted_cost is not null then rank() over (
            partition by feature, environment, month_start, (whatif_contracted_cost is null)
            order by whatif_contracted_cost
        ) end as candidate_rank
    from compared
)

select * from final
