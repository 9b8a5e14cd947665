with

base as (
    select * from {{ ref('base_marketing__ad_spend') }}
),

final as (
    select
        spend_id,
        campaign_id,
        spend_date,
        spend_amount,
        currency_code,
        impressions,
        clicks,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
