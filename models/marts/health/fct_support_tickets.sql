{#- One row per support ticket, with its account (and how it was matched), first response
    and resolution times (seconds), and whether each met its SLA (definitions: health.
    support_sla_hours by priority). A ticket still waiting past its target has missed it;
    one still within it is null (not decided yet). -#}
{%- set sla = revops.definition('health.support_sla_hours') -%}

with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

matched as (
    select * from {{ ref('int_support_tickets_matched') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

measured as (
    select
        tickets.*,
        matched.account_id,
        matched.match_method,
        as_of.as_of_at,
        {{ revops.datediff('tickets.opened_at', 'tickets.first_response_at', 'second') }}
            as first_response_seconds,
        {{ revops.datediff('tickets.opened_at', 'tickets.solved_at', 'second') }}
            as resolution_seconds,
        {{ revops.datediff('tickets.opened_at', 'as_of.as_of_at', 'second') }}
            as open_seconds,
        {{ revops.hours_by_priority('tickets.priority', sla.first_response) }}
            as first_response_sla_hours,
        {{ revops.hours_by_priority('tickets.priority', sla.resolution) }}
            as resolution_sla_hours
    from tickets
    cross join as_of
    left join matched
        on tickets.ticket_id = matched.ticket_id
),

final as (
    select
        ticket_id,
        account_id,
        match_method,
        priority,
        channel,
        status,
        opened_at,
        cast(opened_at as date) as opened_date,
        cast({{ dbt.date_trunc('week', 'opened_at') }} as date) as opened_week_start_date,
        first_response_at,
        solved_at,
        first_response_seconds,
        resolution_seconds,
        first_response_sla_hours,
        resolution_sla_hours,
        case
            when first_response_at is not null
                then first_response_seconds <= first_response_sla_hours * 3600
            when open_seconds > first_response_sla_hours * 3600 then false
        end as is_first_response_sla_met,
        case
            when solved_at is not null then resolution_seconds <= resolution_sla_hours * 3600
            when open_seconds > resolution_sla_hours * 3600 then false
        end as is_resolution_sla_met,
        csat_score
    from measured
)

select * from final
