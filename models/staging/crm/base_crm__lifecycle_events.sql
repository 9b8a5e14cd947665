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
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('event_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.event_id is null then 'missing_key'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when renamed.key_rank > 1 then 'duplicate_key'
            -- occurred_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.occurred_at'], required=['renamed.occurred_at']
                ) }}
                then 'unparseable_date'
        end as rejection_reason
    from renamed
)

select * from final
