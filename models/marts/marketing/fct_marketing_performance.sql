{#- Per campaign and month: spend, touches, and the leads the campaign brought (first touch)
    as they moved through the funnel, with cost per lead, MQL, qualified opportunity and CAC.
    Each stage is counted in the month it was reached. A month after the last closed one (the
    data's as-of) is flagged partial: its counts are the month so far. -#}
with

campaigns as (
    select * from {{ ref('dim_campaigns') }}
),

spend as (
    select * from {{ ref('int_marketing__ad_spend_validated') }}
),

touches as (
    select * from {{ ref('int_marketing__touches_validated') }}
),

leads as (
    select * from {{ ref('fct_lead_funnel') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

rates as (
    select * from {{ ref('int_fx_rates_reporting') }}
),

as_of as (
    select * from {{ ref('int_revenue_as_of') }}
),

spend_monthly as (
    select
        spend.campaign_id,
        cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) as month_start_date,
        sum(spend.spend_amount * rates.to_reporting_rate) as spend_reporting_amount,
        sum(spend.clicks) as clicks,
        sum(spend.impressions) as impressions
    from spend
    left join rates
        on
            cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) = rates.rate_month
            and spend.currency_code = rates.currency_code
    group by 1, 2
),

touches_monthly as (
    select
        campaigns.campaign_id,
        cast({{ dbt.date_trunc('month', 'touches.occurred_at') }} as date) as month_start_date,
        count(*) as touches
    from touches
    inner join campaigns
        on touches.utm_campaign = campaigns.utm_campaign
    group by 1, 2
),

{%- set stages = [
    ('leads', 'created_at'), ('mqls', 'mql_at'), ('sqls', 'sql_at'),
    ('opportunities', 'opportunity_at'), ('won_deals', 'won_at'),
] %}

stage_events as (
    {% for name, column in stages %}
        select
            first_touch_campaign_id as campaign_id,
            cast({{ dbt.date_trunc('month', column) }} as date) as month_start_date,
            '{{ name }}' as funnel_stage,
            opportunity_id
        from leads
        where first_touch_campaign_id is not null and {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

stages_monthly as (
    select
        stage_events.campaign_id,
        stage_events.month_start_date,
        {% for name, column in stages %}
            sum(case when stage_events.funnel_stage = '{{ name }}' then 1 else 0 end)
                as {{ name }},
        {% endfor %}
        sum(
            case
                when stage_events.funnel_stage = 'won_deals'
                    then opportunities.reporting_amount
            end
        ) as won_reporting_amount
    from stage_events
    left join opportunities
        on stage_events.opportunity_id = opportunities.opportunity_id
    group by 1, 2
),

keys as (
    select
        campaign_id,
        month_start_date
    from spend_monthly
    union
    select
        campaign_id,
        month_start_date
    from touches_monthly
    union
    select
        campaign_id,
        month_start_date
    from stages_monthly
),

joined as (
    select
        keys.campaign_id,
        keys.month_start_date,
        campaigns.channel,
        coalesce(spend_monthly.spend_reporting_amount, 0) as spend,
        coalesce(spend_monthly.clicks, 0) as clicks,
        coalesce(spend_monthly.impressions, 0) as impressions,
        coalesce(touches_monthly.touches, 0) as touches,
        {% for name, column in stages %}
            coalesce(stages_monthly.{{ name }}, 0) as {{ name }},
        {% endfor %}
        coalesce(stages_monthly.won_reporting_amount, 0) as won_amount,
        keys.month_start_date > as_of.last_closed_month_start_date as is_partial_month
    from keys
    cross join as_of
    inner join campaigns
        on keys.campaign_id = campaigns.campaign_id
    left join spend_monthly
        on
            keys.campaign_id = spend_monthly.campaign_id
            and keys.month_start_date = spend_monthly.month_start_date
    left join touches_monthly
        on
            keys.campaign_id = touches_monthly.campaign_id
            and keys.month_start_date = touches_monthly.month_start_date
    left join stages_monthly
        on
            keys.campaign_id = stages_monthly.campaign_id
            and keys.month_start_date = stages_monthly.month_start_date
),

final as (
    select
        {{ revops.composite_key(['campaign_id', 'month_start_date']) }} as campaign_month_key,
        campaign_id,
        month_start_date,
        channel,
        cast(spend as decimal(18, 2)) as spend_reporting_amount,
        cast(clicks as bigint) as clicks,
        cast(impressions as bigint) as impressions,
        cast(touches as bigint) as touches,
        {% for name, column in stages %}
            cast({{ name }} as bigint) as {{ name }},
        {% endfor %}
        cast(won_amount as decimal(18, 2)) as won_reporting_amount,
        cast(spend / nullif(leads, 0) as decimal(18, 2)) as cost_per_lead,
        cast(spend / nullif(mqls, 0) as decimal(18, 2)) as cost_per_mql,
        cast(spend / nullif(opportunities, 0) as decimal(18, 2))
            as cost_per_qualified_opportunity,
        cast(spend / nullif(won_deals, 0) as decimal(18, 2)) as customer_acquisition_cost,
        is_partial_month
    from joined
)

select * from final
