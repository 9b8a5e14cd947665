with

base as (
    select * from {{ ref('base_crm__accounts') }}
),

final as (
    select
        account_id,
        account_name,
        website_domain,
        industry,
        employee_count,
        country_code,
        owner_id,
        billing_customer_id,
        created_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
