-- mart_weekly_scorecard: weekly cost and quality per feature, week-over-week, with a freeze_or_rollback flag
-- grain: one row per feature x environment x ISO week (week_start = Monday)
-- materialization: table
with cost_lines as (
    select
        request_id, request_date, feature, environment, action_id, contracted_cost,
        contracted_currency, price_status, accepted, edit_distance, escalated, csat
    from fct_cost_lines
),

feedback as (
    select * from int_feedback_latest
),

settings as (
    select
        max(value) filter (where key = 'scorecard.freeze_cost_rise_pct') as cost_rise_pct,
        max(value) filter (where key = 'scorecard.freeze_acceptance_drop_pts')
            as acceptance_drop_pts,
        max(value) filter (where key = 'scorecard.freeze_min_drop_z') as min_drop_z
    from int_settings_resolved
),

-- late feedback overrides / fills the inline quality fields; the week stays the request's week
requests as (
    select
        c.feature,
        c.environment,
        cast(date_trunc('week', c.request_date) as date) as week_start,
        coalesce(c.action_id, c.request_id) as execution_id,
        c.contracted_cost,
        c.contracted_currency,
        c.price_status,
        coalesce(f.accepted, c.accepted) as accepted,
        coalesce(f.edit_distance, c.edit_distance) as edit_distance,
        coalesce(f.escalated, c.escalated) as escalated,
        coalesce(f.csat, c.csat) as csat,
        f.request_id is not null as has_late_feedback
    from cost_lines as c
    left join feedback as f on f.request_id = c.request_id
),

weekly as (
    select
        feature,
        environment,
        week_start,
        isoyear(week_start) as iso_year,
        week(week_start) as iso_week,
        count(*) as requests,
        count(distinct execution_id) as executions,
        case when count(distinct contracted_currency) <= 1 then min(contracted_currency)
            else 'MIXED' end as currency,
        case when count(distinct contracted_currency) <= 1 then sum(contracted_cost) end
            as contracted_cost,
        count(*) filter (where price_status = 'unpriced') as unpriced_requests,
        count(accepted) as rated_requests,
        avg(case when accepted then 1.0 when not accepted then 0.0 end) as acceptance_rate,
        avg(edit_distance) as mean_edit_distance,
        avg(case when escalated then 1.0 when not escalated then 0.0 end) as escalation_rate,
        avg(csat) as mean_csat,
        count(*) filter (where has_late_feedback) as late_feedback_requests
    from requests
    group by all
),

scored as (
    select
        *,
        contracted_cost * 1000 / nullif(executions, 0) as cost_per_1000_executions
    from weekly
),

compared as (
    select
        cur.*,
        prev.cost_per_1000_executions as prev_cost_per_1000_executions,
        prev.acceptance_rate as prev_acceptance_rate,
        prev.rated_requests as prev_rated_requests,
        (cur.cost_per_1000_executions / nullif(prev.cost_per_1000_executions, 0) - 1) * 100
            as cost_per_execution_change_pct,
        (cur.acceptance_rate - prev.acceptance_rate) * 100 as acceptance_change_pts,
        (cur.mean_edit_distance - prev.mean_edit_distance) as edit_distance_change,
        (cur.escalation_rate - prev.escalation_rate) * 100 as escalation_change_pts,
        (cur.mean_csat - prev.mean_csat) as csat_change
    from scored as cur
    left join scored as prev
        on prev.feature = cur.feature
        and prev.environment = cur.environment
        and prev.week_start = cur.week_start - interval 7 day
        and prev.currency = cur.currency
),

-- two-proportion z of the acceptance change (pooled); NULL when either side has no rating
with_z as (
    select
        *,
        (acceptance_rate - prev_acceptance_rate) / nullif(sqrt(
            pooled * (1 - pooled) * (1.0 / rated_requests + 1.0 / prev_rated_requests)
        ), 0) as acceptance_change_z
    from (
        select
            *,
            (acceptance_rate * rated_requests + prev_acceptance_rate * prev_rated_requests)
            / nullif(rated_requests + prev_rated_requests, 0) as pooled
        from compared
    ) as pooled_rates
),

final as (
    select
        c.week_start,
        c.iso_year,
        c.iso_week,
        c.feature,
        c.environment,
        c.requests,
        c.executions,
        c.currency,
        c.contracted_cost,
        c.unpriced_requests,
        c.cost_per_1000_executions,
        c.rated_requests,
        c.acceptance_rate,
        c.mean_edit_distance,
        c.escalation_rate,
        c.mean_csat,
        c.late_feedback_requests,
        c.prev_cost_per_1000_executions,
        c.prev_acceptance_rate,
        c.cost_per_execution_change_pct,
        c.acceptance_change_pts,
        c.acceptance_change_z,
        c.edit_distance_change,
        c.escalation_change_pts,
        c.csat_change,
        coalesce(
            c.cost_per_execution_change_pct >= s.cost_rise_pct
            and c.acceptance_change_pts <= -s.acceptance_drop_pts
            and coalesce(c.acceptance_change_z <= -s.min_drop_z, s.min_drop_z <= 0),
            false
        ) as freeze_or_rollback
    from with_z as c
    cross join settings as s
)

select * from final
