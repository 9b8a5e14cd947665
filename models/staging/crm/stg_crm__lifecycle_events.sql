with

base as (
    select * from {{ ref('base_crm__lifecycle_events') }}
),

final as (
    select
        event_id,
        contact_id,
        event_type,
        event_detail,
        score,
        sales_rejection_reason,
        user_id,
        occurred_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
