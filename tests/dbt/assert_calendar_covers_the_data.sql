{#- The calendar (vars.revops.calendar: first_date .. last_date, the date spine of dim_date
    and of every metric period) covers the data: a lead, deal, invoice, payment or ticket
    dated outside it would silently drop out of every metric. Returns each fact whose dates
    fall outside, with its first and last date: widen the calendar. -#}
{%- set cal = revops.definition('calendar') -%}

with

dated as (
    select
        'fct_lead_funnel.created_date' as dated_by,
        created_date as on_date
    from {{ ref('fct_lead_funnel') }}
    union all
    select
        'fct_opportunities.created_date' as dated_by,
        created_date as on_date
    from {{ ref('fct_opportunities') }}
    union all
    select
        'fct_invoices.issued_date' as dated_by,
        issued_date as on_date
    from {{ ref('fct_invoices') }}
    union all
    select
        'fct_payments.attempted_date' as dated_by,
        attempted_date as on_date
    from {{ ref('fct_payments') }}
    union all
    select
        'fct_support_tickets.opened_date' as dated_by,
        opened_date as on_date
    from {{ ref('fct_support_tickets') }}
),

final as (
    select
        dated_by,
        min(on_date) as first_date,
        max(on_date) as last_date
    from dated
    group by dated_by
    having
        min(on_date) < cast('{{ cal.first_date }}' as date)
        or max(on_date) > cast('{{ cal.last_date }}' as date)
)

select * from final
