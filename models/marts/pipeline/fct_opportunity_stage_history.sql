{#- One row per stage an opportunity entered, with when it left it. Stages are ordered by
    the stage map (seeds/opportunity_stages.csv), not by timestamp, so an out-of-order
    timestamp shows up as is_out_of_order instead of reshuffling the deal's history. -#}
with

history as (
    select * from {{ ref('int_crm__opportunity_stage_history_validated') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

opportunities as (
    select * from {{ ref('int_crm__opportunities_validated') }}
),

as_of as (
    select max(_loaded_at) as as_of_at from opportunities
),

ordered as (
    select
        history.history_id,
        history.opportunity_id,
        history.stage_name,
        history.changed_by_user_id,
        history.entered_at,
        cast(stages.stage_order as integer) as stage_order,
        coalesce(stages.is_closed, false) as is_closed_stage,
        lead(history.entered_at) over (
            partition by history.opportunity_id
            order by stages.stage_order, history.entered_at
        ) as next_entered_at,
        lag(history.entered_at) over (
            partition by history.opportunity_id
            order by stages.stage_order, history.entered_at
        ) as previous_entered_at
    from history
    left join stages
        on history.stage_name = stages.stage_name
),

final as (
    select
        ordered.history_id,
        ordered.opportunity_id,
        ordered.stage_name,
        ordered.stage_order,
        ordered.changed_by_user_id,
        ordered.entered_at,
        ordered.next_entered_at as exited_at,
        ordered.is_closed_stage,
        not ordered.is_closed_stage and ordered.next_entered_at is null as is_current_stage,
        coalesce(ordered.entered_at < ordered.previous_entered_at, false)
        or coalesce(ordered.next_entered_at < ordered.entered_at, false) as is_out_of_order,
        case
            when ordered.is_closed_stage then null
            when coalesce(ordered.next_entered_at < ordered.entered_at, false) then null
            else cast(
                {{ revops.datediff(
                    'ordered.entered_at',
                    'coalesce(ordered.next_entered_at, as_of.as_of_at)',
                    'second'
                ) }} / {{ revops.seconds_per('day') }} as {{ revops.type_double() }}
            )
        end as days_in_stage,
        as_of.as_of_at
    from ordered
    cross join as_of
)

select * from final
