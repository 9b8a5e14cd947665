{#- One row per deduplicated lead: where it came from, its fit, every stage it reached with
    when and why, how fast sales responded, and how it ended. -#}
{%- set response_hours = revops.definition('slas.lead_response_hours') -%}

with

lifecycle as (
    select * from {{ ref('int_leads_lifecycle') }}
),

identities as (
    select * from {{ ref('int_contacts_deduplicated') }}
),

touches as (
    select * from {{ ref('int_marketing__touches_validated') }}
),

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

activities as (
    select * from {{ ref('int_crm__activities_validated') }}
),

channels as (
    select * from {{ ref('lead_sources') }}
),

person_touches as (
    select
        identities.person_id,
        touches.touch_id,
        touches.occurred_at,
        campaigns.campaign_id
    from touches
    inner join identities
        on touches.contact_id = identities.contact_id
    left join campaigns
        on touches.utm_campaign = campaigns.utm_campaign
),

ranked_touches as (
    select
        person_touches.person_id,
        person_touches.campaign_id,
        person_touches.occurred_at,
        row_number() over (
            partition by person_touches.person_id
            order by person_touches.occurred_at, person_touches.touch_id
        ) as first_rank,
        row_number() over (
            partition by person_touches.person_id
            order by person_touches.occurred_at desc, person_touches.touch_id desc
        ) as last_rank
    from person_touches
    inner join lifecycle
        on person_touches.person_id = lifecycle.person_id
    -- The last touch is the last one before the lead converted to an opportunity.
    where
        person_touches.occurred_at
        <= coalesce(lifecycle.opportunity_at, person_touches.occurred_at)
),

-- The first sales activity after the lead was created (whether or not it was an MQL then),
-- and the first at or after its MQL.
first_response as (
    select
        lifecycle.person_id,
        min(activities.occurred_at) as first_response_at,
        min(
            case when activities.occurred_at >= lifecycle.mql_at then activities.occurred_at end
        ) as first_mql_response_at
    from lifecycle
    inner join identities
        on lifecycle.person_id = identities.person_id
    inner join activities
        on identities.contact_id = activities.contact_id
    where
        activities.user_id is not null
        and activities.occurred_at >= lifecycle.created_at
    group by lifecycle.person_id
),

joined as (
    select
        lifecycle.*,
        first_touch.campaign_id as first_touch_campaign_id,
        first_touch.occurred_at as first_touch_at,
        last_touch.campaign_id as last_touch_campaign_id,
        last_touch.occurred_at as last_touch_at,
        first_response.first_response_at,
        first_response.first_mql_response_at,
        channels.channel_group
    from lifecycle
    left join ranked_touches as first_touch
        on lifecycle.person_id = first_touch.person_id and first_touch.first_rank = 1
    left join ranked_touches as last_touch
        on lifecycle.person_id = last_touch.person_id and last_touch.last_rank = 1
    left join first_response
        on lifecycle.person_id = first_response.person_id
    left join channels
        on lifecycle.lead_source = channels.lead_source
),

final as (
    select
        person_id as lead_id,
        created_at,
        cast(created_at as date) as created_date,
        coalesce(lead_source, 'unknown') as lead_source,
        lead_source is not null as has_lead_source,
        coalesce(channel_group, 'unknown') as channel_group,
        first_touch_campaign_id,
        first_touch_at,
        last_touch_campaign_id,
        last_touch_at,
        owner_id,
        email_domain,
        company_size,
        industry,
        country_code,
        seniority,
        is_fit_company_size,
        is_fit_country,
        is_fit_seniority,
        is_fit_email_domain,
        is_fit,
        qualifying_at,
        qualifying_cause,
        mql_at,
        mql_cause,
        sal_at,
        sal_cause,
        rejected_at,
        rejection_reason,
        sql_at,
        sql_cause,
        opportunity_id,
        opportunity_at,
        opportunity_cause,
        won_at,
        lost_at,
        loss_reason_code,
        is_missing_loss_reason,
        entry_stage,
        has_skipped_stage,
        has_out_of_order_stages,
        first_response_at,
        cast(
            {{ revops.datediff('created_at', 'first_response_at', 'second') }} / {{ revops.seconds_per('hour') }} -- noqa: LT05
            as {{ revops.type_double() }}
        ) as response_hours,
        coalesce(
            {{ revops.datediff('created_at', 'first_response_at', 'second') }} -- noqa: LT05
            <= {{ response_hours }} * 3600,
            false
        ) as is_response_sla_met,
        first_mql_response_at,
        cast(
            {{ revops.datediff('mql_at', 'first_mql_response_at', 'second') }} / {{ revops.seconds_per('hour') }} -- noqa: LT05
            as {{ revops.type_double() }}
        ) as mql_response_hours,
        case
            when mql_at is null then null
            when first_mql_response_at is null then false
            else
                {{ revops.datediff('mql_at', 'first_mql_response_at', 'second') }} -- noqa: LT05
                <= {{ response_hours }} * 3600
        end as is_mql_response_sla_met,
        {% for name, start, stop in [
            ('lead_to_mql', 'created_at', 'mql_at'),
            ('mql_to_sal', 'mql_at', 'sal_at'),
            ('sal_to_sql', 'sal_at', 'sql_at'),
            ('sql_to_opportunity', 'sql_at', 'opportunity_at'),
            ('opportunity_to_close', 'opportunity_at', 'coalesce(won_at, lost_at)'),
        ] %}
            cast(
                {{ revops.datediff(start, stop, 'second') }} / {{ revops.seconds_per('day') }} as {{ revops.type_double() }} -- noqa: LT05
            ) as days_{{ name }},
        {% endfor %}
        case
            when won_at is not null then 'won'
            when lost_at is not null then 'lost'
            when opportunity_at is not null then 'opportunity'
            when sql_at is not null then 'sql'
            when sal_at is not null then 'sal'
            when rejected_at is not null then 'rejected'
            when mql_at is not null then 'mql'
            else 'lead'
        end as outcome
    from joined
)

select * from final
