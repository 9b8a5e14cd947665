{{ config(enabled=revops.adapter_enabled('billing', 'airbyte_stripe')) }}
{#- Stripe subscriptions as Airbyte lands them (live mode) as billing.subscriptions:
    canceled and incomplete_expired are canceled, the other paying states active;
    incomplete (never paid) is not a subscription yet. is_deleted says the subscription
    arrived through customer.subscription.deleted, which Stripe sends when it ends: it is
    canceled, not deleted. The interval is the first item's price's (else the legacy
    plan's), the currency the subscription's. -#}
with

subscriptions as (
    select * from {{ source('airbyte_stripe', 'subscriptions') }}
    where
        coalesce(livemode, true)
        and status <> 'incomplete'
),

intervals as (
    select
        id,
        coalesce(
            {{ revops.json_path_text('items', 'data.0.price.recurring.interval') }},
            {{ revops.json_path_text('plan', 'interval') }}
        ) as recurring_interval,
        coalesce(
            {{ revops.json_path_text('items', 'data.0.price.recurring.interval_count') }},
            {{ revops.json_path_text('plan', 'interval_count') }}
        ) as recurring_interval_count
    from subscriptions
),

final as (
    select
        subscriptions.id as subscription_id,
        subscriptions.customer as customer_id,
        case
            when
                subscriptions.status in ('canceled', 'incomplete_expired')
                or coalesce(subscriptions.is_deleted, false)
                then 'canceled'
            else 'active'
        end as status,
        case
            when intervals.recurring_interval_count = '1' then intervals.recurring_interval
            else
                {{ dbt.concat([
                    'intervals.recurring_interval_count', "' '", 'intervals.recurring_interval'
                ]) }}
        end as billing_interval,
        upper(subscriptions.currency) as currency_code,
        {{ revops.epoch_to_timestamp('subscriptions.start_date') }} as started_at,
        {{ revops.epoch_to_timestamp('subscriptions.canceled_at') }} as cancel_requested_at,
        {{ revops.epoch_to_timestamp('subscriptions.ended_at') }} as ended_at,
        {{ revops.utc_timestamp('subscriptions._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from subscriptions
    inner join intervals on subscriptions.id = intervals.id
)

select * from final
