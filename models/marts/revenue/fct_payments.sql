{#- One row per payment attempt: succeeded, failed, or succeeded and later refunded.
    Gross collected = succeeded or refunded attempts (the cash came in), by the attempt's
    date, at that month's rate; refunded = the refunded attempts' cash going back, by the
    refund's date, at that month's rate; net collected = gross - refunded: the cash kept. -#}
with

payments as (
    select * from {{ ref('int_billing__payments_validated') }}
),

invoices as (
    select * from {{ ref('int_billing__invoices_validated') }}
),

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

dated as (
    select
        payments.*,
        cast(payments.attempted_at as date) as attempted_date,
        cast(payments.refunded_at as date) as refunded_date,
        cast({{ dbt.date_trunc('month', 'payments.attempted_at') }} as date)
            as attempted_month_start_date,
        payments.status in ('succeeded', 'refunded') as is_gross_collected,
        cast({{ dbt.date_trunc('month', 'payments.refunded_at') }} as date)
            as refunded_month_start_date,
        -- An int on Spark, a bigint elsewhere: the contract says bigint.
        cast(row_number() over (
            partition by payments.invoice_id
            order by payments.attempted_at, payments.payment_id
        ) as {{ dbt.type_bigint() }}) as attempt_number
    from payments
),

final as (
    select
        dated.payment_id,
        dated.invoice_id,
        coalesce(dated.customer_id, invoices.customer_id) as customer_id,
        customers.account_id,
        dated.status,
        dated.failure_code,
        dated.attempt_number,
        dated.status = 'succeeded' as is_collected,
        dated.status = 'failed' as is_failed,
        dated.status = 'refunded' as is_refunded,
        dated.currency_code,
        cast(dated.amount as {{ revops.type_money() }}) as amount,
        cast(
            case when dated.is_gross_collected then dated.amount else 0 end
            as {{ revops.type_money() }}
        ) as gross_collected_amount,
        cast(
            case when dated.status = 'refunded' then dated.amount else 0 end
            as {{ revops.type_money() }}
        ) as refunded_amount,
        cast(
            case when dated.status = 'succeeded' then dated.amount else 0 end
            as {{ revops.type_money() }}
        ) as net_collected_amount,
        dated.attempted_at,
        dated.attempted_date,
        dated.attempted_month_start_date,
        dated.refunded_at,
        dated.refunded_date,
        {{ revops.datediff('cast(invoices.issued_at as date)', 'dated.attempted_date', 'day') }}
            as days_since_issue,
        {{ revops.datediff('cast(invoices.due_at as date)', 'dated.attempted_date', 'day') }}
            as days_past_due_at_attempt,
        rates.reporting_currency_code,
        rates.to_reporting_rate as fx_rate,
        {{ revops.convert_money('dated.amount', 'rates.to_reporting_rate') }} as amount_reporting,
        {{ revops.convert_money(
            'case when dated.is_gross_collected then dated.amount else 0 end',
            'rates.to_reporting_rate'
        ) }} as gross_collected_reporting,
        case
            when dated.status = 'refunded'
                then {{ revops.convert_money('dated.amount', 'refund_rates.to_reporting_rate') }}
            else cast(0 as {{ revops.type_money() }})
        end as refunded_reporting
    from dated
    left join invoices
        on dated.invoice_id = invoices.invoice_id
    left join customers
        on coalesce(dated.customer_id, invoices.customer_id) = customers.customer_id
    left join rates
        on
            dated.currency_code = rates.currency_code
            and dated.attempted_month_start_date = rates.rate_month
    left join rates as refund_rates
        on
            dated.currency_code = refund_rates.currency_code
            and dated.refunded_month_start_date = refund_rates.rate_month
)

select * from final
