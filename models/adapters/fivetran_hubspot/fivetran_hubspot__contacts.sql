{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- HubSpot contacts as crm.contacts. Company size is the associated company's, else the
    lower bound of the contact's employee range (numemployees: '25-50'); industry is the
    company's; seniority is read from the job title; the lead source is HubSpot's original
    source (hs_analytics_source) through source_value_map (field `lead_source`). -#}
with

contacts as (
    select * from {{ source('fivetran_hubspot', 'contact') }}
),

companies as (
    select * from {{ source('fivetran_hubspot', 'company') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

final as (
    select
        {{ revops.id_text('contacts.id') }} as contact_id,
        {{ revops.id_text('contacts.property_associatedcompanyid') }} as account_id,
        contacts.property_email as email,
        contacts.property_firstname as first_name,
        contacts.property_lastname as last_name,
        contacts.property_jobtitle as job_title,
        {{ revops.seniority_from_title('contacts.property_jobtitle') }} as seniority,
        coalesce(contacts.property_company, companies.property_name) as company_name,
        coalesce(
            cast(companies.property_numberofemployees as integer),
            {{ revops.leading_integer('contacts.property_numemployees') }}
        ) as company_size,
        lower(companies.property_industry) as industry,
        case
            when
                length(trim(contacts.property_country)) = 2
                then upper(trim(contacts.property_country))
            when contacts.property_country is not null
                then upper({{ revops.mapped_value('country', 'contacts.property_country') }})
        end as country_code,
        case
            when contacts.property_hs_analytics_source is not null
                then
                    {{ revops.mapped_value(
                        'lead_source', 'contacts.property_hs_analytics_source'
                    ) }}
        end as lead_source,
        {{ revops.id_text('contacts.property_hubspot_owner_id') }} as owner_id,
        contacts.property_createdate as created_at,
        contacts._fivetran_synced as _loaded_at,
        coalesce(contacts._fivetran_deleted, false) as _deleted
    from contacts
    left join companies on contacts.property_associatedcompanyid = companies.id
)

select * from final
