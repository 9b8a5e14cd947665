{#- The calendar (vars.revops.calendar: first_date .. last_date, the date spine of dim_date
    and of every metric period) covers the data: a lead, deal, invoice, payment or ticket
    dated outside it would silently drop out of every metric. Returns each fact whose dates
    fall outside, with its first and last date: widen the calendar. -#}
{%- set cal = revops.definition('calendar') -%}
{%- set facts = [
    ('fct_lead_funnel', 'created_date'),
    ('fct_opportunities', 'created_date'),
    ('fct_invoices', 'issued_date'),
    ('fct_payments', 'attempted_date'),
    ('fct_support_tickets', 'opened_date'),
] -%}

with

dated as (
    {% for model, column in facts %}
        select
            '{{ model }}.{{ column }}' as dated_by,
            {{ column }} as on_date
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
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
