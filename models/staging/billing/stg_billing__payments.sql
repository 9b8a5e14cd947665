with

base as (
    select * from {{ ref('base_billing__payments') }}
),

final as (
    select
        payment_id,
        invoice_id,
        customer_id,
        amount,
        currency_code,
        status,
        failure_code,
        attempted_at,
        refunded_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
