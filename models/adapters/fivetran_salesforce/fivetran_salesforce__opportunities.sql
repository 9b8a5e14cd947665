{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Salesforce opportunities as crm.opportunities. StageName and LeadSource map through
    seeds/source_value_map.csv fields `opportunity_stage` and `lead_source` (Salesforce's
    default picklists are mapped; add a company's own values there); is_closed and is_won are Salesforce's own (its stages define them). A closed
    deal closed when it entered its current stage (OpportunityHistory), else on its close
    date. The primary contact is the lead converted into the deal. Read when the table has
    them: currency_iso_code (multi-currency orgs; otherwise the org is taken to book in the
    reporting currency) and a custom Loss_Reason__c (loss_reason_c, through field
    `loss_reason`; Salesforce has no standard loss reason). -#}
{%- set columns = [] -%}
{%- if execute -%}
    {%- set relation = source('fivetran_salesforce', 'opportunity') -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do columns.append(column.name | lower) -%}
    {%- endfor -%}
{%- endif -%}

with

opportunities as (
    select * from {{ source('fivetran_salesforce', 'opportunity') }}
),

converted_leads as (
    select
        converted_opportunity_id as opportunity_id,
        min(id) as lead_id
    from {{ source('fivetran_salesforce', 'lead') }}
    where converted_opportunity_id is not null and not coalesce(is_deleted, false)
    group by converted_opportunity_id
),

stage_entered as (
    select
        opportunity_id,
        stage_name,
        max(entered_at) as entered_at
    from {{ ref('fivetran_salesforce__opportunity_stage_history') }}
    where not _deleted
    group by opportunity_id, stage_name
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

mapped as (
    select
        opportunities.*,
        {{ revops.mapped_value('opportunity_stage', 'opportunities.stage_name') }} as revops_stage,
        case
            when opportunities.lead_source is not null
                then {{ revops.mapped_value('lead_source', 'opportunities.lead_source') }}
        end as revops_lead_source
    from opportunities
),

final as (
    select
        {{ revops.id_text('mapped.id') }} as opportunity_id,
        {{ revops.id_text('mapped.account_id') }} as account_id,
        {{ revops.id_text('converted_leads.lead_id') }} as primary_contact_id,
        {{ revops.id_text('mapped.owner_id') }} as owner_id,
        mapped.name as opportunity_name,
        mapped.revops_stage as stage_name,
        cast(mapped.amount as decimal(18, 2)) as amount,
        {% if 'currency_iso_code' in columns -%}
            upper(mapped.currency_iso_code)
        {%- else -%}
            {{ revops.string_literal(revops.definition("reporting_currency")) }}
        {%- endif %} as currency_code,
        mapped.revops_lead_source as lead_source,
        mapped.created_date as created_at,
        cast(mapped.close_date as date) as expected_close_date,
        case
            when coalesce(mapped.is_closed, stages.is_closed, false)
                then coalesce(
                    stage_entered.entered_at,
                    cast(mapped.close_date as {{ dbt.type_timestamp() }})
                )
        end as closed_at,
        coalesce(mapped.is_closed, stages.is_closed, false) as is_closed,
        coalesce(mapped.is_won, stages.is_won, false) as is_won,
        {% if 'loss_reason_c' in columns -%}
            case
                when
                    coalesce(mapped.is_closed, stages.is_closed, false)
                    and not coalesce(mapped.is_won, stages.is_won, false)
                    and nullif(trim(mapped.loss_reason_c), '') is not null
                    then {{ revops.mapped_value('loss_reason', 'mapped.loss_reason_c') }}
            end
        {%- else -%}
            cast(null as {{ revops.type_varchar() }})
        {%- endif %} as loss_reason_code,
        mapped._fivetran_synced as _loaded_at,
        coalesce(mapped.is_deleted, false) as _deleted
    from mapped
    left join stages on mapped.revops_stage = stages.stage_name
    left join converted_leads on mapped.id = converted_leads.opportunity_id
    left join stage_entered
        on
            {{ revops.id_text('mapped.id') }} = stage_entered.opportunity_id
            and mapped.revops_stage = stage_entered.stage_name
)

select * from final
