{#- One row: the instant the data is complete to (revenue.as_of in the definitions, else
    the latest billing load) and the last day and month it closes. Every period the metrics
    report ends at the last closed day; a period running past it is flagged as partial. -#}
with

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

final as (
    select
        as_of_at,
        last_closed_date,
        last_closed_month_start_date
    from as_of
)

select * from final
