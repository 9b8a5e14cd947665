{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_salesforce')) }}
{#- Salesforce accounts as crm.accounts. Deleted accounts (is_deleted) stay, flagged, for
    staging to reject and count. The domain is the website without its scheme, www. and
    path; the country is ISO when the billing country holds two letters, else mapped by name
    (seeds/source_value_map.csv, field `country`). Salesforce has no standard billing
    customer id. -#}
{%- set bare = "replace(replace(lower(trim(accounts.website)), 'https://', ''), 'http://', '')" -%}
{%- set host = "split_part(" ~ bare ~ ", '/', 1)" -%}

with

accounts as (
    select * from {{ source('fivetran_salesforce', 'account') }}
),

value_map as (
    select * from {{ ref('source_value_map') }}
    where adapter = 'fivetran_salesforce'
),

final as (
    select
        {{ revops.id_text('accounts.id') }} as account_id,
        accounts.name as account_name,
        case
            when {{ host }} like 'www.%' then substr({{ host }}, 5)
            else nullif({{ host }}, '')
        end as website_domain,
        lower(accounts.industry) as industry,
        cast(accounts.number_of_employees as integer) as employee_count,
        case
            when
                length(trim(accounts.billing_country)) = 2
                then upper(trim(accounts.billing_country))
            when accounts.billing_country is not null
                then upper({{ revops.mapped_value('country', 'accounts.billing_country') }})
        end as country_code,
        {{ revops.id_text('accounts.owner_id') }} as owner_id,
        cast(null as {{ revops.type_varchar() }}) as billing_customer_id,
        accounts.created_date as created_at,
        accounts._fivetran_synced as _loaded_at,
        coalesce(accounts.is_deleted, false) as _deleted
    from accounts
)

select * from final
