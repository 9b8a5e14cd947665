{#- One row per day from the first billing day to the last closed day, with its week and
    month. The spine covers up to 20 years of history. -#}
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('int_billing__subscriptions_validated') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

series as (
    {{ dbt.generate_series(7305) }}
),

first_day as (
    select min(first_at) as first_date
    from (
        select cast(min(created_at) as date) as first_at from customers
        union all
        select cast(min(started_at) as date) as first_at from subscriptions
    ) as firsts
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'series.generated_number - 1', 'first_day.first_date') }}
            as date
        ) as date_day
    from series
    cross join first_day
),

final as (
    select
        days.date_day,
        cast({{ dbt.date_trunc('week', 'days.date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start_date,
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as date)
        = cast({{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'days.date_day')) }} as date)
            as is_month_end
    from days
    cross join as_of
    where days.date_day <= as_of.last_closed_date
)

select * from final
