{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- Every pipeline stage a HubSpot deal entered (deals_property_history, property
    dealstage), as crm.opportunity_stage_history; who moved it is the owner whose HubSpot
    user id set the stage (updatedByUserId). -#}
with

history as (
    select * from {{ source('airbyte_hubspot', 'deals_property_history') }}
    where property = 'dealstage' and nullif(trim(value), '') is not null
),

owner_users as (
    {{ revops.airbyte_hubspot_owner_users() }}
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

final as (
    select
        {{ dbt.concat([
            revops.id_text('history.dealid'), "'|'", 'history.value', "'|'",
            revops.id_text(revops.utc_timestamp('history.timestamp'))
        ]) }} as history_id,
        {{ revops.id_text('history.dealid') }} as opportunity_id,
        {{ revops.mapped_value('deal_stage', 'history.value') }} as stage_name,
        owner_users.owner_id as changed_by_user_id,
        {{ revops.utc_timestamp('history.timestamp') }} as entered_at,
        {{ revops.utc_timestamp('history._airbyte_extracted_at') }} as _loaded_at,
        false as _deleted
    from history
    left join owner_users
        on {{ revops.airbyte_id('history.updatedbyuserid') }} = owner_users.hubspot_user_id
)

select * from final
