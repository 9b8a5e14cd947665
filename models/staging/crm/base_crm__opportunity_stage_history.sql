with

source as (
    select * from {{ revops.raw('crm', 'opportunity_stage_history') }}
),

renamed as (
    select
        {{ revops.clean_text('history_id') }} as history_id,
        {{ revops.clean_text('opportunity_id') }} as opportunity_id,
        {{ revops.clean_code('stage_name') }} as stage_name,
        {{ revops.clean_text('changed_by_user_id') }} as changed_by_user_id,
        -- kept as given: out-of-order stage timestamps are a soft issue for later layers
        entered_at as entered_at_raw,
        {{ revops.parse_timestamp('entered_at') }} as entered_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.history_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- entered_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.entered_at'], required=['renamed.entered_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('renamed.entered_at', 'renamed._loaded_at') }}
                then 'date_after_load'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'history_id') }}
)

select * from final
