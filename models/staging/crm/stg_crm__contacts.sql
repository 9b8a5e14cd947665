with

base as (
    select * from {{ ref('base_crm__contacts') }}
),

final as (
    select
        contact_id,
        account_id,
        email,
        email_domain,
        first_name,
        last_name,
        job_title,
        seniority,
        company_name,
        company_size,
        industry,
        country_code,
        lead_source,
        has_lead_source,
        owner_id,
        created_at,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
