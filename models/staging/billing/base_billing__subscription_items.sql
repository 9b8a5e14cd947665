with

source as (
    select * from {{ revops.raw('billing', 'subscription_items') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('subscription_item_id') }} as subscription_item_id,
        {{ revops.clean_text('subscription_id') }} as subscription_id,
        {{ revops.clean_code('plan_code') }} as plan_code,
        unit_amount,
        quantity,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        started_at as started_at_raw,
        {{ revops.parse_timestamp('started_at') }} as started_at,
        ended_at as ended_at_raw,
        {{ revops.parse_timestamp('ended_at') }} as ended_at,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source,
        {{ revops.key_rank(revops.clean_text('subscription_item_id')) }} as key_rank
    from source
),

final as (
    select
        renamed.*,
        case
            when renamed.subscription_item_id is null then 'missing_key'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when renamed.key_rank > 1 then 'duplicate_key'
            -- started_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.started_at', 'renamed.ended_at'],
                    required=['renamed.started_at']
                ) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
            when renamed.unit_amount < 0 then 'negative_amount'
        end as rejection_reason
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
)

select * from final
