{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- HubSpot deals as crm.opportunities. The stage is the deal's pipeline stage id through
    source_value_map (field `deal_stage`; HubSpot's default pipeline is mapped, a company's
    own stages are added there); closed and won follow seeds/opportunity_stages.csv. A
    closed deal closed when it entered its closed stage (deal_stage), else on its close
    date. Account and primary contact: the first associated company and contact. -#}
with

deals as (
    select * from {{ source('fivetran_hubspot', 'deal') }}
),

deal_companies as (
    select
        deal_id,
        min(company_id) as company_id
    from {{ source('fivetran_hubspot', 'deal_company') }}
    group by deal_id
),

deal_contacts as (
    select
        deal_id,
        min(contact_id) as contact_id
    from {{ source('fivetran_hubspot', 'deal_contact') }}
    group by deal_id
),

stage_entered as (
    select
        deal_id,
        value as stage_id,
        max(date_entered) as entered_at
    from {{ source('fivetran_hubspot', 'deal_stage') }}
    group by deal_id, value
),

contacts as (
    select * from {{ ref('fivetran_hubspot__contacts') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

mapped as (
    select
        deals.*,
        {{ revops.mapped_value('deal_stage', 'deals.deal_pipeline_stage_id') }} as stage_name,
        deal_companies.company_id,
        deal_contacts.contact_id,
        stage_entered.entered_at as current_stage_entered_at
    from deals
    left join deal_companies on deals.deal_id = deal_companies.deal_id
    left join deal_contacts on deals.deal_id = deal_contacts.deal_id
    left join stage_entered
        on
            deals.deal_id = stage_entered.deal_id
            and deals.deal_pipeline_stage_id = stage_entered.stage_id
),

final as (
    select
        {{ revops.id_text('mapped.deal_id') }} as opportunity_id,
        {{ revops.id_text('mapped.company_id') }} as account_id,
        {{ revops.id_text('mapped.contact_id') }} as primary_contact_id,
        {{ revops.id_text('mapped.owner_id') }} as owner_id,
        mapped.property_dealname as opportunity_name,
        mapped.stage_name,
        cast(mapped.property_amount as decimal(18, 2)) as amount,
        contacts.lead_source,
        mapped.property_createdate as created_at,
        cast(mapped.property_closedate as date) as expected_close_date,
        mapped._fivetran_synced as _loaded_at,
        upper(mapped.property_deal_currency_code) as currency_code,
        case
            when coalesce(stages.is_closed, false)
                then coalesce(mapped.current_stage_entered_at, mapped.property_closedate)
        end as closed_at,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_won, false) as is_won,
        case
            when stages.is_closed and not stages.is_won
                then lower(trim(mapped.property_closed_lost_reason))
        end as loss_reason_code,
        coalesce(mapped.is_deleted, false) or coalesce(mapped._fivetran_deleted, false) as _deleted
    from mapped
    left join stages on mapped.stage_name = stages.stage_name
    left join contacts on {{ revops.id_text('mapped.contact_id') }} = contacts.contact_id
)

select * from final
