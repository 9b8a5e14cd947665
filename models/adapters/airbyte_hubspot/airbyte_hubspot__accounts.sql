{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- HubSpot companies as crm.accounts. The stream reads live companies only: a company
    deleted in HubSpot keeps its last row (archived false) and is not seen as deleted. The
    country is ISO when HubSpot holds two letters, else mapped by name (source_value_map,
    field `country`, HubSpot's rows shared with fivetran_hubspot). -#}
with

companies as (
    select * from {{ source('airbyte_hubspot', 'companies') }}
),

value_map as (
    {{ revops.value_map_of(['airbyte_hubspot', 'fivetran_hubspot']) }}
),

final as (
    select
        {{ revops.id_text('companies.id') }} as account_id,
        companies.properties_name as account_name,
        companies.properties_domain as website_domain,
        lower(companies.properties_industry) as industry,
        cast({{ revops.airbyte_number('companies.properties_numberofemployees') }} as integer)
            as employee_count,
        case
            when length(trim(companies.properties_country)) = 2
                then upper(trim(companies.properties_country))
            when companies.properties_country is not null
                then upper({{ revops.mapped_value('country', 'companies.properties_country') }})
        end as country_code,
        {{ revops.airbyte_id('companies.properties_hubspot_owner_id') }} as owner_id,
        cast(null as {{ revops.type_varchar() }}) as billing_customer_id,
        {{ revops.utc_timestamp('companies.properties_createdate') }} as created_at,
        {{ revops.utc_timestamp('companies._airbyte_extracted_at') }} as _loaded_at,
        coalesce(companies.archived, false) as _deleted
    from companies
)

select * from final
