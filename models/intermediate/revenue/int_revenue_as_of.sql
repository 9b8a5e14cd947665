{#- One row: the instant the billing data is complete to (the CRM's, for a company without
    billing: revops_sources.billing = none), and the last day and month it closes. Facts by day, week or month stop at the last closed one (a month's MRR is read
    at its end, so the month in progress is not reported). -#}
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('int_billing__subscriptions_validated') }}
),

invoices as (
    select * from {{ ref('int_billing__invoices_validated') }}
),

payments as (
    select * from {{ ref('int_billing__payments_validated') }}
),

crm_loads as (
    select max(_loaded_at) as loaded_at from {{ ref('stg_crm__contacts') }}
    union all
    select max(_loaded_at) as loaded_at from {{ ref('int_crm__opportunities_validated') }}
),

loads as (
    select max(_loaded_at) as loaded_at from customers
    union all
    select max(_loaded_at) as loaded_at from subscriptions
    union all
    select max(_loaded_at) as loaded_at from invoices
    union all
    select max(_loaded_at) as loaded_at from payments
),

as_of as (
    select
        coalesce(
            {{ revops.revenue_as_of_literal() }},
            max(loaded_at),
            (select max(crm_loads.loaded_at) from crm_loads)
        ) as as_of_at
    from loads
),

final as (
    select
        as_of_at,
        cast({{ dbt.dateadd('day', -1, 'cast(as_of_at as date)') }} as date) as last_closed_date,
        cast(
            {{ dbt.dateadd(
                'month', -1, dbt.date_trunc('month', 'cast(as_of_at as date)')
            ) }} as date
        ) as last_closed_month_start_date
    from as_of
)

select * from final
