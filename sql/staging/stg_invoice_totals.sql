-- stg_invoice_totals: one row per vendor invoice with its exact line sums by charge category
-- grain: one row per InvoiceId
-- materialization: table
-- Sums are exact (DECIMAL(38,18)); the payable total to the cent is the allocation's
-- (pipelines.lib.invoices.invoice_totals, banker's rounding of the exact sum).
with

lines as (
    select * from stg_invoice_lines
),

final as (
    select
        "InvoiceId" as invoice_id,
        any_value("InvoiceIssuerName") as invoice_issuer,
        string_agg(distinct provider, ', ' order by provider) as providers,
        any_value("BillingAccountId") as billing_account_id,
        strftime(min("BillingPeriodStart"), '%Y-%m') as billing_period,
        any_value(billing_currency) as billing_currency,
        count(*) as lines,
        string_agg(distinct source_format, ', ' order by source_format) as source_formats,
        cast(coalesce(sum(billed_cost) filter (
            "ChargeCategory" = 'Usage' and "ChargeClass" is null), 0) as decimal(38, 18))
            as usage_billed,
        cast(coalesce(sum(billed_cost) filter (
            "ChargeCategory" = 'Adjustment' and "ChargeClass" is null), 0) as decimal(38, 18))
            as adjustment_billed,
        cast(coalesce(sum(billed_cost) filter ("ChargeClass" = 'Correction'
            and "ChargeCategory" not in ('Tax', 'Credit')), 0) as decimal(38, 18))
            as correction_billed,
        cast(coalesce(sum(billed_cost) filter ("ChargeCategory" = 'Tax'), 0) as decimal(38, 18))
            as tax_billed,
        cast(coalesce(sum(billed_cost) filter ("ChargeCategory" = 'Credit'), 0)
            as decimal(38, 18)) as credit_billed,
        cast(sum(billed_cost) as decimal(38, 18)) as billed_total
    from lines
    group by "InvoiceId"
)

select * from final
