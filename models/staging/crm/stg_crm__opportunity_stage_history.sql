with

base as (
    select * from {{ ref('base_crm__opportunity_stage_history') }}
),

final as (
    select
        history_id,
        opportunity_id,
        stage_name,
        changed_by_user_id,
        entered_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
