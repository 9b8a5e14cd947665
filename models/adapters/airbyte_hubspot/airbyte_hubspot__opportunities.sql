{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- HubSpot deals as crm.opportunities: the live ones (deals) and the deleted ones still in
    HubSpot's recycle bin (deals_archived, flagged deleted). A deal deleted since keeps its
    last row in deals: the latest extraction wins, the archived row on a tie. The stage is
    the deal's stage id through source_value_map (field `deal_stage`, HubSpot's rows shared
    with fivetran_hubspot); closed and won follow seeds/opportunity_stages.csv, else the
    stage's own metadata in deal_pipelines (isClosed; probability 1 is won). A closed deal
    closed when it entered its stage (deals_property_history), else on its close date.
    Account and primary contact: the first company and contact of the association arrays. -#}
with

deals as (
    {% for stream in ['deals', 'deals_archived'] %}
        select
            id,
            archived,
            companies,
            contacts,
            properties_dealname,
            properties_dealstage,
            properties_hubspot_owner_id,
            properties_amount,
            properties_deal_currency_code,
            properties_createdate,
            properties_closedate,
            properties_closed_lost_reason,
            _airbyte_extracted_at
        from {{ source('airbyte_hubspot', stream) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranked as (
    select
        deals.*,
        row_number() over (
            partition by deals.id
            order by deals._airbyte_extracted_at desc, coalesce(deals.archived, false) desc
        ) as recency
    from deals
),

stage_entered as (
    select
        dealid,
        value as stage_id,
        max(timestamp) as entered_at
    from {{ source('airbyte_hubspot', 'deals_property_history') }}
    where property = 'dealstage'
    group by dealid, value
),

pipeline_stages as (
    select
        {{ revops.json_path_text('stage.value', 'stageId') }} as stage_id,
        max(case
            when lower({{ revops.json_path_text('stage.value', 'metadata.isClosed') }}) = 'true'
                then 1
            else 0
        end) = 1 as is_closed,
        max(
            {{ revops.airbyte_number(
                revops.json_path_text('stage.value', 'metadata.probability')
            ) }}
        )
        >= 1 as is_certain
    from {{ source('airbyte_hubspot', 'deal_pipelines') }} as pipelines
    cross join {{ revops.json_array_elements('pipelines.stages', 'stage') }}
    group by {{ revops.json_path_text('stage.value', 'stageId') }}
),

contacts as (
    select * from {{ ref('airbyte_hubspot__contacts') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

mapped as (
    select
        ranked.*,
        {{ revops.mapped_value('deal_stage', 'ranked.properties_dealstage') }} as stage_name,
        {{ revops.json_path_text('ranked.companies', '0') }} as company_id,
        {{ revops.json_path_text('ranked.contacts', '0') }} as contact_id,
        stage_entered.entered_at as current_stage_entered_at
    from ranked
    left join stage_entered
        on
            ranked.id = stage_entered.dealid
            and ranked.properties_dealstage = stage_entered.stage_id
    where ranked.recency = 1
),

classified as (
    select
        mapped.*,
        coalesce(stages.is_closed, pipeline_stages.is_closed, false) as is_closed,
        coalesce(
            stages.is_won, pipeline_stages.is_closed and pipeline_stages.is_certain, false
        ) as is_won
    from mapped
    left join stages on mapped.stage_name = stages.stage_name
    left join pipeline_stages on mapped.properties_dealstage = pipeline_stages.stage_id
),

final as (
    select
        {{ revops.id_text('classified.id') }} as opportunity_id,
        classified.company_id as account_id,
        classified.contact_id as primary_contact_id,
        {{ revops.airbyte_id('classified.properties_hubspot_owner_id') }} as owner_id,
        classified.properties_dealname as opportunity_name,
        classified.stage_name,
        cast({{ revops.airbyte_number('classified.properties_amount') }} as decimal(18, 2))
            as amount,
        upper(classified.properties_deal_currency_code) as currency_code,
        contacts.lead_source,
        {{ revops.utc_timestamp('classified.properties_createdate') }} as created_at,
        cast({{ revops.utc_timestamp('classified.properties_closedate') }} as date)
            as expected_close_date,
        case
            when classified.is_closed
                then coalesce(
                    {{ revops.utc_timestamp('classified.current_stage_entered_at') }},
                    {{ revops.utc_timestamp('classified.properties_closedate') }}
                )
        end as closed_at,
        classified.is_closed,
        classified.is_won,
        case
            when classified.is_closed and not classified.is_won
                then lower(trim(classified.properties_closed_lost_reason))
        end as loss_reason_code,
        {{ revops.utc_timestamp('classified._airbyte_extracted_at') }} as _loaded_at,
        coalesce(classified.archived, false) as _deleted
    from classified
    left join contacts on classified.contact_id = contacts.contact_id
)

select * from final
