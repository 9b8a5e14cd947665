with

source as (
    select * from {{ revops.raw('product', 'usage_daily') }}
),

renamed as (
    select
        {{ revops.clean_text('usage_id') }} as usage_id,
        {{ revops.clean_text('customer_id') }} as customer_id,
        usage_date as usage_date_raw,
        {{ revops.parse_date('usage_date') }} as usage_date,
        active_users as active_user_count,
        events as event_count,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.usage_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- usage_date is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.usage_date'], required=['renamed.usage_date']
                ) }}
                then 'unparseable_date'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'usage_id') }}
)

select * from final
