{#- Credit for each won opportunity, spread over the lead's marketing touches before the
    opportunity was created, under five models. For every model, the credits of one
    opportunity sum to 1 (METRIC_DEFINITIONS.md, "Attribution"):
    first_touch / last_touch (all to one), linear (even), position_based (40 % first,
    40 % last, 20 % over the middle), time_decay (2^(-days before conversion / half-life),
    normalised). -#}
{%- set half_life = revops.definition('attribution.time_decay_half_life_days') -%}

with

opportunities as (
    select * from {{ ref('fct_opportunities') }}
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

won as (
    select
        opportunity_id,
        lead_id,
        created_at as converted_at,
        reporting_amount
    from opportunities
    where is_won and lead_id is not null
),

journey as (
    select
        won.opportunity_id,
        won.reporting_amount,
        touches.touch_id,
        touches.touch_type,
        touches.occurred_at,
        campaigns.campaign_id,
        campaigns.channel,
        {{ revops.datediff('touches.occurred_at', 'won.converted_at', 'second') }} / {{ revops.seconds_per('day') }} -- noqa: LT05
            as days_before_conversion
    from won
    inner join identities
        on won.lead_id = identities.person_id
    inner join touches
        on identities.contact_id = touches.contact_id
    left join campaigns
        on touches.utm_campaign = campaigns.utm_campaign
    where touches.occurred_at <= won.converted_at
),

positioned as (
    select
        journey.*,
        row_number() over (
            partition by journey.opportunity_id order by journey.occurred_at, journey.touch_id
        ) as touch_position,
        count(*) over (partition by journey.opportunity_id) as touch_count,
        power(2.0, -journey.days_before_conversion / {{ half_life }}) as decay_weight
    from journey
),

weighted as (
    select
        positioned.*,
        positioned.decay_weight
        / sum(positioned.decay_weight) over (partition by positioned.opportunity_id) as decay_share
    from positioned
),

{%- set models = {
    'first_touch': "case when touch_position = 1 then 1.0 else 0.0 end",
    'last_touch': "case when touch_position = touch_count then 1.0 else 0.0 end",
    'linear': "1.0 / touch_count",
    'position_based': "case when touch_count = 1 then 1.0 when touch_count = 2 then 0.5
        when touch_position = 1 or touch_position = touch_count then 0.4
        else 0.2 / (touch_count - 2) end",
    'time_decay': "decay_share",
} %}

credited as (
    {% for model, credit in models.items() %}
        select
            opportunity_id,
            touch_id,
            '{{ model }}' as attribution_model,
            touch_type,
            occurred_at,
            campaign_id,
            channel,
            touch_position,
            touch_count,
            days_before_conversion,
            reporting_amount,
            {{ credit }} as credit
        from weighted
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ revops.composite_key(['opportunity_id', 'touch_id', 'attribution_model']) }}
            as attribution_id,
        opportunity_id,
        touch_id,
        attribution_model,
        touch_type,
        occurred_at as touched_at,
        campaign_id,
        channel,
        cast(touch_position as integer) as touch_position,
        cast(touch_count as integer) as touch_count,
        cast(days_before_conversion as {{ revops.type_double() }}) as days_before_conversion,
        cast(credit as {{ revops.type_double() }}) as credit,
        cast(credit * reporting_amount as {{ revops.type_double() }}) as credited_reporting_amount
    from credited
)

select * from final
