{{ config(enabled=revops.adapter_enabled('marketing', 'fivetran_ads')) }}
{#- Daily spend per campaign of the ad platforms the company uses, as marketing.ad_spend,
    in the account's currency: Google's cost_micros / 1,000,000 summed over networks and
    devices, LinkedIn's cost in local currency, Meta's spend (basic_campaign report). -#}
{%- set parts = [] -%}
{%- for part in ['google_ads', 'linkedin_ads', 'facebook_ads']
    if revops.source_part_on('marketing', part) -%}
    {%- do parts.append(part) -%}
{%- endfor -%}

with

campaigns as (
    select
        campaign_id,
        currency_code
    from {{ ref('fivetran_ads__campaigns') }}
),

{% if 'google_ads' in parts %}
    google as (
        select
            {{ dbt.concat(["'google_ads:'", revops.id_text('id')]) }} as campaign_id,
            cast(date as date) as spend_date,
            sum(cost_micros) / 1000000.0 as spend_amount,
            sum(impressions) as impressions,
            sum(clicks) as clicks,
            max(_fivetran_synced) as _loaded_at
        from {{ source('fivetran_ads_google_ads', 'campaign_stats') }}
        group by id, cast(date as date)
    ),
{% endif %}

{% if 'linkedin_ads' in parts %}
    linkedin as (
        select
            {{ dbt.concat(["'linkedin_ads:'", revops.id_text('campaign_id')]) }} as campaign_id,
            cast(day as date) as spend_date,
            sum(cost_in_local_currency) as spend_amount,
            sum(impressions) as impressions,
            sum(clicks) as clicks,
            max(_fivetran_synced) as _loaded_at
        from {{ source('fivetran_ads_linkedin_ads', 'ad_analytics_by_campaign') }}
        group by campaign_id, cast(day as date)
    ),
{% endif %}

{% if 'facebook_ads' in parts %}
    facebook as (
        select
            {{ dbt.concat(["'facebook_ads:'", revops.id_text('campaign_id')]) }} as campaign_id,
            cast(date as date) as spend_date,
            sum(spend) as spend_amount,
            sum(impressions) as impressions,
            sum(inline_link_clicks) as clicks,
            max(_fivetran_synced) as _loaded_at
        from {{ source('fivetran_ads_facebook_ads', 'basic_campaign') }}
        group by campaign_id, cast(date as date)
    ),
{% endif %}

unioned as (
    {% for part in parts %}
        select *
        from
            {{ part.split('_')[0] }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.concat(['unioned.campaign_id', "':'", revops.id_text('unioned.spend_date')]) }}
            as spend_id,
        unioned.campaign_id,
        cast(unioned.spend_date as {{ revops.type_varchar() }}) as spend_date,
        cast(unioned.spend_amount as decimal(18, 2)) as spend_amount,
        campaigns.currency_code,
        cast(unioned.impressions as integer) as impressions,
        cast(unioned.clicks as integer) as clicks,
        unioned._loaded_at,
        false as _deleted
    from unioned
    left join campaigns on unioned.campaign_id = campaigns.campaign_id
)

select * from final
