with

source as (
    select * from {{ revops.raw('billing', 'subscriptions') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('subscription_id') }} as subscription_id,
        {{ revops.clean_text('customer_id') }} as customer_id,
        {{ revops.clean_code('status') }} as status,
        {{ revops.clean_code('billing_interval') }} as billing_interval,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        started_at as started_at_raw,
        {{ revops.parse_timestamp('started_at') }} as started_at,
        cancel_requested_at as cancel_requested_at_raw,
        {{ revops.parse_timestamp('cancel_requested_at') }} as cancel_requested_at,
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
            when renamed.subscription_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- started_at is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.started_at', 'renamed.cancel_requested_at', 'renamed.ended_at'],
                    required=['renamed.started_at']
                ) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'subscription_id') }}
)

select * from final
