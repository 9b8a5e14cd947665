{{ config(enabled=revops.adapter_enabled('billing', 'airbyte_stripe')) }}
{#- Stripe customers as Airbyte lands them (live mode only) as billing.customers: the CRM
    account is the metadata key crm_account_id, when finance sets it; the country is the
    address's. A customer never billed has no currency yet: its first subscription's, else
    null. is_deleted (a customer.deleted event) is a soft delete. -#}
with

customers as (
    select * from {{ source('airbyte_stripe', 'customers') }}
    where coalesce(livemode, true)
),

subscriptions as (
    select * from {{ ref('airbyte_stripe__subscriptions') }}
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
        {{ revops.json_path_text('customers.metadata', 'crm_account_id') }} as crm_account_id,
        coalesce(upper(customers.currency), first_currency.currency_code) as currency_code,
        upper({{ revops.json_path_text('customers.address', 'country') }}) as country_code,
        {{ revops.epoch_to_timestamp('customers.created') }} as created_at,
        {{ revops.utc_timestamp('customers._airbyte_extracted_at') }} as _loaded_at,
        coalesce(customers.is_deleted, false) as _deleted
    from customers
    left join first_currency on customers.id = first_currency.customer_id
)

select * from final
