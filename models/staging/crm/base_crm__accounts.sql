with

source as (
    select * from {{ revops.raw('crm', 'accounts') }}
),

renamed as (
    select
        {{ revops.clean_text('account_id') }} as account_id,
        {{ revops.clean_text('account_name') }} as account_name,
        {{ revops.clean_code('website_domain') }} as website_domain,
        {{ revops.clean_text('industry') }} as industry,
        employee_count,
        {{ revops.clean_iso_code('country_code') }} as country_code,
        {{ revops.clean_text('owner_id') }} as owner_id,
        {{ revops.clean_text('billing_customer_id') }} as billing_customer_id,
        created_at as created_at_raw,
        {{ revops.parse_timestamp('created_at') }} as created_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.account_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when {{ revops.has_unparseable_date(['renamed.created_at']) }}
                then 'unparseable_date'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'account_id') }}
)

select * from final
