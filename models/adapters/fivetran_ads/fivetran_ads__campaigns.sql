{{ config(enabled=revops.adapter_enabled('marketing', 'fivetran_ads')) }}
{#- The campaigns of the ad platforms the company uses (revops_sources.marketing.schema),
    each at its latest version, as marketing.campaigns: ids prefixed with the platform,
    the account's currency, Meta's lifetime budget (Google and LinkedIn hold none for the
    campaign), no utm_campaign (UTMs live on ads and creatives). -#}
{%- set parts = [] -%}
{%- for part in ['google_ads', 'linkedin_ads', 'facebook_ads']
    if revops.source_part_on('marketing', part) -%}
    {%- do parts.append(part) -%}
{%- endfor -%}

with

{% if 'google_ads' in parts %}
    google_accounts as (
        select * from (
            select
                *,
                row_number() over (partition by id order by updated_at desc) as version_rank
            from {{ source('fivetran_ads_google_ads', 'account_history') }}
        ) as versions
        where version_rank = 1
    ),

    google_campaigns as (
        select * from (
            select
                *,
                row_number() over (partition by id order by updated_at desc) as version_rank
            from {{ source('fivetran_ads_google_ads', 'campaign_history') }}
        ) as versions
        where version_rank = 1
    ),

    google as (
        select
            {{ dbt.concat(["'google_ads:'", revops.id_text('campaigns.id')]) }} as campaign_id,
            campaigns.name as campaign_name,
            'paid_search' as channel,
            'google' as utm_source,
            'cpc' as utm_medium,
            cast(null as decimal(18, 2)) as budget_amount,
            upper(ad_accounts.currency_code) as currency_code,
            cast(campaigns.start_date as {{ revops.type_varchar() }}) as started_on,
            cast(nullif(campaigns.end_date, '2037-12-30') as {{ revops.type_varchar() }})
                as ended_on,
            campaigns._fivetran_synced as _loaded_at
        from google_campaigns as campaigns
        left join google_accounts as ad_accounts on campaigns.customer_id = ad_accounts.id
    ),
{% endif %}

{% if 'linkedin_ads' in parts %}
    linkedin_accounts as (
        select * from (
            select
                *,
                row_number() over (partition by id order by last_modified_time desc) as version_rank
            from {{ source('fivetran_ads_linkedin_ads', 'account_history') }}
        ) as versions
        where version_rank = 1
    ),

    linkedin_campaigns as (
        select * from (
            select
                *,
                row_number() over (partition by id order by last_modified_time desc) as version_rank
            from {{ source('fivetran_ads_linkedin_ads', 'campaign_history') }}
        ) as versions
        where version_rank = 1
    ),

    linkedin as (
        select
            {{ dbt.concat(["'linkedin_ads:'", revops.id_text('campaigns.id')]) }} as campaign_id,
            campaigns.name as campaign_name,
            'paid_social' as channel,
            'linkedin' as utm_source,
            'paid_social' as utm_medium,
            cast(null as decimal(18, 2)) as budget_amount,
            upper(ad_accounts.currency) as currency_code,
            cast(cast(campaigns.run_schedule_start as date) as {{ revops.type_varchar() }})
                as started_on,
            cast(cast(campaigns.run_schedule_end as date) as {{ revops.type_varchar() }})
                as ended_on,
            campaigns._fivetran_synced as _loaded_at
        from linkedin_campaigns as campaigns
        left join linkedin_accounts as ad_accounts on campaigns.account_id = ad_accounts.id
    ),
{% endif %}

{% if 'facebook_ads' in parts %}
    facebook_accounts as (
        select * from (
            select
                *,
                row_number() over (partition by id order by _fivetran_synced desc) as version_rank
            from {{ source('fivetran_ads_facebook_ads', 'account_history') }}
        ) as versions
        where version_rank = 1
    ),

    facebook_campaigns as (
        select * from (
            select
                *,
                row_number() over (partition by id order by updated_time desc) as version_rank
            from {{ source('fivetran_ads_facebook_ads', 'campaign_history') }}
        ) as versions
        where version_rank = 1
    ),

    facebook as (
        select
            {{ dbt.concat(["'facebook_ads:'", revops.id_text('campaigns.id')]) }} as campaign_id,
            campaigns.name as campaign_name,
            'paid_social' as channel,
            'facebook' as utm_source,
            'paid_social' as utm_medium,
            {{ revops.minor_to_major('campaigns.lifetime_budget', 'ad_accounts.currency') }}
                as budget_amount,
            upper(ad_accounts.currency) as currency_code,
            cast(cast(campaigns.start_time as date) as {{ revops.type_varchar() }}) as started_on,
            cast(cast(campaigns.stop_time as date) as {{ revops.type_varchar() }}) as ended_on,
            campaigns._fivetran_synced as _loaded_at
        from facebook_campaigns as campaigns
        left join facebook_accounts as ad_accounts on campaigns.account_id = ad_accounts.id
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
        campaign_id,
        campaign_name,
        channel,
        utm_source,
        utm_medium,
        cast(null as {{ revops.type_varchar() }}) as utm_campaign,
        budget_amount,
        currency_code,
        started_on,
        ended_on,
        _loaded_at,
        false as _deleted
    from unioned
)

select * from final
