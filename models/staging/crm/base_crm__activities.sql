with

source as (
    select * from {{ revops.raw('crm', 'activities') }}
),

renamed as (
    select
        {{ revops.clean_text('activity_id') }} as activity_id,
        {{ revops.clean_text('contact_id') }} as contact_id,
        {{ revops.clean_text('account_id') }} as account_id,
        {{ revops.clean_text('opportunity_id') }} as opportunity_id,
        {{ revops.clean_text('user_id') }} as user_id,
        {{ revops.clean_code('activity_type') }} as activity_type,
        {{ revops.clean_code('direction') }} as direction,
        {{ revops.clean_text('outcome') }} as outcome,
        occurred_at as occurred_at_raw,
        {{ revops.parse_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('activity_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.activity_id is null then 'missing_key'
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
