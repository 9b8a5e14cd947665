{#- A quota that cannot be valued in the reporting currency (no rate for its currency in
    the as-of month) would silently drop out of sales_quota: fail instead. -#}
with

users as (
    select * from {{ ref('dim_users') }}
),

final as (
    select
        user_id,
        monthly_quota_amount,
        quota_currency_code
    from users
    where
        monthly_quota_amount is not null
        and monthly_quota_reporting_amount is null
)

select * from final
