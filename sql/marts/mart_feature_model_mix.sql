-- mart_feature_model_mix: each feature's monthly spend by model, the share on expensive models and extractive features on expensive models
-- grain: one row per feature x environment x month x provider x model used
-- materialization: table
-- Expensive: on the request day, the model's output list price (standard tier or '*', base
-- context tier) is >= routing.expensive_output_price_multiple x the cheapest positive output list
-- price among the candidate models of dim_prices that day. Feature kinds come from dim_features
-- ('unclassified' when absent).
with cost_lines as (
    select request_date, feature, environment, provider, model, input_tokens, output_tokens,
        list_cost, contracted_cost, contracted_currency, price_status
    from fct_cost_lines
    where price_status <> 'no_provider_call'
),

features as (
    select feature, kind from dim_features
),

settings as (
    select max(value) filter (where key = 'routing.expensive_output_price_multiple') as multiple
    from int_settings_resolved
),

days as (
    select distinct request_date as day from cost_lines
),

output_prices as (
    select
        d.day, p.provider, p.model,
        arg_max(p.unit_price, p.service_tier = 'standard') as output_list_price
    from days as d
    inner join dim_prices as p
        on p.valid_from <= d.day
        and (p.valid_to is null or p.valid_to > d.day)
        and p.price_type = 'list'
        and p.token_kind = 'output'
        and p.min_input_tokens = 0
        and p.service_tier in ('standard', '*')
    group by all
),

cheapest as (
    select
        day,
        min(output_list_price) as cheapest_output_list_price,
        arg_min(provider || '/' || model, (output_list_price, provider, model))
            as cheapest_model
    from output_prices
    where output_list_price > 0
    group by day
),

usage as (
    select
        feature, environment, request_date, provider, model,
        count(*) as requests,
        count(*) filter (where price_status = 'unpriced') as unpriced_requests,
        sum(input_tokens + output_tokens) as tokens,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        min(contracted_currency) as currency
    from cost_lines
    group by all
),

daily as (
    select
        u.feature, u.environment,
        cast(date_trunc('month', u.request_date) as date) as month_start,
        u.request_date, u.provider, u.model, u.requests, u.unpriced_requests, u.tokens,
        u.list_cost, u.contracted_cost, u.currency,
        o.output_list_price,
        ch.cheapest_output_list_price,
        ch.cheapest_model,
        coalesce(o.output_list_price >= s.multiple * ch.cheapest_output_list_price, false)
            as is_expensive_day
    from usage as u
    left join output_prices as o
        on o.day = u.request_date and o.provider = u.provider and o.model = u.model
    left join cheapest as ch on ch.day = u.request_date
    cross join settings as s
),

monthly as (
    select
        feature, environment, month_start, provider, model,
        cast(sum(requests) as bigint) as requests,
        cast(sum(unpriced_requests) as bigint) as unpriced_requests,
        cast(sum(tokens) as bigint) as tokens,
        min(currency) as currency,
        cast(sum(list_cost) as decimal(38, 18)) as list_cost,
        cast(sum(contracted_cost) as decimal(38, 18)) as contracted_cost,
        cast(coalesce(sum(contracted_cost) filter (where is_expensive_day), 0)
            as decimal(38, 18)) as expensive_contracted_cost,
        bool_or(is_expensive_day) as is_expensive,
        arg_max(output_list_price, request_date) as output_list_price,
        arg_max(cheapest_output_list_price, request_date) as cheapest_output_list_price,
        arg_max(cheapest_model, request_date) as cheapest_model
    from daily
    group by all
),

shared as (
    select
        m.*,
        coalesce(f.kind, 'unclassified') as feature_kind,
        cast(sum(m.contracted_cost) over feature_month as decimal(38, 18))
            as feature_contracted_cost,
        m.contracted_cost / nullif(sum(m.contracted_cost) over feature_month, 0)
            as share_of_feature_spend,
        sum(m.expensive_contracted_cost) over feature_month
            / nullif(sum(m.contracted_cost) over feature_month, 0)
            as feature_expensive_spend_share,
        m.output_list_price / nullif(m.cheapest_output_list_price, 0)
            as output_price_multiple
    from monthly as m
    left join features as f on f.feature = m.feature
    window feature_month as (partition by m.feature, m.environment, m.month_start)
),

final as (
    select
        month_start,
        feature,
        environment,
        feature_kind,
        provider,
        model,
        requests,
        unpriced_requests,
        tokens,
        currency,
        list_cost,
        contracted_cost,
        feature_contracted_cost,
        share_of_feature_spend,
        expensive_contracted_cost,
        feature_expensive_spend_share,
        output_list_price,
        cheapest_output_list_price,
        cheapest_model,
        output_price_multiple,
        is_expensive,
        is_expensive and feature_kind = 'extractive' as extractive_on_expensive_model,
        case when is_expensive then
            feature_kind || ' feature; ' || provider || '/' || model || ' output list price is '
            || cast(round(output_price_multiple, 1) as varchar) || 'x the cheapest candidate ('
            || cheapest_model || ')'
            || case when feature_kind = 'extractive'
                then ': extractive work rarely needs it, see mart_routing_whatif' else '' end
        end as expensive_reason
    from shared
)

select * from final
