-- int_settings_resolved: mart thresholds, costline_settings(key, value) over the documented defaults
-- grain: one row per setting key
-- materialization: table
with defaults as (
    select *
    from (
        values
            ('routing.expensive_output_price_multiple', 4.0,
             'a model is expensive when its output list price is >= this multiple of the cheapest candidate'), -- noqa: LT05
            ('budget.default_soft_threshold', 0.8,
             'documentation only: dim_budgets fills an empty soft_threshold with 0.8'),
            ('anomaly.min_robust_z', 5.0,
             'spike: robust z of the day vs the previous 14 days must reach this'),
            ('anomaly.min_ratio', 3.0,
             'spike: day value must be >= this multiple of the baseline median'),
            ('anomaly.medium_ratio', 6.0, 'spike severity medium from this multiple of the median'),
            ('anomaly.high_ratio', 10.0, 'spike severity high from this multiple of the median'),
            ('anomaly.min_baseline_days', 7.0,
             'days of history needed before a day can be a spike'),
            ('runaway.p99_multiple', 2.0,
             'runaway session: requests or tokens above this multiple of the feature p99'),
            ('runaway.medium_multiple', 5.0, 'runaway severity medium from this multiple of p99'),
            ('runaway.high_multiple', 10.0, 'runaway severity high from this multiple of p99'),
            ('runaway.min_sessions', 20.0, 'sessions a feature needs before its p99 is trusted'),
            ('runaway.min_requests', 3.0,
             'a runaway session is a loop: it needs at least this many requests'),
            ('scorecard.freeze_cost_rise_pct', 20.0,
             'freeze_or_rollback: cost per execution up by at least this many percent'),
            ('scorecard.freeze_acceptance_drop_pts', 5.0,
             'freeze_or_rollback: acceptance rate down by at least this many points'),
            ('scorecard.freeze_min_drop_z', 3.0,
             'freeze_or_rollback: the acceptance drop must be significant (two-proportion z <= -this; 0 = off)') -- noqa: LT05
    ) as t (key, default_value, meaning) -- noqa: AL05
),

overrides as (
    select key, try_cast(value as double) as value
    from costline_settings
),

final as (
    select
        d.key,
        coalesce(o.value, d.default_value) as value,
        d.default_value,
        o.value is not null as overridden,
        d.meaning
    from defaults as d
    left join overrides as o on o.key = d.key
)

select * from final
