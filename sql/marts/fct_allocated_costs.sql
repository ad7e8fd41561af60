-- fct_allocated_costs: every vendor invoice allocated to tenant x feature x environment x model cells, to the cent per invoice
-- grain: one row per InvoiceId x tenant_id x feature x environment x provider x model x token_kind x charge_date x allocation_level
-- materialization: table
-- Rows come from the Python allocation engine (pipelines.lib.allocation, table
-- invoice_allocations): usage + residual + correction + tax + credit = allocated_cost, and per
-- InvoiceId the allocated_cost adds up to the invoice total. tenant_id '__unallocated__' holds what
-- no logged usage could carry. billing_period is the invoice's month, usage_period the month the
-- charge belongs to (they differ for corrections of an earlier period).
with

allocations as (
    select * from invoice_allocations
),

tenants as (
    select tenant_id, tenant_name, business_unit, cost_center from dim_tenants
),

final as (
    select
        a.billing_period,
        a.usage_period,
        a."InvoiceId" as invoice_id,
        a."InvoiceIssuerName" as invoice_issuer,
        a."BillingAccountId" as billing_account_id,
        a.provider,
        a.tenant_id,
        t.tenant_name,
        t.business_unit,
        t.cost_center,
        a.feature,
        a.environment,
        a.model,
        a.token_kind,
        a.charge_date,
        a.allocation_level,
        a.billing_currency,
        a.usage_cost,
        a.residual_cost,
        a.correction_cost,
        a.tax_cost,
        a.credit_cost,
        a.allocated_cost,
        a.exact_cost
    from allocations as a
    left join tenants as t on t.tenant_id = a.tenant_id
)

select * from final
