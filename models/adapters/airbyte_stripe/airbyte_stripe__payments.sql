{{ config(enabled=revops.adapter_enabled('billing', 'airbyte_stripe')) }}
{#- Stripe charges as Airbyte lands them (live mode, not pending) as billing.payments: one
    per attempt, succeeded, failed or refunded (fully: a partial refund stays succeeded),
    refunded when the last succeeded refund was made. -#}
with

charges as (
    select * from {{ source('airbyte_stripe', 'charges') }}
    where coalesce(livemode, true) and status <> 'pending'
),

refunds as (
    select
        charge,
        max(created) as created
    from {{ source('airbyte_stripe', 'refunds') }}
    where status = 'succeeded'
    group by charge
),

final as (
    select
        charges.id as payment_id,
        charges.invoice as invoice_id,
        charges.customer as customer_id,
        {{ revops.minor_to_major('charges.amount', 'charges.currency') }} as amount,
        upper(charges.currency) as currency_code,
        case
            when charges.refunded then 'refunded'
            else charges.status
        end as status,
        charges.failure_code,
        {{ revops.epoch_to_timestamp('charges.created') }} as attempted_at,
        case
            when charges.refunded then {{ revops.epoch_to_timestamp('refunds.created') }}
        end as refunded_at,
        {{ revops.utc_timestamp('charges._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from charges
    left join refunds on charges.id = refunds.charge
)

select * from final
