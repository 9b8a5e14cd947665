with

campaigns as (
    select * from {{ ref('stg_marketing__campaigns') }}
),

channels as (
    select * from {{ ref('lead_sources') }}
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        channels.channel_group,
        campaigns.utm_source,
        campaigns.utm_medium,
        campaigns.utm_campaign,
        campaigns.budget_amount,
        campaigns.currency_code,
        campaigns.start_date,
        campaigns.end_date,
        coalesce(channels.is_paid, false) as is_paid
    from campaigns
    left join channels
        on campaigns.channel = channels.lead_source
)

select * from final
