{#- Receivables aging as of each day: one row per invoice per closed day on which it was
    issued, not yet paid in full (net of refunds) at the day's end and not written off (void
    invoices excluded). Days past due = day - due date; buckets current, 1-30, 31-60, 61-90,
    90+ (definitions: collections). Month-end rows (is_month_end) are the aged receivables
    finance reports; the reporting amount is at the day's month's rate (a balance). -#}
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

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
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
            -- unpaid that day, or refunded since (the refund leaves it to collect again)
            and (
                invoices.paid_date is null
                or invoices.paid_date > days.date_day
                or invoices.refunded_amount > 0
            )
            and (invoices.written_off_date is null or invoices.written_off_date > days.date_day)
    where invoices.status <> 'void'
),

collected_by_day as (
    select
        open_days.invoice_id,
        open_days.date_day,
        -- Net by the day's end: the cash in by then, less what was refunded by then.
        sum(
            payments.gross_collected_amount
            - case
                when payments.refunded_date <= open_days.date_day
                    then payments.refunded_amount
                else 0
            end
        ) as collected_amount
    from open_days
    inner join payments
        on
            open_days.invoice_id = payments.invoice_id
            and open_days.date_day >= payments.attempted_date
    group by
        open_days.invoice_id,
        open_days.date_day
),

aged as (
    select
        open_days.*,
        cast(
            open_days.due_amount - coalesce(collected_by_day.collected_amount, 0)
            as {{ revops.type_money() }}
        ) as outstanding_amount
    from open_days
    left join collected_by_day
        on
            open_days.invoice_id = collected_by_day.invoice_id
            and open_days.date_day = collected_by_day.date_day
),

final as (
    select
        {{ revops.composite_key(['aged.invoice_id', 'aged.date_day']) }} as invoice_day_id,
        aged.invoice_id,
        aged.customer_id,
        aged.account_id,
        aged.date_day as as_of_date,
        aged.month_start_date,
        aged.is_month_end,
        aged.currency_code,
        aged.outstanding_amount,
        {{ revops.convert_money('aged.outstanding_amount', 'rates.to_reporting_rate') }}
            as outstanding_reporting,
        {{ revops.datediff('aged.due_date', 'aged.date_day', 'day') }} as days_past_due,
        {{ revops.aging_bucket(revops.datediff('aged.due_date', 'aged.date_day', 'day')) }}
            as aging_bucket
    from aged
    left join rates
        on
            aged.currency_code = rates.currency_code
            and aged.month_start_date = rates.rate_month
    where aged.outstanding_amount > 0
)

select * from final
