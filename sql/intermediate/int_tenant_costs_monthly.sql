-- int_tenant_costs_monthly: every tenant's LLM cost per month in every environment: the allocated invoices when the month is final, else the contracted estimate
-- grain: one row per billing_period x tenant_id x feature x environment x currency x cost_basis
-- materialization: table
--
-- A month is final when every provider with logged calls or allocations that month has an
-- invoice billed for that month (the chargeback's rule, pipelines.lib.chargeback.build): its
-- cost is then the invoice cost allocated to the month (fct_allocated_costs by usage_period,
-- corrections billed later included, tax and credits included), in the invoice currency.
-- Otherwise it is fct_cost_lines.contracted_cost (exact), and unpriced requests are counted:
-- their cost is unknown, so the margin of such a tenant is NULL with a reason, never a guess.
with

cost_lines as (
    select
        strftime(request_date, '%Y-%m') as billing_period,
        tenant_id,
        feature,
        environment,
        provider,
        contracted_currency,
        contracted_cost,
        price_status
    from fct_cost_lines
),

allocations as (
    select
        billing_period as invoice_period,
        usage_period,
        provider,
        tenant_id,
        feature,
        environment,
        billing_currency,
        allocated_cost
    from fct_allocated_costs
),

month_providers as (
    select distinct billing_period, provider
    from cost_lines
    where price_status <> 'no_provider_call'
    union
    select distinct usage_period as billing_period, provider
    from allocations
),

invoiced_providers as (
    select distinct usage_period as billing_period, provider
    from allocations
    where invoice_period = usage_period
),

final_months as (
    select m.billing_period
    from month_providers as m
    left join invoiced_providers as i
        on i.billing_period = m.billing_period and i.provider = m.provider
    group by m.billing_period
    having count(*) = count(i.provider)
),

invoiced as (
    select
        usage_period as billing_period,
        tenant_id,
        feature,
        environment,
        billing_currency as currency,
        cast(sum(allocated_cost) as decimal(38, 18)) as cost,
        cast(0 as bigint) as unpriced_requests,
        'invoiced' as cost_basis
    from allocations
    where usage_period in (select fm.billing_period from final_months as fm)
    group by all
),

estimated as (
    select
        billing_period,
        tenant_id,
        feature,
        environment,
        contracted_currency as currency,
        cast(sum(contracted_cost) as decimal(38, 18)) as cost,
        count(*) filter (where price_status = 'unpriced') as unpriced_requests,
        'estimated' as cost_basis
    from cost_lines
    where billing_period not in (select fm.billing_period from final_months as fm)
    group by all
),

final as (
    select * from invoiced
    union all by name
    select * from estimated
)

select * from final
