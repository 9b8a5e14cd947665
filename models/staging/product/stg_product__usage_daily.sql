with

base as (
    select * from {{ ref('base_product__usage_daily') }}
),

final as (
    select
        usage_id,
        customer_id,
        usage_date,
        active_user_count,
        event_count,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
