{{ config(enabled=revops.adapter_enabled('billing', 'fivetran_stripe')) }}
{#- Stripe subscriptions (the current version in subscription_history, live mode) as
    billing.subscriptions: canceled and incomplete_expired are canceled, the other paying
    states active; incomplete (never paid) is not a subscription yet. The interval and
    currency are the first item's price's. -#}
with

subscriptions as (
    select * from {{ source('fivetran_stripe', 'subscription_history') }}
    where
        coalesce(_fivetran_active, true)
        and coalesce(livemode, true)
        and status <> 'incomplete'
),

items as (
    select * from {{ source('fivetran_stripe', 'subscription_item') }}
),

prices as (
    select * from {{ source('fivetran_stripe', 'price') }}
),

first_price as (
    select
        items.subscription_id,
        min(
            case
                when prices.recurring_interval_count = 1 then prices.recurring_interval
                else
                    {{ dbt.concat([
                        revops.id_text('prices.recurring_interval_count'),
                        "' '",
                        'prices.recurring_interval'
                    ]) }}
            end
        ) as billing_interval,
        min(upper(prices.currency)) as currency_code
    from items
    inner join prices on items.plan_id = prices.id
    group by items.subscription_id
),

final as (
    select
        subscriptions.id as subscription_id,
        subscriptions.customer_id,
        first_price.billing_interval,
        first_price.currency_code,
        subscriptions.start_date as started_at,
        subscriptions.canceled_at as cancel_requested_at,
        subscriptions.ended_at,
        subscriptions._fivetran_synced as _loaded_at,
        false as _deleted,
        case
            when subscriptions.status in ('canceled', 'incomplete_expired') then 'canceled'
            else 'active'
        end as status
    from subscriptions
    left join first_price on subscriptions.id = first_price.subscription_id
)

select * from final
