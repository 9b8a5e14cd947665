with

source as (
    select * from {{ revops.raw('marketing', 'ad_spend') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('spend_id') }} as spend_id,
        {{ revops.clean_text('campaign_id') }} as campaign_id,
        spend_date as spend_date_raw,
        {{ revops.parse_date('spend_date') }} as spend_date,
        spend_amount,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        impressions,
        clicks,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.spend_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            -- spend_date is required: missing counts as unparseable
            when
                {{ revops.has_unparseable_date(
                    ['renamed.spend_date'], required=['renamed.spend_date']
                ) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.spend_amount') }}
                then 'amount_out_of_range'
            when renamed.spend_amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'spend_id') }}
)

select * from final
