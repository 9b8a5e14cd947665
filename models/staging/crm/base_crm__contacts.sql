with

source as (
    select * from {{ revops.raw('crm', 'contacts') }}
),

renamed as (
    select
        {{ revops.clean_text('contact_id') }} as contact_id,
        {{ revops.clean_text('account_id') }} as account_id,
        {{ revops.normalize_email('email') }} as email,
        {{ revops.email_domain(revops.normalize_email('email')) }} as email_domain,
        {{ revops.clean_text('first_name') }} as first_name,
        {{ revops.clean_text('last_name') }} as last_name,
        {{ revops.clean_text('job_title') }} as job_title,
        {{ revops.clean_code('seniority') }} as seniority,
        {{ revops.clean_text('company_name') }} as company_name,
        company_size,
        {{ revops.clean_text('industry') }} as industry,
        {{ revops.clean_iso_code('country_code') }} as country_code,
        {{ revops.clean_code('lead_source') }} as lead_source,
        {{ revops.clean_code('lead_source') }} is not null as has_lead_source,
        {{ revops.clean_text('owner_id') }} as owner_id,
        created_at as created_at_raw,
        {{ revops.parse_timestamp('created_at') }} as created_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        *,
        case
            when contact_id is null then 'missing_key'
            when _loaded_at is null then 'missing_load_time'
            when is_deleted_in_source then 'deleted_in_source'
            -- created_at is required: missing counts as unparseable
            when {{ revops.has_unparseable_date(['created_at'], required=['created_at']) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('created_at', '_loaded_at') }}
                then 'date_after_load'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'contact_id') }}
)

select * from final
