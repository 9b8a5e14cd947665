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
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('account_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.account_id is null then 'missing_key'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when renamed.key_rank > 1 then 'duplicate_key'
            when {{ revops.has_unparseable_date(['renamed.created_at']) }}
                then 'unparseable_date'
        end as rejection_reason
    from renamed
)

select * from final
