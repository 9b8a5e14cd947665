with

base as (
    select * from {{ ref('base_billing__subscription_items') }}
),

final as (
    select
        subscription_item_id,
        subscription_id,
        plan_code,
        unit_amount,
        quantity,
        currency_code,
        started_at,
        ended_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
