with

base as (
    select * from {{ ref('base_billing__customers') }}
),

final as (
    select
        customer_id,
        customer_name,
        email,
        email_domain,
        crm_account_id,
        currency_code,
        country_code,
        created_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
