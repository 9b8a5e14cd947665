{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Salesforce leads and contacts as crm.contacts. A lead is the person, before and after
    it converts (contact_id = the lead id; its account is the converted account); the
    contact a lead converted into is the same person and is left out (activities on it are
    moved to the lead). Contacts that never were leads are added, with their account's
    name, size and industry. Seniority is read from the title; the lead source and country
    names go through seeds/source_value_map.csv (fields `lead_source` and `country`). Deleted rows
    (is_deleted) stay, flagged, for staging to reject and count. -#}
with

leads as (
    select * from {{ source('fivetran_salesforce', 'lead') }}
),

contacts as (
    select * from {{ source('fivetran_salesforce', 'contact') }}
),

accounts as (
    select * from {{ source('fivetran_salesforce', 'account') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

lead_people as (
    select
        {{ revops.id_text('leads.id') }} as contact_id,
        {{ revops.id_text('leads.converted_account_id') }} as account_id,
        leads.email,
        leads.first_name,
        leads.last_name,
        leads.title as job_title,
        leads.company as company_name,
        cast(leads.number_of_employees as integer) as company_size,
        lower(leads.industry) as industry,
        leads.country,
        leads.lead_source,
        {{ revops.id_text('leads.owner_id') }} as owner_id,
        leads.created_date as created_at,
        leads._fivetran_synced as _loaded_at,
        coalesce(leads.is_deleted, false) as _deleted
    from leads
),

contact_people as (
    select
        {{ revops.id_text('contacts.id') }} as contact_id,
        {{ revops.id_text('contacts.account_id') }} as account_id,
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.title as job_title,
        accounts.name as company_name,
        cast(accounts.number_of_employees as integer) as company_size,
        lower(accounts.industry) as industry,
        contacts.mailing_country as country,
        contacts.lead_source,
        {{ revops.id_text('contacts.owner_id') }} as owner_id,
        contacts.created_date as created_at,
        contacts._fivetran_synced as _loaded_at,
        coalesce(contacts.is_deleted, false) as _deleted
    from contacts
    left join accounts on contacts.account_id = accounts.id
    -- the contact a (live) lead converted into is that lead
    where not exists (
        select 1 from leads
        where
            leads.converted_contact_id = contacts.id
            and not coalesce(leads.is_deleted, false)
    )
),

people as (
    select * from lead_people
    union all
    select * from contact_people
),

final as (
    select
        people.contact_id,
        people.account_id,
        people.email,
        people.first_name,
        people.last_name,
        people.job_title,
        {{ revops.seniority_from_title('people.job_title') }} as seniority,
        people.company_name,
        people.company_size,
        people.industry,
        case
            when length(trim(people.country)) = 2 then upper(trim(people.country))
            when people.country is not null
                then upper({{ revops.mapped_value('country', 'people.country') }})
        end as country_code,
        case
            when people.lead_source is not null
                then {{ revops.mapped_value('lead_source', 'people.lead_source') }}
        end as lead_source,
        people.owner_id,
        people.created_at,
        people._loaded_at,
        people._deleted
    from people
)

select * from final
