-- int_usage_cells_aggregated: logged usage per allocation cell (tenant x feature x environment x model x token kind x day), priced at list and contracted prices; what invoices are allocated to
-- grain: one row per charge_date x tenant_id x feature x environment x provider x model x token_kind x currency with tokens > 0
-- materialization: partitioned(charge_date)
-- Token kinds are the five disjoint billed kinds of fct_cost_lines. Costs are exact sums
-- (DECIMAL(38,18)); an unpriced kind keeps NULL costs (the allocation weighs it 0, or by tokens
-- when a whole level is unpriced). App-cache hits have no provider tokens and drop out.
with

cost_lines as (
    select
        request_date, tenant_id, feature, environment, provider, model,
        coalesce(contracted_currency, list_currency) as currency,
        input_uncached_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
        output_tokens,
        list_cost_input, list_cost_cache_read, list_cost_cache_write, list_cost_cache_write_1h,
        list_cost_output,
        contracted_cost_input, contracted_cost_cache_read, contracted_cost_cache_write,
        contracted_cost_cache_write_1h, contracted_cost_output
    from fct_cost_lines
    where request_date >= $start_date and request_date < $end_date
        and price_status <> 'no_provider_call'
),

by_kind as (
    select
        request_date, tenant_id, feature, environment, provider, model, currency,
        'input' as token_kind, input_uncached_tokens as tokens,
        list_cost_input as list_cost, contracted_cost_input as contracted_cost
    from cost_lines
    union all
    select
        request_date, tenant_id, feature, environment, provider, model, currency,
        'cache_read' as token_kind, cache_read_tokens as tokens,
        list_cost_cache_read as list_cost, contracted_cost_cache_read as contracted_cost
    from cost_lines
    union all
    select
        request_date, tenant_id, feature, environment, provider, model, currency,
        'cache_write' as token_kind, cache_write_5m_tokens as tokens,
        list_cost_cache_write as list_cost, contracted_cost_cache_write as contracted_cost
    from cost_lines
    union all
    select
        request_date, tenant_id, feature, environment, provider, model, currency,
        'cache_write_1h' as token_kind, cache_write_1h_tokens as tokens,
        list_cost_cache_write_1h as list_cost, contracted_cost_cache_write_1h as contracted_cost
    from cost_lines
    union all
    select
        request_date, tenant_id, feature, environment, provider, model, currency,
        'output' as token_kind, output_tokens as tokens,
        list_cost_output as list_cost, contracted_cost_output as contracted_cost
    from cost_lines
),

final as (
    select
        request_date as charge_date,
        tenant_id,
        feature,
        environment,
        provider,
        model,
        token_kind,
        cast(sum(tokens) as bigint) as tokens,
        count(*) as requests,
        cast(sum(list_cost) as decimal(38, 18)) as list_cost,
        cast(sum(contracted_cost) as decimal(38, 18)) as contracted_cost,
        currency
    from by_kind
    where tokens > 0
    group by all
)

select * from final
