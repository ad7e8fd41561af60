-- mart_feature_margin: revenue against LLM cost per tenant, feature and month, where revenue names a feature
-- grain: one row per billing_period x tenant_id x feature x currency
-- materialization: table
--
-- Scope: the tenant-months with at least one revenue line naming a feature; there, every
-- feature with cost appears (no_revenue when nothing pays for it). Same rules as
-- mart_tenant_margin (pipelines.lib.margin.margin).
with

figures as (
    select * from int_feature_margins_computed
),

tenants as (
    select tenant_id, tenant_name from dim_tenants
),

final as (
    select
        f.billing_period,
        f.tenant_id,
        t.tenant_name,
        f.feature,
        f.currency,
        f.revenue,
        f.llm_cost,
        f.llm_cost_prod,
        f.llm_cost_reason,
        f.cost_basis,
        f.gross_margin,
        f.llm_cost_share,
        f.margin_status,
        f.thin_margin_share
    from figures as f
    left join tenants as t on t.tenant_id = f.tenant_id
)

select * from final
