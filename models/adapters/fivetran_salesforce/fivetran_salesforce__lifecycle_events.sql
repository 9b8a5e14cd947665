{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- What Salesforce records of a lead's lifecycle, as crm.lifecycle_events: the tracked
    field changes of LeadHistory. A lead_history field maps to an event type through
    seeds/source_value_map.csv field `lead_history_field` (Status is a status change,
    Account Engagement's pi__score__c a score change; a company tracking another score
    field adds it); a new Status maps through field `lead_status` (Salesforce's default
    Lead Status values, onto the statuses vars.revops.lifecycle names; unmapped values
    pass through and no definition matches them). A converted lead with no status event
    that mapped to the qualified status is qualified on its converted_date (Status history
    may not be tracked). Salesforce records no form fills, page views or rejection
    reasons. -#}
{%- set lc = revops.definition('lifecycle') -%}
{%- set qualified = revops.string_literal(lc.sql.qualified_status) -%}

with

history as (
    select * from {{ source('fivetran_salesforce', 'lead_history') }}
    where new_value is not null
),

leads as (
    select * from {{ source('fivetran_salesforce', 'lead') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

history_fields as (
    select
        source_value as field_name,
        max(revops_value) as event_type
    from value_map
    where field = 'lead_history_field'
    group by source_value
),

history_events as (
    select
        {{ revops.id_text('history.id') }} as event_id,
        {{ revops.id_text('history.lead_id') }} as contact_id,
        history_fields.event_type,
        case
            when history_fields.event_type = 'status_changed'
                then {{ revops.mapped_value('lead_status', 'history.new_value') }}
        end as event_detail,
        case
            when history_fields.event_type = 'score_changed'
                then cast(cast(history.new_value as {{ revops.type_double() }}) as integer)
        end as score,
        {{ revops.id_text('history.created_by_id') }} as user_id,
        history.created_date as occurred_at,
        history._fivetran_synced as _loaded_at,
        coalesce(history.is_deleted, false) as _deleted
    from history
    inner join history_fields on lower(trim(history.field)) = history_fields.field_name
    where history_fields.event_type in ('status_changed', 'score_changed')
),

conversion_events as (
    select
        {{ dbt.concat(["'converted|'", revops.id_text('leads.id')]) }} as event_id,
        {{ revops.id_text('leads.id') }} as contact_id,
        'status_changed' as event_type,
        {{ qualified }} as event_detail,
        cast(null as integer) as score,
        cast(null as {{ revops.type_varchar() }}) as user_id,
        cast(leads.converted_date as {{ dbt.type_timestamp() }}) as occurred_at,
        leads._fivetran_synced as _loaded_at,
        false as _deleted
    from leads
    where
        coalesce(leads.is_converted, false)
        and leads.converted_date is not null
        and not coalesce(leads.is_deleted, false)
        and not exists (
            select 1 from history_events
            where
                history_events.contact_id = {{ revops.id_text('leads.id') }}
                and history_events.event_type = 'status_changed'
                and history_events.event_detail = {{ qualified }}
                and not history_events._deleted
        )
),

unioned as (
    select * from history_events
    union all
    select * from conversion_events
),

final as (
    select
        event_id,
        contact_id,
        event_type,
        event_detail,
        score,
        cast(null as {{ revops.type_varchar() }}) as reason,
        user_id,
        occurred_at,
        _loaded_at,
        _deleted
    from unioned
)

select * from final
