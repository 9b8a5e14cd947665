{{ config(enabled=revops.adapter_enabled('crm', 'airbyte_hubspot')) }}
{#- HubSpot email, call and meeting engagements (CRM v3 streams) as crm.activities, each
    with the first contact, company and deal of its association arrays. Direction and
    outcome are portal-specific: null. The streams read live engagements only: a deleted
    one keeps its last row (archived false). -#}
with

{% for stream, kind in [('emails', 'email'), ('calls', 'call'), ('meetings', 'meeting')] %}
    {{ stream }} as (
        select
            id,
            '{{ kind }}' as activity_type,
            {{ revops.json_path_text('contacts', '0') }} as contact_id,
            {{ revops.json_path_text('companies', '0') }} as company_id,
            {{ revops.json_path_text('deals', '0') }} as deal_id,
            properties_hs_timestamp as occurred_at,
            properties_hubspot_owner_id as owner_id,
            archived,
            _airbyte_extracted_at
        from {{ source('airbyte_hubspot', 'engagements_' ~ stream) }}
    ),
{% endfor %}

engagements as (
    select * from emails
    union all
    select * from calls
    union all
    select * from meetings
),

final as (
    select
        {{ revops.id_text('engagements.id') }} as activity_id,
        engagements.contact_id,
        engagements.company_id as account_id,
        engagements.deal_id as opportunity_id,
        {{ revops.airbyte_id('engagements.owner_id') }} as user_id,
        engagements.activity_type,
        cast(null as {{ revops.type_varchar() }}) as direction,
        cast(null as {{ revops.type_varchar() }}) as outcome,
        {{ revops.utc_timestamp('engagements.occurred_at') }} as occurred_at,
        {{ revops.utc_timestamp('engagements._airbyte_extracted_at') }} as _loaded_at,
        coalesce(engagements.archived, false) as _deleted
    from engagements
)

select * from final
