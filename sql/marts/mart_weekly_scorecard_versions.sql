-- mart_weekly_scorecard_versions: weekly cost and quality per prompt version and model, against its own previous week (or the feature's, in its first week)
-- grain: one row per feature x environment x prompt_version x provider x model x ISO week
-- materialization: table
-- Baseline: the same version and model the week before; for a version/model new that week, the
-- feature's previous week (all versions), so a new prompt version is judged against what it
-- replaced. Comparing a model to the feature-wide mix would flag every pricier model every week.
with cost_lines as (
    select
        request_id, request_date, feature, environment, prompt_version, provider, model,
        action_id, contracted_cost, contracted_currency, price_status, accepted,
        edit_distance, escalated, csat
    from fct_cost_lines
),

feedback as (
    select * from int_feedback_latest
),

feature_weeks as (
    select
        feature, environment, week_start, currency, executions, cost_per_1000_executions,
        acceptance_rate, rated_requests
    from mart_weekly_scorecard
),

settings as (
    select
        max(value) filter (where key = 'scorecard.freeze_cost_rise_pct') as cost_rise_pct,
        max(value) filter (where key = 'scorecard.freeze_acceptance_drop_pts')
            as acceptance_drop_pts,
        max(value) filter (where key = 'scorecard.freeze_min_drop_z') as min_drop_z
    from int_settings_resolved
),

requests as (
    select
        c.feature,
        c.environment,
        coalesce(c.prompt_version, '(none)') as prompt_version,
        c.provider,
        c.model,
        cast(date_trunc('week', c.request_date) as date) as week_start,
        coalesce(c.action_id, c.request_id) as execution_id,
        c.contracted_cost,
        c.contracted_currency,
        c.price_status,
        coalesce(f.accepted, c.accepted) as accepted,
        coalesce(f.edit_distance, c.edit_distance) as edit_distance,
        coalesce(f.escalated, c.escalated) as escalated,
        coalesce(f.csat, c.csat) as csat
    from cost_lines as c
    left join feedback as f on f.request_id = c.request_id
),

weekly as (
    select
        feature,
        environment,
        prompt_version,
        provider,
        model,
        week_start,
        isoyear(week_start) as iso_year,
        week(week_start) as iso_week,
        min(week_start) over (
            partition by feature, environment, prompt_version, provider, model
        ) as first_week_start,
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
        avg(csat) as mean_csat
    from requests
    group by feature, environment, prompt_version, provider, model, week_start
),

scored as (
    select
        *,
        contracted_cost * 1000 / nullif(executions, 0) as cost_per_1000_executions
    from weekly
),

compared as (
    select
        v.*,
        v.executions / nullif(cur.executions, 0) as share_of_feature_executions,
        case when prev.week_start is not null then 'same_version_previous_week'
            when base.week_start is not null then 'feature_previous_week'
        end as baseline,
        case when prev.week_start is not null then prev.cost_per_1000_executions
            else base.cost_per_1000_executions end as baseline_cost_per_1000_executions,
        case when prev.week_start is not null then prev.acceptance_rate
            else base.acceptance_rate end as baseline_acceptance_rate,
        case when prev.week_start is not null then prev.rated_requests
            else base.rated_requests end as baseline_rated_requests
    from scored as v
    left join feature_weeks as cur
        on cur.feature = v.feature
        and cur.environment = v.environment
        and cur.week_start = v.week_start
    left join scored as prev
        on prev.feature = v.feature
        and prev.environment = v.environment
        and prev.prompt_version = v.prompt_version
        and prev.provider = v.provider
        and prev.model = v.model
        and prev.currency = v.currency
        and prev.week_start = v.week_start - interval 7 day
    left join feature_weeks as base
        on base.feature = v.feature
        and base.environment = v.environment
        and base.week_start = v.week_start - interval 7 day
        and base.currency = v.currency
),

-- two-proportion z of the acceptance change (pooled); NULL when either side has no rating
with_z as (
    select
        *,
        (acceptance_rate - baseline_acceptance_rate) / nullif(sqrt(
            pooled * (1 - pooled) * (1.0 / rated_requests + 1.0 / baseline_rated_requests)
        ), 0) as acceptance_change_z
    from (
        select
            *,
            (acceptance_rate * rated_requests
                + baseline_acceptance_rate * baseline_rated_requests)
            / nullif(rated_requests + baseline_rated_requests, 0) as pooled
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
        c.prompt_version,
        c.provider,
        c.model,
        c.first_week_start,
        c.requests,
        c.executions,
        c.share_of_feature_executions,
        c.currency,
        c.contracted_cost,
        c.unpriced_requests,
        c.cost_per_1000_executions,
        c.rated_requests,
        c.acceptance_rate,
        c.mean_edit_distance,
        c.escalation_rate,
        c.mean_csat,
        c.baseline,
        c.baseline_cost_per_1000_executions,
        c.baseline_acceptance_rate,
        (c.cost_per_1000_executions / nullif(c.baseline_cost_per_1000_executions, 0) - 1) * 100
            as cost_per_execution_change_pct,
        (c.acceptance_rate - c.baseline_acceptance_rate) * 100 as acceptance_change_pts,
        c.acceptance_change_z,
        coalesce(
            (c.cost_per_1000_executions / nullif(c.baseline_cost_per_1000_executions, 0) - 1)
            * 100 >= s.cost_rise_pct
            and (c.acceptance_rate - c.baseline_acceptance_rate) * 100 <= -s.acceptance_drop_pts
            and coalesce(c.acceptance_change_z <= -s.min_drop_z, s.min_drop_z <= 0),
            false
        ) as freeze_or_rollback
    from with_z as c
    cross join settings as s
)

select * from final
