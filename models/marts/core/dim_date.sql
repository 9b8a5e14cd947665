{#- One row per day, with calendar and fiscal periods (fiscal_year_start_month in the
    definitions; a fiscal year is named by the calendar year it ends in). -#}
{%- set cal = revops.definition('calendar') -%}
{%- set fy_start = revops.definition('fiscal_year_start_month') | int -%}
{%- set day_after_last = modules.datetime.date.fromisoformat(cal.last_date | string)
    + modules.datetime.timedelta(days=1) -%}

with

spine as (
    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('" ~ cal.first_date ~ "' as date)",
        end_date="cast('" ~ day_after_last ~ "' as date)",
    ) }}
),

days as (
    select cast(date_day as date) as date_day
    from spine
),

parts as (
    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        {{ revops.day_of_week('date_day') }} as day_of_week
    from days
),

final as (
    select
        date_day,
        week_start_date,
        month_start_date,
        quarter_start_date,
        year_start_date,
        calendar_year,
        calendar_quarter,
        calendar_month,
        day_of_week,
        day_of_week in (0, 6) as is_weekend,
        cast(
            calendar_year
            + case when {{ fy_start }} > 1 and calendar_month >= {{ fy_start }} then 1 else 0 end
            as integer
        ) as fiscal_year,
        cast(floor(mod(calendar_month - {{ fy_start }} + 12, 12) / 3.0) + 1 as integer)
            as fiscal_quarter
    from parts
)

select * from final
