{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- What HubSpot records of a lead's lifecycle, as crm.lifecycle_events: score changes
    (hubspotscore), sales status changes (hs_lead_status and lifecyclestage, through
    source_value_map fields `lead_status` and `lifecycle_stage`: unmapped values pass
    through and no definition matches them) and form submissions (by title, field `form`).
    HubSpot records no page views and no rejection reason; who changed a status is unknown. -#}
with

history as (
    select * from {{ source('fivetran_hubspot', 'contact_property_history') }}
    where
        name in ('hubspotscore', 'hs_lead_status', 'lifecyclestage')
        and value is not null
),

forms as (
    select * from {{ source('fivetran_hubspot', 'contact_form_submission') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

property_events as (
    select
        {{ dbt.hash(dbt.concat([
            revops.id_text('history.contact_id'), "'|'", 'history.name', "'|'",
            revops.id_text('history.timestamp'), "'|'", 'history.value'
        ])) }} as event_id,
        {{ revops.id_text('history.contact_id') }} as contact_id,
        case when history.name = 'hubspotscore' then 'score_changed' else 'status_changed' end
            as event_type,
        case
            when history.name = 'hs_lead_status'
                then {{ revops.mapped_value('lead_status', 'history.value') }}
            when history.name = 'lifecyclestage'
                then {{ revops.mapped_value('lifecycle_stage', 'history.value') }}
        end as event_detail,
        case
            when history.name = 'hubspotscore'
                then cast(cast(history.value as {{ revops.type_double() }}) as integer)
        end as score,
        history.timestamp as occurred_at,
        history._fivetran_synced as _loaded_at
    from history
),

form_events as (
    select
        {{ dbt.concat(["'form|'", revops.id_text('forms.conversion_id')]) }} as event_id,
        {{ revops.id_text('forms.contact_id') }} as contact_id,
        'form_submitted' as event_type,
        {{ revops.mapped_value('form', 'forms.title') }} as event_detail,
        cast(null as integer) as score,
        forms.timestamp as occurred_at,
        forms._fivetran_synced as _loaded_at
    from forms
),

unioned as (
    select * from property_events
    union all
    select * from form_events
),

final as (
    select
        event_id,
        contact_id,
        event_type,
        event_detail,
        score,
        cast(null as {{ revops.type_varchar() }}) as reason,
        cast(null as {{ revops.type_varchar() }}) as user_id,
        occurred_at,
        _loaded_at,
        false as _deleted
    from unioned
)

select * from final
