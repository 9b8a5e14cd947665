{#- Receivables aging as of each day: one row per invoice per closed day on which it was
    issued and not yet paid in full at the day's end (void invoices excluded). Days past due
    = day - due date; buckets current, 1-30, 31-60, 61-90, 90+ (definitions: collections).
    Month-end rows (is_month_end) are the aged receivables finance reports. -#}
with

invoices as (
    select * from {{ ref('fct_invoices') }}
),

payments as (
    select * from {{ ref('fct_payments') }}
),

days as (
    select * from {{ ref('int_revenue_days') }}
),

open_days as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.account_id,
        invoices.currency_code,
        invoices.due_amount,
        invoices.due_date,
        days.date_day,
        days.month_start_date,
        days.is_month_end
    from invoices
    inner join days
        on
            invoices.issued_date <= days.date_day
            and (invoices.paid_date is null or invoices.paid_date > days.date_day)
    where invoices.status <> 'void'
),

collected_by_day as (
    select
        open_days.invoice_id,
        open_days.date_day,
        sum(payments.collected_amount) as collected_amount
    from open_days
    inner join payments
        on
            open_days.invoice_id = payments.invoice_id
            and open_days.date_day >= payments.attempted_date
    group by
        open_days.invoice_id,
        open_days.date_day
),

final as (
    select
        {{ revops.composite_key(['open_days.invoice_id', 'open_days.date_day']) }}
            as invoice_day_id,
        open_days.invoice_id,
        open_days.customer_id,
        open_days.account_id,
        open_days.date_day as as_of_date,
        open_days.month_start_date,
        open_days.is_month_end,
        open_days.currency_code,
        cast(
            open_days.due_amount - coalesce(collected_by_day.collected_amount, 0)
            as {{ revops.type_money() }}
        ) as outstanding_amount,
        {{ revops.datediff('open_days.due_date', 'open_days.date_day', 'day') }}
            as days_past_due,
        {{ revops.aging_bucket(
            revops.datediff('open_days.due_date', 'open_days.date_day', 'day')
        ) }} as aging_bucket
    from open_days
    left join collected_by_day
        on
            open_days.invoice_id = collected_by_day.invoice_id
            and open_days.date_day = collected_by_day.date_day
)

select * from final
