{{ config(enabled=revops.adapter_enabled('billing', 'fivetran_stripe')) }}
{#- Stripe charges (live mode, not pending) as billing.payments: one per attempt,
    succeeded, failed or refunded (fully: a partial refund stays succeeded), refunded when
    the last succeeded refund was made. -#}
with

charges as (
    select * from {{ source('fivetran_stripe', 'charge') }}
    where coalesce(livemode, true) and status <> 'pending'
),

refunds as (
    select
        charge_id,
        max(created) as refunded_at
    from {{ source('fivetran_stripe', 'refund') }}
    where status = 'succeeded'
    group by charge_id
),

final as (
    select
        charges.id as payment_id,
        charges.invoice_id,
        charges.customer_id,
        {{ revops.minor_to_major('charges.amount', 'charges.currency') }} as amount,
        charges.failure_code,
        charges.created as attempted_at,
        charges._fivetran_synced as _loaded_at,
        false as _deleted,
        upper(charges.currency) as currency_code,
        case
            when charges.refunded then 'refunded'
            else charges.status
        end as status,
        case when charges.refunded then refunds.refunded_at end as refunded_at
    from charges
    left join refunds on charges.id = refunds.charge_id
)

select * from final
