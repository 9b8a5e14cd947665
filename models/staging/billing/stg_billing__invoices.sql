with

base as (
    select * from {{ ref('base_billing__invoices') }}
),

final as (
    select
        invoice_id,
        customer_id,
        subscription_id,
        invoice_number,
        status,
        currency_code,
        due_amount,
        period_start_date,
        period_end_date,
        issued_at,
        due_at,
        paid_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
