-- mart_cache_efficiency: cache hit ratios and the money caching saved (or cost) per tenant and feature, per day
-- grain: one row per environment x request_date x tenant_id x feature
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'.
-- Hit ratios are over all requests: exact / prefix / semantic hits (cache_status) / requests.
-- App-cache saving (exact, semantic): the contracted_cost of the request whose answer was reused
-- (int_cache_hits_resolved, looked up across all days); hits whose source is missing or unpriced
-- add nothing and are counted in app_hits_saving_unknown.
-- Provider prefix caching, per request with cache tokens (any cache_status: writes are usually paid
-- on misses), at the request's contracted prices per 1000000 tokens (x 0.000001):
--   prefix_read_savings  = (price_input - price_cache_read) x cache_read_tokens
--   prefix_write_premium = (price_cache_write - price_input) x cache_write_5m_tokens
--                        + (price_cache_write_1h - price_input) x cache_write_1h_tokens
--   prefix_net_savings   = prefix_read_savings - prefix_write_premium (negative = caching cost money)
-- Only priced requests contribute. All money is exact DECIMAL(38,18) in the contracted currency.
-- cross_tenant_hits: app-cache hits whose source request belongs to another tenant (a leak); one
-- row each in fct_cross_tenant_cache_hits.
with

cost_lines as (
    select
        request_id,
        request_date,
        environment,
        tenant_id,
        feature,
        cache_status,
        price_status,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        contracted_price_input,
        contracted_price_cache_read,
        contracted_price_cache_write,
        contracted_price_cache_write_1h,
        contracted_cost,
        contracted_currency
    from fct_cost_lines
),

hits as (
    select
        request_id,
        saved_cost,
        is_cross_tenant
    from int_cache_hits_resolved
),

per_request as (
    select
        cost_lines.request_date,
        cost_lines.environment,
        cost_lines.tenant_id,
        cost_lines.feature,
        cost_lines.cache_status,
        cost_lines.price_status,
        cost_lines.cache_read_tokens,
        cost_lines.cache_write_5m_tokens + cost_lines.cache_write_1h_tokens as cache_write_tokens,
        cost_lines.contracted_cost,
        cost_lines.contracted_currency,
        hits.saved_cost,
        coalesce(hits.is_cross_tenant, false) as is_cross_tenant,
        case
            when cost_lines.price_status <> 'priced' then null
            when cost_lines.cache_read_tokens = 0 then 0
            else (cost_lines.contracted_price_input - cost_lines.contracted_price_cache_read)
                * cost_lines.cache_read_tokens * 0.000001
        end as read_savings,
        case
            when cost_lines.price_status <> 'priced' then null
            else
                case
                    when cost_lines.cache_write_5m_tokens = 0 then 0
                    else (cost_lines.contracted_price_cache_write
                        - cost_lines.contracted_price_input)
                        * cost_lines.cache_write_5m_tokens * 0.000001
                end
                + case
                    when cost_lines.cache_write_1h_tokens = 0 then 0
                    else (cost_lines.contracted_price_cache_write_1h
                        - cost_lines.contracted_price_input)
                        * cost_lines.cache_write_1h_tokens * 0.000001
                end
        end as write_premium
    from cost_lines
    left join hits
        on hits.request_id = cost_lines.request_id
),

daily as (
    select
        environment,
        request_date,
        tenant_id,
        feature,
        count(*) as requests,
        count(*) filter (where cache_status = 'exact') as exact_hits,
        count(*) filter (where cache_status = 'prefix') as prefix_hits,
        count(*) filter (where cache_status = 'semantic') as semantic_hits,
        count(*) filter (
            where cache_status in ('exact', 'semantic') and saved_cost is null
        ) as app_hits_saving_unknown,
        count(*) filter (where is_cross_tenant) as cross_tenant_hits,
        coalesce(sum(cache_read_tokens), 0) as cache_read_tokens,
        coalesce(sum(cache_write_tokens), 0) as cache_write_tokens,
        coalesce(sum(saved_cost), 0) as app_cache_saved_cost,
        coalesce(sum(read_savings), 0) as prefix_read_savings,
        coalesce(sum(write_premium), 0) as prefix_write_premium,
        coalesce(sum(contracted_cost) filter (where price_status <> 'unpriced'), 0)
            as contracted_cost,
        min(contracted_currency) as currency
    from per_request
    group by all
),

final as (
    select
        environment,
        request_date,
        tenant_id,
        feature,
        requests,
        exact_hits,
        prefix_hits,
        semantic_hits,
        cast(exact_hits as double) / requests as exact_hit_rate,
        cast(prefix_hits as double) / requests as prefix_hit_rate,
        cast(semantic_hits as double) / requests as semantic_hit_rate,
        cast(exact_hits + semantic_hits as double) / requests as app_cache_hit_rate,
        cast(cache_read_tokens as bigint) as cache_read_tokens,
        cast(cache_write_tokens as bigint) as cache_write_tokens,
        cast(app_cache_saved_cost as decimal(38, 18)) as app_cache_saved_cost,
        app_hits_saving_unknown,
        cast(prefix_read_savings as decimal(38, 18)) as prefix_read_savings,
        cast(prefix_write_premium as decimal(38, 18)) as prefix_write_premium,
        cast(prefix_read_savings - prefix_write_premium as decimal(38, 18)) as prefix_net_savings,
        cast(
            app_cache_saved_cost + prefix_read_savings - prefix_write_premium as decimal(38, 18)
        ) as total_saved_cost,
        cast(contracted_cost as decimal(38, 18)) as contracted_cost,
        currency,
        cross_tenant_hits
    from daily
)

select * from final
