-- fct_focus_invoiced: final FOCUS 1.2 Cost and Usage rows of the vendor invoices, allocated to tenant x feature x environment x model cells, with InvoiceId
-- grain: one row per InvoiceId x tenant x feature x environment x provider x model x token kind x charge day x allocation level x ChargeCategory/ChargeClass (Usage rows also x service tier x context tier x price point)
-- materialization: table
--
-- Built from fct_allocated_costs (one allocation row = usage + residual + correction + tax +
-- credit cents) and the priced log usage of fct_focus_cost_and_usage (the price points). Per
-- InvoiceId, Σ BilledCost = the invoice total to the cent: every cent of every allocated part lands
-- on exactly one row (the Usage split below is a largest remainder over integer cents).
-- Mapping:
-- * Usage (ChargeClass NULL): usage + residual of an `exact` allocation row whose cell has priced
--   log usage, one row per price point (service tier, context tier, unit prices) of that cell.
--   BilledCost = EffectiveCost = the allocated cents (split over the price points by their
--   contracted cost); PricingQuantity = logged tokens x 0.000001; List/ContractedUnitPrice = the
--   logged unit prices converted to the invoice currency at the allocation's dated rate (rounded
--   to 12 decimals); ListCost / ContractedCost = unit price x PricingQuantity, exactly. So
--   ListCost / ContractedCost are the logged usage priced in the invoice currency, while
--   BilledCost carries what the vendor billed for it (discounts, untracked tokens): a billed cent
--   amount is in general not unit price x quantity, and FOCUS only ties List/ContractedCost to it.
-- * Adjustment: usage + residual that no priced log usage can carry (widened allocation levels,
--   cells the logs could not price, `__unallocated__`): a money amount without tokens or prices,
--   List = Contracted = Effective = BilledCost.
-- * Usage + ChargeClass Correction: the correction part (lines correcting an earlier, already
--   invoiced period); ChargePeriod is the corrected day, BillingPeriod the invoice's month; no
--   unit prices or quantities (FOCUS lets corrections leave them NULL), all costs = BilledCost.
-- * Tax: the tax part; NULL unit prices, quantities, SKU and PricingCategory; costs = BilledCost.
-- * Credit: the credit part; stand-alone, List = Contracted = Effective = BilledCost.
-- Zero amounts make no row (except Usage rows, which show logged usage even at 0.00).
-- x_ListCostDerived: true where ListCost is not a list price x quantity (the estimate's derived
-- price points, and every non-Usage row, whose ListCost = BilledCost).
-- The fx rates come from the relation `invoice_fx_rates` (charge_date, from_currency,
-- to_currency, rate) that pipelines.lib.focus.export_invoiced registers before running the model
-- (the rates of catalog/fx.csv, as the allocation used them; no FX table exists in the warehouse).
with

allocated as (
    select
        *,
        coalesce(
            billing_period_start, cast(billing_period || '-01' as date)
        ) as period_start,
        coalesce(
            billing_period_end, cast(billing_period || '-01' as date) + interval 1 month
        ) as period_end
    from fct_allocated_costs
),

fx as (
    select charge_date, from_currency, to_currency, rate from invoice_fx_rates
),

-- logged priced usage per allocation cell and price point (apps summed)
logged as (
    select
        cast(ChargePeriodStart as date) as charge_date,
        x_TenantId as tenant_id,
        x_Feature as feature,
        x_Environment as environment,
        x_Provider as provider,
        x_Model as model,
        x_TokenKind as token_kind,
        x_ServiceTier as service_tier,
        x_ContextTier as context_tier,
        BillingCurrency as logged_currency,
        ListUnitPrice as list_price,
        ContractedUnitPrice as contracted_price,
        x_ListCostDerived as list_cost_derived,
        SkuId as sku_id,
        SkuMeter as sku_meter,
        SkuPriceId as sku_price_id,
        SkuPriceDetails as sku_price_details,
        PublisherName as publisher_name,
        cast(sum(PricingQuantity) as decimal(38, 6)) as pricing_quantity,
        cast(sum(ConsumedQuantity) as decimal(38, 6)) as consumed_quantity,
        cast(sum(ContractedCost) as decimal(38, 18)) as contracted_cost,
        cast(sum(x_Requests) as bigint) as requests
    from fct_focus_cost_and_usage
    group by all
),

-- one ServiceName and account type per provider, as the estimate names them
services as (
    select
        x_Provider as provider,
        min(ServiceName) as service_name,
        min(BillingAccountType) as billing_account_type
    from fct_focus_cost_and_usage
    group by x_Provider
),

points as (
    select
        a.invoice_id, a.tenant_id, a.feature, a.environment, a.provider, a.model,
        a.token_kind, a.charge_date, a.allocation_level,
        l.service_tier, l.context_tier, l.sku_id, l.sku_meter, l.sku_price_id,
        l.sku_price_details, l.publisher_name, l.pricing_quantity, l.consumed_quantity,
        l.requests, l.list_cost_derived,
        cast(round(l.list_price * f.rate, 12) as decimal(38, 12)) as list_unit_price,
        cast(round(l.contracted_price * f.rate, 12) as decimal(38, 12)) as contracted_unit_price,
        cast((a.usage_cost + a.residual_cost) * 100 as hugeint) as billed_cents,
        -- weight: contracted cost in nano units (tokens when the cell's cost is all zero)
        cast(floor(l.contracted_cost * 1000000000) as hugeint) as cost_weight,
        cast(l.consumed_quantity as hugeint) as token_weight
    from allocated as a
    inner join logged as l
        on l.charge_date = a.charge_date
        and l.tenant_id = a.tenant_id
        and l.feature = a.feature
        and l.environment = a.environment
        and l.provider = a.provider
        and l.model = a.model
        and l.token_kind = a.token_kind
    inner join fx as f
        on f.charge_date = a.charge_date
        and f.from_currency = l.logged_currency
        and f.to_currency = a.billing_currency
    where a.allocation_level = 'exact'
),

weighted as (
    select
        *,
        case
            when sum(cost_weight) over cell > 0 then cost_weight
            else token_weight
        end as weight
    from points
    window cell as (
        partition by invoice_id, tenant_id, feature, environment, provider, model, token_kind,
            charge_date, allocation_level
    )
),

floored as (
    select
        *,
        (abs(billed_cents) * weight) // sum(weight) over cell as floor_cents,
        (abs(billed_cents) * weight) % sum(weight) over cell as remainder
    from weighted
    window cell as (
        partition by invoice_id, tenant_id, feature, environment, provider, model, token_kind,
            charge_date, allocation_level
    )
),

usage_rows as (
    select
        *,
        sign(billed_cents) * (
            floor_cents
            + case
                when row_number() over ranked
                    <= abs(billed_cents) - sum(floor_cents) over cell then 1
                else 0
            end
        ) as cents
    from floored
    window
        cell as (
            partition by invoice_id, tenant_id, feature, environment, provider, model,
                token_kind, charge_date, allocation_level
        ),
        ranked as (
            partition by invoice_id, tenant_id, feature, environment, provider, model,
                token_kind, charge_date, allocation_level
            order by remainder desc, service_tier asc, context_tier asc, sku_price_id asc,
                list_unit_price asc, contracted_unit_price asc
        )
),

carried as (
    select distinct
        invoice_id, tenant_id, feature, environment, provider, model, token_kind, charge_date,
        allocation_level
    from points
),

-- the other parts of every allocation row, one row per non-zero part
parts as (
    select a.*, 'adjustment' as kind, a.usage_cost + a.residual_cost as amount
    from allocated as a
    where a.usage_cost + a.residual_cost <> 0
        and not exists (
            select 1
            from carried as c
            where c.invoice_id = a.invoice_id
                and c.tenant_id = a.tenant_id
                and c.feature = a.feature
                and c.environment = a.environment
                and c.provider = a.provider
                and c.model = a.model
                and c.token_kind = a.token_kind
                and c.charge_date = a.charge_date
                and c.allocation_level = a.allocation_level
        )
    union all
    select a.*, 'correction' as kind, a.correction_cost as amount
    from allocated as a
    where a.correction_cost <> 0
    union all
    select a.*, 'tax' as kind, a.tax_cost as amount
    from allocated as a
    where a.tax_cost <> 0
    union all
    select a.*, 'credit' as kind, a.credit_cost as amount
    from allocated as a
    where a.credit_cost <> 0
),

rows_ as (
    select
        a.invoice_id, a.invoice_issuer, a.provider_name, a.billing_account_id, a.period_start,
        a.period_end, a.provider, a.tenant_id, a.tenant_name, a.business_unit, a.cost_center,
        a.feature, a.environment, a.model, a.token_kind, a.charge_date, a.allocation_level,
        a.billing_currency,
        'usage' as kind,
        cast(u.cents as decimal(38, 0)) * 0.01 as amount,
        u.service_tier, u.context_tier, u.sku_id, u.sku_meter, u.sku_price_id,
        u.sku_price_details, u.pricing_quantity, u.consumed_quantity, u.requests,
        u.list_unit_price, u.contracted_unit_price, u.list_cost_derived,
        coalesce(u.publisher_name, a.publisher_name, a.provider_name) as publisher_name
    from usage_rows as u
    inner join allocated as a
        on a.invoice_id = u.invoice_id
        and a.tenant_id = u.tenant_id
        and a.feature = u.feature
        and a.environment = u.environment
        and a.provider = u.provider
        and a.model = u.model
        and a.token_kind = u.token_kind
        and a.charge_date = u.charge_date
        and a.allocation_level = u.allocation_level
    union all
    select
        invoice_id, invoice_issuer, provider_name, billing_account_id, period_start, period_end,
        provider, tenant_id, tenant_name, business_unit, cost_center, feature, environment, model,
        token_kind, charge_date, allocation_level, billing_currency,
        kind,
        amount,
        null as service_tier, null as context_tier, null as sku_id, null as sku_meter,
        null as sku_price_id, null as sku_price_details, null as pricing_quantity,
        null as consumed_quantity, null as requests, null as list_unit_price,
        null as contracted_unit_price, null as list_cost_derived,
        coalesce(publisher_name, provider_name) as publisher_name
    from parts
),

costed as (
    select
        r.*,
        cast(r.amount as decimal(38, 18)) as billed_cost,
        cast(r.list_unit_price * r.pricing_quantity as decimal(38, 18)) as list_cost,
        cast(r.contracted_unit_price * r.pricing_quantity as decimal(38, 18)) as contracted_cost,
        coalesce(s.service_name, coalesce(r.provider_name, r.provider) || ' API') as service_name,
        coalesce(s.billing_account_type, 'Account') as billing_account_type,
        coalesce(r.provider_name, r.provider) as provider_label,
        coalesce(r.model, 'all models') as model_label
    from rows_ as r
    left join services as s on s.provider = r.provider
),

final as (
    select
        cast(null as varchar) as AvailabilityZone,
        c.billed_cost as BilledCost,
        c.billing_account_id as BillingAccountId,
        c.provider_label || ' account ' || c.billing_account_id as BillingAccountName,
        c.billing_account_type as BillingAccountType,
        c.billing_currency as BillingCurrency,
        cast(c.period_end as timestamp) as BillingPeriodEnd,
        cast(c.period_start as timestamp) as BillingPeriodStart,
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        case c.kind
            when 'tax' then 'Tax'
            when 'credit' then 'Credit'
            when 'adjustment' then 'Adjustment'
            else 'Usage'
        end as ChargeCategory,
        case when c.kind = 'correction' then 'Correction' end as ChargeClass,
        case c.kind
            when 'usage' then 'Invoiced ' || c.model_label || ' ' || c.sku_meter || ' ('
                || c.service_tier || ' tier, ' || replace(c.context_tier, '_', ' ')
                || ' context)'
            when 'adjustment' then 'Invoiced ' || c.model_label
                || ' beyond the priced logged usage (' || replace(c.allocation_level, '_', ' ')
                || ' allocation)'
            when 'correction' then 'Correction of ' || strftime(c.charge_date, '%Y-%m-%d')
                || ' ' || c.model_label || ' usage'
            when 'tax' then 'Share of the invoice tax'
            else 'Share of the invoice credit'
        end as ChargeDescription,
        case when c.kind = 'credit' then 'One-Time' else 'Usage-Based' end as ChargeFrequency,
        cast(c.charge_date + interval 1 day as timestamp) as ChargePeriodEnd,
        cast(c.charge_date as timestamp) as ChargePeriodStart,
        cast(null as varchar) as CommitmentDiscountCategory,
        cast(null as varchar) as CommitmentDiscountId,
        cast(null as varchar) as CommitmentDiscountName,
        cast(null as decimal(38, 6)) as CommitmentDiscountQuantity,
        cast(null as varchar) as CommitmentDiscountStatus,
        cast(null as varchar) as CommitmentDiscountType,
        cast(null as varchar) as CommitmentDiscountUnit,
        c.consumed_quantity as ConsumedQuantity,
        case when c.consumed_quantity is not null then 'Tokens' end as ConsumedUnit,
        coalesce(c.contracted_cost, c.billed_cost) as ContractedCost,
        c.contracted_unit_price as ContractedUnitPrice,
        c.billed_cost as EffectiveCost,
        c.invoice_id as InvoiceId,
        c.invoice_issuer as InvoiceIssuerName,
        coalesce(c.list_cost, c.billed_cost) as ListCost,
        c.list_unit_price as ListUnitPrice,
        case when c.kind = 'usage' then 'Standard' end as PricingCategory,
        c.billing_currency as PricingCurrency,
        c.contracted_unit_price as PricingCurrencyContractedUnitPrice,
        c.billed_cost as PricingCurrencyEffectiveCost,
        c.list_unit_price as PricingCurrencyListUnitPrice,
        c.pricing_quantity as PricingQuantity,
        case when c.pricing_quantity is not null then '1000000 Tokens' end as PricingUnit,
        c.provider_label as ProviderName,
        c.publisher_name as PublisherName,
        cast(null as varchar) as RegionId,
        cast(null as varchar) as RegionName,
        cast(null as varchar) as ResourceId,
        cast(null as varchar) as ResourceName,
        cast(null as varchar) as ResourceType,
        'AI and Machine Learning' as ServiceCategory,
        c.service_name as ServiceName,
        'Generative AI' as ServiceSubcategory,
        c.sku_id as SkuId,
        c.sku_meter as SkuMeter,
        c.sku_price_details as SkuPriceDetails,
        c.sku_price_id as SkuPriceId,
        cast(null as varchar) as SubAccountId,
        cast(null as varchar) as SubAccountName,
        cast(null as varchar) as SubAccountType,
        cast(json_object(
            'tenant', c.tenant_id, 'feature', c.feature, 'environment', c.environment
        ) as varchar) as Tags,
        c.tenant_id as x_TenantId,
        c.tenant_name as x_TenantName,
        c.business_unit as x_BusinessUnit,
        c.cost_center as x_CostCenter,
        c.feature as x_Feature,
        c.environment as x_Environment,
        cast(null as varchar) as x_App,
        c.provider as x_Provider,
        c.model as x_Model,
        c.token_kind as x_TokenKind,
        c.service_tier as x_ServiceTier,
        c.context_tier as x_ContextTier,
        c.requests as x_Requests,
        'invoice' as x_CostSource,
        coalesce(c.list_cost_derived, true) as x_ListCostDerived
    from costed as c
)

select * from final
