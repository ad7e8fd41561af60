-- fct_focus_cost_and_usage: FOCUS 1.2 Cost and Usage rows estimated from the request logs
-- grain: one row per charge day (UTC) x provider x model x service_tier x context_tier x token kind x tenant x feature x environment x app (x the list and contracted price ids, constant within that key), priced lines and kinds with tokens > 0 only
-- materialization: partitioned(ChargePeriodStart)
--
-- Tokens are summed first and multiplied by the unit price once: the price id is in the group key,
-- so ListCost / ContractedCost equal the sum of the per-request costs exactly (DECIMAL, no division).
-- All 57 FOCUS columns come first in the reference order (NULL where costline has nothing), then x_.
-- Decisions: SubAccountId is NULL (a sub account is a provider construct such as an OpenAI project;
-- tenants are ours and live in x_TenantId and Tags); InvoiceId is NULL (estimates, not invoiced);
-- BilledCost = EffectiveCost = ContractedCost; ListUnitPrice falls back to the contracted price when
-- there is no list price in the billing currency (then ListCost = ContractedCost and
-- x_ListCostDerived is true); PricingCurrency* repeat the billing-currency values.
with

cost_lines as (
    select *
    from fct_cost_lines
    where request_date >= $start_date
        and request_date < $end_date
        and price_status = 'priced'
),

tenants as (
    select tenant_id, tenant_name, business_unit, cost_center
    from dim_tenants
),

cells as (
    -- One pass over the lines: per-kind token sums and line counts for each distinct set of
    -- prices, before the five kinds are unpivoted (5x fewer rows to hash than unpivoting lines).
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        list_price_input, list_price_id_input, contracted_price_input, contracted_price_id_input,
        list_price_cache_read, list_price_id_cache_read,
        contracted_price_cache_read, contracted_price_id_cache_read,
        list_price_cache_write, list_price_id_cache_write,
        contracted_price_cache_write, contracted_price_id_cache_write,
        list_price_cache_write_1h, list_price_id_cache_write_1h,
        contracted_price_cache_write_1h, contracted_price_id_cache_write_1h,
        list_price_output, list_price_id_output,
        contracted_price_output, contracted_price_id_output,
        sum(input_uncached_tokens) as tokens_input,
        count(*) filter (where input_uncached_tokens > 0) as requests_input,
        sum(cache_read_tokens) as tokens_cache_read,
        count(*) filter (where cache_read_tokens > 0) as requests_cache_read,
        sum(cache_write_5m_tokens) as tokens_cache_write,
        count(*) filter (where cache_write_5m_tokens > 0) as requests_cache_write,
        sum(cache_write_1h_tokens) as tokens_cache_write_1h,
        count(*) filter (where cache_write_1h_tokens > 0) as requests_cache_write_1h,
        sum(output_tokens) as tokens_output,
        count(*) filter (where output_tokens > 0) as requests_output
    from cost_lines
    group by all
),

kinds as (
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        'input' as token_kind,
        'Input Tokens' as sku_meter,
        tokens_input as tokens,
        requests_input as requests,
        list_price_input as list_price,
        list_price_id_input as list_price_id,
        contracted_price_input as contracted_price,
        contracted_price_id_input as contracted_price_id
    from cells
    where requests_input > 0
    union all
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        'cache_read' as token_kind,
        'Cached Input Tokens' as sku_meter,
        tokens_cache_read as tokens,
        requests_cache_read as requests,
        list_price_cache_read as list_price,
        list_price_id_cache_read as list_price_id,
        contracted_price_cache_read as contracted_price,
        contracted_price_id_cache_read as contracted_price_id
    from cells
    where requests_cache_read > 0
    union all
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        'cache_write' as token_kind,
        'Cache Write Tokens (5m)' as sku_meter,
        tokens_cache_write as tokens,
        requests_cache_write as requests,
        list_price_cache_write as list_price,
        list_price_id_cache_write as list_price_id,
        contracted_price_cache_write as contracted_price,
        contracted_price_id_cache_write as contracted_price_id
    from cells
    where requests_cache_write > 0
    union all
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        'cache_write_1h' as token_kind,
        'Cache Write Tokens (1h)' as sku_meter,
        tokens_cache_write_1h as tokens,
        requests_cache_write_1h as requests,
        list_price_cache_write_1h as list_price,
        list_price_id_cache_write_1h as list_price_id,
        contracted_price_cache_write_1h as contracted_price,
        contracted_price_id_cache_write_1h as contracted_price_id
    from cells
    where requests_cache_write_1h > 0
    union all
    select
        request_date, provider, model, service_tier, context_tier, tenant_id, feature, environment,
        app, contracted_currency, list_currency,
        'output' as token_kind,
        'Output Tokens' as sku_meter,
        tokens_output as tokens,
        requests_output as requests,
        list_price_output as list_price,
        list_price_id_output as list_price_id,
        contracted_price_output as contracted_price,
        contracted_price_id_output as contracted_price_id
    from cells
    where requests_output > 0
),

providers as (
    select * from (values
        ('openai', 'OpenAI API', 'OpenAI', 'OpenAI', 'Organization'),
        ('anthropic', 'Anthropic API', 'Anthropic', 'Anthropic', 'Organization'),
        ('aws_bedrock', 'Amazon Bedrock', 'AWS', 'AWS', 'Account'),
        ('bedrock', 'Amazon Bedrock', 'AWS', 'AWS', 'Account'),
        ('aws', 'Amazon Bedrock', 'AWS', 'AWS', 'Account'),
        ('aws-bedrock', 'Amazon Bedrock', 'AWS', 'AWS', 'Account'),
        ('amazon-bedrock', 'Amazon Bedrock', 'AWS', 'AWS', 'Account'),
        ('azure', 'Azure OpenAI', 'Microsoft', 'Microsoft', 'Billing Account'),
        ('azure-openai', 'Azure OpenAI', 'Microsoft', 'Microsoft', 'Billing Account'),
        ('azure_openai', 'Azure OpenAI', 'Microsoft', 'Microsoft', 'Billing Account'),
        ('google', 'Gemini API', 'Google', 'Google', 'Billing Account'),
        ('gemini', 'Gemini API', 'Google', 'Google', 'Billing Account'),
        ('google-vertex', 'Vertex AI', 'Google Cloud', 'Google Cloud', 'Billing Account'),
        ('google_vertex', 'Vertex AI', 'Google Cloud', 'Google Cloud', 'Billing Account'),
        ('vertex', 'Vertex AI', 'Google Cloud', 'Google Cloud', 'Billing Account'),
        ('mistral', 'Mistral API', 'Mistral AI', 'Mistral AI', 'Organization')
    ) as p (provider, service_name, provider_name, invoice_issuer_name, billing_account_type) -- noqa: AL05
),

grouped as (
    select
        request_date,
        provider,
        model,
        service_tier,
        context_tier,
        token_kind,
        sku_meter,
        tenant_id,
        feature,
        environment,
        app,
        contracted_currency,
        list_currency,
        list_price_id,
        list_price,
        contracted_price_id,
        contracted_price,
        cast(sum(tokens) as decimal(38, 0)) as tokens,
        cast(sum(requests) as bigint) as requests
    from kinds
    group by all
),

priced as (
    select
        g.*,
        cast(g.tokens as decimal(38, 6)) as consumed_quantity,
        cast(g.tokens * 0.000001 as decimal(38, 6)) as pricing_quantity,
        cast(
            case
                when g.list_price is not null and g.list_currency = g.contracted_currency
                    then g.list_price
                else g.contracted_price
            end as decimal(38, 12)
        ) as list_unit_price,
        cast(g.contracted_price as decimal(38, 12)) as contracted_unit_price,
        -- FOCUS makes ListCost non-null: without a list price in the billing currency it repeats
        -- the contracted cost, and x_ListCostDerived says so (fct_cost_lines keeps NULL)
        coalesce(g.list_price is null or g.list_currency <> g.contracted_currency, true)
            as list_cost_derived,
        coalesce(p.service_name, g.provider || ' API') as service_name,
        coalesce(p.provider_name, g.provider) as provider_name,
        coalesce(p.invoice_issuer_name, g.provider) as invoice_issuer_name,
        coalesce(p.billing_account_type, 'Account') as billing_account_type,
        case
            when p.provider_name in ('AWS', 'Microsoft', 'Google Cloud') then
                case
                    when lower(g.model) like '%claude%' or lower(g.model) like 'anthropic.%'
                        then 'Anthropic'
                    when lower(g.model) like 'meta.%' or lower(g.model) like '%llama%' then 'Meta'
                    when lower(g.model) like 'mistral%' then 'Mistral AI'
                    when lower(g.model) like 'cohere.%' then 'Cohere'
                    when lower(g.model) like '%gpt%' or lower(g.model) like 'o_-%'
                        or lower(g.model) like 'openai.%' then 'OpenAI'
                    when lower(g.model) like '%gemini%' then 'Google'
                    else p.provider_name
                end
            else coalesce(p.provider_name, g.provider)
        end as publisher_name
    from grouped as g
    left join providers as p on lower(g.provider) = p.provider
),

costed as (
    select
        *,
        cast(list_unit_price * pricing_quantity as decimal(38, 18)) as list_cost,
        cast(contracted_unit_price * pricing_quantity as decimal(38, 18)) as contracted_cost
    from priced
),

final as (
    select
        cast(null as varchar) as AvailabilityZone,
        c.contracted_cost as BilledCost,
        c.provider || ':default' as BillingAccountId,
        c.provider_name || ' default account' as BillingAccountName,
        c.billing_account_type as BillingAccountType,
        c.contracted_currency as BillingCurrency,
        cast(date_trunc('month', c.request_date) + interval 1 month as timestamp)
            as BillingPeriodEnd,
        cast(date_trunc('month', c.request_date) as timestamp) as BillingPeriodStart,
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,
        'Usage' as ChargeCategory,
        cast(null as varchar) as ChargeClass,
        c.model || ' ' || c.sku_meter || ' (' || c.service_tier || ' tier, '
            || replace(c.context_tier, '_', ' ') || ' context)' as ChargeDescription,
        'Usage-Based' as ChargeFrequency,
        cast(c.request_date + interval 1 day as timestamp) as ChargePeriodEnd,
        cast(c.request_date as timestamp) as ChargePeriodStart,
        cast(null as varchar) as CommitmentDiscountCategory,
        cast(null as varchar) as CommitmentDiscountId,
        cast(null as varchar) as CommitmentDiscountName,
        cast(null as decimal(38, 6)) as CommitmentDiscountQuantity,
        cast(null as varchar) as CommitmentDiscountStatus,
        cast(null as varchar) as CommitmentDiscountType,
        cast(null as varchar) as CommitmentDiscountUnit,
        c.consumed_quantity as ConsumedQuantity,
        'Tokens' as ConsumedUnit,
        c.contracted_cost as ContractedCost,
        c.contracted_unit_price as ContractedUnitPrice,
        c.contracted_cost as EffectiveCost,
        cast(null as varchar) as InvoiceId,
        c.invoice_issuer_name as InvoiceIssuerName,
        c.list_cost as ListCost,
        c.list_unit_price as ListUnitPrice,
        'Standard' as PricingCategory,
        c.contracted_currency as PricingCurrency,
        c.contracted_unit_price as PricingCurrencyContractedUnitPrice,
        c.contracted_cost as PricingCurrencyEffectiveCost,
        c.list_unit_price as PricingCurrencyListUnitPrice,
        c.pricing_quantity as PricingQuantity,
        '1000000 Tokens' as PricingUnit,
        c.provider_name as ProviderName,
        c.publisher_name as PublisherName,
        cast(null as varchar) as RegionId,
        cast(null as varchar) as RegionName,
        cast(null as varchar) as ResourceId,
        cast(null as varchar) as ResourceName,
        cast(null as varchar) as ResourceType,
        'AI and Machine Learning' as ServiceCategory,
        c.service_name as ServiceName,
        'Generative AI' as ServiceSubcategory,
        c.provider || '/' || c.model || '/' || c.token_kind as SkuId,
        c.sku_meter as SkuMeter,
        cast(json_object(
            'x_Provider', c.provider,
            'x_Model', c.model,
            'x_TokenKind', c.token_kind,
            'x_ServiceTier', c.service_tier,
            'x_ContextTier', c.context_tier
        ) as varchar) as SkuPriceDetails,
        c.contracted_price_id as SkuPriceId,
        cast(null as varchar) as SubAccountId,
        cast(null as varchar) as SubAccountName,
        cast(null as varchar) as SubAccountType,
        cast(
            case
                when c.app is null then json_object(
                    'tenant', c.tenant_id, 'feature', c.feature, 'environment', c.environment
                )
                else json_object(
                    'tenant', c.tenant_id, 'feature', c.feature, 'environment', c.environment,
                    'app', c.app
                )
            end as varchar
        ) as Tags,
        c.tenant_id as x_TenantId,
        t.tenant_name as x_TenantName,
        t.business_unit as x_BusinessUnit,
        t.cost_center as x_CostCenter,
        c.feature as x_Feature,
        c.environment as x_Environment,
        c.app as x_App,
        c.provider as x_Provider,
        c.model as x_Model,
        c.token_kind as x_TokenKind,
        c.service_tier as x_ServiceTier,
        c.context_tier as x_ContextTier,
        cast(c.requests as bigint) as x_Requests,
        'estimate' as x_CostSource,
        c.list_cost_derived as x_ListCostDerived
    from costed as c
    left join tenants as t on t.tenant_id = c.tenant_id
)

select * from final
