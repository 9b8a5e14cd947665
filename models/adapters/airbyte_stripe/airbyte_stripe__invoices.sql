{{ config(enabled=revops.adapter_enabled('billing', 'airbyte_stripe')) }}
{#- Stripe invoices as Airbyte lands them (live mode, not drafts) as billing.invoices:
    amounts in major units, issued when finalised (status_transitions), due on the due
    date (or, charged automatically, when finalised), the service period from the
    invoice's lines. is_deleted (an invoice.deleted event: a deleted draft) is a soft
    delete. -#}
with

invoices as (
    select
        *,
        {{ revops.epoch_to_timestamp(revops.json_path_text('status_transitions', 'finalized_at')) }}
            as finalized_at,
        {{ revops.epoch_to_timestamp(revops.json_path_text('status_transitions', 'paid_at')) }}
            as paid_at
    from {{ source('airbyte_stripe', 'invoices') }}
    where coalesce(livemode, true) and status <> 'draft'
),

lines as (
    select
        invoice_id,
        min(
            {{ revops.epoch_to_timestamp(revops.json_path_text('period', 'start')) }}
        ) as period_start,
        max({{ revops.epoch_to_timestamp(revops.json_path_text('period', 'end')) }}) as period_end
    from {{ source('airbyte_stripe', 'invoice_line_items') }}
    where not coalesce(proration, false)
    group by invoice_id
),

final as (
    select
        invoices.id as invoice_id,
        invoices.customer as customer_id,
        invoices.subscription as subscription_id,
        invoices.number as invoice_number,
        invoices.status,
        upper(invoices.currency) as currency_code,
        {{ revops.minor_to_major('invoices.amount_due', 'invoices.currency') }} as amount_due,
        cast(
            coalesce(lines.period_start, {{ revops.epoch_to_timestamp('invoices.period_start') }})
            as date
        ) as period_start,
        cast(
            coalesce(lines.period_end, {{ revops.epoch_to_timestamp('invoices.period_end') }})
            as date
        ) as period_end,
        coalesce(
            invoices.finalized_at, {{ revops.epoch_to_timestamp('invoices.created') }}
        ) as issued_at,
        coalesce(
            {{ revops.epoch_to_timestamp('invoices.due_date') }},
            invoices.finalized_at,
            {{ revops.epoch_to_timestamp('invoices.created') }}
        ) as due_at,
        invoices.paid_at,
        {{ revops.utc_timestamp('invoices._airbyte_extracted_at') }} as _loaded_at,
        coalesce(invoices.is_deleted, false) as _deleted
    from invoices
    left join lines on invoices.id = lines.invoice_id
)

select * from final
