-- mart_feature_unit_costs: the cost of one unit of value per feature and month (cost per accepted output)
-- grain: one row per environment x month x feature (month = first day, UTC request_date)
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'.
-- Unit of value = one accepted output: a request whose accepted flag is true (the user kept the
-- suggestion / the triage was not overridden). cost_per_accepted_output = ALL contracted_cost of the
-- feature in the month (rejected, unrated, failed and blocked requests included: they are the price
-- of getting the accepted ones) / accepted_requests; NULL when nothing was accepted.
-- acceptance_rate = accepted_requests / rated_requests (requests with a non-NULL accepted flag).
-- Money is exact DECIMAL(38,18) in the contracted currency over requests with a known cost
-- (unpriced_requests are left out, never 0; NULL when all are unpriced); ratios are DOUBLE.
-- allocated_cost: NULL until the invoice allocation exists (see mart_unit_economics).
with

cost_lines as (
    select
        request_date,
        environment,
        tenant_id,
        feature,
        accepted,
        price_status,
        list_cost,
        contracted_cost,
        contracted_currency
    from fct_cost_lines
),

monthly as (
    select
        environment,
        cast(date_trunc('month', request_date) as date) as month,
        feature,
        count(distinct tenant_id) as tenants,
        count(*) as requests,
        count(*) filter (where accepted is not null) as rated_requests,
        count(*) filter (where accepted) as accepted_requests,
        count(*) filter (where price_status = 'unpriced') as unpriced_requests,
        count(*) filter (where price_status <> 'unpriced') as known_cost_requests,
        coalesce(sum(list_cost) filter (where price_status <> 'unpriced'), 0) as list_cost_known,
        coalesce(
            sum(contracted_cost) filter (where price_status <> 'unpriced'), 0
        ) as contracted_cost_known,
        min(contracted_currency) as currency
    from cost_lines
    group by all
),

final as (
    select
        environment,
        month,
        feature,
        tenants,
        requests,
        rated_requests,
        accepted_requests,
        case when rated_requests > 0
            then cast(accepted_requests as double) / rated_requests
        end as acceptance_rate,
        unpriced_requests,
        cast(
            case when known_cost_requests > 0 then list_cost_known end as decimal(38, 18)
        ) as list_cost,
        cast(
            case when known_cost_requests > 0 then contracted_cost_known end as decimal(38, 18)
        ) as contracted_cost,
        cast(null as decimal(38, 18)) as allocated_cost,
        currency,
        case when known_cost_requests > 0
            then cast(contracted_cost_known as double) / requests
        end as cost_per_request,
        case when known_cost_requests > 0 and accepted_requests > 0
            then cast(contracted_cost_known as double) / accepted_requests
        end as cost_per_accepted_output
    from monthly
)

select * from final
