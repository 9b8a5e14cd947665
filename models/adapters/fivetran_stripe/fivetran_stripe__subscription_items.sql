{{ config(enabled=revops.adapter_enabled('billing', 'fivetran_stripe')) }}
{#- Stripe subscription items as billing.subscription_items, in their current state (the
    connector keeps no history of an item's price or quantity): priced from their price,
    from their creation to their subscription's end. -#}
with

items as (
    select * from {{ source('fivetran_stripe', 'subscription_item') }}
),

prices as (
    select * from {{ source('fivetran_stripe', 'price') }}
),

subscriptions as (
    select * from {{ source('fivetran_stripe', 'subscription_history') }}
    where coalesce(_fivetran_active, true)
),

final as (
    select
        items.id as subscription_item_id,
        items.subscription_id,
        coalesce(prices.nickname, prices.id) as plan_code,
        {{ revops.minor_to_major('prices.unit_amount', 'prices.currency') }} as unit_amount,
        cast(items.quantity as integer) as quantity,
        upper(prices.currency) as currency_code,
        items.created as started_at,
        subscriptions.ended_at,
        items._fivetran_synced as _loaded_at,
        false as _deleted
    from items
    left join prices on items.plan_id = prices.id
    left join subscriptions on items.subscription_id = subscriptions.id
)

select * from final
