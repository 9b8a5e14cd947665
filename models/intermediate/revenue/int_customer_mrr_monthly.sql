{#- MRR per billing customer at the end of every month, from the first month the customer
    exists to the last closed month, in the customer's billing currency. An item is active
    at the month's last instant when started_at < next month's start <= ended_at (or no
    ended_at). MRR = sum of unit_amount x quantity, / 12 for yearly items, rounded once per
    customer-month, half up, to the cent. -#}
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('int_billing__subscriptions_validated') }}
),

items as (
    select * from {{ ref('int_billing__subscription_items_validated') }}
),

days as (
    select * from {{ ref('int_revenue_days') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

-- Closed months only: a month in progress at the as-of has no end to read MRR at yet.
months as (
    select distinct
        days.month_start_date,
        cast({{ dbt.dateadd('month', 1, 'days.month_start_date') }} as date)
            as next_month_start_date
    from days
    cross join as_of
    where days.month_start_date <= as_of.last_closed_month_start_date
),

priced_items as (
    select
        subscriptions.customer_id,
        items.subscription_id,
        items.subscription_item_id,
        items.currency_code,
        items.started_at,
        items.ended_at,
        {{ revops.to_cents('items.unit_amount * items.quantity') }}
        * case when subscriptions.billing_interval = 'year' then 1 else 12 end
            as twelfths_cents
    from items
    inner join subscriptions
        on items.subscription_id = subscriptions.subscription_id
),

customer_starts as (
    select
        customers.customer_id,
        customers.currency_code as default_currency_code,
        cast(
            {{ dbt.date_trunc(
                'month',
                'least(customers.created_at, coalesce(min(priced_items.started_at), customers.created_at))'
            ) }} as date
        ) as first_month_start_date
    from customers
    left join priced_items
        on customers.customer_id = priced_items.customer_id
    group by
        customers.customer_id,
        customers.currency_code,
        customers.created_at
),

customer_months as (
    select
        customer_starts.customer_id,
        customer_starts.default_currency_code,
        months.month_start_date,
        months.next_month_start_date
    from customer_starts
    inner join months
        on customer_starts.first_month_start_date <= months.month_start_date
),

active_items as (
    select
        customer_months.customer_id,
        customer_months.month_start_date,
        count(distinct priced_items.subscription_id) as active_subscription_count,
        count(*) as active_item_count,
        count(distinct priced_items.currency_code) as active_currency_count,
        min(priced_items.currency_code) as currency_code,
        sum(priced_items.twelfths_cents) as twelfths_cents
    from customer_months
    inner join priced_items
        on
            customer_months.customer_id = priced_items.customer_id
            and customer_months.next_month_start_date > priced_items.started_at
            and (
                priced_items.ended_at is null
                or customer_months.next_month_start_date <= priced_items.ended_at
            )
    group by
        customer_months.customer_id,
        customer_months.month_start_date
),

final as (
    select
        customer_months.customer_id,
        customer_months.month_start_date,
        coalesce(active_items.currency_code, customer_months.default_currency_code)
            as currency_code,
        {{ revops.cents_twelfths_to_money('coalesce(active_items.twelfths_cents, 0)') }}
            as mrr_amount,
        coalesce(active_items.active_subscription_count, 0) as active_subscription_count,
        coalesce(active_items.active_item_count, 0) as active_item_count,
        coalesce(active_items.active_currency_count, 0) as active_currency_count
    from customer_months
    left join active_items
        on
            customer_months.customer_id = active_items.customer_id
            and customer_months.month_start_date = active_items.month_start_date
)

select * from final
