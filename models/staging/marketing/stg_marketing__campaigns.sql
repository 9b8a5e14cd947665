with

base as (
    select * from {{ ref('base_marketing__campaigns') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        budget_amount,
        currency_code,
        start_date,
        end_date,
        _loaded_at
    from base
    where rejection_reason is null
)

select * from final
