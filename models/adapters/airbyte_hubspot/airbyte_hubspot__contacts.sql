{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- HubSpot contacts as crm.contacts. The account is the associated company
    (associatedcompanyid), else the first company the contact is associated with. Company
    size is the company's, else the lower bound of the contact's employee range
    (numemployees: '25-50'); industry is the company's; seniority is read from the job
    title; the lead source is HubSpot's original source (hs_analytics_source) through
    source_value_map (field `lead_source`, HubSpot's rows shared with fivetran_hubspot). The
    stream reads live contacts only: a deleted contact keeps its last row (archived false). -#}
with

contacts as (
    select
        contacts.*,
        coalesce(
            {{ revops.airbyte_id('contacts.properties_associatedcompanyid') }},
            {{ revops.json_path_text('contacts.companies', '0') }}
        ) as company_id
    from {{ source('airbyte_hubspot', 'contacts') }} as contacts
),

companies as (
    select * from {{ source('airbyte_hubspot', 'companies') }}
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

final as (
    select
        {{ revops.id_text('contacts.id') }} as contact_id,
        contacts.company_id as account_id,
        contacts.properties_email as email,
        contacts.properties_firstname as first_name,
        contacts.properties_lastname as last_name,
        contacts.properties_jobtitle as job_title,
        {{ revops.seniority_from_title('contacts.properties_jobtitle') }} as seniority,
        coalesce(contacts.properties_company, companies.properties_name) as company_name,
        coalesce(
            cast({{ revops.airbyte_number('companies.properties_numberofemployees') }} as integer),
            {{ revops.leading_integer('contacts.properties_numemployees') }}
        ) as company_size,
        lower(companies.properties_industry) as industry,
        case
            when length(trim(contacts.properties_country)) = 2
                then upper(trim(contacts.properties_country))
            when contacts.properties_country is not null
                then upper({{ revops.mapped_value('country', 'contacts.properties_country') }})
        end as country_code,
        case
            when contacts.properties_hs_analytics_source is not null
                then
                    {{ revops.mapped_value(
                        'lead_source', 'contacts.properties_hs_analytics_source'
                    ) }}
        end as lead_source,
        {{ revops.airbyte_id('contacts.properties_hubspot_owner_id') }} as owner_id,
        {{ revops.utc_timestamp('contacts.properties_createdate') }} as created_at,
        {{ revops.utc_timestamp('contacts._airbyte_extracted_at') }} as _loaded_at,
        coalesce(contacts.archived, false) as _deleted
    from contacts
    left join companies on contacts.company_id = {{ revops.id_text('companies.id') }}
)

select * from final
