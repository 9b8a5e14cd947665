with

source as (
    select * from {{ revops.raw('marketing', 'touches') }}
),

renamed as (
    select
        {{ revops.clean_text('touch_id') }} as touch_id,
        {{ revops.clean_text('contact_id') }} as contact_id,
        {{ revops.clean_code('touch_type') }} as touch_type,
        {{ revops.clean_code('utm_source') }} as utm_source,
        {{ revops.clean_code('utm_medium') }} as utm_medium,
        {{ revops.clean_code('utm_campaign') }} as utm_campaign,
        occurred_at as occurred_at_raw,
        {{ revops.parse_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        *,
        case
            when touch_id is null then 'missing_key'
            when _loaded_at is null then 'missing_load_time'
            when is_deleted_in_source then 'deleted_in_source'
            -- occurred_at is required: missing counts as unparseable
            when {{ revops.has_unparseable_date(['occurred_at'], required=['occurred_at']) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('occurred_at', '_loaded_at') }}
                then 'date_after_load'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'touch_id') }}
)

select * from final
