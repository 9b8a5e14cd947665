with

source as (
    select * from {{ revops.raw('billing', 'customers') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('customer_id') }} as customer_id,
        {{ revops.clean_text('customer_name') }} as customer_name,
        {{ revops.normalize_email('email') }} as email,
        {{ revops.email_domain(revops.normalize_email('email')) }} as email_domain,
        {{ revops.clean_text('crm_account_id') }} as crm_account_id,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        {{ revops.clean_iso_code('country_code') }} as country_code,
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
            when renamed.customer_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when {{ revops.has_unparseable_date(['renamed.created_at']) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'customer_id') }}
)

select * from final
