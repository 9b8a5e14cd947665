with

users as (
    select * from {{ ref('stg_crm__users') }}
),

final as (
    select
        user_id,
        full_name,
        team,
        role,
        manager_id,
        monthly_quota_amount,
        quota_currency_code,
        is_active
    from users
)

select * from final
