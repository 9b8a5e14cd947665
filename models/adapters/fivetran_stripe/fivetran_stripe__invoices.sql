{{ config(enabled=revops.adapter_enabled('billing', 'fivetran_stripe')) }}
{#- Stripe invoices (live mode, not drafts) as billing.invoices: amounts in major units,
    issued when finalised, due on the due date (or, charged automatically, when
    finalised), the service period from the invoice's lines. -#}
with

invoices as (
    select * from {{ source('fivetran_stripe', 'invoice') }}
    where coalesce(livemode, true) and status <> 'draft'
),

lines as (
    select
        invoice_id,
        min(period_start) as period_start,
        max(period_end) as period_end
    from {{ source('fivetran_stripe', 'invoice_line_item') }}
    where not coalesce(proration, false)
    group by invoice_id
),

final as (
    select
        invoices.id as invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.number as invoice_number,
        invoices.status,
        upper(invoices.currency) as currency_code,
        {{ revops.minor_to_major('invoices.amount_due', 'invoices.currency') }} as amount_due,
        cast(coalesce(lines.period_start, invoices.period_start) as date) as period_start,
        cast(coalesce(lines.period_end, invoices.period_end) as date) as period_end,
        coalesce(invoices.status_transitions_finalized_at, invoices.created) as issued_at,
        coalesce(
            invoices.due_date, invoices.status_transitions_finalized_at, invoices.created
        ) as due_at,
        invoices.status_transitions_paid_at as paid_at,
        invoices._fivetran_synced as _loaded_at,
        coalesce(invoices.is_deleted, false) as _deleted
    from invoices
    left join lines on invoices.id = lines.invoice_id
)

select * from final
