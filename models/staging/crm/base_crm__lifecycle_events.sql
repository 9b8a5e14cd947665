with

source as (
    select * from {{ revops.raw('crm', 'lifecycle_events') }}
),

renamed as (
    select
        {{ revops.clean_text('event_id') }} as event_id,
        {{ revops.clean_text('contact_id') }} as contact_id,
        {{ revops.clean_code('event_type') }} as event_type,
        {{ revops.clean_code('event_detail') }} as event_detail,
        score,
        {{ revops.clean_code('reason') }} as sales_rejection_reason,
        {{ revops.clean_text('user_id') }} as user_id,
        occurred_at as occurred_at_raw,
        {{ revops.parse_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.event_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- occurred_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.occurred_at'], required=['renamed.occurred_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('renamed.occurred_at', 'renamed._loaded_at') }}
                then 'date_after_load'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'event_id') }}
)

select * from final
