-- int_feedback_latest: late quality feedback per known request, latest event_time wins per field
-- grain: one row per request_id that has usable feedback and exists in stg_requests
-- materialization: table
with feedback as (
    select *
    from stg_feedback
    where is_known_request
),

final as (
    select
        request_id,
        count(*) as feedback_events,
        max(event_time) as last_feedback_time,
        last(accepted order by event_time, source_file, source_line)
            filter (where accepted is not null) as accepted,
        last(edit_distance order by event_time, source_file, source_line)
            filter (where edit_distance is not null) as edit_distance,
        last(escalated order by event_time, source_file, source_line)
            filter (where escalated is not null) as escalated,
        last(csat order by event_time, source_file, source_line)
            filter (where csat is not null) as csat
    from feedback
    group by request_id
)

select * from final
