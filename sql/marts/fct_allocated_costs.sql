-- fct_allocated_costs: every vendor invoice allocated to tenant x feature x environment x model cells, to the cent per invoice
-- grain: one row per invoice_id x tenant_id x feature x environment x provider x model x token_kind x charge_date x allocation_level
-- materialization: table
-- Rows come from the Python allocation engine (pipelines.lib.invoices.allocation, table
-- invoice_allocations): usage + residual + correction + tax + credit = allocated_cost, and per
-- invoice the allocated_cost adds up to the invoice total. tenant_id '__unallocated__' holds what
-- no logged usage could carry. billing_period is the invoice's month, usage_period the month the
-- charge belongs to (they differ for corrections of an earlier period). The invoice's FOCUS
-- identity (provider, publisher, issuer, billing period bounds) comes from stg_invoice_lines, so
-- the FOCUS build can emit these rows with their InvoiceId.
with

allocations as (
    select * from invoice_allocations
),

invoices as (
    select
        "InvoiceId" as invoice_id,
        any_value("ProviderName" order by line_id) as provider_name,
        any_value("PublisherName" order by line_id) as publisher_name,
        min("BillingPeriodStart") as billing_period_start,
        max("BillingPeriodEnd") as billing_period_end
    from stg_invoice_lines
    group by "InvoiceId"
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
        i.provider_name,
        i.publisher_name,
        a."BillingAccountId" as billing_account_id,
        i.billing_period_start,
        i.billing_period_end,
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
    left join invoices as i on i.invoice_id = a."InvoiceId"
    left join tenants as t on t.tenant_id = a.tenant_id
)

select * from final
