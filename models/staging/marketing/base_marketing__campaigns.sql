with

source as (
    select * from {{ revops.raw('marketing', 'campaigns') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

renamed as (
    select
        {{ revops.clean_text('campaign_id') }} as campaign_id,
        {{ revops.clean_text('campaign_name') }} as campaign_name,
        {{ revops.clean_code('channel') }} as channel,
        {{ revops.clean_code('utm_source') }} as utm_source,
        {{ revops.clean_code('utm_medium') }} as utm_medium,
        {{ revops.clean_code('utm_campaign') }} as utm_campaign,
        budget_amount,
        {{ revops.clean_iso_code('currency_code') }} as currency_code,
        started_on as start_date_raw,
        {{ revops.parse_date('started_on') }} as start_date,
        ended_on as end_date_raw,
        {{ revops.parse_date('ended_on') }} as end_date,
        _loaded_at,
        coalesce(_deleted, false) as is_deleted_in_source
    from source
),

judged as (
    select
        renamed.*,
        case
            when renamed.campaign_id is null then 'missing_key'
            when renamed._loaded_at is null then 'missing_load_time'
            when renamed.is_deleted_in_source then 'deleted_in_source'
            when
                {{ revops.has_unparseable_date(['renamed.start_date', 'renamed.end_date']) }}
                then 'unparseable_date'
            when currencies.currency_code is null then 'unknown_currency'
            when {{ revops.is_out_of_range_amount('renamed.budget_amount') }}
                then 'amount_out_of_range'
            when renamed.budget_amount < 0 then 'negative_amount'
        end as row_defect
    from renamed
    left join currencies
        on renamed.currency_code = currencies.currency_code
),

final as (
    {{ revops.keep_latest_valid('judged', 'campaign_id') }}
)

select * from final
