-- mart_risk: per tenant and month, PII and policy-block shares, spend concentration (rank, top-5 share) and cache leaks
-- grain: one row per environment x month x tenant_id (month = first day, UTC request_date)
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'. Ranks and shares are computed
-- within one environment and month, never across environments.
-- pii_share = requests with pii_detected true / requests (NULL flag = not detected);
-- policy_block_share = requests with policy_blocked true / requests.
-- spend = contracted_cost of requests with a known cost, exact DECIMAL(38,18) (unpriced requests
-- are left out and counted in unpriced_requests). spend_rank = 1 for the largest spender of the
-- environment-month (row_number, ties broken by tenant_id, so exactly 5 tenants are top-5).
-- top5_spend = spend of ranks 1-5; top5_share = top5_spend / environment_spend (same value on every
-- row of the environment-month); spend_share = spend / environment_spend. Shares are DOUBLE.
-- cross_tenant_cache_hits = app-cache hits this tenant received from another tenant's request.
with

cost_lines as (
    select
        request_date,
        environment,
        tenant_id,
        pii_detected,
        policy_blocked,
        price_status,
        contracted_cost,
        contracted_currency
    from fct_cost_lines
),

tenants as (
    select
        tenant_id,
        tenant_name,
        business_unit
    from dim_tenants
),

leaks as (
    select
        environment,
        cast(date_trunc('month', request_date) as date) as month,
        tenant_id,
        count(*) as cross_tenant_cache_hits
    from int_cache_hits_resolved
    where is_cross_tenant
    group by all
),

monthly as (
    select
        environment,
        cast(date_trunc('month', request_date) as date) as month,
        tenant_id,
        count(*) as requests,
        count(*) filter (where pii_detected) as pii_requests,
        count(*) filter (where policy_blocked) as policy_blocked_requests,
        count(*) filter (where price_status = 'unpriced') as unpriced_requests,
        cast(
            coalesce(sum(contracted_cost) filter (where price_status <> 'unpriced'), 0)
            as decimal(38, 18)
        ) as spend,
        min(contracted_currency) as currency
    from cost_lines
    group by all
),

ranked as (
    select
        *,
        row_number() over (
            partition by environment, month order by spend desc, tenant_id asc
        ) as spend_rank,
        sum(spend) over (partition by environment, month) as environment_spend
    from monthly
),

with_top5 as (
    select
        *,
        sum(case when spend_rank <= 5 then spend else 0 end) over (
            partition by environment, month
        ) as top5_spend
    from ranked
),

final as (
    select
        with_top5.environment,
        with_top5.month,
        with_top5.tenant_id,
        tenants.tenant_name,
        tenants.business_unit,
        with_top5.requests,
        with_top5.pii_requests,
        cast(with_top5.pii_requests as double) / with_top5.requests as pii_share,
        with_top5.policy_blocked_requests,
        cast(with_top5.policy_blocked_requests as double) / with_top5.requests
            as policy_block_share,
        with_top5.unpriced_requests,
        with_top5.spend,
        with_top5.currency,
        with_top5.spend_rank,
        with_top5.spend_rank <= 5 as is_top5,
        case when with_top5.environment_spend > 0
            then cast(with_top5.spend as double) / cast(with_top5.environment_spend as double)
        end as spend_share,
        cast(with_top5.top5_spend as decimal(38, 18)) as top5_spend,
        cast(with_top5.environment_spend as decimal(38, 18)) as environment_spend,
        case when with_top5.environment_spend > 0
            then cast(with_top5.top5_spend as double)
                / cast(with_top5.environment_spend as double)
        end as top5_share,
        coalesce(leaks.cross_tenant_cache_hits, 0) as cross_tenant_cache_hits
    from with_top5
    left join tenants
        on tenants.tenant_id = with_top5.tenant_id
    left join leaks
        on leaks.environment = with_top5.environment
        and leaks.month = with_top5.month
        and leaks.tenant_id = with_top5.tenant_id
)

select * from final
