-- int_cache_hits_resolved: every app-cache hit (exact or semantic) joined to the request it reused
-- grain: one row per fct_cost_lines request whose cache_status is 'exact' or 'semantic'
-- materialization: table
--
-- The source request (cache_source_request_id) is looked up across ALL days and environments, so a
-- hit on an answer produced weeks earlier still resolves; that is why this is a full-recompute table
-- (one hash join on request_id, set-based). source_found is false when the id is NULL or the source
-- is not in the warehouse (older than the loaded history): the saving is then unknown (NULL, never 0)
-- and the hit is not counted as cross-tenant. saved_cost is the source's contracted_cost (0 when the
-- source was itself an app-cache hit, NULL when the source is unpriced).
-- is_cross_tenant: the reused answer was produced for another tenant (a data leak).
with

hits as (
    select
        request_id,
        request_date,
        timestamp_utc,
        environment,
        tenant_id,
        feature,
        cache_status,
        cache_source_request_id
    from fct_cost_lines
    where cache_status in ('exact', 'semantic')
),

sources as (
    select
        request_id as source_request_id,
        tenant_id as source_tenant_id,
        environment as source_environment,
        feature as source_feature,
        request_date as source_request_date,
        price_status as source_price_status,
        contracted_cost as source_contracted_cost,
        contracted_currency as source_currency
    from fct_cost_lines
),

resolved as (
    select
        hits.request_id,
        hits.request_date,
        hits.timestamp_utc,
        hits.environment,
        hits.tenant_id,
        hits.feature,
        hits.cache_status,
        hits.cache_source_request_id,
        sources.source_request_id is not null as source_found,
        sources.source_tenant_id,
        sources.source_environment,
        sources.source_feature,
        sources.source_request_date,
        sources.source_price_status,
        sources.source_currency,
        cast(
            case
                when sources.source_price_status = 'no_provider_call' then 0
                else sources.source_contracted_cost
            end as decimal(38, 18)
        ) as saved_cost,
        coalesce(sources.source_tenant_id <> hits.tenant_id, false) as is_cross_tenant
    from hits
    left join sources
        on sources.source_request_id = hits.cache_source_request_id
),

final as (
    select * from resolved
)

select * from final
