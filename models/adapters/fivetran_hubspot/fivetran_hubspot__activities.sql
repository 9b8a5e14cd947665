{{ config(enabled=revops.adapter_enabled('crm', 'fivetran_hubspot')) }}
{#- HubSpot email, call and meeting engagements as crm.activities, each with its first
    associated contact and deal. Direction and outcome are portal-specific: null. -#}
with

{% for kind in ['email', 'call', 'meeting'] %}
    {{ kind }}s as (
        select
            engagement_id,
            '{{ kind }}' as activity_type,
            property_hs_timestamp as occurred_at,
            property_hubspot_owner_id as owner_id,
            _fivetran_deleted,
            _fivetran_synced
        from {{ source('fivetran_hubspot', 'engagement_' ~ kind) }}
    ),
{% endfor %}

engagements as (
    select * from emails
    union all
    select * from calls
    union all
    select * from meetings
),

engagement_contacts as (
    select
        engagement_id,
        min(contact_id) as contact_id
    from {{ source('fivetran_hubspot', 'engagement_contact') }}
    group by engagement_id
),

engagement_deals as (
    select
        engagement_id,
        min(deal_id) as deal_id
    from {{ source('fivetran_hubspot', 'engagement_deal') }}
    group by engagement_id
),

final as (
    select
        {{ revops.id_text('engagements.engagement_id') }} as activity_id,
        {{ revops.id_text('engagement_contacts.contact_id') }} as contact_id,
        cast(null as {{ revops.type_varchar() }}) as account_id,
        {{ revops.id_text('engagement_deals.deal_id') }} as opportunity_id,
        {{ revops.id_text('engagements.owner_id') }} as user_id,
        engagements.activity_type,
        cast(null as {{ revops.type_varchar() }}) as direction,
        cast(null as {{ revops.type_varchar() }}) as outcome,
        engagements.occurred_at,
        engagements._fivetran_synced as _loaded_at,
        coalesce(engagements._fivetran_deleted, false) as _deleted
    from engagements
    left join engagement_contacts on engagements.engagement_id = engagement_contacts.engagement_id
    left join engagement_deals on engagements.engagement_id = engagement_deals.engagement_id
)

select * from final
