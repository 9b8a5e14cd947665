{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Salesforce tasks and events as crm.activities. Events are meetings; a task is a call
    (subtype Call, else type Call: direction from call_type, Internal is null) or an email
    (subtype Email or ListEmail, else type Email: direction not recorded), or a meeting by
    type; other tasks (to-dos) are not activities and are left out. The contact is the
    WhoId (a lead or a contact; a contact a lead converted into is that lead, as in
    crm.contacts); the opportunity is the WhatId when it is one (key prefix 006). Deleted
    rows (is_deleted) stay, flagged, for staging to reject and count. -#}
with

tasks as (
    select
        id,
        who_id,
        what_id,
        account_id,
        owner_id,
        case
            when lower(task_subtype) in ('email', 'listemail') then 'email'
            when lower(task_subtype) = 'call' then 'call'
            when lower(type) = 'email' then 'email'
            when lower(type) = 'call' then 'call'
            when lower(type) = 'meeting' then 'meeting'
        end as activity_type,
        lower(trim(call_type)) as call_type,
        coalesce(call_disposition, status) as outcome,
        coalesce(
            completed_date_time,
            cast(activity_date as {{ dbt.type_timestamp() }}),
            created_date
        ) as occurred_at,
        _fivetran_synced,
        is_deleted
    from {{ source('fivetran_salesforce', 'task') }}
),

events as (
    select
        id,
        who_id,
        what_id,
        account_id,
        owner_id,
        'meeting' as activity_type,
        cast(null as {{ revops.type_varchar() }}) as call_type,
        cast(null as {{ revops.type_varchar() }}) as outcome,
        coalesce(start_date_time, created_date) as occurred_at,
        _fivetran_synced,
        is_deleted
    from {{ source('fivetran_salesforce', 'event') }}
),

activities as (
    select * from tasks
    where activity_type is not null
    union all
    select * from events
),

converted_contacts as (
    select
        converted_contact_id as contact_id,
        min(id) as lead_id
    from {{ source('fivetran_salesforce', 'lead') }}
    where converted_contact_id is not null and not coalesce(is_deleted, false)
    group by converted_contact_id
),

final as (
    select
        {{ revops.id_text('activities.id') }} as activity_id,
        {{ revops.id_text('coalesce(converted_contacts.lead_id, activities.who_id)') }}
            as contact_id,
        {{ revops.id_text('activities.account_id') }} as account_id,
        case
            when activities.what_id like '006%' then {{ revops.id_text('activities.what_id') }}
        end as opportunity_id,
        {{ revops.id_text('activities.owner_id') }} as user_id,
        activities.activity_type,
        case
            when
                activities.activity_type = 'call'
                and activities.call_type in ('inbound', 'outbound')
                then activities.call_type
        end as direction,
        activities.outcome,
        activities.occurred_at,
        activities._fivetran_synced as _loaded_at,
        coalesce(activities.is_deleted, false) as _deleted
    from activities
    left join converted_contacts on activities.who_id = converted_contacts.contact_id
)

select * from final
