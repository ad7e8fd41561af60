-- mart_internal_recovery: what each feature's internal price charges a tenant against what its production LLM use costs
-- grain: one row per billing_period x tenant_id x feature (x currency for features without an internal rate)
-- materialization: table
--
-- Figures come from pipelines.lib.margin.recovery (exact Decimal): units per the rate valid
-- each day, internal_charge = units x rate, llm_cost = production cost converted to the rate's
-- currency, recovery = internal_charge - llm_cost, recovery_ratio = internal_charge / llm_cost.
with

figures as (
    select * from int_internal_recovery_computed
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
        f.unit,
        f.currency,
        f.units,
        f.internal_charge,
        f.llm_cost,
        f.recovery,
        f.recovery_ratio,
        f.recovery_status,
        f.reason
    from figures as f
    left join tenants as t on t.tenant_id = f.tenant_id
)

select * from final
