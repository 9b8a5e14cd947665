{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- What HubSpot records of a lead's lifecycle, as crm.lifecycle_events: score changes
    (hubspotscore) and sales status changes (hs_lead_status and lifecyclestage, through
    source_value_map fields `lead_status` and `lifecycle_stage`, HubSpot's rows shared with
    fivetran_hubspot: unmapped values pass through and no definition matches them), from
    contacts_property_history (timestamps in epoch milliseconds). Who set a status is the
    owner whose HubSpot user id set it (updated-by-user-id). Airbyte has no form
    submissions per contact, and HubSpot records no page views and no rejection reason. -#}
with

history as (
    select * from {{ source('airbyte_hubspot', 'contacts_property_history') }}
    where
        property in ('hubspotscore', 'hs_lead_status', 'lifecyclestage')
        and nullif(trim(value), '') is not null
),

owner_users as (
    {{ revops.airbyte_hubspot_owner_users() }}
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            revops.id_text('history.vid'), "'|'", 'history.property', "'|'",
            revops.id_text('history.timestamp'), "'|'", 'history.value'
        ])) }} as event_id,
        {{ revops.id_text('history.vid') }} as contact_id,
        case when history.property = 'hubspotscore' then 'score_changed' else 'status_changed' end
            as event_type,
        case
            when history.property = 'hs_lead_status'
                then {{ revops.mapped_value('lead_status', 'history.value') }}
            when history.property = 'lifecyclestage'
                then {{ revops.mapped_value('lifecycle_stage', 'history.value') }}
        end as event_detail,
        case
            when history.property = 'hubspotscore'
                then cast({{ revops.airbyte_number('history.value') }} as integer)
        end as score,
        cast(null as {{ revops.type_varchar() }}) as reason,
        owner_users.owner_id as user_id,
        {{ revops.epoch_ms_to_timestamp('history.timestamp') }} as occurred_at,
        {{ revops.utc_timestamp('history._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from history
    left join owner_users
        on {{ revops.airbyte_id('history.updated_by_user_id') }} = owner_users.hubspot_user_id
)

select * from final
