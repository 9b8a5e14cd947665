with

base as (
    select * from {{ ref('base_crm__users') }}
),

final as (
    select
        user_id,
        full_name,
        email,
        email_domain,
        team,
        role,
        manager_id,
        monthly_quota_amount,
        quota_currency_code,
        is_active,
        created_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
