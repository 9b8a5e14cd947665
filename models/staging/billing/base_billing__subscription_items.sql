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
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.subscription_item_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- started_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.started_at', 'renamed.ended_at'],
                    required=['renamed.started_at']
                ) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.unit_amount') }}
                then 'amount_out_of_range'
            when renamed.unit_amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'subscription_item_id') }}
)

select * from final
