{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- Every pipeline stage a HubSpot deal entered (deal_stage), as
    crm.opportunity_stage_history; who moved it is not recorded: null. -#}
with

deal_stages as (
    select * from {{ source('fivetran_hubspot', 'deal_stage') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

final as (
    select
        {{ dbt.concat([
            revops.id_text('deal_id'), "'|'", 'value', "'|'", revops.id_text('date_entered')
        ]) }} as history_id,
        {{ revops.id_text('deal_id') }} as opportunity_id,
        {{ revops.mapped_value('deal_stage', 'value') }} as stage_name,
        cast(null as {{ revops.type_varchar() }}) as changed_by_user_id,
        date_entered as entered_at,
        _fivetran_synced as _loaded_at,
        false as _deleted
    from deal_stages
)

select * from final
