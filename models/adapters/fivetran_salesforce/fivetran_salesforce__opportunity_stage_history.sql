{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Every stage a Salesforce opportunity entered, as crm.opportunity_stage_history, from
    OpportunityHistory: it writes a row on any change of stage, amount, probability or
    close date, so only the rows whose stage differs from the opportunity's previous row
    are kept. StageName maps through seeds/source_value_map.csv field `opportunity_stage`
    (Salesforce's default sales process is mapped); two Salesforce stages of one revops stage in a row
    are one entry. Deleted rows (is_deleted) are compared among themselves and stay,
    flagged, for staging to reject and count. -#}
with

history as (
    select * from {{ source('fivetran_salesforce', 'opportunity_history') }}
    where stage_name is not null
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

mapped as (
    select
        history.id,
        history.opportunity_id,
        {{ revops.mapped_value('opportunity_stage', 'history.stage_name') }} as stage_name,
        history.created_by_id,
        history.created_date,
        history._fivetran_synced,
        coalesce(history.is_deleted, false) as is_deleted
    from history
),

changes as (
    select
        mapped.*,
        lag(mapped.stage_name) over (
            partition by mapped.opportunity_id, mapped.is_deleted
            order by mapped.created_date, mapped.id
        ) as previous_stage_name
    from mapped
),

final as (
    select
        {{ revops.id_text('id') }} as history_id,
        {{ revops.id_text('opportunity_id') }} as opportunity_id,
        stage_name,
        {{ revops.id_text('created_by_id') }} as changed_by_user_id,
        created_date as entered_at,
        _fivetran_synced as _loaded_at,
        is_deleted as _deleted
    from changes
    where previous_stage_name is null or previous_stage_name <> stage_name
)

select * from final
