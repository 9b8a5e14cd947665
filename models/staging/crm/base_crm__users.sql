with

source as (
    select * from {{ revops.raw('crm', 'users') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('user_id') }} as user_id,
        {{ revops.clean_text('full_name') }} as full_name,
        {{ revops.normalize_email('email') }} as email,
        {{ revops.email_domain(revops.normalize_email('email')) }} as email_domain,
        {{ revops.clean_code('team') }} as team,
        {{ revops.clean_text('role') }} as role,
        {{ revops.clean_text('manager_id') }} as manager_id,
        monthly_quota_amount,
        {{ revops.clean_iso_code('quota_currency') }} as quota_currency_code,
        is_active,
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
            when renamed.user_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when {{ revops.has_unparseable_date(['renamed.created_at']) }}
                then 'unparseable_date'
            -- the quota is optional (AEs only): a currency is needed only with one
            when
                currencies.currency_code is null
                and (
                    renamed.quota_currency_code is not null
                    or renamed.monthly_quota_amount is not null
                )
                then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.monthly_quota_amount') }}
                then 'amount_out_of_range'
            when renamed.monthly_quota_amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.quota_currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'user_id') }}
)

select * from final
