{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- HubSpot companies as crm.accounts. Deleted companies (is_deleted or _fivetran_deleted)
    stay, flagged, for staging to reject and count. The country is ISO when HubSpot holds
    two letters, else mapped by name (source_value_map, field `country`). -#}
with

companies as (
    select * from {{ source('fivetran_hubspot', 'company') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_hubspot'
),

final as (
    select
        {{ revops.id_text('companies.id') }} as account_id,
        companies.property_name as account_name,
        companies.property_domain as website_domain,
        lower(companies.property_industry) as industry,
        cast(companies.property_numberofemployees as integer) as employee_count,
        case
            when
                length(trim(companies.property_country)) = 2
                then upper(trim(companies.property_country))
            when companies.property_country is not null
                then upper({{ revops.mapped_value('country', 'companies.property_country') }})
        end as country_code,
        {{ revops.id_text('companies.property_hubspot_owner_id') }} as owner_id,
        cast(null as {{ revops.type_varchar() }}) as billing_customer_id,
        companies.property_createdate as created_at,
        companies._fivetran_synced as _loaded_at,
        coalesce(companies.is_deleted, false)
        or coalesce(companies._fivetran_deleted, false) as _deleted
    from companies
)

select * from final
