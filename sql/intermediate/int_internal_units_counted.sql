-- int_internal_units_counted: production units per day, tenant and feature, for internal prices
-- grain: one row per request_date x tenant_id x feature (environment = 'prod' only)
-- materialization: partitioned(request_date)
--
-- requests: every production request (app-cache hits included: the feature served them);
-- accepted_outputs: requests whose accepted flag is true; tokens: input + output tokens.
with

cost_lines as (
    select request_date, tenant_id, feature, accepted, input_tokens, output_tokens
    from fct_cost_lines
    where environment = 'prod' and request_date >= $start_date and request_date < $end_date
),

final as (
    select
        request_date,
        tenant_id,
        feature,
        count(*) as requests,
        count(*) filter (where accepted) as accepted_outputs,
        cast(coalesce(sum(input_tokens + output_tokens), 0) as bigint) as tokens
    from cost_lines
    group by all
)

select * from final
