-- mart_tenant_margin: revenue against all LLM cost per tenant and month, with the margin status
-- grain: one row per billing_period x tenant_id x currency (the revenue's; cost without revenue keeps its own currency)
-- materialization: table
--
-- Figures come from the margin asset (pipelines.lib.margin.margin, exact Python Decimal: fx
-- conversion of every cost part and llm_cost_share = llm_cost / revenue, never DOUBLE). Loss
-- and thin tenants first: order by margin_status = 'loss' desc, llm_cost_share desc.
with

figures as (
    select * from int_tenant_margins_computed
),

tenants as (
    select tenant_id, tenant_name, business_unit from dim_tenants
),

final as (
    select
        f.billing_period,
        f.tenant_id,
        t.tenant_name,
        t.business_unit,
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
