with

base as (
    select * from {{ ref('base_marketing__touches') }}
),

final as (
    select
        touch_id,
        contact_id,
        touch_type,
        utm_source,
        utm_medium,
        utm_campaign,
        occurred_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
