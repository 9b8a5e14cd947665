{{ config(enabled=revops.adapter_enabled('billing', 'fivetran_stripe')) }}
{#- Stripe customers as billing.customers (live mode only). The CRM account is the
    metadata key crm_account_id, when finance sets it. A customer never billed has no
    currency yet: its first subscription's, else null. -#}
with

customers as (
    select * from {{ source('fivetran_stripe', 'customer') }}
    where coalesce(livemode, true)
),

subscriptions as (
    select * from {{ ref('fivetran_stripe__subscriptions') }}
),

first_currency as (
    select
        customer_id,
        min(currency_code) as currency_code
    from subscriptions
    group by customer_id
),

final as (
    select
        customers.id as customer_id,
        customers.name as customer_name,
        customers.email,
        {{ revops.json_text('customers.metadata', 'crm_account_id') }} as crm_account_id,
        coalesce(upper(customers.currency), first_currency.currency_code) as currency_code,
        upper(customers.address_country) as country_code,
        customers.created as created_at,
        customers._fivetran_synced as _loaded_at,
        coalesce(customers.is_deleted, false) as _deleted
    from customers
    left join first_currency on customers.id = first_currency.customer_id
)

select * from final
