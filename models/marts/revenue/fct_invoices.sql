{#- One row per invoice: issued, due and paid dates, the cash that came in (gross), went
    back (refunded) and was kept (net), what is still outstanding (due - net collected),
    failed attempts, days to collect (paid date - issue date), and the aging bucket on the
    as-of date (days past due: current, 1-30, 31-60, 61-90, 90+; the history per day is
    fct_invoice_aging). Void invoices are kept, with nothing outstanding. An invoice unpaid
    collections.write_off_after_days past due, or marked uncollectible, is written off:
    nothing outstanding, its amount written off (bad debt) from that day. Reporting amounts
    use the issue month's rate; the written-off amount the write-off month's. -#}
{%- set write_off_days = revops.definition('collections.write_off_after_days') | int -%}
with

invoices as (
    select * from {{ ref('int_billing__invoices_validated') }}
),

payments as (
    select * from {{ ref('fct_payments') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

payment_totals as (
    select
        invoice_id,
        count(*) as payment_attempt_count,
        cast(sum(case when is_failed then 1 else 0 end) as {{ dbt.type_bigint() }})
            as failed_payment_count,
        sum(gross_collected_amount) as gross_collected_amount,
        sum(refunded_amount) as refunded_amount
    from payments
    group by invoice_id
),

dated as (
    select
        invoices.*,
        cast(invoices.issued_at as date) as issued_date,
        cast(invoices.due_at as date) as due_date,
        cast(invoices.paid_at as date) as paid_date,
        cast({{ dbt.date_trunc('month', 'invoices.issued_at') }} as date)
            as issued_month_start_date,
        coalesce(payment_totals.payment_attempt_count, 0) as payment_attempt_count,
        coalesce(payment_totals.failed_payment_count, 0) as failed_payment_count,
        cast(coalesce(payment_totals.gross_collected_amount, 0) as {{ revops.type_money() }})
            as gross_collected_amount,
        cast(coalesce(payment_totals.refunded_amount, 0) as {{ revops.type_money() }})
            as refunded_amount
    from invoices
    left join payment_totals
        on invoices.invoice_id = payment_totals.invoice_id
),

unpaid as (
    select
        dated.*,
        cast(
            case
                when dated.status = 'void' then 0
                when dated.due_amount > dated.gross_collected_amount - dated.refunded_amount
                    then dated.due_amount - (dated.gross_collected_amount - dated.refunded_amount)
                else 0
            end as {{ revops.type_money() }}
        ) as unpaid_amount,
        cast(
            {{ dbt.dateadd('day', write_off_days, 'dated.due_date') }} as date
        ) as write_off_due_date,
        as_of.last_closed_date as as_of_date
    from dated
    cross join as_of
),

-- Written off by the as-of: by policy on the day it passes write_off_after_days past due,
-- or marked uncollectible (billing gives no date: the policy's day, or the as-of if sooner).
measured as (
    select
        unpaid.*,
        case
            when unpaid.unpaid_amount <= 0 then null
            when unpaid.status = 'uncollectible'
                then least(unpaid.write_off_due_date, unpaid.as_of_date)
            when unpaid.write_off_due_date <= unpaid.as_of_date then unpaid.write_off_due_date
        end as written_off_date
    from unpaid
),

final as (
    select
        measured.invoice_id,
        measured.invoice_number,
        measured.customer_id,
        customers.account_id,
        measured.subscription_id,
        measured.status,
        measured.currency_code,
        cast(measured.due_amount as {{ revops.type_money() }}) as due_amount,
        measured.gross_collected_amount,
        measured.refunded_amount,
        cast(
            measured.gross_collected_amount - measured.refunded_amount
            as {{ revops.type_money() }}
        ) as net_collected_amount,
        cast(
            case when measured.written_off_date is null then measured.unpaid_amount else 0 end
            as {{ revops.type_money() }}
        ) as outstanding_amount,
        measured.written_off_date is not null as is_written_off,
        measured.written_off_date,
        cast(
            case when measured.written_off_date is not null then measured.unpaid_amount else 0 end
            as {{ revops.type_money() }}
        ) as written_off_amount,
        measured.period_start_date,
        measured.period_end_date,
        measured.issued_at,
        measured.issued_date,
        measured.issued_month_start_date,
        measured.due_at,
        measured.due_date,
        measured.paid_at,
        measured.paid_date,
        {{ revops.datediff('measured.issued_date', 'measured.paid_date', 'day') }}
            as days_to_collect,
        {{ revops.datediff('measured.due_date', 'measured.paid_date', 'day') }}
            as days_paid_after_due,
        measured.payment_attempt_count,
        measured.failed_payment_count,
        measured.failed_payment_count > 0 as has_failed_payment,
        measured.refunded_amount > 0 as is_refunded,
        measured.as_of_date,
        case
            when measured.unpaid_amount > 0 and measured.written_off_date is null
                then {{ revops.datediff('measured.due_date', 'measured.as_of_date', 'day') }}
        end as days_past_due,
        case
            when measured.unpaid_amount > 0 and measured.written_off_date is null
                then {{ revops.aging_bucket(
                    revops.datediff('measured.due_date', 'measured.as_of_date', 'day')
                ) }}
        end as aging_bucket,
        rates.reporting_currency_code,
        rates.to_reporting_rate as fx_rate,
        {{ revops.convert_money('measured.due_amount', 'rates.to_reporting_rate') }}
            as due_reporting,
        {{ revops.convert_money(
            'case when measured.written_off_date is null then measured.unpaid_amount else 0 end',
            'rates.to_reporting_rate'
        ) }} as outstanding_reporting,
        -- What was collected on it, net of refunds, up to what it is due (for collection rates).
        {{ revops.convert_money(
            "case when measured.status = 'void' then 0"
            ~ " else measured.due_amount - measured.unpaid_amount end",
            'rates.to_reporting_rate'
        ) }} as net_collected_reporting,
        case
            when measured.written_off_date is not null
                then {{ revops.convert_money(
                    'measured.unpaid_amount', 'write_off_rates.to_reporting_rate'
                ) }}
            else cast(0 as {{ revops.type_money() }})
        end as written_off_reporting
    from measured
    left join customers
        on measured.customer_id = customers.customer_id
    left join rates
        on
            measured.currency_code = rates.currency_code
            and measured.issued_month_start_date = rates.rate_month
    left join rates as write_off_rates
        on
            measured.currency_code = write_off_rates.currency_code
            and cast({{ dbt.date_trunc('month', 'measured.written_off_date') }} as date)
            = write_off_rates.rate_month
)

select * from final
