-- mart_unit_economics: what each tenant's use of each feature costs per month, per request, conversation and action
-- grain: one row per environment x month x tenant_id x feature (month = first day, UTC request_date)
-- materialization: table
--
-- Production is the default view: filter environment = 'prod'; figures never mix environments.
-- Money (list_cost, contracted_cost, allocated_cost) is exact DECIMAL(38,18) in the contracted
-- currency (column currency); it sums requests whose cost is known (priced, or no_provider_call =
-- 0). Requests whose price is unknown are counted in unpriced_requests and left out of the money,
-- never counted as 0; money is NULL when every request of the row is unpriced.
-- conversations = distinct session_id, a request without session_id being a conversation of one;
-- actions = distinct action_id, a request without action_id being an action of one. A session or
-- action spanning two months counts in both.
-- Ratios (cost_per_*) are DOUBLE: derived, not summable; re-derive them from the money columns.
-- allocated_cost: the share of vendor invoices allocated to the row (fct_allocated_costs), by the
-- month the usage happened, in the row's currency; NULL until that month's invoices arrive.
-- Allocations billed in another currency (e.g. a EUR cloud invoice) stay in fct_allocated_costs
-- and the chargeback, never summed into a USD figure here.
with

cost_lines as (
    select
        request_id,
        request_date,
        environment,
        tenant_id,
        feature,
        session_id,
        action_id,
        price_status,
        list_cost,
        contracted_cost,
        contracted_currency
    from fct_cost_lines
),

allocated as (
    -- invoice-allocated cost by the month the usage happened (corrections land in their month)
    select
        cast(date_trunc('month', charge_date) as date) as month,
        tenant_id,
        feature,
        environment,
        billing_currency,
        sum(allocated_cost) as allocated_cost
    from fct_allocated_costs
    group by all
),

monthly as (
    select
        environment,
        cast(date_trunc('month', request_date) as date) as month,
        tenant_id,
        feature,
        count(*) as requests,
        count(distinct session_id) + count(*) filter (where session_id is null) as conversations,
        count(distinct action_id) + count(*) filter (where action_id is null) as actions,
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
        monthly.environment,
        monthly.month,
        monthly.tenant_id,
        monthly.feature,
        monthly.requests,
        monthly.conversations,
        monthly.actions,
        monthly.unpriced_requests,
        cast(
            case when monthly.known_cost_requests > 0 then monthly.list_cost_known end
            as decimal(38, 18)
        ) as list_cost,
        cast(
            case when monthly.known_cost_requests > 0 then monthly.contracted_cost_known end
            as decimal(38, 18)
        ) as contracted_cost,
        cast(allocated.allocated_cost as decimal(38, 18)) as allocated_cost,
        monthly.currency,
        case when monthly.known_cost_requests > 0
            then cast(monthly.contracted_cost_known as double) / monthly.requests
        end as cost_per_request,
        case when monthly.known_cost_requests > 0
            then cast(monthly.contracted_cost_known as double) / monthly.conversations
        end as cost_per_conversation,
        case when monthly.known_cost_requests > 0
            then cast(monthly.contracted_cost_known as double) * 1000 / monthly.actions
        end as cost_per_1000_actions
    from monthly
    left join allocated
        on allocated.month = monthly.month
        and allocated.tenant_id = monthly.tenant_id
        and allocated.feature = monthly.feature
        and allocated.environment = monthly.environment
        and allocated.billing_currency = monthly.currency
)

select * from final
