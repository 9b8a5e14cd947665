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
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('history_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.history_id is null then 'missing_key'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when renamed.key_rank > 1 then 'duplicate_key'
            -- entered_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.entered_at'], required=['renamed.entered_at']
                ) }}
                then 'unparseable_date'
        end as rejection_reason
    from renamed
)

select * from final
