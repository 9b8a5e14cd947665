{#- One row per account per complete week while it was a customer (a subscription active
    at some point in the week): the health components over the trailing window of weeks
    (definitions: health), each scored 0-100, the weighted score, its colour, and the
    colour the week before. A row whose colour changed (is_colour_change) is what a monitor
    alerts on.
        usage_trend    = 100 x min(1, active-user days in the window / in the window before);
                         100 with no earlier usage to compare with
        support_load   = 100 x max(0, 1 - tickets opened in the window / max_tickets_per_window)
        csat           = (average CSAT of the window's rated tickets - 1) / 4 x 100, else
                         csat_default_score
        payment_issues = 100 x max(0, 1 - (failed payments in the window + invoices past due at
                         the week's end) / max_payment_issues)
        health_score   = sum of weight x component, rounded to 0.1 -#}
{%- set health = revops.definition('health') -%}
{%- set weights = health.weights -%}
{%- set window_days = (health.window_weeks | int) * 7 -%}

with

customers as (
    select * from {{ ref('int_billing_customers_matched') }}
),

periods as (
    select * from {{ ref('int_customer_active_periods') }}
),

days as (
    select * from {{ ref('int_revenue_days') }}
),

usage as (
    select * from {{ ref('int_product__usage_daily_validated') }}
),

tickets as (
    select * from {{ ref('fct_support_tickets') }}
),

payments as (
    select * from {{ ref('fct_payments') }}
),

aging as (
    select * from {{ ref('fct_invoice_aging') }}
),

weeks as (
    select
        week_start_date,
        max(date_day) as week_end_date,
        count(*) as day_count
    from days
    group by week_start_date
),

complete_weeks as (
    select
        week_start_date,
        week_end_date
    from weeks
    where day_count = 7
),

account_weeks as (
    select distinct
        customers.account_id,
        complete_weeks.week_start_date,
        complete_weeks.week_end_date
    from periods
    inner join customers
        on periods.customer_id = customers.customer_id
    inner join complete_weeks
        on
            cast(periods.period_start_at as date) <= complete_weeks.week_end_date
            and (
                periods.period_end_at is null
                or cast(periods.period_end_at as date) >= complete_weeks.week_start_date
            )
),

weekly_usage as (
    select
        customers.account_id,
        cast({{ dbt.date_trunc('week', 'usage.usage_date') }} as date) as week_start_date,
        cast(sum(usage.active_user_count) as {{ dbt.type_bigint() }}) as active_user_days
    from usage
    inner join customers
        on usage.customer_id = customers.customer_id
    group by
        customers.account_id,
        cast({{ dbt.date_trunc('week', 'usage.usage_date') }} as date)
),

weekly_tickets as (
    select
        account_id,
        opened_week_start_date as week_start_date,
        count(*) as ticket_count,
        cast(sum(csat_score) as {{ dbt.type_bigint() }}) as csat_total,
        count(csat_score) as csat_count
    from tickets
    where account_id is not null
    group by
        account_id,
        opened_week_start_date
),

weekly_failed_payments as (
    select
        account_id,
        cast({{ dbt.date_trunc('week', 'attempted_date') }} as date) as week_start_date,
        count(*) as failed_payment_count
    from payments
    where is_failed
    group by
        account_id,
        cast({{ dbt.date_trunc('week', 'attempted_date') }} as date)
),

windowed as (
    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        account_weeks.week_end_date,
        cast(coalesce(sum(
            case
                when
                    weekly_usage.week_start_date
                    > {{ dbt.dateadd('day', -window_days, 'account_weeks.week_start_date') }}
                    then weekly_usage.active_user_days
            end
        ), 0) as {{ dbt.type_bigint() }}) as recent_active_user_days,
        cast(coalesce(sum(
            case
                when
                    weekly_usage.week_start_date
                    <= {{ dbt.dateadd('day', -window_days, 'account_weeks.week_start_date') }}
                    then weekly_usage.active_user_days
            end
        ), 0) as {{ dbt.type_bigint() }}) as prior_active_user_days
    from account_weeks
    left join weekly_usage
        on
            account_weeks.account_id = weekly_usage.account_id
            and account_weeks.week_start_date >= weekly_usage.week_start_date
            and weekly_usage.week_start_date
            > {{ dbt.dateadd('day', -2 * window_days, 'account_weeks.week_start_date') }}
    group by
        account_weeks.account_id,
        account_weeks.week_start_date,
        account_weeks.week_end_date
),

support_windowed as (
    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        cast(coalesce(sum(weekly_tickets.ticket_count), 0) as {{ dbt.type_bigint() }})
            as ticket_count,
        cast(coalesce(sum(weekly_tickets.csat_total), 0) as {{ dbt.type_bigint() }}) as csat_total,
        cast(coalesce(sum(weekly_tickets.csat_count), 0) as {{ dbt.type_bigint() }}) as csat_count
    from account_weeks
    left join weekly_tickets
        on
            account_weeks.account_id = weekly_tickets.account_id
            and account_weeks.week_start_date >= weekly_tickets.week_start_date
            and weekly_tickets.week_start_date
            > {{ dbt.dateadd('day', -window_days, 'account_weeks.week_start_date') }}
    group by
        account_weeks.account_id,
        account_weeks.week_start_date
),

payments_windowed as (
    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        cast(
            coalesce(sum(weekly_failed_payments.failed_payment_count), 0) as {{ dbt.type_bigint() }}
        ) as failed_payment_count
    from account_weeks
    left join weekly_failed_payments
        on
            account_weeks.account_id = weekly_failed_payments.account_id
            and account_weeks.week_start_date >= weekly_failed_payments.week_start_date
            and weekly_failed_payments.week_start_date
            > {{ dbt.dateadd('day', -window_days, 'account_weeks.week_start_date') }}
    group by
        account_weeks.account_id,
        account_weeks.week_start_date
),

overdue_at_week_end as (
    select
        account_weeks.account_id,
        account_weeks.week_start_date,
        count(aging.invoice_id) as overdue_invoice_count
    from account_weeks
    inner join aging
        on
            account_weeks.account_id = aging.account_id
            and account_weeks.week_end_date = aging.as_of_date
            and aging.days_past_due > 0
    group by
        account_weeks.account_id,
        account_weeks.week_start_date
),

components as (
    select
        windowed.account_id,
        windowed.week_start_date,
        windowed.week_end_date,
        windowed.recent_active_user_days,
        windowed.prior_active_user_days,
        support_windowed.ticket_count,
        support_windowed.csat_count,
        case
            when support_windowed.csat_count > 0
                then
                    cast(support_windowed.csat_total as {{ revops.type_double() }})
                    / support_windowed.csat_count
        end as average_csat,
        payments_windowed.failed_payment_count,
        coalesce(overdue_at_week_end.overdue_invoice_count, 0) as overdue_invoice_count,
        case
            when windowed.prior_active_user_days = 0 then 100.0
            when windowed.recent_active_user_days >= windowed.prior_active_user_days then 100.0
            else
                100.0 * cast(windowed.recent_active_user_days as {{ revops.type_double() }})
                / windowed.prior_active_user_days
        end as usage_trend_score,
        greatest(
            0.0,
            100.0 * (
                1 - cast(support_windowed.ticket_count as {{ revops.type_double() }})
                / {{ health.max_tickets_per_window }}
            )
        ) as support_load_score,
        case
            when support_windowed.csat_count > 0
                then (
                    cast(support_windowed.csat_total as {{ revops.type_double() }})
                    / support_windowed.csat_count - 1
                ) / 4 * 100
            else {{ health.csat_default_score }}
        end as csat_score,
        greatest(
            0.0,
            100.0 * (
                1 - cast(
                    payments_windowed.failed_payment_count
                    + coalesce(overdue_at_week_end.overdue_invoice_count, 0)
                    as {{ revops.type_double() }}
                ) / {{ health.max_payment_issues }}
            )
        ) as payment_issues_score
    from windowed
    inner join support_windowed
        on
            windowed.account_id = support_windowed.account_id
            and windowed.week_start_date = support_windowed.week_start_date
    inner join payments_windowed
        on
            windowed.account_id = payments_windowed.account_id
            and windowed.week_start_date = payments_windowed.week_start_date
    left join overdue_at_week_end
        on
            windowed.account_id = overdue_at_week_end.account_id
            and windowed.week_start_date = overdue_at_week_end.week_start_date
),

scored as (
    select
        components.*,
        cast(round(
            cast(
                {{ weights.usage_trend }} * components.usage_trend_score
                + {{ weights.support_load }} * components.support_load_score
                + {{ weights.csat }} * components.csat_score
                + {{ weights.payment_issues }} * components.payment_issues_score
                as {{ dbt.type_numeric() }}
            ),
            1
        ) as {{ revops.type_double() }}) as health_score
    from components
),

coloured as (
    select
        scored.*,
        case
            when scored.health_score >= {{ health.colours.green_min_score }} then 'green'
            when scored.health_score >= {{ health.colours.yellow_min_score }} then 'yellow'
            else 'red'
        end as health_colour
    from scored
),

final as (
    select
        {{ revops.composite_key(['account_id', 'week_start_date']) }} as account_week_id,
        account_id,
        week_start_date,
        week_end_date,
        recent_active_user_days,
        prior_active_user_days,
        ticket_count,
        csat_count,
        average_csat,
        failed_payment_count,
        overdue_invoice_count,
        cast(usage_trend_score as {{ revops.type_double() }}) as usage_trend_score,
        cast(support_load_score as {{ revops.type_double() }}) as support_load_score,
        cast(csat_score as {{ revops.type_double() }}) as csat_score,
        cast(payment_issues_score as {{ revops.type_double() }}) as payment_issues_score,
        health_score,
        health_colour,
        lag(health_colour) over (
            partition by account_id order by week_start_date
        ) as previous_health_colour,
        coalesce(
            health_colour <> lag(health_colour) over (
                partition by account_id order by week_start_date
            ),
            false
        ) as is_colour_change
    from coloured
)

select * from final
