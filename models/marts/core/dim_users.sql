{#- CRM users with team and quota. The quota is a current setting, so it is converted to the
    reporting currency at the rate of the as-of month (the month holding the last closed
    day): quotas in different currencies add up only in the reporting currency. -#}
with

users as (
    select * from {{ ref('stg_crm__users') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

final as (
    select
        users.user_id,
        users.full_name,
        users.team,
        users.role,
        users.manager_id,
        users.monthly_quota_amount,
        users.quota_currency_code,
        cast(
            users.monthly_quota_amount * rates.to_reporting_rate as decimal(18, 2)
        ) as monthly_quota_reporting_amount,
        users.is_active
    from users
    cross join as_of
    left join rates
        on
            users.quota_currency_code = rates.currency_code
            and cast(
                {{ dbt.date_trunc('month', 'as_of.last_closed_date') }} as date
            ) = rates.rate_month
)

select * from final
