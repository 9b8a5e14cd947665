{#- One row per deduplicated person. BI-facing: the email itself stays out (a hash and the
    domain are enough to join and group) unless the definitions set pii.expose_email. -#}
{%- set expose_email = revops.definition('pii.expose_email') -%}

with

lifecycle as (
    select * from {{ ref('int_leads_lifecycle') }}
),

identities as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

canonical as (
    select
        person_id,
        email,
        records_for_person
    from identities
    where is_canonical
),

final as (
    select
        lifecycle.person_id as contact_id,
        {{ revops.keyed_hash('canonical.email') }} as email_hash,
        {% if expose_email %}canonical.email{% else %}cast(null as {{ dbt.type_string() }}){% endif %}
            as email,
        lifecycle.email_domain,
        cast(canonical.records_for_person as integer) as crm_record_count,
        lifecycle.company_size,
        lifecycle.industry,
        lifecycle.country_code,
        lifecycle.seniority,
        coalesce(lifecycle.lead_source, 'unknown') as lead_source,
        lifecycle.owner_id,
        lifecycle.is_fit,
        lifecycle.created_at
    from lifecycle
    inner join canonical
        on lifecycle.person_id = canonical.person_id
)

select * from final
