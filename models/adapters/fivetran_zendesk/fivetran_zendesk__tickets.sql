{{ config(enabled=revops.adapter_enabled('support', 'fivetran_zendesk')) }}
{#- Zendesk tickets as support.tickets. Status: new, open, pending and hold are open, solved
    and closed solved; a ticket without a priority is normal; the channel is via_channel
    (email unless it is a chat, messaging or phone channel; a source_value_map row, field
    `channel`, overrides it). First response: the first public comment by an agent or admin
    after creation. Solved: the last time the status became solved (else closed, else the
    ticket's last update) for a ticket solved now. CSAT: the latest good (5) or bad (1)
    rating. The CRM account is the organization's external_id. Deleted tickets
    (_fivetran_deleted, or Zendesk's status deleted) stay, flagged, for staging to reject. -#}
{%- set ts = dbt.type_timestamp() -%}

with

tickets as (
    select * from {{ source('fivetran_zendesk', 'ticket') }}
),

users as (
    select * from {{ source('fivetran_zendesk', 'user') }}
),

organizations as (
    select * from {{ source('fivetran_zendesk', 'organization') }}
),

comments as (
    select * from {{ source('fivetran_zendesk', 'ticket_comment') }}
    where not coalesce(_fivetran_deleted, false)
),

field_history as (
    select * from {{ source('fivetran_zendesk', 'ticket_field_history') }}
    where field_name in ('status', 'satisfaction_score')
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_zendesk'
),

first_responses as (
    select
        comments.ticket_id,
        min(comments.created) as first_response_at
    from comments
    inner join users on comments.user_id = users.id
    inner join tickets on comments.ticket_id = tickets.id
    where
        comments.public
        and users.role in ('agent', 'admin')
        and cast(comments.created as {{ ts }}) > cast(tickets.created_at as {{ ts }})
    group by comments.ticket_id
),

status_changes as (
    select
        ticket_id,
        max(case when value = 'solved' then cast(updated as {{ ts }}) end) as last_solved_at,
        max(case when value = 'closed' then cast(updated as {{ ts }}) end) as last_closed_at
    from field_history
    where field_name = 'status'
    group by ticket_id
),

ratings as (
    select
        ticket_id,
        lower(value) as score,
        row_number() over (partition by ticket_id order by updated desc) as recency
    from field_history
    where
        field_name = 'satisfaction_score'
        and lower(value) not in ('offered', 'unoffered')
),

mapped as (
    select
        tickets.*,
        lower(tickets.status) as zendesk_status,
        {{ revops.mapped_value('channel', 'tickets.via_channel') }} as via_channel_mapped
    from tickets
),

final as (
    select
        {{ revops.id_text('mapped.id') }} as ticket_id,
        users.email as requester_email,
        nullif(trim({{ revops.id_text('organizations.external_id') }}), '') as crm_account_id,
        coalesce(lower(mapped.priority), 'normal') as priority,
        case
            when mapped.via_channel_mapped is null then null
            when mapped.via_channel_mapped in ('email', 'chat', 'phone')
                then mapped.via_channel_mapped
            when mapped.via_channel_mapped in (
                'chat_transcript', 'messaging', 'native_messaging', 'sms', 'whatsapp',
                'messenger', 'instagram_dm', 'line', 'wechat'
            ) then 'chat'
            when mapped.via_channel_mapped in (
                'voice', 'voicemail', 'phone_call_inbound', 'phone_call_outbound'
            ) then 'phone'
            else 'email'
        end as channel,
        case
            when mapped.zendesk_status in ('new', 'open', 'pending', 'hold') then 'open'
            when mapped.zendesk_status in ('solved', 'closed') then 'solved'
            else mapped.zendesk_status
        end as status,
        mapped.created_at as opened_at,
        first_responses.first_response_at,
        case
            when mapped.zendesk_status in ('solved', 'closed')
                then coalesce(
                    status_changes.last_solved_at,
                    status_changes.last_closed_at,
                    cast(mapped.updated_at as {{ ts }})
                )
        end as solved_at,
        cast(
            case
                when ratings.score like 'good%' then 5
                when ratings.score like 'bad%' then 1
            end as integer
        ) as csat_score,
        mapped._fivetran_synced as _loaded_at,
        coalesce(mapped._fivetran_deleted, false)
        or coalesce(mapped.zendesk_status = 'deleted', false) as _deleted
    from mapped
    left join users on mapped.requester_id = users.id
    left join organizations on mapped.organization_id = organizations.id
    left join first_responses on mapped.id = first_responses.ticket_id
    left join status_changes on mapped.id = status_changes.ticket_id
    left join ratings on mapped.id = ratings.ticket_id and ratings.recency = 1
)

select * from final
