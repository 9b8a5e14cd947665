with

base as (
    select * from {{ ref('base_billing__subscriptions') }}
),

final as (
    select
        subscription_id,
        customer_id,
        status,
        billing_interval,
        currency_code,
        started_at,
        cancel_requested_at,
        ended_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
