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
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        *,
        case
            when ticket_id is null then 'missing_key'
            when _loaded_at is null then 'missing_load_time'
            when is_deleted_in_source then 'deleted_in_source'
            -- opened_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['opened_at', 'first_response_at', 'solved_at'], required=['opened_at']
                ) }}
                then 'unparseable_date'
            when {{ revops.is_after_load('opened_at', '_loaded_at') }}
                then 'date_after_load'
            when csat_score not between 1 and 5 then 'value_out_of_range'
        end as row_defect
    from renamed
),

final as (
    {{ revops.keep_latest_valid('judged', 'ticket_id') }}
)

select * from final
