-- mart_invoice_reconciliation: what the vendor billed next to what our logs priced, per provider, billing period, charge day, model and token kind, with the gap and a readable explanation
-- grain: one row per provider x billing_period x charge_period_start x charge_period_end x model x token_kind x charge_category x charge_class x billing_currency (invoice side), plus one row per charge day x provider x model x token_kind logged but covered by no invoice line
-- materialization: table
-- Vendors bill all environments together, so this mart has no environment column (the
-- exception to the marts convention). Money is exact DECIMAL(38,18); the gap percent is integer
-- basis points of cent amounts (never a DECIMAL division), times 0.01.
-- Logged cost is at contracted prices in the log currency; when the invoice is in another
-- currency the gap stays NULL (fct_allocated_costs carries the fx-converted usage part).
with

lines as (
    select * from stg_invoice_lines
),

cells as (
    select * from int_usage_cells_aggregated
),

billed as (
    select
        provider,
        strftime("BillingPeriodStart", '%Y-%m') as billing_period,
        "ChargePeriodStart" as charge_period_start,
        "ChargePeriodEnd" as charge_period_end,
        "ChargeCategory" as charge_category,
        "ChargeClass" as charge_class,
        model,
        token_kind,
        billing_currency,
        count(*) as invoice_lines,
        string_agg(distinct "InvoiceId", ', ' order by "InvoiceId") as invoice_ids,
        sum(quantity) as billed_quantity,
        cast(sum(billed_cost) as decimal(38, 18)) as billed_cost
    from lines
    group by all
),

billed_vs_logged as (
    select
        b.provider, b.billing_period, b.charge_period_start, b.charge_period_end,
        b.charge_category, b.charge_class, b.model, b.token_kind, b.billing_currency,
        b.invoice_lines, b.invoice_ids, b.billed_quantity, b.billed_cost,
        cast(sum(c.tokens) as bigint) as logged_tokens,
        cast(sum(c.list_cost) as decimal(38, 18)) as logged_list_cost,
        cast(sum(c.contracted_cost) as decimal(38, 18)) as logged_cost,
        min(c.currency) as log_currency,
        (select count(*) from cells as k
            where k.provider = b.provider and k.model = b.model) > 0 as model_in_logs
    from billed as b
    left join cells as c
        on b.charge_category = 'Usage'
        and b.charge_class is null
        and c.provider = b.provider
        and c.model = b.model
        and c.token_kind = b.token_kind
        and c.charge_date >= b.charge_period_start
        and c.charge_date < b.charge_period_end
    group by all
),

covered as (
    select c.charge_date, c.provider, c.model, c.token_kind
    from cells as c
    inner join billed as b
        on b.charge_category = 'Usage'
        and b.charge_class is null
        and b.provider = c.provider
        and b.model = c.model
        and b.token_kind = c.token_kind
        and b.charge_period_start <= c.charge_date
        and b.charge_period_end > c.charge_date
),

logged_only as (
    select
        c.provider,
        strftime(c.charge_date, '%Y-%m') as billing_period,
        c.charge_date as charge_period_start,
        c.charge_date + 1 as charge_period_end,
        'Usage' as charge_category,
        cast(null as varchar) as charge_class,
        c.model,
        c.token_kind,
        c.currency as billing_currency,
        0 as invoice_lines,
        cast(null as varchar) as invoice_ids,
        cast(null as hugeint) as billed_quantity,
        cast(0 as decimal(38, 18)) as billed_cost,
        cast(sum(c.tokens) as bigint) as logged_tokens,
        cast(sum(c.list_cost) as decimal(38, 18)) as logged_list_cost,
        cast(sum(c.contracted_cost) as decimal(38, 18)) as logged_cost,
        min(c.currency) as log_currency,
        true as model_in_logs
    from cells as c
    anti join covered as v
        on v.charge_date = c.charge_date
        and v.provider = c.provider
        and v.model = c.model
        and v.token_kind = c.token_kind
    group by all
),

corrected as (
    select distinct provider, model, token_kind, "ChargePeriodStart" as charge_period_start
    from lines
    where "ChargeClass" = 'Correction'
),

rows as (
    select
        r.*,
        k.provider is not null as corrected_later
    from (
        select * from billed_vs_logged
        union all by name
        select * from logged_only
    ) as r
    left join corrected as k
        on k.provider = r.provider
        and k.model is not distinct from r.model
        and k.token_kind is not distinct from r.token_kind
        and k.charge_period_start = r.charge_period_start
        and r.charge_class is null
),

gaps as (
    select
        *,
        case
            when charge_category <> 'Usage' or charge_class is not null then null
            when billing_currency <> coalesce(log_currency, billing_currency) then null
            else cast(billed_cost - coalesce(logged_cost, 0) as decimal(38, 18))
        end as gap
    from rows
),

final as (
    select
        provider,
        billing_period,
        charge_period_start,
        charge_period_end,
        charge_period_start as charge_date,
        model,
        token_kind,
        charge_category,
        charge_class,
        billing_currency,
        invoice_ids,
        invoice_lines,
        cast(billed_quantity as bigint) as billed_quantity,
        coalesce(logged_tokens, 0) as logged_tokens,
        coalesce(logged_list_cost, 0) as logged_list_cost,
        coalesce(logged_cost, 0) as logged_cost,
        log_currency,
        billed_cost,
        gap,
        case
            when billed_quantity > coalesce(logged_tokens, 0)
                then cast(billed_quantity - coalesce(logged_tokens, 0) as bigint)
            else 0
        end as untracked_tokens,
        case
            when gap is null or round(coalesce(logged_cost, 0), 2) = 0 then null
            else cast(
                cast(round(gap, 2) * 100 as hugeint) * 10000
                // cast(round(logged_cost, 2) * 100 as hugeint) as decimal(38, 0)
            ) * 0.01
        end as gap_pct,
        case
            when charge_category = 'Tax'
                then 'tax: not in the logs; allocated in proportion to the invoice usage'
            when charge_category = 'Credit'
                then 'credit: allocated in proportion to the invoice usage'
            when charge_class = 'Correction'
                then 'correction of an earlier billing period (the month it corrects is re-issued)'
            when charge_category = 'Adjustment' then 'vendor adjustment'
            when invoice_lines = 0 then 'logged but not invoiced (yet)'
            when model is null
                then 'untracked usage: a line item with no model (tools, storage, other services)'
            when not model_in_logs
                then 'untracked usage: model never seen in the logs (a key outside the logs)'
            when token_kind is null
                then 'not token usage (tools such as web search): allocated to the model''s '
                    || 'usage that day'
            when corrected_later
                then 'partly billed on a later invoice (see its correction line)'
            when gap is null
                then 'billed in ' || billing_currency || ', logged in ' || log_currency
                    || ': compare after fx (fct_allocated_costs)'
            when coalesce(logged_tokens, 0) = 0
                then 'untracked usage: billed with no logged tokens of this kind that day'
            when billed_quantity is not null
                and billed_quantity * 1000 > logged_tokens * 1005
                then 'untracked usage: the vendor counted more tokens than the logs '
                    || '(untracked_tokens)'
            when logged_tokens > 0 and coalesce(logged_cost, 0) = 0
                then 'unpriced in the logs: no list or contract price for this model'
            when gap = 0 then 'matched'
            when abs(gap) < 0.01 then 'rounding (under a cent)'
            when gap < 0 and (billed_quantity is null
                or billed_quantity * 1000 >= logged_tokens * 995)
                then 'discount: the same usage billed below the contracted price'
            when gap < 0 then 'billed below logged cost: fewer tokens billed than logged'
            else 'billed above logged cost: price above contract or untracked usage'
        end as explanation
    from gaps
)

select * from final
