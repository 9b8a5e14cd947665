with

source as (
    select * from {{ revops.raw('support', 'tickets') }}
),

renamed as (
    select
        {{ revops.clean_text('ticket_id') }} as ticket_id,
        {{ revops.normalize_email('requester_email') }} as requester_email,
        {{ revops.email_domain(revops.normalize_email('requester_email')) }}
            as requester_email_domain,
        {{ revops.clean_text('crm_account_id') }} as crm_account_id,
        {{ revops.clean_code('priority') }} as priority,
        {{ revops.clean_code('channel') }} as channel,
        {{ revops.clean_code('status') }} as status,
        opened_at as opened_at_raw,
        {{ revops.parse_timestamp('opened_at') }} as opened_at,
        first_response_at as first_response_at_raw,
        {{ revops.parse_timestamp('first_response_at') }} as first_response_at,
        solved_at as solved_at_raw,
        {{ revops.parse_timestamp('solved_at') }} as solved_at,
        csat_score,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('ticket_id')) }} as key_rank
    from source
),

final as (
    select
        *,
        case
            when ticket_id is null then 'missing_key'
            when is_deleted_in_source then 'deleted_in_source'
            when key_rank > 1 then 'duplicate_key'
            -- opened_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['opened_at', 'first_response_at', 'solved_at'], required=['opened_at']
                ) }}
                then 'unparseable_date'
        end as rejection_reason
    from renamed
)

select * from final
