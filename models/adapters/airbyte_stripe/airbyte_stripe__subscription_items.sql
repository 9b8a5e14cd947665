{{ config(enabled=revops.adapter_enabled('billing', 'airbyte_stripe')) }}
{#- Stripe subscription items as Airbyte lands them as billing.subscription_items, in their
    current state (Stripe changes an item in place): priced from their price object, from
    their creation to their subscription's end. -#}
with

items as (
    select
        *,
        {{ revops.json_path_text('price', 'id') }} as price_id,
        {{ revops.json_path_text('price', 'nickname') }} as price_nickname,
        {{ revops.json_path_text('price', 'unit_amount') }} as price_unit_amount,
        {{ revops.json_path_text('price', 'currency') }} as price_currency
    from {{ source('airbyte_stripe', 'subscription_items') }}
),

subscriptions as (
    select * from {{ source('airbyte_stripe', 'subscriptions') }}
),

final as (
    select
        items.id as subscription_item_id,
        items.subscription as subscription_id,
        coalesce(items.price_nickname, items.price_id) as plan_code,
        {{ revops.minor_to_major('items.price_unit_amount', 'items.price_currency') }}
            as unit_amount,
        cast(items.quantity as integer) as quantity,
        upper(items.price_currency) as currency_code,
        {{ revops.epoch_to_timestamp('items.created') }} as started_at,
        {{ revops.epoch_to_timestamp('subscriptions.ended_at') }} as ended_at,
        {{ revops.utc_timestamp('items._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from items
    left join subscriptions on items.subscription = subscriptions.id
)

select * from final
