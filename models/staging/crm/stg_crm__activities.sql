with

base as (
    select * from {{ ref('base_crm__activities') }}
),

final as (
    select
        activity_id,
        contact_id,
        account_id,
        opportunity_id,
        user_id,
        activity_type,
        direction,
        outcome,
        occurred_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
