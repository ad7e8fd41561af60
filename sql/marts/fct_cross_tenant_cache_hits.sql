-- fct_cross_tenant_cache_hits: app-cache hits that served a tenant an answer produced for another tenant (leaks)
-- grain: one row per leaking request (app-cache hit whose source request belongs to another tenant)
-- materialization: table
--
-- Identifiers only, never prompt or completion text. Sources are resolved across all days and
-- environments (int_cache_hits_resolved); hits whose source is not in the warehouse cannot be
-- judged and are not listed.
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
        cache_source_request_id,
        source_tenant_id,
        source_environment,
        source_feature,
        source_request_date,
        is_cross_tenant
    from int_cache_hits_resolved
),

final as (
    select
        request_id,
        request_date,
        timestamp_utc,
        environment,
        tenant_id,
        feature,
        cache_status,
        cache_source_request_id as source_request_id,
        source_tenant_id,
        source_environment,
        source_feature,
        source_request_date
    from hits
    where is_cross_tenant
)

select * from final
